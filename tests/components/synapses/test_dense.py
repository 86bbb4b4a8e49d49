"""DenseSynapse: outputs = inputs @ (W * resist_scale) + b, exact p_conn masks, weight_init specs."""

import numpy as np
import pytest

from components.synapses import DenseSynapse
from contexts import Context
from contexts.errors import ValidationError

N_IN, N_OUT = 60, 50  # one shape for most tests: eager init ops compile once per shape


def build(batch=3, **kw):
    with Context("dense", batch_size=batch, seed=kw.pop("seed", 0)) as ctx:
        W = DenseSynapse("W", **kw)
        ctx.command("advance", [W])
    return ctx, W


def test_outputs_equal_numpy_over_many_steps():
    ctx, W = build(shape=(6, 4), weight_init={"dist": "gaussian", "mu": 0.0, "sigma": 0.5},
                   bias_init={"dist": "uniform", "low": -1.0, "high": 1.0}, resist_scale=2.5)
    xs = np.random.default_rng(0).random((60, 3, 6)).astype(np.float32)
    rec = ctx.run("advance", steps=60, record=[W.outputs], inputs={W.inputs: xs})
    w, b = np.asarray(W.weights.value), np.asarray(W.biases.value)
    assert np.any(b != 0.0)
    np.testing.assert_allclose(rec[W.outputs], xs @ (w * 2.5) + b, rtol=1e-5, atol=1e-5)


def test_no_bias_means_zero_biases():
    _, W = build(shape=(6, 4))
    np.testing.assert_array_equal(W.biases.value, np.zeros(4))
    np.testing.assert_array_equal(W.mask.value, np.ones((6, 4)))


def test_p_conn_mask_is_exact():
    with Context("sparse", batch_size=1) as ctx:
        syns = [DenseSynapse(f"W{i}", (N_IN, N_OUT), weight_init={"dist": "uniform", "low": 0.5, "high": 1.0}, p_conn=p)
                for i, p in enumerate((0.1, 0.5, 0.9))]
        ctx.command("advance", syns)
    for W, p_conn in zip(syns, (0.1, 0.5, 0.9)):
        w, m = np.asarray(W.weights.value), np.asarray(W.mask.value)
        assert set(np.unique(m)) <= {0.0, 1.0}
        np.testing.assert_array_equal(w == 0.0, m == 0.0)  # absent connections exactly 0, present ones >= 0.5
        assert abs(m.mean() - p_conn) < 4 * np.sqrt(p_conn * (1 - p_conn) / m.size)


SPECS = [
    ({"dist": "uniform", "low": 0.1, "high": 0.3}, lambda w: w.min() >= 0.1 and w.max() <= 0.3
     and abs(w.mean() - 0.2) < 0.006),
    ({"dist": "gaussian", "mu": 1.0, "sigma": 0.2},
     lambda w: abs(w.mean() - 1.0) < 0.02 and abs(w.std() - 0.2) < 0.015),
    ({"dist": "normal", "mean": -1.0, "std": 0.5}, lambda w: abs(w.mean() + 1.0) < 0.05 and abs(w.std() - 0.5) < 0.03),
    ({"dist": "constant", "value": 0.25}, lambda w: np.all(w == np.float32(0.25))),
    ({"dist": "fan_in_gaussian"}, lambda w: abs(w.std() * np.sqrt(N_IN) - 1.0) < 0.06),
    ({"dist": "fan_in_uniform"}, lambda w: np.abs(w).max() <= 1 / np.sqrt(N_IN) + 1e-7
     and abs(w.std() * np.sqrt(3 * N_IN) - 1.0) < 0.06),
    ({"dist": "glorot_uniform"}, lambda w: np.abs(w).max() <= np.sqrt(6 / (N_IN + N_OUT)) + 1e-7
     and np.abs(w).max() > 0.95 * np.sqrt(6 / (N_IN + N_OUT))),
    ({"dist": "constant", "value": 1.0, "scale": 3.0, "zero_diagonal": True},
     lambda w: np.all(np.diag(w) == 0.0) and np.all(w[~np.eye(N_IN, N_OUT, dtype=bool)] == 3.0)),
]


def test_weight_init_specs():
    with Context("inits", batch_size=1) as ctx:
        syns = [DenseSynapse(f"W{i}", (N_IN, N_OUT), weight_init=spec) for i, (spec, _) in enumerate(SPECS)]
        ctx.command("advance", syns)
    for W, (spec, check) in zip(syns, SPECS):
        assert check(np.asarray(W.weights.value, np.float64)), spec


def test_default_init_and_seed_reproducibility():
    _, a = build(shape=(N_IN, N_OUT), seed=5)
    _, b = build(shape=(N_IN, N_OUT), seed=5)
    _, c = build(shape=(N_IN, N_OUT), seed=6)
    wa = np.asarray(a.weights.value)
    assert wa.min() >= 0.025 and wa.max() <= 0.8
    np.testing.assert_array_equal(wa, b.weights.value)
    assert not np.array_equal(wa, c.weights.value)


@pytest.mark.parametrize("kw,match", [
    ({"shape": (3,)}, "shape must be"), ({"shape": (3, 2), "p_conn": 0.0}, "p_conn"),
    ({"shape": (3, 2), "p_conn": 1.5}, "p_conn"), ({"shape": (3, 2), "weight_init": {"dist": "cauchy"}}, "dist"),
    ({"shape": (3, 2), "bias_init": "zeros"}, "bias_init"),
])
def test_bad_parameters_raise(kw, match):
    with pytest.raises(ValidationError, match=match):
        build(**kw)


def test_edges_layout_transmits_like_its_dense_matrix_and_survives_save_load(tmp_path):
    ctx, W = build(shape=(N_IN, N_OUT), p_conn=0.1, layout="edges", resist_scale=2.0,
                   bias_init={"dist": "uniform", "low": -1.0, "high": 1.0})
    assert W.weights.shape == W.pre_index.shape == (6, N_OUT) and not hasattr(W, "mask")
    assert np.asarray(W.pre_index.value).dtype == np.int32
    dense, b = np.asarray(W.dense_weights()), np.asarray(W.biases.value)
    assert np.all((dense != 0).sum(0) == 6)  # fixed in-degree: 6 = 0.1 * 60 partners per post neuron
    xs = np.random.default_rng(1).random((20, 3, N_IN)).astype(np.float32)
    rec = ctx.run("advance", steps=20, record=[W.outputs], inputs={W.inputs: xs})
    np.testing.assert_allclose(rec[W.outputs], xs @ (dense * 2.0) + b, rtol=1e-5, atol=1e-5)
    ctx.save(tmp_path / "m")
    loaded = Context.load(tmp_path / "m")
    W2 = loaded.components["W"]
    assert W2.layout == "edges"
    np.testing.assert_array_equal(np.asarray(W2.pre_index.value), np.asarray(W.pre_index.value))
    np.testing.assert_array_equal(np.asarray(W2.dense_weights()), dense)


def test_auto_layout_picks_edges_only_where_measured_faster():
    with Context("auto"):
        assert DenseSynapse("a", (1000, 1000), p_conn=0.01, layout="auto").layout == "edges"
        assert DenseSynapse("b", (1000, 1000), p_conn=0.1, layout="auto").layout == "edges"
        assert DenseSynapse("c", (200, 200), p_conn=0.01, layout="auto").layout == "dense"
        with pytest.raises(ValidationError, match="'d': layout must be one of 'dense', 'edges', 'events', 'auto'"):
            DenseSynapse("d", (10, 10), layout="csr")
    with Context("auto_batched", batch_size=32):  # batched, the dense product wins at p = 0.1
        assert DenseSynapse("b", (1000, 1000), p_conn=0.1).layout == "dense"
        assert DenseSynapse("a", (1000, 1000), p_conn=0.01).layout == "edges"
