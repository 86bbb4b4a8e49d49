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
