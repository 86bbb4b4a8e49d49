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
    ``outputs <- outputs exp(-dt / tau) + weight n + dc (1 - exp(-dt / tau))``, ``n ~ Poisson(rate dt / 1000)``.

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
        n = jax.random.poisson(key, lam, c.rate.shape).astype(c.rate.dtype)
        return {"outputs": c.outputs * decay + self.weight * n + c.dc * (1.0 - decay)}
