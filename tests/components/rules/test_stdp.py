"""The STDP and eligibility maths (components.rules.stdp / .eligibility) against NumPy, with plain arrays."""

from __future__ import annotations

import numpy as np
import pytest

from components.rules.eligibility import (
    check_modulator_shape,
    eligibility_step,
    expand_modulator,
    modulated_update,
)
from components.rules.stdp import (
    decay_term,
    event_stdp_update,
    exp_stdp_update,
    in_window,
    trace_stdp_update,
    window_steps,
)
from components.rules.traces import NEVER
from contexts.errors import ValidationError

RNG = np.random.default_rng(0)
B, N_IN, N_OUT = 3, 5, 4


def _batch() -> tuple:
    s_pre = (RNG.random((B, N_IN)) < 0.4).astype(np.float32)
    s_post = (RNG.random((B, N_OUT)) < 0.4).astype(np.float32)
    x = RNG.random((B, N_IN)).astype(np.float32)
    y = RNG.random((B, N_OUT)).astype(np.float32)
    W = RNG.uniform(0.05, 0.95, (N_IN, N_OUT)).astype(np.float32)
    return s_pre, s_post, x, y, W


def test_trace_stdp_hand_case() -> None:
    # one pre, one post, one sample: LTP = A+ (x - x_tar) s_post, LTD = A- s_pre y
    got = trace_stdp_update(np.array([[1.0]]), np.array([[1.0]]), np.array([[0.6]]), np.array([[0.3]]),
                            np.array([[0.5]]), A_plus=2.0, A_minus=1.0, pretrace_target=0.1)
    assert float(got[0, 0]) == pytest.approx(2.0 * 0.5 - 1.0 * 0.3, rel=1e-6)
    got_mu = trace_stdp_update(np.array([[1.0]]), np.array([[1.0]]), np.array([[0.6]]), np.array([[0.3]]),
                               np.array([[0.2]]), A_plus=2.0, A_minus=1.0, mu=2.0, w_bound=1.0)
    assert float(got_mu[0, 0]) == pytest.approx(2.0 * 0.6 * 0.8 ** 2 - 0.3 * 0.2 ** 2, rel=1e-6)


@pytest.mark.parametrize("mu", [0.0, 1.0, 2.0])
def test_trace_stdp_matches_numpy(mu: float) -> None:
    for _ in range(5):
        s_pre, s_post, x, y, W = _batch()
        ltp = 0.7 * (x - 0.2).T @ s_post
        ltd = 0.4 * s_pre.T @ y
        if mu > 0:
            ltp, ltd = ltp * (1.5 - W) ** mu, ltd * W ** mu
        got = trace_stdp_update(s_pre, s_post, x, y, W, A_plus=0.7, A_minus=0.4, mu=mu, w_bound=1.5,
                                pretrace_target=0.2)
        np.testing.assert_allclose(got, ltp - ltd, rtol=1e-5, atol=1e-6)
        per = trace_stdp_update(s_pre, s_post, x, y, W, A_plus=0.7, A_minus=0.4, mu=mu, w_bound=1.5,
                                pretrace_target=0.2, per_sample=True)
        assert per.shape == (B, N_IN, N_OUT)
        np.testing.assert_allclose(np.sum(per, axis=0), got, rtol=1e-5, atol=1e-6)
        b = 1  # one sample of the per-sample form is the one-sample rule
        one = trace_stdp_update(s_pre[b:b + 1], s_post[b:b + 1], x[b:b + 1], y[b:b + 1], W, A_plus=0.7,
                                A_minus=0.4, mu=mu, w_bound=1.5, pretrace_target=0.2)
        np.testing.assert_allclose(per[b], one, rtol=1e-5, atol=1e-6)


def test_exp_stdp_matches_numpy() -> None:
    for _ in range(5):
        s_pre, s_post, x, y, W = _batch()
        beta, wb, xt = 1.7, 1.2, 0.3
        ref = 0.9 * (np.exp(-beta * W) * (x.T @ s_post) - np.exp(-beta * (wb - W)) * (np.full_like(x, xt).T @ s_post))
        ref -= 0.5 * np.exp(-beta * W) * (s_pre.T @ y)
        got = exp_stdp_update(s_pre, s_post, x, y, W, A_plus=0.9, A_minus=0.5, exp_beta=beta, w_bound=wb,
                              pretrace_target=xt)
        np.testing.assert_allclose(got, ref, rtol=1e-5, atol=1e-6)


def test_window_counts_steps_and_never() -> None:
    assert window_steps(2.0, 1.0) == 2 and window_steps(0.0, 1.0) == 1 and window_steps(2.5, 1.0) == 3
    assert window_steps(2.0, 0.1) == 20  # 2.0 / 0.1 is 20.000000000000004 in floating point
    t = np.float32(10.0)
    tols = np.array([[10.0, 9.0, 8.0, 11.0, NEVER, 0.0]], np.float32)
    np.testing.assert_array_equal(in_window(tols, t, 1.0, 2.0), [[1, 1, 0, 0, 0, 0]])
    np.testing.assert_array_equal(in_window(tols, t, 1.0, 0.0), [[1, 0, 0, 0, 0, 0]])
    # a spike at t = 0 is a real spike (ngc-learn drops it): in the window at t = 0 and t = 1
    np.testing.assert_array_equal(in_window(np.zeros((1, 1), np.float32), np.float32(0.0), 1.0, 2.0), [[1]])
    np.testing.assert_array_equal(in_window(np.zeros((1, 1), np.float32), np.float32(1.0), 1.0, 2.0), [[1]])
    # time accumulated in float32 with dt = 0.1: the 20 most recent steps count, the 21st does not
    t_acc = np.float32(0.0)
    times = []
    for _ in range(100):
        t_acc = np.float32(t_acc + np.float32(0.1))
        times.append(t_acc)
    tols = np.array([[times[99], times[80], times[79]]], np.float32)
    np.testing.assert_array_equal(in_window(tols, times[99], 0.1, 2.0), [[1, 1, 0]])


def test_event_stdp_matches_numpy_per_sample() -> None:
    for _ in range(5):
        _, s_post, _, _, W = _batch()
        inwin = (RNG.random((B, N_IN)) < 0.5).astype(np.float32)
        ref = np.zeros_like(W)
        for b in range(B):  # the paper's rule, one sample and one synapse at a time
            for i in range(N_IN):
                for j in range(N_OUT):
                    if s_post[b, j]:
                        ref[i, j] += (0.8 * (1.0 - 1.1 * W[i, j]) if inwin[b, i] else -0.3 * 1.1 * W[i, j])
        got = event_stdp_update(inwin, s_post, W, A_plus=0.8, A_minus=0.3, lmbda=0.1, w_bound=1.0)
        np.testing.assert_allclose(got, ref, rtol=1e-5, atol=1e-6)


def test_decay_term() -> None:
    W = np.ones((2, 2), np.float32)
    np.testing.assert_allclose(decay_term(W, 0.5, 10.0), 0.05 * W, rtol=1e-6)
    np.testing.assert_array_equal(decay_term(W, 0.5, 0.0), 0 * W)


def test_eligibility_and_modulated_update() -> None:
    e = RNG.random((B, N_IN, N_OUT)).astype(np.float32)
    D = RNG.random((B, N_IN, N_OUT)).astype(np.float32)
    np.testing.assert_allclose(eligibility_step(e, D, 0.5, 10.0), e * np.exp(-0.05) + D, rtol=1e-6)
    np.testing.assert_array_equal(eligibility_step(e, D, 0.5, 0.0), D)
    m_post = RNG.normal(size=(B, N_OUT)).astype(np.float32)
    m_one = RNG.normal(size=(B, 1)).astype(np.float32)
    m_scalar = RNG.normal(size=(B,)).astype(np.float32)
    m_syn = RNG.normal(size=(B, N_IN, N_OUT)).astype(np.float32)
    ref_post = sum(e[b] * m_post[b][None, :] for b in range(B))
    np.testing.assert_allclose(modulated_update(e, m_post, 0.5, 0.0), ref_post, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(modulated_update(e, m_post, 0.5, 3.0), 0.5 * ref_post, rtol=1e-5, atol=1e-6)
    ref_one = sum(e[b] * m_one[b, 0] for b in range(B))
    np.testing.assert_allclose(modulated_update(e, m_one, 1.0, 0.0), ref_one, rtol=1e-5, atol=1e-6)
    ref_scalar = sum(e[b] * m_scalar[b] for b in range(B))
    np.testing.assert_allclose(modulated_update(e, m_scalar, 1.0, 0.0), ref_scalar, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(modulated_update(e, m_syn, 1.0, 0.0), np.sum(e * m_syn, 0), rtol=1e-5, atol=1e-6)
    assert expand_modulator(m_scalar).shape == (B, 1, 1)


def test_modulator_shapes() -> None:
    assert check_modulator_shape(None, 3, 4, "W") == (4,)
    assert check_modulator_shape(1, 3, 4, "W") == (1,)
    assert check_modulator_shape((), 3, 4, "W") == ()
    assert check_modulator_shape([3, 4], 3, 4, "W") == (3, 4)
    for bad in (3, (4, 3), (2,), "x"):
        with pytest.raises(ValidationError, match="modulator_shape"):
            check_modulator_shape(bad, 3, 4, "W")
