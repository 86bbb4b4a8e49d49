"""NumPy references shared by the spike-timing synapse tests (independent of the library's code)."""

from __future__ import annotations

import numpy as np


def np_traces(spikes: np.ndarray, dt: float, tau: float) -> np.ndarray:
    """z <- z exp(-dt/tau) + s over the leading time axis: the trace including this step's spike."""
    z, out = np.zeros(spikes.shape[1:]), []
    for s in spikes:
        z = z * np.exp(-dt / tau) + s
        out.append(z)
    return np.asarray(out, np.float32)


def spikes_and_traces(seed: int, steps: int, batch: int, n_in: int, n_out: int, p: float, tau_pre: float,
                      tau_post: float, dt: float = 1.0) -> tuple:
    """Random pre/post spike trains (probability ``p`` per step) and their traces: ``s_pre, s_post, x, y``."""
    rng = np.random.default_rng(seed)
    s_pre = (rng.random((steps, batch, n_in)) < p).astype(np.float32)
    s_post = (rng.random((steps, batch, n_out)) < p).astype(np.float32)
    return s_pre, s_post, np_traces(s_pre, dt, tau_pre), np_traces(s_post, dt, tau_post)
