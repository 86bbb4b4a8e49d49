"""TTFSCell: time-to-first-spike code, one spike per unit within a window of ``num_steps`` steps,
the larger the input the earlier (Gollisch & Meister 2008, Science 319:1108; ngc-learn's TTFSCell).

Target step (from the start of the presentation) of an input ``x``, clipped to ``[1e-7, 1]``:

    exponential: k* = round((e^{-x} - e^{-1}) / (e^{-1e-7} - e^{-1}) (num_steps - 1))
    logarithmic: k* = clip(round(-log x / m (num_steps - 1)), 0, num_steps - 1),
                 m = max(-log 0.01, max over the sample's units of -log x)

(x = 1 spikes in the first step; with the exponential map x -> 0 spikes at the last.) Discrete update
actually computed: ``n`` counts the steps since ``reset``; a unit spikes in the step with
``n = k*`` unless it has spiked already (``has_fired``), and ``tols <- t``. The target is computed
each step from the current input (hold it over a presentation).
"""

from __future__ import annotations

from typing import Any

import jax.numpy as jnp

from contexts import Component, Input, Output, State
from contexts.params import choice, count, integer

from ...rules.traces import NEVER, update_tols

MODES = ("exponential", "logarithmic")


def ttfs_steps(x: Any, num_steps: int, latency_mode: str) -> Any:
    """Target steps ``k*`` of inputs ``x`` (see the module docstring), as floats."""
    xc = jnp.clip(x, 1e-7, 1.0)
    if latency_mode == "exponential":
        e1 = jnp.exp(-1.0)
        norm = (jnp.exp(-xc) - e1) / (jnp.exp(-1e-7) - e1)
        return jnp.round(norm * (num_steps - 1))
    raw = -jnp.log(xc)
    m = jnp.maximum(-jnp.log(0.01), jnp.max(raw, axis=-1, keepdims=True))
    return jnp.clip(jnp.round(raw / m * (num_steps - 1)), 0, num_steps - 1)


class TTFSCell(Component):
    """Time-to-first-spike encoder: one spike at step ``k*(x)`` of a ``num_steps`` window (see the
    module docstring).

    Parameters (ngc-learn's defaults):
        n_units: number of units.
        num_steps: steps of the coding window (100).
        latency_mode: ``"exponential"`` (default) or ``"logarithmic"``.

    Compartments:
        inputs (input, (batch, n_units)): intensities in [0, 1].
        outputs (output, (batch, n_units)): spikes 0/1.
        tols (output, (batch, n_units)): time of last spike (ms); -1e9 = never.
        target_spike_times (output, (batch, n_units)): the target step k*.
        has_fired (state, (batch, n_units)): 1 once the unit has spiked.
        n_steps (state, (batch, 1)): steps since reset, at the start of the step.
    """

    param_rules = {"n_units": count(), "num_steps": integer(1, 10 ** 9), "latency_mode": choice(*MODES)}

    def __init__(self, name: str, n_units: int, num_steps: int = 100, latency_mode: str = "exponential"):
        super().__init__(name)
        self.n_units = n_units
        self.num_steps = num_steps
        self.latency_mode = latency_mode
        self.inputs = Input((n_units,), doc="intensities in [0, 1]")
        self.outputs = Output((n_units,), doc="spikes (0/1)")
        self.tols = Output((n_units,), init=NEVER, doc="time of last spike (ms); -1e9 = never")
        self.target_spike_times = Output((n_units,), doc="target step k*")
        self.has_fired = State((n_units,), doc="1 once the unit has spiked")
        self.n_steps = State((1,), doc="steps since reset (at the start of the step)")

    def advance_state(self, c: Any, *, t: Any, dt: float, key: Any) -> dict:
        target = ttfs_steps(c.inputs, self.num_steps, self.latency_mode)
        s = (c.n_steps == target) * (1.0 - c.has_fired)
        return {"outputs": s, "tols": update_tols(c.tols, s, t), "target_spike_times": target,
                "has_fired": c.has_fired + s, "n_steps": c.n_steps + 1.0}
