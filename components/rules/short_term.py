"""Tsodyks-Markram short-term plasticity: facilitation ``u`` and available resources ``x``.

Between presynaptic spikes (exact solutions; ``tau_f = 0``: ``u`` back to 0 at once, depression only)::

    tau_f du/dt = -u                 u <- u e^{-dt/tau_f}
    tau_d dx/dt = 1 - x              x <- 1 + (x - 1) e^{-dt/tau_d}

at a spike, in this order (Markram, Wang & Tsodyks 1998; Maass & Markram 2002; NEST's
``tsodyks2_synapse``)::

    u <- u + U (1 - u)               (facilitation: the first spike after a long pause releases U)
    r  = u x                         (fraction of the resources released: the efficacy of this spike)
    x <- x - r                       (depression)

For a regular train of period ``T`` the values just after each spike converge to::

    u* = U / (1 - (1 - U) e^{-T/tau_f})
    x* = (1 - e^{-T/tau_d}) / (1 - (1 - u*) e^{-T/tau_d})    (x just before a spike)
    r* = u* x*
"""

from __future__ import annotations

import math
from typing import Any

import jax.numpy as jnp


def stp_step(u: Any, x: Any, spikes: Any, U: float, tau_f: float, tau_d: float, dt: float) -> tuple:
    """One step: relax ``u``, ``x`` over ``dt``, then apply the spikes of this step. Returns ``(u, x, r)``,
    ``r = spikes * u x`` the fraction released (0 where no spike)."""
    u = u * math.exp(-dt / tau_f) if tau_f > 0 else jnp.zeros_like(u)
    x = 1.0 + (x - 1.0) * math.exp(-dt / tau_d)
    u = u + spikes * U * (1.0 - u)
    r = spikes * u * x
    return u, x - r, r


def stp_steady_state(U: float, tau_f: float, tau_d: float, period: float) -> tuple:
    """``(u*, x*, r*)`` of the module docstring for a regular train of period ``period`` (ms)."""
    ef = math.exp(-period / tau_f) if tau_f > 0 else 0.0
    ed = math.exp(-period / tau_d)
    u = U / (1.0 - (1.0 - U) * ef)
    x = (1.0 - ed) / (1.0 - (1.0 - u) * ed)
    return u, x, u * x
