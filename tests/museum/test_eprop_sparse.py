"""The sparse e-prop exhibit: the network it builds (both layouts, Dale's signs, g) and its --quick run
(exit 0, figure and results, the loss falls, no sign flips, the edges layout's state is smaller)."""

from __future__ import annotations

import json

import numpy as np

from museum import _common as mc
from museum.eprop_sparse import build, recurrent_weights, sign_check
from museum.eprop_sparse.__main__ import NAME, main

# measured: --quick (N = 500, k = 50, 30 iterations, seed 0) takes the loss 137.0 -> 37.2 (3.7x);
# the test asks for 2x
QUICK_LOSS_FACTOR = 2.0


def test_both_layouts_hold_the_same_signed_network():
    edges = build(n=100, k=10, g=5.0, layout="edges")
    dense = build(n=100, k=10, g=5.0, layout="dense")
    w = recurrent_weights(edges)
    assert np.array_equal(w != 0, np.asarray(dense.get("W_rec.mask")) != 0)  # the same connectivity draw
    assert np.all((w != 0).sum(axis=0) == 10) and np.all(np.diag(w) == 0)  # fixed in-degree, no autapses
    assert np.all(w[:80] >= 0) and np.all(w[80:] <= 0)  # 80 excitatory, 20 inhibitory presynaptic neurons
    assert abs(np.abs(w[80:][w[80:] != 0]).mean() / np.abs(w[:80][w[:80] != 0]).mean() - 5.0) < 1.0  # g
    assert sign_check(edges, np.asarray(edges.get("W_rec.weights")))["sign_flips"] == 0
    assert edges.get("W_rec.ebar").shape == (1, 10, 100) and dense.get("W_rec.ebar").shape == (1, 100, 100)


def test_quick_run_learns_keeps_dale_and_saves_memory(tmp_path):
    assert mc.run_main(main, NAME, ["--quick", "--out", str(tmp_path)]) == 0
    res = json.loads((tmp_path / "results.json").read_text())
    assert (tmp_path / "eprop_sparse.png").stat().st_size > 10_000
    assert res["n"] == 500 and res["k"] == 50 and res["iterations"] == 30
    assert np.isfinite(res["loss_first"]) and res["loss_last"] < res["loss_first"] / QUICK_LOSS_FACTOR
    assert res["sign_flips"] == 0 and res["wrong_sign"] == 0 and 0.0 <= res["pinned_at_zero"] < 0.5
    assert res["first_loss_dense_vs_edges_rel"] < 1e-4  # the dense form is the same network
    assert res["memory_ratio"] > 8.0  # N / k = 10 for the per-synapse compartments
    assert res["ms_per_iteration_edges"] > 0 and res["ms_per_iteration_dense"] > 0
