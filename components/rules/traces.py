"""Trace filters and spike-time bookkeeping as pure functions of arrays.

A trace ``z`` low-pass filters a spike train ``s`` (0/1). Between spikes it decays,

    exp:  tau_tr dz/dt = -z          ->  z <- z * exp(-dt / tau_tr)     (exact step)
    lin:  the Euler step of the same  ->  z <- z * max(0, 1 - dt / tau_tr)
    step: no memory                   ->  z <- 0 * z

times an extra factor ``gamma`` (ngc-learn's ``gamma_tr``, default 1). Then a spike acts in one
of three modes (ngc-learn's ``VarTrace``):

    increment: z <- z_dec + a_delta * s                                (all-to-all pairing)
    set:       z <- z_dec * (1 - s) + a_delta * s                      (set to a; "gated")
    nearest:   z <- z_dec + s * (a_delta - z_prev / n_nearest)         (nearest-spike pairing)

where ``z_dec`` is the decayed trace and ``z_prev`` the trace before the decay. With
``n_nearest = 1`` and ``gamma = 1`` the nearest mode sets the trace to ``a_delta`` up to the decay
of the previous value, as in Morrison et al. (2008) "Phenomenological models of synaptic
plasticity based on spike timing", Biol. Cybern. 98:459.

Time of last spike (``tols``, ms): ``tols <- t`` where ``s`` is 1, unchanged elsewhere; the value
:data:`NEVER` (-1e9 ms) means "has not spiked yet", so a real spike at ``t = 0`` is not lost.
"""

from __future__ import annotations

from typing import Any

import jax.numpy as jnp

DECAY_TYPES = ("exp", "lin", "step")
TRACE_MODES = ("increment", "set", "nearest")
NEVER = -1e9  # tols value for "has not spiked yet" (ms)


def decay_factor(dt: float, tau: Any, decay_type: str = "exp") -> Any:
    """Per-step multiplicative decay of a trace with time constant ``tau`` (ms) over ``dt`` (ms)."""
    if decay_type == "exp":
        return jnp.exp(-dt / jnp.asarray(tau))
    if decay_type == "lin":
        return jnp.maximum(0.0, 1.0 - dt / jnp.asarray(tau))
    if decay_type == "step":
        return jnp.zeros_like(jnp.asarray(tau, dtype=jnp.result_type(float)))
    raise ValueError(f"decay_type must be one of {DECAY_TYPES}, got {decay_type!r}")


def trace_step(z: Any, s: Any, decay: Any, *, mode: str = "increment", a_delta: Any = 1.0,
               gamma: Any = 1.0, n_nearest: Any = 1.0) -> Any:
    """One step of a trace filter: decay ``z`` by ``gamma * decay``, then apply spikes ``s``.

    Args:
        z: trace before the step.
        s: spikes of this step (0/1, or any real pulse).
        decay: the per-step decay factor (:func:`decay_factor`).
        mode: ``"increment"``, ``"set"`` or ``"nearest"`` (see the module docstring).
        a_delta: increment (``increment``/``nearest``) or value set on a spike (``set``).
        gamma: extra factor on the decayed trace (ngc-learn's ``gamma_tr``).
        n_nearest: ``k`` of the nearest-spike mode.
    """
    z_dec = gamma * z * decay
    if mode == "increment":
        return z_dec + a_delta * s
    if mode == "set":
        return z_dec * (1.0 - s) + a_delta * s
    if mode == "nearest":
        return z_dec + s * (a_delta - z / n_nearest)
    raise ValueError(f"trace mode must be one of {TRACE_MODES}, got {mode!r}")


def update_tols(tols: Any, s: Any, t: Any) -> Any:
    """Time of last spike: ``t`` where ``s > 0``, the old value elsewhere."""
    return jnp.where(s > 0, jnp.asarray(t, dtype=jnp.result_type(tols)), tols)
