"""BernoulliCell: a spike encoder that emits with probability ``inputs`` each step,
``s ~ Bernoulli(clip(inputs, 0, 1))``; ``tols <- t`` (ms) on a spike, ``tols = -1e9`` means "never spiked".
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp

from contexts import Component, Input, Output
from contexts.params import count

from ...rules.traces import NEVER, update_tols


def bernoulli_spikes(key: Any, p: Any) -> Any:
    """0/1 spikes with probability ``p`` (clipped to [0, 1]), same shape and dtype as ``p``."""
    u = jax.random.uniform(key, jnp.shape(p), dtype=jnp.result_type(p))
    return (u < jnp.clip(p, 0.0, 1.0)).astype(jnp.result_type(p))


class BernoulliCell(Component):
    """Bernoulli spike encoder: ``s ~ Bernoulli(inputs)`` independently per unit and step.

    Parameters:
        n_units: number of units.

    Compartments:
        inputs (input, (batch, n_units)): spike probability per step, in [0, 1] (clipped).
        outputs (output, (batch, n_units)): spikes 0/1.
        tols (output, (batch, n_units)): time of last spike (ms); -1e9 = never.
    """

    param_rules = {"n_units": count()}

    def __init__(self, name: str, n_units: int):
        super().__init__(name)
        self.n_units = n_units
        self.inputs = Input((n_units,), doc="spike probability per step")
        self.outputs = Output((n_units,), doc="spikes (0/1)")
        self.tols = Output((n_units,), init=NEVER, doc="time of last spike (ms); -1e9 = never")

    def advance_state(self, c: Any, *, t: Any, dt: float, key: Any) -> dict:
        s = bernoulli_spikes(key, c.inputs)
        return {"outputs": s, "tols": update_tols(c.tols, s, t)}
