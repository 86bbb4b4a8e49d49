"""EventDrivenSynapse: a static projection whose cost scales with the presynaptic events.

    outputs = inputs @ (weights * resist_scale) + biases      (as DenseSynapse)

computed from the nonzero inputs only (:mod:`components.rules.events`): for each sample the indices
of the (at most ``capacity``) nonzero inputs are found, those rows of ``W`` gathered and summed,
``capacity x n_out`` work instead of ``n_in x n_out``. The result is the dense product up to the
order of the floating-point sum. A step with more events than ``capacity`` in some sample is
computed densely instead (never a dropped spike); ``max_events`` records the largest count of
events seen in one step since the last reset, and
:func:`components.rules.events.check_capacity` raises a named error if it exceeded ``capacity``.

Use it for spiking inputs at low rates (benchmarks/event_driven.py measures the crossover: the event
form wins when ``capacity`` is a small fraction of ``n_in``). Weights are stored dense, so the
plastic rules of the dense synapses apply unchanged to ``weights``.

Compartments: DenseSynapse's (inputs, outputs, weights, biases, mask) and
    max_events (state, (batch,), int32): most events seen in one step (per sample) since the reset.

Parameters: as DenseSynapse (``layout`` is always dense), plus ``capacity`` (events per sample per
step the fast path takes; default ``max(16, n_in // 64)``).
"""

from __future__ import annotations

from typing import Any

import jax.numpy as jnp

from contexts import State
from contexts.params import count, optional

from ..rules.events import event_count, event_forward
from .dense import DenseSynapse


class EventDrivenSynapse(DenseSynapse):
    """DenseSynapse computed from its nonzero inputs (see the module docstring)."""

    param_rules = {**{k: v for k, v in DenseSynapse.param_rules.items() if k != "layout"},
                   "capacity": optional(count())}

    def __init__(self, name: str, shape: tuple, weight_init: dict | None = None, bias_init: dict | None = None,
                 resist_scale: float = 1.0, p_conn: float = 1.0, capacity: int | None = None):
        super().__init__(name, shape, weight_init, bias_init, resist_scale, p_conn, layout="dense")
        self.capacity = max(16, self.shape[0] // 64) if capacity is None else int(capacity)
        self.max_events = State((), dtype="int32", doc="most presynaptic events in one step since the reset")

    def advance_state(self, c: Any, *, t: Any, dt: float, key: Any) -> dict:
        n = event_count(c.inputs)
        out = event_forward(c.inputs, c.weights, min(self.capacity, self.shape[0]), n)
        return {"outputs": out * self.resist_scale + c.biases, "max_events": jnp.maximum(c.max_events, n)}
