"""Sparse projections stored as edges with a fixed in-degree ("edges" layout of a synapse).

A projection ``n_in -> n_out`` with connection probability ``p_conn`` keeps, for every
postsynaptic neuron ``j``, exactly ``k = max(1, round(p_conn * n_in))`` distinct presynaptic
partners (NEST's ``fixed_indegree`` rule). Two ``(k, n_out)`` arrays hold it, post axis last like
a dense ``[pre, post]`` matrix::

    pre_index[s, j]  the presynaptic neuron of slot s of post neuron j   (int32, sorted per j)
    weights[s, j]    its efficacy

so the step touches ``k * n_out`` entries instead of ``n_in * n_out``::

    outputs[b, j]   = sum_s inputs[b, pre_index[s, j]] * weights[s, j]
    outer(a, c)[s, j] = sum_b a[b, pre_index[s, j]] * c[b, j]          (a Hebbian/STDP term)

Which layout is faster depends on size and density (``benchmarks/sparse.py``);
:func:`choose_layout` encodes the measured crossover.
"""

from __future__ import annotations

from typing import Any, Callable

import jax
import jax.numpy as jnp

from contexts.errors import ValidationError

LAYOUTS = ("dense", "edges", "auto")
# measured crossover (benchmarks/README.md, section 4): edges win at p <= 0.01 from 1000 x 1000
# and at p <= 0.1 from 3200 x 3200; the dense BLAS matrix product wins below that
AUTO_EDGE_RULES = ((0.01, 1000 * 1000), (0.1, 3200 * 3200))


def in_degree(p_conn: float, n_in: int) -> int:
    """Presynaptic partners per postsynaptic neuron: ``max(1, round(p_conn * n_in))``."""
    return max(1, min(n_in, int(round(p_conn * n_in))))


def choose_layout(name: str, layout: str, p_conn: float, shape: tuple) -> str:
    """Resolve ``"auto"`` to ``"dense"`` or ``"edges"``; reject unknown layouts."""
    if layout not in LAYOUTS:
        raise ValidationError(f"{name}: layout must be one of {', '.join(LAYOUTS)}, got {layout!r}")
    if layout == "edges" and p_conn >= 1.0:
        raise ValidationError(f"{name}: layout='edges' needs p_conn < 1 (a fully connected projection is "
                              f"fastest dense)")
    if layout != "auto":
        return layout
    size = shape[0] * shape[1]
    sparse_wins = any(p_conn <= p_max and size >= size_min for p_max, size_min in AUTO_EDGE_RULES)
    return "edges" if sparse_wins else "dense"


def fixed_indegree(n_in: int) -> Callable[[jax.Array, tuple, Any], jax.Array]:
    """``init(key, (k, n_out), dtype)``: for each post neuron, k distinct pre neurons, sorted."""
    def init(key: jax.Array, shape: tuple, dtype: Any) -> jax.Array:
        k, n_out = shape
        keys = jax.random.split(key, n_out)
        # the positions of the k largest of n_in uniforms per post neuron: a draw without replacement
        draw = jax.vmap(lambda kk: jnp.sort(jax.lax.top_k(jax.random.uniform(kk, (n_in,)), k)[1]))(keys)
        return draw.T.astype(dtype)
    return init


def edge_forward(inputs: Any, weights: Any, pre_index: Any) -> Any:
    """``outputs[b, j] = sum_s inputs[b, pre_index[s, j]] * weights[s, j]`` -> ``(batch, n_out)``."""
    return jnp.sum(inputs[:, pre_index] * weights, axis=1)


def edge_outer(a: Any, c: Any, pre_index: Any, per_sample: bool = False) -> Any:
    """``a^T c`` on the edges only: ``(k, n_out)`` summed over the batch, or ``(batch, k, n_out)``."""
    prod = a[:, pre_index] * c[:, None, :]
    return prod if per_sample else jnp.sum(prod, axis=0)


def edges_to_dense(weights: Any, pre_index: Any, n_in: int) -> Any:
    """The equivalent dense ``(n_in, n_out)`` matrix (zeros where no edge exists)."""
    n_out = weights.shape[-1]
    post = jnp.broadcast_to(jnp.arange(n_out), pre_index.shape)
    return jnp.zeros((n_in, n_out), weights.dtype).at[pre_index, post].add(weights)
