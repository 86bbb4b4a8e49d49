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

LAYOUTS = ("dense", "edges", "events", "auto")
# measured crossover on the 2-core CPU (benchmarks/README.md, section 4), as
# (largest p_conn, fewest possible connections n_in * n_out, largest batch or None):
# at p <= 0.01 the edges win from 300 x 300 at batch 1 (10-44x) and batch 32 (1.3-4x); at p = 0.1
# only at batch 1 and from 1000 x 1000 (1.2-4.5x); elsewhere the dense BLAS product wins
AUTO_EDGE_RULES = ((0.01, 300 * 300, None), (0.1, 1000 * 1000, 1))


def in_degree(p_conn: float, n_in: int) -> int:
    """Presynaptic partners per postsynaptic neuron: ``max(1, round(p_conn * n_in))``."""
    return max(1, min(n_in, int(round(p_conn * n_in))))


def choose_layout(name: str, layout: str, p_conn: float, shape: tuple, batch_size: int = 1,
                  allow_full: bool = False) -> str:
    """Resolve ``"auto"`` to ``"dense"`` or ``"edges"`` for a projection of density ``p_conn``; reject
    unknown layouts (and ``"edges"`` for a fully connected ``p_conn``, unless ``allow_full``)."""
    if layout not in LAYOUTS:
        raise ValidationError(f"{name}: layout must be one of {', '.join(LAYOUTS)}, got {layout!r}")
    if layout == "edges" and p_conn >= 1.0 and not allow_full:
        raise ValidationError(f"{name}: layout='edges' needs p_conn < 1 (a fully connected projection is "
                              f"fastest dense)")
    if layout != "auto":
        return layout
    size = shape[0] * shape[1]
    sparse_wins = any(p_conn <= p_max and size >= size_min and (max_batch is None or batch_size <= max_batch)
                      for p_max, size_min, max_batch in AUTO_EDGE_RULES)
    return "edges" if sparse_wins else "dense"


def fixed_indegree(n_in: int) -> Callable[[jax.Array, tuple, Any], jax.Array]:
    """``init(key, (k, n_out), dtype)``: for each post neuron, k distinct pre neurons, sorted."""
    def init(key: jax.Array, shape: tuple, dtype: Any) -> jax.Array:
        k, n_out = shape
        keys = jax.random.split(key, n_out)
        # the positions of the k largest of n_in uniforms per post neuron: a draw without replacement;
        # 256 post neurons at a time, so that drawing never holds an n_in x n_out array
        draw = jax.lax.map(lambda kk: jnp.sort(jax.lax.top_k(jax.random.uniform(kk, (n_in,)), k)[1]), keys,
                           batch_size=256)
        return draw.T.astype(dtype)
    return init


def edge_forward(inputs: Any, weights: Any, pre_index: Any) -> Any:
    """``outputs[b, j] = sum_s inputs[b, pre_index[s, j]] * weights[s, j]`` -> ``(batch, n_out)``.

    One sample at a time: on XLA's CPU backend the same gather with a batch axis
    (``inputs[:, pre_index]``) made the sparse step 7-23x slower (``benchmarks/README.md``, section 4)."""
    return jax.lax.map(lambda x: jnp.sum(x[pre_index] * weights, axis=0), inputs)


def edge_outer(a: Any, c: Any, pre_index: Any, per_sample: bool = False) -> Any:
    """``a^T c`` on the edges only: ``(k, n_out)`` summed over the batch, or ``(batch, k, n_out)``.

    Accumulated sample by sample (see :func:`edge_forward`), never materialising ``(batch, k, n_out)``
    unless ``per_sample``."""
    if per_sample:
        return jax.lax.map(lambda ac: ac[0][pre_index] * ac[1], (a, c))

    def add(acc: Any, ac: tuple) -> tuple:
        return acc + ac[0][pre_index] * ac[1], None

    zero = jnp.zeros(pre_index.shape, jnp.result_type(a, c))
    return jax.lax.scan(add, zero, (a, c))[0]


def edges_to_dense(weights: Any, pre_index: Any, n_in: int) -> Any:
    """The equivalent dense ``(n_in, n_out)`` matrix (zeros where no edge exists)."""
    n_out = weights.shape[-1]
    post = jnp.broadcast_to(jnp.arange(n_out), pre_index.shape)
    return jnp.zeros((n_in, n_out), weights.dtype).at[pre_index, post].add(weights)
