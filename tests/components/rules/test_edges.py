"""Edge (fixed in-degree) layout maths against dense NumPy equivalents; the auto crossover."""

from __future__ import annotations

import jax
import numpy as np
import pytest

from components.rules.edges import choose_layout, edge_forward, edge_outer, edges_to_dense, fixed_indegree, in_degree
from contexts.errors import ValidationError

N_IN, N_OUT, K, B = 30, 7, 4, 3


def draw(seed: int = 0) -> tuple:
    idx = np.asarray(fixed_indegree(N_IN)(jax.random.PRNGKey(seed), (K, N_OUT), np.int32))
    rng = np.random.default_rng(seed)
    return idx, rng.normal(size=(K, N_OUT)).astype(np.float32), rng


def test_fixed_indegree_draws_k_distinct_sorted_partners() -> None:
    idx, _, _ = draw()
    assert idx.shape == (K, N_OUT) and idx.dtype == np.int32
    assert idx.min() >= 0 and idx.max() < N_IN
    for j in range(N_OUT):
        assert len(set(idx[:, j])) == K and np.all(np.diff(idx[:, j]) > 0)
    assert len({tuple(idx[:, j]) for j in range(N_OUT)}) > 1  # post neurons draw independently
    counts = np.bincount(np.concatenate([draw(s)[0].ravel() for s in range(200)]), minlength=N_IN)
    assert counts.min() > 0.6 * counts.mean() and counts.max() < 1.4 * counts.mean()  # uniform over pre


def test_forward_and_outer_equal_the_dense_matrix_forms() -> None:
    idx, w, rng = draw(1)
    dense = np.zeros((N_IN, N_OUT), np.float32)
    for s in range(K):
        for j in range(N_OUT):
            dense[idx[s, j], j] = w[s, j]
    np.testing.assert_array_equal(np.asarray(edges_to_dense(w, idx, N_IN)), dense)
    x, a, c = (rng.normal(size=(B, n)).astype(np.float32) for n in (N_IN, N_IN, N_OUT))
    np.testing.assert_allclose(np.asarray(edge_forward(x, w, idx)), x @ dense, rtol=1e-5, atol=1e-6)
    full = a.T @ c  # the dense Hebbian term, read at the edges
    np.testing.assert_allclose(np.asarray(edge_outer(a, c, idx)), full[idx, np.arange(N_OUT)], rtol=1e-5,
                               atol=1e-6)
    per = np.asarray(edge_outer(a, c, idx, per_sample=True))
    np.testing.assert_allclose(per[1], np.outer(a[1], c[1])[idx, np.arange(N_OUT)], rtol=1e-5, atol=1e-6)


def test_in_degree_and_auto_layout_follow_the_measured_crossover() -> None:
    assert in_degree(0.01, 784) == 8 and in_degree(1e-6, 50) == 1
    assert choose_layout("W", "auto", 0.01, (300, 300)) == "edges"
    assert choose_layout("W", "auto", 0.01, (300, 300), batch_size=32) == "edges"
    assert choose_layout("W", "auto", 0.01, (100, 100)) == "dense"
    assert choose_layout("W", "auto", 0.1, (1000, 1000)) == "edges"
    assert choose_layout("W", "auto", 0.1, (1000, 1000), batch_size=32) == "dense"
    assert choose_layout("W", "auto", 0.1, (300, 300)) == "dense"
    assert choose_layout("W", "auto", 0.3, (6400, 6400)) == "dense"
    assert choose_layout("W", "auto", 1.0, (10000, 10000)) == "dense"
    with pytest.raises(ValidationError, match="W: layout must be one of"):
        choose_layout("W", "sparse", 0.1, (10, 10))
    with pytest.raises(ValidationError, match="needs p_conn < 1"):
        choose_layout("W", "edges", 1.0, (10, 10))
