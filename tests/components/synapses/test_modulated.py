"""ModulatedSynapse: NumPy references (rate and spiking), distal reward, the 003 third-population example."""

from __future__ import annotations

import numpy as np
import pytest

from components.cells import RateCell
from components.synapses import ModulatedSynapse
from contexts import Context
from contexts.errors import ShapeError, ValidationError
from tests.components.synapses.spike_reference import np_traces

T, B, N_IN, N_OUT = 120, 3, 5, 4


def np_three_factor(W0, D_of, m, *, eta, tau_elig, dt, low=None, high=None):
    """e <- e exp(-dt/tau) + D (e = D if tau = 0); W <- W + eta [dt if tau > 0] sum_b m_b e_b, per sample.

    ``m[k]`` broadcasts against ``(batch, n_in, n_out)``."""
    W, e, Ws, es = W0.astype(np.float64), 0.0, [], []
    for k in range(len(m)):
        D = D_of(k, W)  # (batch, n_in, n_out)
        e = e * np.exp(-dt / tau_elig) + D if tau_elig > 0 else D
        dW = np.sum(m[k] * e, axis=0) * (dt if tau_elig > 0 else 1.0)
        W = W + eta * dW
        if low is not None:
            W = np.clip(W, low, high)
        Ws.append(W)
        es.append(e)
    return np.asarray(Ws), np.asarray(es)


def test_hebbian_rule_matches_numpy_elementwise_modulator() -> None:
    rng = np.random.default_rng(0)
    dt, tau_elig, eta = 0.5, 5.0, 0.05
    pre = rng.random((T, B, N_IN)).astype(np.float32)
    post = rng.random((T, B, N_OUT)).astype(np.float32)
    m = rng.normal(size=(T, B, N_OUT)).astype(np.float32)  # a signed error per postsynaptic unit
    with Context("heb", dt=dt, batch_size=B, seed=1) as ctx:
        W = ModulatedSynapse("W", (N_IN, N_OUT), rule="hebbian", eta=eta, tau_elig=tau_elig, pre_wght=0.9,
                             post_wght=1.1)
        ctx.command("evolve", [W])
    W0 = np.asarray(W.weights.value)
    rec = ctx.run("evolve", steps=T, record=[W.weights, W.eligibility],
                  inputs={W.pre: pre, W.post: post, W.modulator: m})

    def D_of(k: int, _W: np.ndarray) -> np.ndarray:
        return dt * np.einsum("bi,bj->bij", 0.9 * pre[k], 1.1 * post[k])

    ref_W, ref_e = np_three_factor(W0, D_of, m[:, :, None, :], eta=eta, tau_elig=tau_elig, dt=dt)
    np.testing.assert_allclose(rec[W.eligibility], ref_e, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(rec[W.weights], ref_W, rtol=1e-5, atol=1e-5)
    assert np.abs(ref_W[-1] - W0).max() > 0.05


@pytest.mark.parametrize("m_shape", [1, ()])
def test_trace_stdp_rule_matches_numpy_broadcast_modulator(m_shape) -> None:
    rng = np.random.default_rng(1)
    dt, tau_elig, eta, tau_tr = 1.0, 20.0, 0.5, 10.0
    s_pre = (rng.random((T, B, N_IN)) < 0.15).astype(np.float32)
    s_post = (rng.random((T, B, N_OUT)) < 0.15).astype(np.float32)
    x, y = np_traces(s_pre, dt, tau_tr), np_traces(s_post, dt, tau_tr)
    reward = rng.normal(size=(T, B)).astype(np.float32) * (rng.random((T, B)) < 0.2)  # sparse reward
    m = reward[..., None] if m_shape == 1 else reward
    with Context("rstdp", dt=dt, batch_size=B, seed=2) as ctx:
        W = ModulatedSynapse("W", (N_IN, N_OUT), rule="trace_stdp", eta=eta, tau_elig=tau_elig, modulator_shape=m_shape,
                             A_plus=0.02, A_minus=0.018, mu=1.0, pretrace_target=0.05, w_bound=1.0,
                             is_nonnegative=True)
        ctx.command("evolve", [W])
    W0 = np.asarray(W.weights.value)
    rec = ctx.run("evolve", steps=T, record=[W.weights, W.dWeights],
                  inputs={W.preSpike: s_pre, W.postSpike: s_post, W.preTrace: x, W.postTrace: y, W.modulator: m})

    def D_of(k: int, Wk: np.ndarray) -> np.ndarray:
        ltp = 0.02 * np.einsum("bi,bj->bij", x[k] - 0.05, s_post[k]) * (1.0 - Wk)
        ltd = 0.018 * np.einsum("bi,bj->bij", s_pre[k], y[k]) * Wk
        return ltp - ltd

    ref_W, _ = np_three_factor(W0, D_of, reward[:, :, None, None], eta=eta, tau_elig=tau_elig, dt=dt,
                               low=0.0, high=1.0)
    np.testing.assert_allclose(rec[W.weights], ref_W, rtol=1e-5, atol=1e-5)
    assert np.abs(ref_W[-1] - W0).max() > 0.01
    assert rec[W.weights].min() >= 0.0 and rec[W.weights].max() <= 1.0


def test_distal_reward() -> None:
    """A pre-before-post pairing, then a reward pulse `delay` ms later (Izhikevich 2007): the weight
    moves by eta * dt * r * A_plus exp(-2/tau_tr) exp(-delay/tau_elig); without a trace, not at all."""
    steps, t_pair, delay, tau_tr, tau_elig = 60, 10, 30, 10.0, 25.0
    s_pre = np.zeros((steps, 1, 1), np.float32)
    s_post = np.zeros((steps, 1, 1), np.float32)
    s_pre[t_pair - 2], s_post[t_pair] = 1.0, 1.0
    r = np.zeros((steps, 1, 1), np.float32)
    r[t_pair + delay] = 2.0
    with Context("distal") as ctx:
        W = ModulatedSynapse("W", (1, 1), rule="trace_stdp", eta=0.1, tau_elig=tau_elig, A_plus=0.5, A_minus=0.0,
                             weight_init={"dist": "constant", "value": 0.3})
        ctx.command("evolve", [W])
    data_of = {W.preSpike: s_pre, W.postSpike: s_post, W.preTrace: np_traces(s_pre, 1.0, tau_tr),
               W.postTrace: np_traces(s_post, 1.0, tau_tr), W.modulator: r}
    ws = ctx.run("evolve", steps=steps, record=[W.weights], inputs=data_of)[W.weights][:, 0, 0]
    assert np.all(ws[:t_pair + delay] == np.float32(0.3))  # nothing happens before the reward
    expected = 0.1 * 1.0 * 2.0 * 0.5 * np.exp(-2 / tau_tr) * np.exp(-delay / tau_elig)
    np.testing.assert_allclose(ws[-1] - 0.3, expected, rtol=1e-4)
    ctx.clamp(W.weights, np.full((1, 1), 0.3, np.float32))
    assert np.abs(np.asarray(W.eligibility.value)).max() > 0
    ctx.reset()
    assert np.all(np.asarray(W.eligibility.value) == 0)  # reset clears the trace, keeps the weights
    np.testing.assert_array_equal(W.weights.value, np.full((1, 1), 0.3, np.float32))
    W.tau_elig = 0.0
    ws0 = ctx.run("evolve", steps=steps, record=[W.weights], inputs=data_of)[W.weights][:, 0, 0]
    assert np.all(ws0 == np.float32(0.3))


def _third_population(dt: float, steps: int) -> tuple:
    """003: pop1 (r -> 10), pop2 (r -> 5), W: pop2 -> pop3 with dw/dt = lr * r1 * r2, lr = 0.1."""
    with Context("three_pops", dt=dt) as ctx:
        pop1 = RateCell("pop1", 1, tau_m=10.0, integration="exact")
        pop2 = RateCell("pop2", 1, tau_m=10.0, integration="exact")
        pop3 = RateCell("pop3", 1, tau_m=10.0, integration="exact")
        W = ModulatedSynapse("W", (1, 1), rule="presynaptic", eta=0.1, weight_init={"dist": "constant", "value": 0.0})
        W.inputs << pop2.outputs
        pop3.j << W.outputs
        W.pre << pop2.outputs
        W.modulator << pop1.outputs  # the third population's rate gates W's plasticity: one line
        ctx.command("advance", [pop1, pop2, W, pop3])
        ctx.command("evolve", [W])
    ctx.clamp(pop1.j, 10.0)
    ctx.clamp(pop2.j, 5.0)
    rec = ctx.run(["advance", "evolve"], steps=steps, record=[W.weights, pop1.outputs, pop2.outputs])
    return (np.asarray(rec[W.weights])[:, 0, 0], np.asarray(rec[pop1.outputs])[:, 0, 0],
            np.asarray(rec[pop2.outputs])[:, 0, 0])


def test_third_population_matches_analytic_trajectory() -> None:
    tau, lr, T_ms = 10.0, 0.1, 30.0

    def analytic_w(t: np.ndarray) -> np.ndarray:  # w(t) = lr * 10 * 5 * integral_0^t (1 - e^{-s/tau})^2 ds
        return lr * 50.0 * (t - 2 * tau * (1 - np.exp(-t / tau)) + tau / 2 * (1 - np.exp(-2 * t / tau)))

    errors = []
    for dt in (0.1, 0.05):
        steps = int(round(T_ms / dt))
        w, r1, r2 = _third_population(dt, steps)
        t = dt * np.arange(1, steps + 1)
        np.testing.assert_allclose(r1, 10 * (1 - np.exp(-t / tau)), rtol=1e-5, atol=1e-5)
        np.testing.assert_allclose(r2, 5 * (1 - np.exp(-t / tau)), rtol=1e-5, atol=1e-5)
        # exact discrete reference: w_k = w_{k-1} + dt * lr * r1_k * r2_k
        np.testing.assert_allclose(w, np.cumsum(dt * lr * r1.astype(np.float64) * r2), rtol=2e-5, atol=1e-5)
        rel = np.abs(w - analytic_w(t)).max() / analytic_w(t[-1])
        errors.append(rel)
    print(f"max relative error vs analytic w(t): dt=0.1 -> {errors[0]:.2e}, dt=0.05 -> {errors[1]:.2e}")
    assert errors[0] < 5e-3  # measured ~3e-3 at dt = 0.1 ms (right Riemann sum, O(dt))
    assert 1.8 < errors[0] / errors[1] < 2.2  # first-order convergence to the analytic trajectory


def test_shape_and_parameter_errors() -> None:
    with Context("bad", batch_size=2) as ctx:
        src = RateCell("src", 2)
        with pytest.raises(ValidationError, match="modulator_shape"):
            ModulatedSynapse("W1", (3, 4), modulator_shape=3)
        with pytest.raises(ValidationError, match="does not use A_plus"):
            ModulatedSynapse("W2", (3, 4), rule="hebbian", A_plus=0.1)
        with pytest.raises(ValidationError, match="rule must be one of"):
            ModulatedSynapse("W3", (3, 4), rule="oja")
        with pytest.raises(ValidationError, match="w_bound"):
            ModulatedSynapse("W4", (3, 4), rule="trace_stdp", mu=1.0)
        W = ModulatedSynapse("W5", (3, 4))
        with pytest.raises(ShapeError, match="cannot broadcast"):
            W.modulator << src.outputs  # (batch, 2) into 4 postsynaptic units
        W1 = ModulatedSynapse("W6", (3, 2), modulator_shape=1)
        with pytest.raises(ShapeError, match=r"modulator_shape=\(2,\)"):
            W1.modulator << src.outputs  # would fit with the default shape: the error says so
    assert "W5.modulator" not in ctx.wires
