"""EventSTDPSynapse against a NumPy reference (batch > 1), its window, and agreement with trace STDP."""

from __future__ import annotations

import numpy as np
import pytest

from components.cells import BernoulliCell, VarTrace
from components.synapses import EventSTDPSynapse, TraceSTDPSynapse
from contexts import Context
from contexts.errors import ValidationError

T, B, N_IN, N_OUT = 160, 3, 6, 4
NEVER = -1e9


def np_event_stdp(W0, tols, s_post, times, *, eta, lmbda, A_plus, A_minus, win, w_bound, dt):
    """Tavanaei et al. (2018) eq. 18 as ngc-learn generalises it, one sample/synapse at a time."""
    W, out = W0.astype(np.float64), []
    for k, t in enumerate(times):
        dW = np.zeros_like(W)
        for b in range(tols.shape[1]):
            age = t - tols[k, b]  # ms since the last pre spike
            inwin = (age > -dt / 2) & ((age < win - dt / 2) | (age < dt / 2))
            for j in np.flatnonzero(s_post[k, b]):
                ltp, decay = A_plus * (w_bound - (1 + lmbda) * W[:, j]), -A_minus * (1 + lmbda) * W[:, j]
                dW[:, j] += np.where(inwin, ltp, decay)
        W = np.clip(W + eta * dW, 0.01, w_bound)
        out.append(W)
    return np.asarray(out)


def test_matches_numpy_reference_batched() -> None:
    rng = np.random.default_rng(7)
    dt, win = 0.5, 2.0  # a window of 4 steps
    s_pre = (rng.random((T, B, N_IN)) < 0.1).astype(np.float32)
    s_post = (rng.random((T, B, N_OUT)) < 0.1).astype(np.float32)
    times = dt * np.arange(1, T + 1, dtype=np.float64)
    tols = np.full((T, B, N_IN), NEVER)
    last = np.full((B, N_IN), NEVER)
    for k in range(T):
        last = np.where(s_pre[k] > 0, times[k], last)
        tols[k] = last
    params = dict(eta=0.5, lmbda=0.05, A_plus=0.1, A_minus=0.02, w_bound=1.0)
    with Context("event", dt=dt, batch_size=B, seed=2, clock_command="evolve") as ctx:  # evolve ticks t
        W = EventSTDPSynapse("W", (N_IN, N_OUT), presyn_win_len=win, **params)
        ctx.command("evolve", [W])
    W0 = np.asarray(W.weights.value)
    rec = ctx.run("evolve", steps=T, record=[W.weights], inputs={W.pre_tols: tols.astype(np.float32),
                                                                 W.postSpike: s_post})
    ref = np_event_stdp(W0, tols, s_post, times, win=win, dt=dt, **params)
    np.testing.assert_allclose(rec[W.weights], ref, rtol=1e-5, atol=2e-6)
    assert np.abs(ref[-1] - W0).max() > 0.1


def test_spike_at_time_zero_counts() -> None:
    # ngc-learn reads tols = 0 as "never spiked"; here only NEVER (-1e9) means that
    with Context("zero") as ctx:
        W = EventSTDPSynapse("W", (2, 1), eta=1.0, lmbda=0.0, A_plus=0.5, A_minus=0.5, presyn_win_len=2.0,
                             weight_init={"dist": "constant", "value": 0.4})
        ctx.command("evolve", [W])
    ctx.run("evolve", steps=1, inputs={W.pre_tols: np.array([[[0.0, NEVER]]], np.float32),
                                       W.postSpike: np.ones((1, 1, 1), np.float32)})
    np.testing.assert_allclose(np.asarray(W.weights.value)[:, 0], [0.4 + 0.5 * 0.6, 0.4 - 0.5 * 0.4], rtol=1e-6)


def test_agrees_with_trace_stdp_where_they_coincide() -> None:
    """The one regime where both rules are the same: LTP only (A_minus = 0), lmbda = 0, a one-step
    window (presyn_win_len = 0), and trace STDP with mu = 1 and a memoryless pre trace (decay_type
    "step", so the trace is the spike). Then both give dW = A_plus (w_bound - W) s_pre^T s_post.
    Outside it they differ in kind: event-STDP depresses on post spikes without a recent pre spike,
    trace-STDP depresses on pre spikes after post spikes."""
    steps = 200
    with Context("coincide", batch_size=2, seed=11) as ctx:
        pre, post = BernoulliCell("pre", 8), BernoulliCell("post", 3)
        tr = VarTrace("tr", 8, decay_type="step")
        E = EventSTDPSynapse("E", (8, 3), eta=0.5, lmbda=0.0, A_plus=0.05, A_minus=0.0, presyn_win_len=0.0,
                             w_bound=1.0)
        S = TraceSTDPSynapse("S", (8, 3), A_plus=0.05, A_minus=0.0, eta=0.5, mu=1.0, w_bound=1.0)
        tr.inputs << pre.outputs
        for syn in (E, S):
            syn.inputs << pre.outputs
            syn.postSpike << post.outputs
        E.pre_tols << pre.tols
        S.preSpike << pre.outputs
        S.preTrace << tr.outputs
        S.postTrace << post.outputs
        ctx.command("advance", [pre, post, tr, E, S])
        ctx.command("evolve", [E, S])
    ctx.clamp(S.weights, E.weights.value)
    ctx.clamp(pre.inputs, 0.3)
    ctx.clamp(post.inputs, 0.3)
    rec = ctx.run(["advance", "evolve"], steps=steps, record=[E.weights, S.weights, pre.outputs])
    assert rec[pre.outputs].sum() > 100
    np.testing.assert_allclose(rec[E.weights], rec[S.weights], rtol=1e-5, atol=1e-6)
    assert np.abs(rec[E.weights][-1] - rec[E.weights][0]).max() > 0.2


def test_validation_errors() -> None:
    with Context("bad"):
        with pytest.raises(ValidationError, match="presyn_win_len"):
            EventSTDPSynapse("W1", (2, 3), presyn_win_len=-1.0)
        with pytest.raises(ValidationError, match="w_bound"):
            EventSTDPSynapse("W2", (2, 3), w_bound=0.0)
