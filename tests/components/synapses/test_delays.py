"""Transmission delays (the ``delay`` option of DenseSynapse and the kinetic synapses): a
hand-computed spike train, per-synapse delays against a NumPy reference in both layouts, ms vs
steps, the ring buffer's constant size, reset, save/load, YAML and the parameter errors."""

import numpy as np
import pytest

from components.cells import LIFCell
from components.rules.edges import edges_to_dense
from components.synapses import DenseSynapse, ExpSynapse
from contexts import Context, load_model_string, summation
from contexts.params import ParameterError


def test_a_hand_computed_spike_train_through_a_delayed_projection():
    # pre spikes at steps 2, 5, 6; a 3-step delay; the post cell fires on every arrival (one strong input)
    with Context("chain", dt=0.1, batch_size=1) as ctx:
        W = DenseSynapse("W", (1, 1), weight_init={"dist": "constant", "value": 100.0}, delay=0.3)
        post = LIFCell("post", 1, tau_m=1.0, v_rest=0.0, v_reset=0.0, thr=1.0)
        post.j << W.outputs
        ctx.command("advance", [W, post])
    pre = np.zeros((20, 1, 1), np.float32)
    pre[[2, 5, 6]] = 1.0
    rec = ctx.run("advance", steps=20, record=[W.outputs, post.s], inputs={W.inputs: pre})
    assert np.flatnonzero(np.asarray(rec[post.s])[:, 0, 0]).tolist() == [5, 8, 9]
    assert np.flatnonzero(np.asarray(rec[W.outputs])[:, 0, 0]).tolist() == [5, 8, 9]


def test_a_delay_adds_to_the_one_step_of_prev():
    with Context("loop", dt=1.0, batch_size=1) as ctx:
        z = LIFCell("z", 1, tau_m=1.0, v_rest=0.0, v_reset=0.0, thr=0.5)
        W = DenseSynapse("W", (1, 1), weight_init={"dist": "constant", "value": 10.0}, delay=2, delay_unit="steps")
        K = DenseSynapse("K", (1, 1), weight_init={"dist": "constant", "value": 10.0})
        W.inputs << z.s
        z.j << summation(W.outputs.prev, K.outputs)
        ctx.command("advance", [K, z, W])
    kick = np.zeros((13, 1, 1), np.float32)
    kick[0] = 1.0
    rec = ctx.run("advance", steps=13, record=[z.s], inputs={K.inputs: kick})
    # z fires at 0; W sees it at 0 and emits it at 2; z reads W.outputs.prev at 3: a period of 3 steps
    assert np.flatnonzero(np.asarray(rec[z.s])[:, 0, 0]).tolist() == [0, 3, 6, 9, 12]


def reference(xs, w, d):
    """out[n, b, j] = sum_i w[i, j] x[n - d[i, j], b, i] (zero before the start)."""
    T, B, _ = xs.shape
    out = np.zeros((T, B, w.shape[1]))
    for n in range(T):
        for i, j in np.ndindex(w.shape):
            if n - d[i, j] >= 0:
                out[n, :, j] += w[i, j] * xs[n - d[i, j], :, i]
    return out


@pytest.mark.parametrize("layout", ["dense", "edges"])
def test_per_synapse_delays_match_numpy(layout):
    T, B, shape = 120, 2, (9, 4)
    with Context("het", dt=0.5, batch_size=B, seed=2) as ctx:
        W = DenseSynapse("W", shape, weight_init={"dist": "uniform", "low": 0.5, "high": 1.5}, p_conn=0.5,
                         layout=layout, delay={"dist": "uniform", "low": 0.0, "high": 4.0})
        ctx.command("advance", [W])
    xs = (np.random.default_rng(0).random((T, B, shape[0])) < 0.2).astype(np.float32)
    rec = ctx.run("advance", steps=T, record=[W.outputs], inputs={W.inputs: xs})
    w = np.asarray(W.dense_weights(), np.float64)
    if layout == "edges":
        d = np.asarray(edges_to_dense(W.delays.value, W.pre_index.value, shape[0]))
    else:
        d = np.asarray(W.delays.value)
    assert d.min() >= 0 and d.max() <= 8 and len(np.unique(d[w != 0])) >= 5  # 0..8 steps of 0.5 ms
    assert W.delay_buffer.value.shape == (B, 9, shape[0])  # constant size: the largest delay + 1
    np.testing.assert_allclose(rec[W.outputs], reference(xs, w, d), rtol=1e-5, atol=1e-5)


def test_explicit_delay_array_in_steps_and_the_ring_wraps():
    T, shape = 50, (3, 2)
    d = np.array([[0, 1], [2, 3], [4, 4]])
    with Context("arr", dt=0.1, batch_size=1) as ctx:
        W = DenseSynapse("W", shape, weight_init={"dist": "constant", "value": 1.0}, delay=d, delay_unit="steps")
        ctx.command("advance", [W])
    xs = (np.random.default_rng(5).random((T, 1, 3)) < 0.3).astype(np.float32)
    rec = ctx.run("advance", steps=T, record=[W.outputs], inputs={W.inputs: xs})
    np.testing.assert_allclose(rec[W.outputs], reference(xs, np.ones(shape), d), atol=1e-6)
    assert int(W.delay_ptr.value) == T % 5


def test_reset_save_and_load_keep_the_buffer_semantics(tmp_path):
    with Context("persist", dt=1.0, batch_size=1) as ctx:
        W = ExpSynapse("W", (2, 2), tau=3.0, weight_init={"dist": "constant", "value": 1.0}, delay=3.0)
        ctx.command("advance", [W])
    xs = (np.random.default_rng(1).random((20, 1, 2)) < 0.5).astype(np.float32)
    ctx.run("advance", steps=10, inputs={W.inputs: xs[:10]})
    ctx.save(tmp_path / "m")
    rest = ctx.run("advance", steps=10, record=[W.outputs], inputs={W.inputs: xs[10:]})
    loaded = Context.load(tmp_path / "m")
    again = loaded.run("advance", steps=10, record=["W.outputs"], inputs={"W.inputs": xs[10:]})
    np.testing.assert_array_equal(rest[W.outputs], again["W.outputs"])
    ctx.reset()
    assert np.all(np.asarray(W.delay_buffer.value) == 0)


def test_delays_from_yaml():
    ctx = load_model_string("""
name: delayed
dt: 0.1
components:
  W: {type: DenseSynapse, shape: [2, 3], delay: {dist: uniform, low: 0.2, high: 0.6}}
  E: {type: ExpSynapse, shape: [2, 3], tau: 2.0, delay: 4, delay_unit: steps}
commands:
  advance: [W, E]
clamped: [W.inputs, E.inputs]
""")
    W, E = ctx.components["W"], ctx.components["E"]
    d = np.asarray(W.delays.value)
    assert d.dtype == np.int32 and d.min() >= 2 and d.max() <= 6
    assert E.delay_buffer.value.shape == (1, 5, 2)


def test_bad_delays_are_refused():
    with Context("bad", dt=0.1):
        with pytest.raises(ParameterError, match=">= 0"):
            DenseSynapse("a", (2, 2), delay=-1.0)
        with pytest.raises(ParameterError, match="uniform"):
            DenseSynapse("b", (2, 2), delay={"dist": "gaussian", "sigma": 1.0})
        with pytest.raises(ParameterError, match="dense"):
            DenseSynapse("c", (20, 20), p_conn=0.1, layout="edges", delay=np.ones((20, 20)))
        with pytest.raises(ParameterError, match="shape"):
            DenseSynapse("d", (2, 2), delay=np.ones((3, 2)))


def test_delays_with_check_finite_and_a_batch_of_initial_states():
    import jax

    with Context("fin", dt=1.0, batch_size=2, check_finite=True) as ctx:
        W = ExpSynapse("W", (3, 2), tau=2.0, delay={"dist": "uniform", "low": 0.0, "high": 3.0})
        ctx.command("advance", [W])
    xs = np.ones((8, 2, 3), np.float32)
    rec = ctx.run("advance", steps=8, record=[W.outputs], inputs={W.inputs: xs})
    assert np.all(np.isfinite(np.asarray(rec[W.outputs]))) and int(W.delay_ptr.value) == 8 % 4
    states = jax.vmap(ctx.initial_state)(np.arange(3))
    assert states["values"]["W"]["delays"].shape == (3, 3, 2)
    assert states["values"]["W"]["delay_buffer"].shape == (3, 2, 4, 3)
