"""Potjans & Diesmann (2014): the cortical microcircuit, eight populations in four layers.

The network is table-driven (8 x 8 projections), so it is built in Python by
:func:`museum.microcircuit.network.build_network` rather than from a YAML file. The exhibit's one
extra component is :class:`PoissonExpDrive`, the external input of the model: each neuron receives
``K_ext`` independent Poisson trains of 8 Hz, i.e. one Poisson train of rate ``8 K_ext`` Hz, each
spike adding an exponentially decaying current, plus a constant current.
"""

from __future__ import annotations

import math
from typing import Any

import jax
import jax.numpy as jnp

from contexts import Component, Input, Output
from contexts.params import count, positive, real


class PoissonExpDrive(Component):
    """External drive as an exponential synaptic current:
    ``outputs <- outputs exp(-dt / tau) + weight n + dc (1 - exp(-dt / tau))``, ``n ~ Poisson(rate dt / 1000)``
    (drawn by :func:`poisson_by_inversion` while every mean is at most 8, else by ``jax.random.poisson``).

    The constant part converges to ``dc``; each Poisson spike adds ``weight`` (pA) decaying with ``tau``.

    Parameters:
        n_units: number of driven neurons.
        weight: current added per input spike, pA (87.8).
        tau: decay time constant of the current, ms (0.5).

    Compartments:
        rate (input, (batch, n_units)): total input rate per neuron, Hz (clamp it; 0 = silent).
        dc (input, (batch, n_units)): constant current per neuron, pA (clamp it; default 0).
        outputs (output, (batch, n_units)): the current, pA; starts at 0.
    """

    param_rules = {"n_units": count(), "weight": real(), "tau": positive("ms")}

    def __init__(self, name: str, n_units: int, weight: float = 87.8, tau: float = 0.5):
        super().__init__(name)
        self.n_units = n_units
        self.weight = weight
        self.tau = tau
        self.rate = Input((n_units,), init=0.0, required=False, doc="total Poisson rate per neuron, Hz")
        self.dc = Input((n_units,), init=0.0, required=False, doc="constant current per neuron, pA")
        self.outputs = Output((n_units,), doc="drive current (pA)")

    def advance_state(self, c: Any, *, t: Any, dt: float, key: Any) -> dict:
        decay = math.exp(-dt / self.tau)
        lam = jnp.maximum(c.rate, 0.0) * (dt / 1000.0)
        n = jax.lax.cond(jnp.max(lam) <= INVERSION_MAX_MEAN, lambda: poisson_by_inversion(key, lam),
                         lambda: jax.random.poisson(key, lam, lam.shape).astype(lam.dtype))
        return {"outputs": c.outputs * decay + self.weight * n + c.dc * (1.0 - decay)}


#: means up to which :func:`poisson_by_inversion` is used (P(n > INVERSION_TERMS) < 1e-10 there)
INVERSION_MAX_MEAN = 8.0
INVERSION_TERMS = 32


def poisson_by_inversion(key: Any, lam: Any) -> Any:
    """Poisson counts of mean ``lam`` (<= 8) from one uniform each: ``n = #{k : u > F(k)}``, ``F`` the CDF
    summed term by term (``p_k = p_{k-1} lam / k``, ``p_0 = e^-lam``) up to :data:`INVERSION_TERMS`.

    Why: ``jax.random.poisson`` loops until every entry is drawn, drawing fresh uniforms for all of them
    each time; at the full microcircuit's 77,169 neurons (means 1.2-2.3 per step) that was the largest
    part of the step once the synapses became event-driven. This is one fused pass."""
    u = jax.random.uniform(key, lam.shape, lam.dtype)
    p = jnp.exp(-lam)
    cdf, n = p, jnp.zeros_like(lam)
    for k in range(1, INVERSION_TERMS + 1):
        n = n + (u > cdf)
        p = p * lam / k
        cdf = cdf + p
    return n
