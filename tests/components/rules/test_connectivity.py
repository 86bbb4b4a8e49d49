"""Connectivity rules: exact degrees, autapses, statistics, seeds, and the same network in both layouts."""

from __future__ import annotations

import numpy as np
import pytest

from components.rules.connectivity import (
    Connections,
    ConnectivityError,
    as_edges,
    as_mask,
    check_rule,
    distance_probability,
    draw,
    grid_positions,
    in_degrees,
    out_degrees,
)
from components.synapses import DenseSynapse, HebbianSynapse
from contexts import Context
from contexts.graph_yaml import load_model_string
from contexts.params import ParameterError


def mask_of(spec, shape, seed=0):
    return as_mask(draw(spec, shape, seed))


def test_one_to_one_and_all_to_all():
    np.testing.assert_array_equal(mask_of("one_to_one", (5, 5)), np.eye(5, dtype=bool))
    np.testing.assert_array_equal(mask_of({"rule": "all_to_all"}, (4, 6)), np.ones((4, 6), bool))
    np.testing.assert_array_equal(mask_of({"rule": "all_to_all", "autapses": False}, (6, 6)), ~np.eye(6, dtype=bool))
    pre, valid = as_edges(draw({"rule": "all_to_all", "autapses": False}, (4, 4), 0))
    assert valid.all() and pre.shape == (3, 4)
    np.testing.assert_array_equal(pre[:, 0], [1, 2, 3])
    np.testing.assert_array_equal(pre[:, 2], [0, 1, 3])


@pytest.mark.parametrize("autapses", [True, False])
def test_fixed_in_degree_is_exact_distinct_and_sorted(autapses):
    n_out = 30 if autapses else 40
    conn = draw({"rule": "fixed_in_degree", "k": 13, "autapses": autapses}, (40, n_out), seed=1)
    mask = as_mask(conn)
    assert np.all(in_degrees(conn) == 13) and mask.sum() == 13 * n_out
    assert np.all(np.diff(conn.pre_index, axis=0) > 0)  # sorted, hence no repeated partner
    if not autapses:
        assert not np.any(np.diag(mask))
    assert out_degrees(conn).sum() == 13 * n_out and out_degrees(conn).max() < n_out


@pytest.mark.parametrize("autapses", [True, False])
def test_fixed_out_degree_is_exact(autapses):
    mask = mask_of({"rule": "fixed_out_degree", "k": 7, "autapses": autapses}, (25, 25), seed=2)
    np.testing.assert_array_equal(mask.sum(axis=1), np.full(25, 7))
    assert autapses or not np.any(np.diag(mask))


@pytest.mark.parametrize("autapses", [True, False])
def test_fixed_total_number_is_exact(autapses):
    mask = mask_of({"rule": "fixed_total_number", "n": 333, "autapses": autapses}, (30, 30), seed=3)
    assert mask.sum() == 333 and (autapses or not np.any(np.diag(mask)))
    full = mask_of({"rule": "fixed_total_number", "n": 30 * 29, "autapses": False}, (30, 30))
    np.testing.assert_array_equal(full, ~np.eye(30, dtype=bool))  # every allowed pair, none twice


def test_bernoulli_statistics():
    p, shape = 0.1, (300, 200)
    masks = [mask_of({"rule": "bernoulli", "p": p}, shape, seed=s) for s in range(3)]
    n = shape[0] * shape[1]
    for m in masks:
        assert abs(m.mean() - p) < 4 * np.sqrt(p * (1 - p) / n)
        # in-degrees are Binomial(n_in, p): mean 30, variance 27
        deg = m.sum(axis=0)
        assert abs(deg.mean() - 30) < 4 * np.sqrt(27 / 200) and 27 * 0.6 < deg.var() < 27 * 1.5
    assert not np.array_equal(masks[0], masks[1])
    no_self = mask_of({"rule": "bernoulli", "p": 0.5, "autapses": False}, (50, 50))
    assert not np.any(np.diag(no_self)) and abs(no_self.sum() / (50 * 49) - 0.5) < 0.05


def test_distance_rule_matches_the_gaussian_profile_in_1d():
    n, sigma, p_max = 400, 0.05, 0.8
    spec = {"rule": "distance", "sigma": sigma, "p_max": p_max, "periodic": True}
    hits, tries = np.zeros(8), np.zeros(8)
    pos = grid_positions(n)[:, 0]
    d = np.abs(pos[:, None] - pos[None, :])
    d = np.minimum(d, 1 - d)
    bins = np.minimum((d / (0.25 * sigma)).astype(int), 7)
    for seed in range(3):
        m = mask_of(spec, (n, n), seed)
        for b in range(8):
            hits[b] += m[bins == b].sum()
            tries[b] += (bins == b).sum()
    for b in range(7):
        sel = bins == b
        expect = np.mean(p_max * np.exp(-d[sel] ** 2 / (2 * sigma ** 2)))
        assert abs(hits[b] / tries[b] - expect) < 4 * np.sqrt(expect * (1 - expect) / tries[b]) + 1e-3, b
    assert hits[7] / tries[7] < 0.1  # beyond 1.75 sigma the profile is below p_max exp(-1.53) = 0.17


def test_distance_rule_in_2d_with_positions():
    pre = np.array([[0.0, 0.0], [0.5, 0.5]])
    post = np.array([[0.0, 0.1], [0.5, 0.5], [0.9, 0.9]])
    p = distance_probability(check_rule({"rule": "distance", "sigma": 0.1, "pre_positions": pre,
                                         "post_positions": post}, shape=(2, 3)), (2, 3))
    d2 = ((pre[:, None] - post[None]) ** 2).sum(-1)
    np.testing.assert_allclose(p, np.exp(-d2 / 0.02))
    grid = grid_positions(9, dims=2)
    np.testing.assert_allclose(grid[4], [1 / 3, 1 / 3])
    torus = distance_probability(check_rule({"rule": "distance", "sigma": 0.2, "dims": 2, "periodic": True},
                                            shape=(9, 9)), (9, 9))
    assert torus[0, 2] == pytest.approx(np.exp(-(1 / 3) ** 2 / 0.08))  # (0, 0) to (0, 2/3): 1/3 around


def test_mask_rule_and_seeds():
    m = np.random.default_rng(0).random((6, 5)) < 0.4
    np.testing.assert_array_equal(mask_of({"rule": "mask", "mask": m.astype(int)}, (6, 5)), m)
    spec = {"rule": "fixed_in_degree", "k": 3}
    np.testing.assert_array_equal(mask_of(spec, (20, 10), 7), mask_of(spec, (20, 10), 7))
    assert not np.array_equal(mask_of(spec, (20, 10), 7), mask_of(spec, (20, 10), 8))
    np.testing.assert_array_equal(mask_of({**spec, "seed": 5}, (20, 10), 7), mask_of(spec, (20, 10), 5))


def test_edges_of_a_ragged_mask():
    mask = np.array([[1, 0, 0], [0, 0, 1], [1, 0, 1]], bool)
    pre, valid = as_edges(Connections((3, 3), mask=mask))
    assert pre.shape == (2, 3)
    np.testing.assert_array_equal(valid, [[True, False, True], [True, False, True]])
    np.testing.assert_array_equal(pre[:, 0], [0, 2])
    np.testing.assert_array_equal(pre[:, 2], [1, 2])
    back = np.zeros((3, 3), bool)
    back[pre[valid], np.broadcast_to(np.arange(3), pre.shape)[valid]] = True
    np.testing.assert_array_equal(back, mask)


@pytest.mark.parametrize("spec, match", [
    ({"rule": "fixed_indegree", "k": 3}, "Did you mean 'fixed_in_degree'"),
    ({"rule": "fixed_in_degree"}, "needs 'k'"),
    ({"rule": "fixed_in_degree", "k": 21}, "only 20 exist"),
    ({"rule": "fixed_in_degree", "k": 20, "autapses": False}, "only 19 exist"),
    ({"rule": "bernoulli", "p": 1.5}, r"probability in \[0, 1\]"),
    ({"rule": "bernoulli", "p": 0.1, "q": 2}, "takes no key 'q'"),
    ({"rule": "distance", "sigma": 0.0}, "must be > 0"),
    ({"rule": "distance", "sigma": 0.1, "dims": 2}, "not a square"),
    ({"rule": "fixed_total_number", "n": 401}, "only 400 distinct"),
    ({"rule": "mask", "mask": np.ones((3, 3))}, r"shape \(20, 20\)"),
    (3, "must be a rule"),
])
def test_named_errors(spec, match):
    with pytest.raises(ParameterError, match=match):
        check_rule(spec, "W.connectivity", (20, 20))
    with pytest.raises(ConnectivityError, match="needs a square projection"):
        check_rule({"rule": "all_to_all", "autapses": False}, "W.connectivity", (3, 4))


SPECS = [{"rule": "fixed_in_degree", "k": 9, "autapses": False}, {"rule": "fixed_out_degree", "k": 4},
         {"rule": "fixed_total_number", "n": 150}, {"rule": "bernoulli", "p": 0.05},
         {"rule": "distance", "sigma": 0.05, "periodic": True}, "one_to_one", {"rule": "all_to_all", "autapses": False}]


@pytest.mark.parametrize("spec", SPECS)
def test_dense_and_edges_synapses_hold_the_same_network(spec):
    n = 60
    xs = (np.random.default_rng(1).random((12, 2, n)) < 0.3).astype(np.float32)
    out = {}
    for layout in ("dense", "edges"):
        with Context(layout, seed=4, batch_size=2) as ctx:
            W = DenseSynapse("W", (n, n), weight_init={"dist": "constant", "value": 0.5}, connectivity=spec,
                             layout=layout)
            ctx.command("advance", [W])
        assert W.layout == layout
        out[layout] = np.asarray(W.dense_weights())
        rec = ctx.run("advance", steps=12, record=[W.outputs], inputs={W.inputs: xs})
        np.testing.assert_allclose(rec[W.outputs], xs @ out[layout], rtol=1e-6, atol=1e-6)
    np.testing.assert_array_equal(out["dense"], out["edges"])
    assert np.all((out["dense"] == 0) | (out["dense"] == 0.5)) and np.any(out["dense"] > 0)


def test_synapse_seeds_are_reproducible_and_names_draw_independently():
    def build(seed):
        with Context("s", seed=seed) as ctx:
            a = DenseSynapse("A", (30, 30), connectivity={"rule": "fixed_in_degree", "k": 3})
            b = DenseSynapse("B", (30, 30), connectivity={"rule": "fixed_in_degree", "k": 3})
            c = DenseSynapse("C", (30, 30), connectivity={"rule": "fixed_in_degree", "k": 3, "seed": 11})
            ctx.command("advance", [a, b, c])
        return [np.asarray(s.mask.value) for s in (a, b, c)]

    first, again, other = build(0), build(0), build(1)
    for x, y in zip(first, again):
        np.testing.assert_array_equal(x, y)
    assert not np.array_equal(first[0], first[1]) and not np.array_equal(first[0], other[0])
    np.testing.assert_array_equal(first[2], other[2])  # its own seed: independent of the Context's


def test_weight_mask_explicit_weights_and_errors():
    w = np.arange(1.0, 13.0).reshape(4, 3)
    w[1, 1] = 0.0
    mask = np.ones((4, 3))
    mask[0] = 0
    with Context("masks") as ctx:
        D = DenseSynapse("D", (4, 3), weight_init=w, weight_mask=mask)
        E = DenseSynapse("E", (4, 3), weight_init=w, weight_mask=mask, layout="edges")
        ctx.command("advance", [D, E])
        with pytest.raises(ConnectivityError, match="either p_conn"):
            DenseSynapse("F", (4, 3), p_conn=0.5, connectivity="one_to_one")
        with pytest.raises(ParameterError, match="weight_mask must be a 2-D array of 0s and 1s"):
            DenseSynapse("G", (4, 3), weight_mask=np.full((4, 3), 0.5))
    expect = w * mask
    np.testing.assert_array_equal(D.dense_weights(), expect)
    np.testing.assert_array_equal(E.dense_weights(), expect)
    assert E.weights.shape == (3, 3) and not E.fully_connected  # post 1 has only 2 partners


def test_plastic_synapses_keep_absent_connections_at_zero():
    spec = {"rule": "fixed_in_degree", "k": 2, "seed": 1}
    with Context("hebb", batch_size=2) as ctx:
        H = HebbianSynapse("H", (10, 4), eta=0.5, connectivity=spec, w_bound=0.0)
        ctx.command("advance", [H])
        ctx.command("evolve", [H])
    mask = np.asarray(H.mask.value)
    assert np.all(mask.sum(axis=0) == 2)
    rng = np.random.default_rng(0)
    ctx.run(["advance", "evolve"], steps=20, inputs={H.pre: rng.random((20, 2, 10)), H.post: rng.random((20, 2, 4)),
                                                    H.inputs: rng.random((20, 2, 10))})
    w = np.asarray(H.weights.value)
    assert np.all(w[mask == 0] == 0) and np.all(w[mask == 1] != 0)


def test_connectivity_from_yaml_equals_python():
    text = """\
name: conn
seed: 2
components:
  W: {type: DenseSynapse, shape: [50, 40], connectivity: {rule: fixed_in_degree, k: 5, autapses: false},
      weight_init: {dist: constant, value: 1.0}}
commands:
  advance: [W]
"""
    with pytest.raises(ParameterError, match="square"):
        load_model_string(text)
    ctx = load_model_string(text.replace("[50, 40]", "[40, 40]"))
    with Context("conn", seed=2) as py:
        W = DenseSynapse("W", (40, 40), connectivity={"rule": "fixed_in_degree", "k": 5, "autapses": False},
                         weight_init={"dist": "constant", "value": 1.0})
        py.command("advance", [W])
    np.testing.assert_array_equal(ctx.get("W.weights"), W.weights.value)
    assert np.all(np.asarray(W.weights.value).sum(axis=0) == 5) and np.all(np.diag(W.weights.value) == 0)


def test_save_and_load_keep_the_network_and_its_array_parameters(tmp_path):
    pos = np.linspace(0, 1, 20, endpoint=False)
    mask = np.ones((20, 20))
    mask[:, :3] = 0
    with Context("saved", seed=3) as ctx:
        W = DenseSynapse("W", (20, 20), layout="edges", weight_mask=mask,
                         connectivity={"rule": "distance", "sigma": 0.1, "pre_positions": pos, "post_positions": pos})
        ctx.command("advance", [W])
    ctx.save(str(tmp_path / "m"))
    back = Context.load(str(tmp_path / "m"))
    V = back.components["W"]
    np.testing.assert_array_equal(V.config["weight_mask"], mask)
    np.testing.assert_array_equal(V.config["connectivity"]["pre_positions"], pos)
    np.testing.assert_array_equal(np.asarray(V.dense_weights()), np.asarray(W.dense_weights()))
    assert np.all(np.asarray(W.dense_weights())[:, :3] == 0) and V.layout == "edges"


@pytest.mark.parametrize("spec", [{"rule": "bernoulli", "p": 0.3},
                                  {"rule": "distance", "sigma": 0.1, "periodic": True}])
def test_bernoulli_draws_a_block_of_rows_at_a_time_and_gets_the_one_draw_network(spec, monkeypatch) -> None:
    """Drawn in blocks of rows (no n_in x n_out float array), the network is that of one draw."""
    from components.rules import connectivity

    shape = (37, 23)
    rule = check_rule(spec, "c", shape)
    p = rule["p"] if rule["rule"] == "bernoulli" else distance_probability(rule, shape)
    one_draw = np.random.default_rng(11).random(shape, dtype=np.float32) < p
    monkeypatch.setattr(connectivity, "DRAW_BLOCK", 50)    # two rows a block, 19 blocks
    blocked = mask_of(spec, shape, seed=11)
    np.testing.assert_array_equal(blocked, one_draw)
    assert 0.1 < blocked.mean() < 0.5
