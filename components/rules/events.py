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


#: flags per block of :func:`event_indices` (fastest of 8 / 16 / 32 measured for 800-20,000 inputs)
INDEX_BLOCK = 8


def event_indices(inputs: Any, size: int) -> Any:
    """The indices of the nonzero inputs of each sample, ascending, padded with 0 to ``size``:
    ``(batch, size)`` int32, equal to ``jnp.nonzero(row, size=size, fill_value=0)[0]`` per row.

    Two levels, so no prefix sum runs over all ``n_in`` flags (``jnp.nonzero``'s cumulative sum and
    scatter of ``n_in`` elements cost 25 us at n_in = 3,200 on the CPU; this 5.5 us): count the
    events of each block of :data:`INDEX_BLOCK` inputs, prefix-sum the ``n_in / 8`` block counts, find
    each slot's block from those sums (a histogram and a prefix sum over the ``size`` slots), then its
    position inside the block. Its arguments are only the inputs, so synapses that read the same
    spikes with the same ``size`` compute it once (XLA merges identical expressions)."""
    inputs = jnp.asarray(inputs)
    batch, n = inputs.shape
    nb = -(-n // INDEX_BLOCK)
    flags = jnp.pad(inputs != 0, ((0, 0), (0, nb * INDEX_BLOCK - n))).reshape(batch, nb, INDEX_BLOCK)
    per_block = flags.sum(-1, dtype=jnp.int32)
    ends = jnp.cumsum(per_block, axis=-1)                  # events up to and including each block
    slot = jnp.arange(size, dtype=jnp.int32)

    def one(flags: Any, per_block: Any, ends: Any) -> Any:
        # blocks that end at or before slot j: a histogram of the ends, summed up to j
        block = jnp.cumsum(jnp.zeros((size,), jnp.int32).at[ends].add(1, mode="drop"))
        block = jnp.minimum(block, nb - 1)
        rank = slot - (ends[block] - per_block[block])     # the slot's rank among its block's events
        rows = flags[block]
        seen = jnp.cumsum(rows, axis=-1, dtype=jnp.int32)
        pos = jnp.argmax((seen == rank[:, None] + 1) & rows, axis=-1).astype(jnp.int32)
        return jnp.where(slot < ends[-1], block * INDEX_BLOCK + pos, 0)

    return jax.vmap(one)(flags, per_block, ends)


def for_each_event(flags: Any, size: int, body: Any, carry: Any) -> Any:
    """``carry = body(i, carry)`` for each ``i`` with ``flags[i]`` (a ``(n,)`` bool vector), ascending.

    The indices are found ``size`` at a time (:func:`event_indices`), so a step with more events costs
    one more search, never a dense fallback; the loop runs as many times as there are events."""
    n = flags.shape[0]
    size = max(1, min(size, n))
    position = jnp.arange(n, dtype=jnp.int32)

    def chunk(state: tuple) -> tuple:
        start, left, carry = state
        todo = flags & (position >= start)
        idx = event_indices(todo[None], size)[0]
        carry = jax.lax.fori_loop(0, jnp.minimum(left, size), lambda e, cr: body(idx[e], cr), carry)
        return idx[size - 1] + 1, left - size, carry

    total = flags.sum(dtype=jnp.int32)
    return jax.lax.while_loop(lambda state: state[1] > 0, chunk, (jnp.int32(0), total, carry))[2]


def event_forward(inputs: Any, weights: Any, capacity: int, count: Any = None) -> Any:
    """``inputs @ weights`` from the nonzero inputs only; the dense product when they exceed ``capacity``.

    ``inputs`` ``(batch, n_in)``, ``weights`` ``(n_in, n_out)``; returns ``(batch, n_out)``."""
    inputs, weights = jnp.asarray(inputs), jnp.asarray(weights)
    count = event_count(inputs) if count is None else count

    index = event_indices(inputs, capacity)

    def sparse(x: Any) -> Any:
        def one(row: Any, idx: Any, n: Any) -> Any:
            vals = jnp.where(jnp.arange(capacity) < n, row[idx], jnp.zeros((), row.dtype))
            return vals @ weights[idx]
        return jax.vmap(one)(x, index, count)

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
