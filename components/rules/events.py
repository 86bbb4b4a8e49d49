"""Event-driven propagation: work proportional to the number of presynaptic events, not to ``n_in``.

For sparse inputs (spikes at a few Hz: at dt = 0.1 ms under 0.1 % of neurons spike per step) the
dense product ``inputs @ W`` reads all ``n_in x n_out`` weights every step. The event form finds the
nonzero inputs of each sample (at most ``capacity`` of them, a fixed size so the step compiles
once), gathers those rows of ``W`` and sums them weighted by the inputs::

    idx    = the indices i with inputs[b, i] != 0        (padded to ``capacity``)
    out[b] = sum_c inputs[b, idx_c] * W[idx_c, :]         (capacity x n_out work)

which is ``inputs @ W`` exactly, up to the order of the floating-point sum (bit-identical whenever
those sums are exact, e.g. binary spikes and weights on a common dyadic grid). Spikes are never
dropped: a step in which any sample has more than ``capacity`` events takes the dense product
instead (one branch runs, ``lax.cond``), and the caller records the largest count seen
(:func:`event_count`) so the capacity can be sized (and :func:`check_capacity` raises when it was
exceeded).
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp


class EventCapacityError(RuntimeError):
    """A step had more presynaptic events than an event-driven synapse's ``capacity``."""


def event_count(inputs: Any) -> Any:
    """Events (nonzero inputs) per sample: ``(batch,)`` int32."""
    return jnp.count_nonzero(inputs, axis=-1).astype(jnp.int32)


def event_forward(inputs: Any, weights: Any, capacity: int, count: Any = None) -> Any:
    """``inputs @ weights`` from the nonzero inputs only; the dense product when they exceed ``capacity``.

    ``inputs`` ``(batch, n_in)``, ``weights`` ``(n_in, n_out)``; returns ``(batch, n_out)``."""
    inputs, weights = jnp.asarray(inputs), jnp.asarray(weights)
    count = event_count(inputs) if count is None else count

    def sparse(x: Any) -> Any:
        def one(row: Any, n: Any) -> Any:
            idx = jnp.nonzero(row, size=capacity, fill_value=0)[0]
            vals = jnp.where(jnp.arange(capacity) < n, row[idx], jnp.zeros((), row.dtype))
            return vals @ weights[idx]
        return jax.vmap(one)(x, count)

    return jax.lax.cond(jnp.any(count > capacity), lambda x: x @ weights, sparse, inputs)


def check_capacity(ctx: Any) -> None:
    """Raise :class:`EventCapacityError` if a step of an event-driven synapse (EventDrivenSynapse, or any
    synapse in ``layout="events"``) of ``ctx`` exceeded its capacity (those steps took the slow path,
    the dense product or every out-edge row, so results are right but slower)."""
    for comp in ctx._components.values():
        if getattr(comp, "capacity", None) is None or "max_events" not in comp._compartments:
            continue
        seen = int(jnp.max(ctx.get(f"{comp.name}.max_events")))
        if seen > comp.capacity:
            slow = "every row of its out-edges" if getattr(comp, "layout", None) == "events" else "the dense product"
            raise EventCapacityError(
                f"{comp.name}: a step had {seen} presynaptic events but capacity = {comp.capacity}; those "
                f"steps fell back to {slow}. Build it with capacity >= {seen}")
