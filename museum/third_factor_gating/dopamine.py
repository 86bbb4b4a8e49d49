"""Dopamine: a spike-contingent reward signal for the reward-modulated STDP exhibit.

    d <- d * exp(-dt / tau_d) + reward * sum(spikes)

``reward`` (input, (batch, 1)) is the value of a spike now (+1 during the rewarded pattern, -1 during
the other, fed per step by the script); ``spikes`` (input, (batch, n_units)) the neuron's spikes;
``outputs`` (output, (batch, 1)) the dopamine level that modulates plasticity. tau_d in ms.
"""

from __future__ import annotations

from typing import Any

import jax.numpy as jnp

from contexts import Component, Input, Output
from contexts.errors import ValidationError


class Dopamine(Component):
    def __init__(self, name: str, n_units: int, tau_d: float = 50.0):
        super().__init__(name)
        if tau_d <= 0:
            raise ValidationError(f"{name}: tau_d must be > 0 ms, got {tau_d}")
        self.n_units = n_units
        self.tau_d = tau_d
        self.spikes = Input((n_units,), doc="spikes of the rewarded neuron(s)")
        self.reward = Input((1,), doc="value of a spike at this step (+1 rewarded, -1 punished)")
        self.outputs = Output((1,), doc="dopamine level")

    def advance_state(self, c: Any, *, t: Any, dt: float, key: Any) -> dict:
        decay = jnp.exp(-dt / self.tau_d)
        return {"outputs": c.outputs * decay + c.reward * jnp.sum(c.spikes, axis=-1, keepdims=True)}
