"""components.rules.integrators against closed forms and NumPy references."""

import numpy as np
import pytest

from components.rules.integrators import (
    EXPLICIT,
    INTEGRATIONS,
    euler_step,
    exp_relax_step,
    leaky_step,
    relax_step,
    system_step,
)


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
    for step in (relax_step, leaky_step):
        with pytest.raises(ValueError, match="integration must be one of"):
            step(1.0, 0.0, 1.0, 1.0, "rk4")


@pytest.mark.parametrize("method", ["midpoint", "rk2"])
def test_midpoint_matches_numpy_over_many_steps(method):
    rng = np.random.default_rng(1)
    drive = rng.normal(size=(150, 2, 5)).astype(np.float32)
    x, ref = np.zeros((2, 5), np.float32), np.zeros((2, 5))
    tau, leak, dt = 6.0, 0.7, 0.8
    for k in range(150):
        x = np.asarray(leaky_step(x, drive[k], tau, dt, method, leak=leak))
        half = ref + dt / 2 * (drive[k] - leak * ref) / tau
        ref = ref + dt * (drive[k] - leak * half) / tau
    np.testing.assert_allclose(x, ref, rtol=1e-5, atol=1e-5)


def test_midpoint_is_second_order_and_euler_first():
    tau, leak, drive, horizon = 5.0, 0.6, 2.0, 10.0
    exact = drive / leak + (1.0 - drive / leak) * np.exp(-leak * horizon / tau)
    errors = {"euler": [], "midpoint": []}
    for dt in (0.5, 0.05):
        for method, errs in errors.items():
            x = np.float64(1.0)
            for _ in range(int(round(horizon / dt))):
                x = float(leaky_step(x, drive, tau, dt, method, leak=leak))
            errs.append(abs(x - exact))
    assert 7 < errors["euler"][0] / errors["euler"][1] < 13  # x10 smaller dt: x10 smaller error
    assert 70 < errors["midpoint"][0] / errors["midpoint"][1] < 130  # x100
    assert errors["midpoint"][0] < errors["euler"][0] / 5


@pytest.mark.parametrize("leak", [0.0, 1e-9, 0.4, 1.0])
def test_exact_leaky_step_is_the_closed_form(leak):
    x0, drive, tau, dt, n = 1.5, 3.0, 8.0, 0.7, 40
    x = np.float64(x0)
    for _ in range(n):
        x = float(leaky_step(x, drive, tau, dt, "exact", leak=leak))
    t = n * dt
    expected = x0 + drive * t / tau if leak == 0 else drive / leak + (x0 - drive / leak) * np.exp(-leak * t / tau)
    np.testing.assert_allclose(x, expected, rtol=1e-5)


def test_without_leak_every_method_integrates_a_constant_drive_exactly():
    for method in INTEGRATIONS:
        x = np.float32(0.0)
        for _ in range(25):
            x = leaky_step(x, 2.0, 4.0, 0.5, method, leak=0.0)
        np.testing.assert_allclose(float(x), 25 * 0.5 * 2.0 / 4.0, rtol=1e-6, err_msg=method)


def test_relax_step_is_leaky_step_with_unit_leak():
    x, x_inf = np.float32(0.3), np.float32(-2.0)
    for method in INTEGRATIONS:
        np.testing.assert_allclose(float(relax_step(x, x_inf, 3.0, 0.5, method)),
                                   float(leaky_step(x, x_inf, 3.0, 0.5, method)), rtol=1e-6, err_msg=method)


def test_system_step_orders_on_a_nonlinear_system():
    # dx/dt = -x y, dy/dt = x y has x + y = const; with y0 = 0.5, x0 = 1.5 the logistic solution is
    # y(t) = 2 y0 / (y0 + (2 - y0) e^{-2t}) (x + y = 2); Euler is first order, midpoint second
    def f(x, y):
        return -x * y, x * y

    def y_at(t):
        return 2 * 0.5 / (0.5 + 1.5 * np.exp(-2 * t))

    errors = {}
    for method in EXPLICIT:
        errs = []
        for dt in (0.01, 0.001):
            x, y = np.float64(1.5), np.float64(0.5)
            for _ in range(round(1.0 / dt)):
                x, y = system_step(f, (x, y), dt, method)
            errs.append(abs(float(y) - y_at(1.0)))
            np.testing.assert_allclose(float(x + y), 2.0, rtol=1e-12)  # both methods keep x + y exactly
        errors[method] = errs
    assert 7 < errors["euler"][0] / errors["euler"][1] < 13
    assert 70 < errors["midpoint"][0] / errors["midpoint"][1] < 130
    assert errors["rk2"] == errors["midpoint"]
    with pytest.raises(ValueError, match="integration"):
        system_step(f, (1.0, 1.0), 0.1, "exact")
