"""components.rules.integrators against closed forms and NumPy references."""

import numpy as np
import pytest

from components.rules.integrators import euler_step, exp_relax_step, relax_step


def test_euler_matches_numpy_over_many_steps():
    rng = np.random.default_rng(0)
    x_inf = rng.normal(size=(200, 3, 4)).astype(np.float32)
    x, ref = np.zeros((3, 4), np.float32), np.zeros((3, 4))
    for k in range(200):
        x = np.asarray(relax_step(x, x_inf[k], 7.0, 0.5, "euler"))
        ref = ref + 0.5 / 7.0 * (x_inf[k] - ref)
    np.testing.assert_allclose(x, ref, rtol=1e-5, atol=1e-5)


def test_exact_step_is_the_closed_form_for_constant_target():
    x0, x_inf, tau, dt = np.float32(2.0), np.float32(-1.0), 4.0, 0.3
    x = x0
    for _ in range(50):
        x = exp_relax_step(x, x_inf, tau, dt)
    expected = -1.0 + 3.0 * np.exp(-50 * dt / tau)
    np.testing.assert_allclose(float(x), expected, rtol=1e-5)


def test_euler_step_is_x_plus_dt_times_slope():
    np.testing.assert_allclose(float(euler_step(1.0, -2.0, 0.25)), 0.5)


def test_euler_converges_to_exact_as_dt_goes_to_zero():
    tau, horizon = 5.0, 10.0
    errors = []
    for dt in (1.0, 0.1, 0.01):
        e, x = np.float64(1.0), np.float64(1.0)
        for _ in range(int(round(horizon / dt))):
            e = float(relax_step(e, 0.0, tau, dt, "euler"))
            x = float(relax_step(x, 0.0, tau, dt, "exact"))
        errors.append(abs(e - x))
    assert errors[0] > 5 * errors[1] > 25 * errors[2]  # first order in dt
    assert errors[2] < 1e-3


def test_exact_is_stable_where_euler_is_not():
    e = x = np.float32(1.0)
    for _ in range(20):
        e = relax_step(e, 0.0, 1.0, 3.0, "euler")
        x = relax_step(x, 0.0, 1.0, 3.0, "exact")
    assert abs(float(e)) > 1e5 and 0 <= float(x) < 1e-20


def test_unknown_method_raises():
    with pytest.raises(ValueError, match="integration must be one of"):
        relax_step(1.0, 0.0, 1.0, 1.0, "rk4")
