"""ExpSTDPSynapse against a NumPy reference; its exponential weight dependence and the tau_w decay."""

from __future__ import annotations

import numpy as np
import pytest

from components.synapses import ExpSTDPSynapse
from contexts import Context
from contexts.errors import ValidationError
from tests.components.synapses.spike_reference import np_traces, spikes_and_traces

T, B, N_IN, N_OUT = 150, 2, 6, 3


def np_exp_stdp(W0, s_pre, s_post, x, y, *, A_plus, A_minus, exp_beta, eta, w_bound, x_tar, tau_w, dt):
    """Nessler et al. (2013) exponential STDP as ngc-learn writes it, plus the dt/tau_w decay it omits."""
    W, out = W0.astype(np.float64), []
    for k in range(len(s_pre)):
        damp = np.exp(-exp_beta * W)
        target = np.exp(-exp_beta * (w_bound - W)) * (np.full_like(x[k], x_tar).T @ s_post[k])
        ltp = damp * (x[k].T @ s_post[k]) - target
        ltd = damp * (s_pre[k].T @ y[k])
        W = W + eta * (A_plus * ltp - A_minus * ltd) - (W * dt / tau_w if tau_w > 0 else 0.0)
        W = np.clip(W, 0.01, w_bound - 0.01)
        out.append(W)
    return np.asarray(out)


def build(dt: float = 1.0, **params) -> tuple:
    with Context("exp", dt=dt, batch_size=B, seed=5) as ctx:
        W = ExpSTDPSynapse("W", (N_IN, N_OUT), **params)
        ctx.command("evolve", [W])
    return ctx, W


def test_matches_numpy_reference_with_decay() -> None:
    rng = np.random.default_rng(4)
    s_pre = (rng.random((T, B, N_IN)) < 0.15).astype(np.float32)
    s_post = (rng.random((T, B, N_OUT)) < 0.15).astype(np.float32)
    dt = 0.5
    x, y = np_traces(s_pre, dt, 12.0), np_traces(s_post, dt, 8.0)
    params = dict(A_plus=0.03, A_minus=0.02, exp_beta=2.0, eta=0.9, w_bound=1.3, tau_w=60.0)
    ctx, W = build(dt, pretrace_target=0.2, **params)
    W0 = np.asarray(W.weights.value)
    rec = ctx.run("evolve", steps=T, record=[W.weights],
                  inputs={W.preSpike: s_pre, W.postSpike: s_post, W.preTrace: x, W.postTrace: y})
    ref = np_exp_stdp(W0, s_pre, s_post, x, y, x_tar=0.2, dt=dt, **params)
    np.testing.assert_allclose(rec[W.weights], ref, rtol=1e-5, atol=2e-6)
    assert np.abs(ref[-1] - W0).max() > 0.05
    assert rec[W.weights].min() >= 0.01 and rec[W.weights].max() <= 1.3 - 0.01 + 1e-7


def test_exponential_dependence_and_decay() -> None:
    # the same single pairing potentiates a weak synapse more than a strong one: ratio exp(-beta * dW0)
    ctx, W = build(A_plus=0.01, A_minus=0.0, exp_beta=3.0, weight_init={"dist": "constant", "value": 0.2})
    ctx.clamp(W.weights, np.array([[0.2, 0.2, 0.2]] * 3 + [[0.8, 0.8, 0.8]] * 3, np.float32))
    one = np.ones((1, B, N_IN), np.float32)
    post = np.ones((1, B, N_OUT), np.float32)
    ctx.run("evolve", steps=1, inputs={W.preSpike: 0 * one, W.postSpike: post, W.preTrace: one, W.postTrace: 0 * post})
    dW = np.asarray(W.weights.value) - np.array([[0.2] * 3] * 3 + [[0.8] * 3] * 3)
    np.testing.assert_allclose(dW[3:] / dW[:3], np.exp(-3.0 * 0.6), rtol=1e-4)
    np.testing.assert_allclose(dW[0], B * 0.01 * np.exp(-3.0 * 0.2), rtol=1e-4)  # summed over the batch
    # tau_w is applied (ngc-learn accepts and ignores it): without spikes W(k) = W0 (1 - dt/tau_w)^k
    ctx, W = build(dt=0.5, A_plus=0.01, A_minus=0.01, exp_beta=1.0, tau_w=20.0,
                   weight_init={"dist": "constant", "value": 0.9})
    z_in, z_out = np.zeros((40, B, N_IN), np.float32), np.zeros((40, B, N_OUT), np.float32)
    ws = ctx.run("evolve", steps=40, record=[W.weights],
                 inputs={W.preSpike: z_in, W.postSpike: z_out, W.preTrace: z_in, W.postTrace: z_out})[W.weights]
    np.testing.assert_allclose(ws[:, 0, 0], 0.9 * (1 - 0.5 / 20.0) ** np.arange(1, 41), rtol=1e-5)


def test_validation_errors() -> None:
    with Context("bad"):
        with pytest.raises(ValidationError, match="exp_beta"):
            ExpSTDPSynapse("W1", (2, 3), A_plus=0.1, A_minus=0.1, exp_beta=-1.0)
        with pytest.raises(ValidationError, match="w_bound"):
            ExpSTDPSynapse("W2", (2, 3), A_plus=0.1, A_minus=0.1, exp_beta=1.0, w_bound=0.02)


def test_edges_layout_matches_numpy_reference_on_its_edges() -> None:
    n_in, n_out = 30, N_OUT
    s_pre, s_post, x, y = spikes_and_traces(6, T, B, n_in, n_out, p=0.15, tau_pre=12.0, tau_post=8.0)
    params = dict(A_plus=0.03, A_minus=0.02, exp_beta=2.0, eta=0.9, w_bound=1.3, tau_w=60.0)
    with Context("exp_edges", batch_size=B, seed=5) as ctx:
        W = ExpSTDPSynapse("W", (n_in, n_out), p_conn=0.2, layout="edges", pretrace_target=0.2, **params)
        ctx.command("evolve", [W])
    idx, dense0 = np.asarray(W.pre_index.value), np.asarray(W.dense_weights())
    assert idx.shape == (6, n_out)
    rec = ctx.run("evolve", steps=T, record=[W.weights],
                  inputs={W.preSpike: s_pre, W.postSpike: s_post, W.preTrace: x, W.postTrace: y})
    ref = np_exp_stdp(dense0, s_pre, s_post, x, y, x_tar=0.2, dt=1.0, **params)[:, idx, np.arange(n_out)]
    np.testing.assert_allclose(rec[W.weights], ref, rtol=1e-5, atol=2e-6)
    assert np.abs(ref[-1] - dense0[idx, np.arange(n_out)]).max() > 0.05


def test_events_layout_matches_numpy_reference_on_its_edges() -> None:
    """layout='events': the exponential rule on the edges of the neurons that spiked only, equal to the
    dense reference on every edge (the unused slots stay 0, below the 0.01 lower bound)."""
    n_in, n_out = 30, 8
    s_pre, s_post, x, y = spikes_and_traces(8, T, B, n_in, n_out, p=0.05, tau_pre=12.0, tau_post=8.0)
    params = dict(A_plus=0.03, A_minus=0.02, exp_beta=2.0, eta=0.9, w_bound=1.3, tau_w=0.0)
    with Context("exp_events", batch_size=B, seed=5) as ctx:
        W = ExpSTDPSynapse("W", (n_in, n_out), p_conn=0.2, layout="events", capacity=2, pretrace_target=0.2,
                           **params)
        ctx.command("evolve", [W])
    dense0 = np.asarray(W.dense_weights())
    edge = np.asarray(W.dense_weights(W.mask.value)) == 1
    rec = ctx.run("evolve", steps=T, record=[W.weights],
                  inputs={W.preSpike: s_pre, W.postSpike: s_post, W.preTrace: x, W.postTrace: y})
    ref = np_exp_stdp(dense0, s_pre, s_post, x, y, x_tar=0.2, dt=1.0, **params)
    got = np.stack([np.asarray(W.dense_weights(w)) for w in rec[W.weights]])
    np.testing.assert_allclose(got[:, edge], ref[:, edge], rtol=1e-5, atol=2e-6)
    assert np.all(got[:, ~edge] == 0) and np.all(np.asarray(rec[W.weights])[:, np.asarray(W.mask.value) == 0] == 0)
    assert np.abs(ref[-1] - dense0)[edge].max() > 0.05
