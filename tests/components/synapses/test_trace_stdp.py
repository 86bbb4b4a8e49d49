"""TraceSTDPSynapse against a NumPy reference, the classic STDP window, bounds and validation."""

from __future__ import annotations

import numpy as np
import pytest

from components.cells import InputCell, VarTrace
from components.synapses import TraceSTDPSynapse
from contexts import Context
from contexts.errors import ValidationError
from tests.components.synapses.spike_reference import np_traces, spikes_and_traces

T, B, N_IN, N_OUT = 150, 3, 5, 4


def np_trace_stdp(W0, mask, s_pre, s_post, x, y, *, A_plus, A_minus, eta, mu, w_bound, x_tar, tau_w, dt):
    """Morrison et al. (2007) trace STDP as ngc-learn writes it, with dt/tau_w decay; W after each step."""
    W, out = W0.astype(np.float64), []
    for k in range(len(s_pre)):
        ltp = A_plus * (x[k] - x_tar).T @ s_post[k]
        ltd = A_minus * s_pre[k].T @ y[k]
        if mu > 0:
            ltp, ltd = ltp * (w_bound - W) ** mu, ltd * W ** mu
        W = W + eta * (ltp - ltd) - (W * dt / tau_w if tau_w > 0 else 0.0)
        W = np.clip(W, 0.0, w_bound) * mask
        out.append(W)
    return np.asarray(out)


def random_spikes(rng: np.random.Generator, p: float = 0.15) -> tuple:
    s_pre = (rng.random((T, B, N_IN)) < p).astype(np.float32)
    s_post = (rng.random((T, B, N_OUT)) < p).astype(np.float32)
    return s_pre, s_post


@pytest.mark.parametrize("case", [
    dict(mu=0.0, tau_w=40.0, x_tar=0.1, dt=0.5, p_conn=1.0, masked=False),
    dict(mu=1.0, tau_w=0.0, x_tar=0.0, dt=1.0, p_conn=0.7, masked=True),
])
def test_matches_numpy_reference(case: dict) -> None:
    rng = np.random.default_rng(1)
    s_pre, s_post = random_spikes(rng)
    x, y = np_traces(s_pre, case["dt"], 15.0), np_traces(s_post, case["dt"], 10.0)
    weight_mask = (rng.random((N_IN, N_OUT)) < 0.8).astype(np.float32) if case["masked"] else None
    params = dict(A_plus=0.02, A_minus=0.015, eta=0.8, mu=case["mu"], w_bound=1.0, tau_w=case["tau_w"])
    with Context("stdp", dt=case["dt"], batch_size=B, seed=3) as ctx:
        W = TraceSTDPSynapse("W", (N_IN, N_OUT), pretrace_target=case["x_tar"], p_conn=case["p_conn"],
                             weight_mask=weight_mask, **params)
        ctx.command("evolve", [W])
    W0, mask = np.asarray(W.weights.value), np.asarray(W.mask.value)
    if case["masked"]:
        assert np.all(mask <= weight_mask) and np.all(W0[weight_mask == 0] == 0)
    rec = ctx.run("evolve", steps=T, record=[W.weights, W.dWeights],
                  inputs={W.preSpike: s_pre, W.postSpike: s_post, W.preTrace: x, W.postTrace: y})
    ref = np_trace_stdp(W0, mask, s_pre, s_post, x, y, x_tar=case["x_tar"], dt=case["dt"], **params)
    np.testing.assert_allclose(rec[W.weights], ref, rtol=1e-5, atol=2e-6)
    assert np.abs(ref[-1] - W0).max() > 0.05  # the run really changed the weights
    k = T - 1  # dWeights is the last update before eta
    ltp = 0.02 * (x[k] - case["x_tar"]).T @ s_post[k]
    ltd = 0.015 * s_pre[k].T @ y[k]
    if case["mu"] > 0:
        ltp, ltd = ltp * (1.0 - ref[k - 1]), ltd * ref[k - 1]
    np.testing.assert_allclose(rec[W.dWeights][k], ltp - ltd, rtol=1e-4, atol=1e-6)
    assert np.all(rec[W.weights][:, mask == 0] == 0)


def test_classic_exponential_window() -> None:
    """One post spike at step 60; pre neuron i spikes once, dt_i = t_post - t_pre ms before it."""
    tau, A_plus, A_minus, t_post = 20.0, 0.01, 0.012, 60
    lags = np.arange(-30, 31, 3)
    steps = 100
    pre_x = np.zeros((steps, 1, len(lags)), np.float32)
    post_x = np.zeros((steps, 1, 1), np.float32)
    post_x[t_post, 0, 0] = 1.0
    for i, lag in enumerate(lags):
        pre_x[t_post - lag, 0, i] = 1.0
    with Context("window", dt=1.0) as ctx:
        pre, post = InputCell("pre", len(lags)), InputCell("post", 1)
        tr_pre, tr_post = VarTrace("tr_pre", len(lags), tau_tr=tau), VarTrace("tr_post", 1, tau_tr=tau)
        W = TraceSTDPSynapse("W", (len(lags), 1), A_plus=A_plus, A_minus=A_minus,
                             weight_init={"dist": "constant", "value": 0.5})
        tr_pre.inputs << pre.outputs
        tr_post.inputs << post.outputs
        W.inputs << pre.outputs
        W.preSpike << pre.outputs
        W.postSpike << post.outputs
        W.preTrace << tr_pre.outputs
        W.postTrace << tr_post.outputs
        ctx.command("advance", [pre, post, tr_pre, tr_post, W])
        ctx.command("evolve", [W])
    ctx.run(["advance", "evolve"], steps=steps, inputs={pre.inputs: pre_x, post.inputs: post_x})
    dW = np.asarray(W.weights.value)[:, 0] - 0.5
    ltp, ltd, zero = lags > 0, lags < 0, lags == 0
    assert np.all(dW[ltp] > 0) and np.all(dW[ltd] < 0)  # pre-before-post potentiates, post-before-pre depresses
    np.testing.assert_allclose(dW[ltp], A_plus * np.exp(-lags[ltp] / tau), rtol=1e-4)
    np.testing.assert_allclose(dW[ltd], -A_minus * np.exp(lags[ltd] / tau), rtol=1e-4)
    np.testing.assert_allclose(dW[zero], A_plus - A_minus, rtol=1e-3)  # coincident spikes: both terms


def test_weights_stay_in_bounds_and_eta_change_takes_effect() -> None:
    rng = np.random.default_rng(2)
    s_pre, s_post = random_spikes(rng, p=0.4)
    x, y = np_traces(s_pre, 1.0, 10.0), np_traces(s_post, 1.0, 10.0)
    with Context("bounds", batch_size=B) as ctx:
        W = TraceSTDPSynapse("W", (N_IN, N_OUT), A_plus=0.3, A_minus=0.3, w_bound=0.7,
                             weight_init={"dist": "uniform", "low": 0.0, "high": 0.7})
        ctx.command("evolve", [W])
    data = {W.preSpike: s_pre, W.postSpike: s_post, W.preTrace: x, W.postTrace: y}
    ws = np.asarray(ctx.run("evolve", steps=T, record=[W.weights], inputs=data)[W.weights])
    assert ws.min() >= 0.0 and ws.max() <= 0.7
    assert np.any(ws == 0.0) and np.any(ws == np.float32(0.7))  # both bounds were reached
    W.eta = 0.0
    before = np.asarray(W.weights.value)
    ctx.run("evolve", steps=T, inputs=data)
    np.testing.assert_array_equal(W.weights.value, before)


def test_validation_errors() -> None:
    with Context("bad"):
        with pytest.raises(ValidationError, match="A_minus"):
            TraceSTDPSynapse("W1", (2, 3), A_plus=0.1, A_minus=-0.1)
        with pytest.raises(ValidationError, match="w_bound"):
            TraceSTDPSynapse("W2", (2, 3), A_plus=0.1, A_minus=0.1, w_bound=0.0)
        with pytest.raises(ValidationError, match="weight_mask"):
            TraceSTDPSynapse("W3", (2, 3), A_plus=0.1, A_minus=0.1, weight_mask=np.ones((3, 2)))


def test_edges_layout_matches_the_dense_numpy_reference_on_its_edges() -> None:
    """layout='edges' (fixed in-degree) runs the same rule on the k * n_out stored edges only."""
    n_in, n_out, steps = 40, 6, 60
    s_pre, s_post, x, y = spikes_and_traces(4, steps, B, n_in, n_out, p=0.2, tau_pre=15.0, tau_post=10.0)
    params = dict(A_plus=0.02, A_minus=0.015, eta=0.8, mu=1.0, w_bound=1.0, tau_w=30.0)
    with Context("edges", batch_size=B, seed=2) as ctx:
        W = TraceSTDPSynapse("W", (n_in, n_out), p_conn=0.1, layout="edges", pretrace_target=0.05, **params)
        ctx.command("advance", [W])
        ctx.command("evolve", [W])
    idx, w0 = np.asarray(W.pre_index.value), np.asarray(W.weights.value)
    assert idx.shape == w0.shape == (4, n_out) and W.dWeights.shape == (4, n_out)
    dense0 = np.asarray(W.dense_weights())
    mask = np.asarray(W.dense_weights(np.ones_like(w0)))  # 1 at each stored edge
    assert mask.sum() == 4 * n_out and np.all(mask.sum(0) == 4)
    rec = ctx.run(["advance", "evolve"], steps=steps, record=[W.weights, W.outputs],
                  inputs={W.inputs: s_pre, W.preSpike: s_pre, W.postSpike: s_post, W.preTrace: x, W.postTrace: y})
    ref = np_trace_stdp(dense0, mask, s_pre, s_post, x, y, x_tar=0.05, dt=1.0, **params)
    np.testing.assert_allclose(rec[W.weights], ref[:, idx, np.arange(n_out)], rtol=1e-5, atol=2e-6)
    assert np.abs(ref[-1] - dense0).max() > 0.05
    before = np.concatenate([dense0[None], ref[:-1]])  # advance reads the weights of the previous step
    np.testing.assert_allclose(rec[W.outputs], np.einsum("tbi,tij->tbj", s_pre, before), rtol=1e-5, atol=1e-5)


def test_events_layout_matches_the_dense_numpy_reference_on_its_edges() -> None:
    """layout='events' runs the rule only on the out-edges of the neurons that spiked (rows of the pre,
    in-edges of the post neurons), which is the whole rule: batch 3, mu = 1, an x_tar, out-degrees that
    differ (a mask on the unused slots) and a capacity below the spiking neurons of some steps."""
    n_in, n_out, steps, capacity = 50, 20, 80, 3
    s_pre, s_post, x, y = spikes_and_traces(7, steps, B, n_in, n_out, p=0.04, tau_pre=15.0, tau_post=10.0)
    params = dict(A_plus=0.02, A_minus=0.015, eta=0.8, mu=1.0, w_bound=1.0, tau_w=0.0)
    with Context("events", batch_size=B, seed=2) as ctx:
        W = TraceSTDPSynapse("W", (n_in, n_out), layout="events", capacity=capacity, pretrace_target=0.05,
                             connectivity={"rule": "bernoulli", "p": 0.2, "seed": 4}, **params)
        ctx.command("advance", [W])
        ctx.command("evolve", [W])
    dense0, mask = np.asarray(W.dense_weights()), np.asarray(W.dense_weights(W.mask.value))
    assert not W.fully_connected and W.weights.shape[0] == n_in and W.in_slots.shape[0] == n_out
    assert np.all((dense0 != 0) == (mask == 1)) and mask.sum() == W.mask.value.sum()
    assert (s_pre.max(1).sum(-1) > capacity).sum() > 10     # many steps find their spikes in two goes
    rec = ctx.run(["advance", "evolve"], steps=steps, record=[W.weights, W.outputs, W.dWeights],
                  inputs={W.inputs: s_pre, W.preSpike: s_pre, W.postSpike: s_post, W.preTrace: x, W.postTrace: y})
    ref = np_trace_stdp(dense0, mask, s_pre, s_post, x, y, x_tar=0.05, dt=1.0, **params)
    got = np.stack([np.asarray(W.dense_weights(w)) for w in rec[W.weights]])
    np.testing.assert_allclose(got, ref, rtol=1e-5, atol=2e-6)
    assert np.abs(ref[-1] - dense0).max() > 0.05
    before = np.concatenate([dense0[None], ref[:-1]])
    np.testing.assert_allclose(rec[W.outputs], np.einsum("tbi,tij->tbj", s_pre, before), rtol=1e-5, atol=1e-5)
    k = steps - 1
    ltp = 0.02 * (x[k] - 0.05).T @ s_post[k] * (1.0 - ref[k - 1])
    ltd = 0.015 * s_pre[k].T @ y[k] * ref[k - 1]
    np.testing.assert_allclose(np.asarray(W.dense_weights(rec[W.dWeights][k])), (ltp - ltd) * mask, atol=1e-6)


def test_events_layout_starts_within_bounds_and_refuses_a_decay() -> None:
    with Context("events_bounds", seed=1):
        W = TraceSTDPSynapse("W", (30, 10), A_plus=0.1, A_minus=0.1, w_bound=0.5, layout="events", p_conn=0.3,
                             weight_init={"dist": "uniform", "low": 0.0, "high": 2.0})
        with pytest.raises(ValidationError, match="'D': tau_w = 20 ms decays every weight.*tau_w=0 or layout='edges'"):
            TraceSTDPSynapse("D", (30, 10), A_plus=0.1, A_minus=0.1, tau_w=20.0, layout="events", p_conn=0.3)
    w = np.asarray(W.weights.value)
    assert w.max() == np.float32(0.5) and np.all(w[np.asarray(W.mask.value) == 0] == 0)


def test_edges_layout_takes_a_weight_mask_and_stores_the_same_connections_as_dense() -> None:
    mask = np.zeros((20, 4))
    mask[::2] = 1.0
    with Context("masked_edges", seed=1):
        kw = dict(A_plus=0.1, A_minus=0.1, p_conn=0.5, weight_mask=mask, weight_init={"dist": "constant", "value": 0.3})
        E = TraceSTDPSynapse("W", (20, 4), layout="edges", **kw)
        D = TraceSTDPSynapse("W2", (20, 4), layout="dense", connectivity={"rule": "bernoulli", "p": 0.5, "seed": 9},
                             weight_mask=mask, weight_init={"dist": "constant", "value": 0.3}, A_plus=0.1, A_minus=0.1)
        E2 = TraceSTDPSynapse("W3", (20, 4), layout="edges", connectivity={"rule": "bernoulli", "p": 0.5, "seed": 9},
                              weight_mask=mask, weight_init={"dist": "constant", "value": 0.3}, A_plus=0.1, A_minus=0.1)
    dense = np.asarray(E.dense_weights())
    assert np.all(dense[1::2] == 0) and np.any(dense[::2] > 0) and not E.fully_connected
    np.testing.assert_array_equal(np.asarray(D.dense_weights()), np.asarray(E2.dense_weights()))


def test_auto_layout_is_edges_for_large_sparse_projections_unless_a_weight_mask_is_given() -> None:
    with Context("auto_edges"):
        sparse = TraceSTDPSynapse("S", (1000, 1000), A_plus=0.1, A_minus=0.1, p_conn=0.01)
        masked = TraceSTDPSynapse("M", (1000, 1000), A_plus=0.1, A_minus=0.1, p_conn=0.01,
                                  weight_mask=np.ones((1000, 1000), np.float32))
        small = TraceSTDPSynapse("D", (100, 100), A_plus=0.1, A_minus=0.1, p_conn=0.01)
    assert (sparse.layout, masked.layout, small.layout) == ("edges", "dense", "dense")
    assert sparse.weights.shape == (10, 1000) and masked.weights.shape == (1000, 1000)
