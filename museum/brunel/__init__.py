"""Brunel (2000): the sparse excitatory-inhibitory network of LIF neurons in its four regimes.

The exhibit's one extra component is :class:`PoissonDrive`, the external input of the model:
each neuron receives ``C_E`` independent Poisson trains of rate ``nu_ext``, i.e. one Poisson train
of rate ``C_E nu_ext``, each spike a jump of ``J`` mV.
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp

from contexts import Component, Input, Output
from contexts.params import count, real


class PoissonDrive(Component):
    """External Poisson drive: ``outputs = weight * n``, ``n ~ Poisson(rate * dt / 1000)`` per step.

    Parameters:
        n_units: number of driven neurons.
        weight: jump per input spike (mV with a delta-synapse LIF), default 0.1.

    Compartments:
        rate (input, (batch, n_units)): total input rate per neuron, Hz (clamp it; 0 = silent).
        outputs (output, (batch, n_units)): ``weight`` times the number of input spikes this step.
    """

    param_rules = {"n_units": count(), "weight": real()}

    def __init__(self, name: str, n_units: int, weight: float = 0.1):
        super().__init__(name)
        self.n_units = n_units
        self.weight = weight
        self.rate = Input((n_units,), init=0.0, required=False, doc="total Poisson rate per neuron, Hz")
        self.outputs = Output((n_units,), doc="weight x input spikes of this step")

    def advance_state(self, c: Any, *, t: Any, dt: float, key: Any) -> dict:
        lam = jnp.maximum(c.rate, 0.0) * (dt / 1000.0)
        n = jax.random.poisson(key, lam, c.rate.shape)
        return {"outputs": self.weight * n.astype(c.rate.dtype)}
