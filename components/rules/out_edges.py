"""Sparse projections stored as out-edge lists ("events" layout of a synapse).

A projection ``n_in -> n_out`` keeps the postsynaptic partners of each presynaptic neuron ``i`` in
row ``i`` of two ``(n_in, k)`` arrays, ``k`` the largest out-degree::

    post_index[i, s]  the postsynaptic neuron of slot s of pre neuron i   (int32)
    weights[i, s]     its efficacy; a neuron with fewer than k partners has weight 0 in its last
                      slots (which point at post neuron 0, a valid index)

This is the dense matrix ``W[i, j] = sum_{s: post_index[i, s] = j} weights[i, s]`` (repeated pairs,
multapses, add up). A step visits only the rows of the presynaptic neurons that are active::

    idx       = the indices i with x[b, i] != 0, ascending, at most ``capacity`` of them
    out[b, j] = sum_{i in idx} sum_s x[b, i] weights[i, s] [post_index[i, s] = j]   = (x @ W)[b, j]

a gather of ``len(idx)`` rows and a scatter-add into ``(batch, n_out)``: ``events x k`` work instead
of ``n_in x n_out`` (dense) or ``n_out x k_in`` (the in-edge ``edges`` layout), equal to ``x @ W`` up
to the order of the floating-point sums. The rows are scattered one event at a time, only as many
as there are events, so a step costs what its events cost, not what ``capacity`` allows.

Spikes are never dropped: a sample with more than ``capacity`` events in a step scatters all its rows
instead (``lax.cond``; :data:`BLOCK` rows at a time, so no ``(n_in, k)`` temporary), and the caller
keeps the largest count seen (``max_events``) for :func:`components.rules.events.check_capacity`.

Plastic synapses (:func:`plastic_step`) update only the edges that a step's spikes touch: the rows of
the presynaptic neurons that spiked and the in-edges of the postsynaptic neurons that spiked, found
through ``in_slots`` (:func:`in_slot_index`, each post neuron's in-edges as flat positions
``pre * k + slot``). For a rule whose update vanishes on every other edge (trace STDP: LTP needs a post
spike, LTD a pre spike) that is the dense rule exactly, at ``spikes x (k_out + k_in)`` work per step
instead of one pass over all edges.
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from contexts.params import ParameterError

#: rows scattered together on the overflow path (every row)
BLOCK = 16


def default_capacity(n_in: int) -> int:
    """Events per sample per step taken by the fast path unless given: ``max(16, n_in // 64)``."""
    return max(16, n_in // 64)


def _scatter_rows(out: Any, x: Any, rows: Any, on: Any, weights: Any, post_index: Any) -> Any:
    """``out`` (n_out,) plus ``x[i] * weights[i]`` scattered at ``post_index[i]`` for the ``rows`` where ``on``."""
    vals = jnp.where(on, x[rows], jnp.zeros((), x.dtype))
    return out.at[post_index[rows]].add(vals[:, None] * weights[rows], mode="promise_in_bounds")


def _events_one(x: Any, idx: Any, count: Any, weights: Any, post_index: Any, n_out: int, capacity: int) -> Any:
    """One sample's ``x @ W`` from its (at most ``capacity``) nonzero entries ``idx``, one row per event.

    One row a loop iteration: on the CPU a step of the COBA network (N = 4,000, ~16 events per step
    over its four projections) took 27 us this way and 32 / 35 / 38 us with 4 / 8 / 16 rows a time (the
    rows beyond ``count`` are scattered as zeros, so larger blocks do more work; at N = 40,000, ~170
    events per step over the four projections, one row a time was still the fastest: 334 vs 380-387 us)."""
    def body(e: Any, out: Any) -> Any:
        i = idx[e]
        return out.at[post_index[i]].add(x[i] * weights[i], mode="promise_in_bounds")

    return jax.lax.fori_loop(0, jnp.minimum(count, capacity), body, jnp.zeros((n_out,), weights.dtype))


def _all_rows_one(x: Any, weights: Any, post_index: Any, n_out: int) -> Any:
    """One sample's ``x @ W`` over every row (the overflow path), BLOCK rows at a time."""
    n_in = x.shape[0]
    block = min(BLOCK, n_in)
    lane = jnp.arange(block)

    def body(b: Any, out: Any) -> Any:
        start = jnp.minimum(b * block, n_in - block)    # the last block is shifted back: skip rows done
        rows = start + lane
        return _scatter_rows(out, x, rows, rows >= b * block, weights, post_index)

    return jax.lax.fori_loop(0, -(-n_in // block), body, jnp.zeros((n_out,), weights.dtype))


def out_edge_forward(inputs: Any, weights: Any, post_index: Any, n_out: int, capacity: int,
                     count: Any = None) -> Any:
    """``inputs @ W`` for ``W`` stored as out-edges -> ``(batch, n_out)``.

    ``inputs`` ``(batch, n_in)``; ``weights``, ``post_index`` ``(n_in, k)``; ``count`` the events per
    sample (``(batch,)``, :func:`components.rules.events.event_count`). Samples one at a time
    (``lax.map``), so that each takes its own branch: under ``vmap`` a ``cond`` runs both."""
    from .events import event_count, event_indices

    inputs, weights, post_index = jnp.asarray(inputs), jnp.asarray(weights), jnp.asarray(post_index)
    count = event_count(inputs) if count is None else count
    capacity = max(1, min(capacity, inputs.shape[-1]))
    # outside the per-sample branches, so projections from the same spikes share it
    index = event_indices(inputs, capacity)

    def one(xc: tuple) -> Any:
        x, idx, n = xc
        return jax.lax.cond(n > capacity, lambda: _all_rows_one(x, weights, post_index, n_out),
                            lambda: _events_one(x, idx, n, weights, post_index, n_out, capacity))

    return jax.lax.map(one, (inputs, index, count)).astype(jnp.result_type(inputs, weights))


def in_slot_index(post_index: np.ndarray, valid: np.ndarray, n_out: int) -> np.ndarray:
    """Each postsynaptic neuron's in-edges: ``(n_out, k_in)`` flat positions ``pre * k + slot`` into the
    ``(n_in, k)`` out-edge arrays, ascending, ``k_in`` the largest in-degree (at least 1); unused
    entries hold ``n_in * k`` (one past the last edge, dropped by the scatters that use them)."""
    post_index, valid = np.asarray(post_index), np.asarray(valid, bool)
    n_edges = post_index.size
    if n_edges >= 2**31 - 1:
        raise ParameterError(f"{n_edges} out-edge slots are more than int32 positions can address")
    flat = np.flatnonzero(valid.reshape(-1))
    # the edges grouped by their post neuron: the same grouping as the out-edges by their pre neuron
    positions, used, _ = pairs_to_out_edges(post_index.reshape(-1)[flat], flat, n_out)
    return np.where(used, positions, n_edges).astype(np.int32)


def _pair_outer(pre: Any, post: Any) -> Any:
    """``outer(a, b, per_sample=False)``: the batch-summed ``a[:, pre] * b[:, post]`` of each edge
    (``pre``, ``post`` its neurons, either one a scalar for all; the edge form of ``a^T b``)."""
    def column(x: Any, index: Any) -> Any:
        return x[:, index, None] if jnp.ndim(index) == 0 else x[:, index]

    def outer(a: Any, b: Any, per_sample: bool = False) -> Any:
        prod = column(a, pre) * column(b, post)
        return prod if per_sample else prod.sum(0)

    return outer


def plastic_step(step: Any, weights: Any, post_index: Any, in_slots: Any, pre_spike: Any, post_spike: Any,
                 capacity: int) -> tuple[Any, Any]:
    """New ``weights`` and the update ``dW`` (``(n_in, k)`` each; 0 on untouched edges) of a rule that
    changes only the edges of the neurons that spiked in this step (in any sample).

    ``step(position, w, outer) -> (w_new, dW)`` computes the rule at a vector of flat edge positions,
    ``w`` the weights there and ``outer(a, b, per_sample=False)`` the batch-summed ``a[:, pre] * b[:, post]``
    of each position's pair (the edge form of ``a^T b``). One spiking presynaptic neuron at a time, its
    row of ``k`` edges; then one spiking postsynaptic neuron at a time, its in-edges (``in_slots``)
    except those whose presynaptic neuron spiked (done already): every touched edge is computed once,
    from the weights before the step, and written in place. The loops run once per spiking neuron;
    their indices are found ``capacity`` at a time (:func:`components.rules.events.for_each_event`).
    ``dW`` comes from a second pass of the same loops, left out of the compiled step when unused."""
    from .events import for_each_event

    n_in, k = weights.shape
    n_edges = n_in * k
    flat, targets = weights.reshape(-1), post_index.reshape(-1)
    pre_on = jnp.any(pre_spike != 0, axis=0)                 # spiked in any sample
    post_on = jnp.any(post_spike != 0, axis=0)
    lanes = jnp.arange(k, dtype=jnp.int32)

    def visit(part: int, acc: Any, weights_in_acc: bool) -> Any:
        """``acc`` with ``step(...)[part]`` written at every touched edge, the weights read from ``acc``
        itself (the weights pass: each edge is read before it is written) or from ``flat``."""
        def by_row(i: Any, acc: Any) -> Any:
            start = i * k
            post = jax.lax.dynamic_slice(targets, (start,), (k,))
            w = jax.lax.dynamic_slice(acc if weights_in_acc else flat, (start,), (k,))
            value = step(start + lanes, w, _pair_outer(i, post))[part]
            return jax.lax.dynamic_update_slice(acc, value.astype(acc.dtype), (start,))

        def by_column(j: Any, acc: Any) -> Any:
            position = in_slots[j]
            safe = jnp.minimum(position, n_edges - 1)
            pre = safe // k
            w = (acc if weights_in_acc else flat)[safe]
            value = step(safe, w, _pair_outer(pre, j))[part]
            position = jnp.where(pre_on[pre], n_edges, position)   # dropped: padding, or a row done above
            return acc.at[position].set(value.astype(acc.dtype), mode="drop")

        return for_each_event(post_on, capacity, by_column, for_each_event(pre_on, capacity, by_row, acc))

    # two passes, so that a dW nobody reads is compiled away with its loops
    w = visit(0, flat, True)
    dW = visit(1, jnp.zeros_like(flat), False)
    return w.reshape(n_in, k), dW.reshape(n_in, k)


def out_edges_to_dense(weights: Any, post_index: Any, n_out: int) -> Any:
    """The equivalent dense ``(n_in, n_out)`` matrix (repeated pairs added; zeros where no edge)."""
    n_in = weights.shape[0]
    pre = jnp.broadcast_to(jnp.arange(n_in)[:, None], post_index.shape)
    return jnp.zeros((n_in, n_out), weights.dtype).at[pre, post_index].add(weights)


def pairs_to_out_edges(pre: np.ndarray, post: np.ndarray, n_in: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Connections ``pre[e] -> post[e]`` as ``(post_index, valid, edge)``, each ``(n_in, k)``.

    Row ``i`` holds neuron ``i``'s partners in the order given (``k`` its largest out-degree, at least 1);
    ``edge[i, s]`` is the position in ``pre``/``post`` of slot ``s`` (to place per-edge weights);
    unused slots have ``valid`` False, ``post_index`` 0 and ``edge`` 0."""
    pre = np.asarray(pre, np.int64)
    order = np.argsort(pre, kind="stable")
    counts = np.bincount(pre, minlength=n_in)
    k = max(int(counts.max()) if counts.size else 0, 1)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    pre_s = pre[order]
    slot = np.arange(len(order)) - starts[pre_s]
    post_index = np.zeros((n_in, k), np.int32)
    edge = np.zeros((n_in, k), np.int64)
    valid = np.zeros((n_in, k), bool)
    post_index[pre_s, slot] = np.asarray(post)[order]
    edge[pre_s, slot] = order
    valid[pre_s, slot] = True
    return post_index, valid, edge


class OutEdges(dict):
    """Explicit out-edge arrays for ``layout="events"``: ``connectivity=OutEdges(post_index, weights)``.

    ``post_index`` ``(n_in, k)`` integer postsynaptic indices; ``weights`` ``(n_in, k)`` efficacies (0 in
    unused slots) or None (then drawn from ``weight_init``, in every slot). Converted to device arrays
    once, so the caller may drop its NumPy copies (what the synapse keeps is these arrays).

    As a dict it is ``{"rule": "out_edges", "shape": [n_in, k]}``: what a saved model graph records (the
    arrays themselves are the synapse's ``post_index`` and ``weights`` params, saved with the state).
    That dict, read back, gives arrays of zeros to be replaced by the saved state."""

    def __init__(self, post_index: Any = None, weights: Any = None, *, shape: Any = None):
        if post_index is None:
            if shape is None or len(shape) != 2 or any(int(d) < 1 for d in shape):
                raise ParameterError(f"OutEdges: give post_index (n_in, k), or a shape [n_in, k]; got {shape!r}")
            shape = (int(shape[0]), int(shape[1]))
            self.post_index = jnp.zeros(shape, jnp.int32)
            self.weights = None if weights is None else jnp.asarray(weights, jnp.float32)
        else:
            pi = np.asarray(post_index)
            if pi.ndim != 2 or not np.issubdtype(pi.dtype, np.integer):
                raise ParameterError(f"OutEdges: post_index must be a 2-d integer array (n_in, k), got "
                                     f"{pi.dtype} {pi.shape}")
            shape = pi.shape
            self.post_index = jnp.asarray(pi, jnp.int32)
            self.weights = None if weights is None else jnp.asarray(weights, jnp.float32)
        if self.weights is not None and self.weights.shape != shape:
            raise ParameterError(f"OutEdges: weights must have post_index's shape {shape}, got {self.weights.shape}")
        self.shape = shape
        super().__init__(rule="out_edges", shape=list(shape))

    @classmethod
    def from_graph(cls, spec: dict, where: str) -> OutEdges:
        """The placeholder of a saved ``{"rule": "out_edges", "shape": [n_in, k]}``."""
        if set(spec) != {"rule", "shape"}:
            raise ParameterError(f"{where}: rule 'out_edges' takes only 'shape' ([n_in, k]); got keys {sorted(spec)}")
        return cls(shape=spec["shape"])

    def check(self, where: str, shape: tuple) -> None:
        """Named errors for arrays that do not fit an ``(n_in, n_out)`` projection."""
        n_in, n_out = shape
        if self.shape[0] != n_in:
            raise ParameterError(f"{where}: OutEdges has {self.shape[0]} rows but the projection has n_in = {n_in}")
        lo, hi = int(jnp.min(self.post_index)), int(jnp.max(self.post_index))
        if lo < 0 or hi >= n_out:
            raise ParameterError(f"{where}: OutEdges.post_index must lie in [0, {n_out}) (n_out), got [{lo}, {hi}]")
