"""Synaptic kinetics rules against their closed forms: one spike's time course, the alpha and
double-exponential peaks, exactness for any dt."""

import math

import numpy as np
import pytest

from components.rules.kinetics import alpha_step, double_exp_norm, double_exp_peak, double_exp_step, exp_step


def one_spike(step, n_state, steps, dt, w=1.0, output=lambda state: state[0]):
    """The output of ``step`` over ``steps`` steps after one input ``w`` at step 0."""
    state, out = (np.zeros(1),) * n_state, []
    for k in range(steps):
        state = step(*state, np.array([w if k == 0 else 0.0]), dt)
        out.append(np.asarray(output(state)))
    return np.concatenate(out)


def difference(state):
    return state[0] - state[1]


@pytest.mark.parametrize("dt", [0.1, 0.5, 2.0])
def test_exp_is_exact_for_any_dt(dt):
    tau = 3.0
    g = one_spike(lambda g, inc, dt: (exp_step(g, inc, tau, dt),), 1, 40, dt, w=2.5)
    s = dt * np.arange(40)
    np.testing.assert_allclose(g, 2.5 * np.exp(-s / tau), rtol=1e-5)


@pytest.mark.parametrize("dt", [0.1, 0.25, 1.0])
def test_alpha_closed_form_and_peak_at_tau(dt):
    tau, w = 5.0, 1.7
    g = one_spike(lambda g, h, inc, dt: alpha_step(g, h, inc, tau, dt), 2, int(30 / dt), dt, w=w)
    s = dt * np.arange(len(g))
    np.testing.assert_allclose(g, w * s / tau * np.exp(1 - s / tau), rtol=1e-5, atol=1e-7)
    assert g[0] == 0.0
    assert np.argmax(g) == round(tau / dt) and g.max() == pytest.approx(w, rel=1e-5)


def test_double_exp_closed_form_and_peak():
    tr, td, dt, w = 1.0, 6.0, 0.05, 0.8
    tp = double_exp_peak(tr, td)
    assert tp == pytest.approx(tr * td / (td - tr) * math.log(td / tr))
    # the derivative of e^{-t/td} - e^{-t/tr} vanishes at the peak
    assert -math.exp(-tp / td) / td + math.exp(-tp / tr) / tr == pytest.approx(0.0, abs=1e-12)
    g = one_spike(lambda a, b, inc, dt: double_exp_step(a, b, inc, tr, td, dt), 2, 400, dt, w=w,
                  output=difference)
    s = dt * np.arange(400)
    A = double_exp_norm(tr, td)
    np.testing.assert_allclose(g, A * w * (np.exp(-s / td) - np.exp(-s / tr)), rtol=1e-5, atol=1e-7)
    assert g.max() == pytest.approx(w, rel=1e-3) and abs(s[np.argmax(g)] - tp) <= dt


def test_double_exp_tends_to_alpha_when_the_time_constants_meet():
    tau, dt = 4.0, 0.1
    alpha = one_spike(lambda g, h, inc, dt: alpha_step(g, h, inc, tau, dt), 2, 300, dt)
    near = one_spike(lambda a, b, inc, dt: double_exp_step(a, b, inc, tau * 0.999, tau * 1.001, dt), 2, 300, dt,
                    output=difference)
    np.testing.assert_allclose(near, alpha, atol=2e-3)
