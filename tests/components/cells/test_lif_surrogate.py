"""LIFCell's surrogate gradient ``psi`` against an independent NumPy loop (refractory period, adaptive
threshold, each surrogate form), no change without a surrogate, and named parameter errors."""

import numpy as np
import pytest

from components.cells import LIFCell
from contexts import Context
from contexts.params import ParameterError

KINDS = ("piecewise_linear", "exponential", "fast_sigmoid_derivative", "arctan_derivative")
P = dict(tau_m=10.0, v_rest=-65.0, v_reset=-60.0, thr=-52.0, refract_time=1.5, thr_theta_plus=2.0, tau_theta=40.0)


def numpy_surrogate(kind, v, centre, height, width):
    x = np.abs(v - centre) / width
    if kind == "piecewise_linear":
        return height * np.maximum(0.0, 1.0 - x)
    if kind == "exponential":
        return height * np.exp(-x)
    if kind == "fast_sigmoid_derivative":
        return height / (1.0 + x) ** 2
    return height / (1.0 + x * x)


def run(J, dt, record, **kw):
    with Context("lif_sg", dt=dt, batch_size=J.shape[1]) as ctx:
        z = LIFCell("z", J.shape[-1], **kw)
        ctx.command("advance", [z])
    inputs = {z.j: J}
    if "g_e" in z.compartments:  # a conductance input too
        inputs[z.g_e] = np.abs(J[::-1]) / 100.0
    rec = ctx.run("advance", steps=len(J), record=[getattr(z, r) for r in record], inputs=inputs)
    return z, {r: np.asarray(rec[getattr(z, r)], np.float64) for r in record}


@pytest.mark.parametrize("kind", KINDS)
def test_psi_matches_numpy_with_refractory_period_and_adaptive_threshold(kind):
    dt, T, height, width = 0.5, 300, 0.3, 4.0
    J = np.random.default_rng(0).uniform(0.0, 40.0, (T, 2, 4)).astype(np.float32)
    _, got = run(J, dt, ("v", "rfr", "thr_theta", "s", "psi"), **P, surrogate=kind, surrogate_height=height,
                 surrogate_width=width)
    v, rfr, theta = np.full((2, 4), P["v_rest"]), np.zeros((2, 4)), np.zeros((2, 4))
    refractory_steps = 0
    for k in range(T):
        open_ = rfr <= 1e-3 * dt
        v_int = v + dt / P["tau_m"] * (-(v - P["v_rest"]) + J[k] * open_)  # Euler, before threshold and reset
        expected = np.where(open_, numpy_surrogate(kind, v_int, P["thr"] + theta, height, width), 0.0)
        np.testing.assert_allclose(got["psi"][k], expected, rtol=1e-4, atol=1e-6, err_msg=f"step {k}")
        refractory_steps += (~open_).sum()
        v, rfr, theta = got["v"][k], got["rfr"][k], got["thr_theta"][k]
    assert got["s"].sum() > 10 and refractory_steps > 20 and got["thr_theta"].max() > 2.0


def test_default_width_is_the_distance_from_rest_to_threshold():
    J = np.random.default_rng(1).uniform(0.0, 30.0, (100, 1, 3)).astype(np.float32)
    _, got = run(J, 1.0, ("v", "s", "psi"), surrogate="piecewise_linear")
    v, expected = np.full((1, 3), -65.0), []
    for k in range(len(J)):
        v_int = v + 0.1 * (-(v + 65.0) + J[k])
        expected.append(numpy_surrogate("piecewise_linear", v_int, -52.0, 1.0, 13.0))  # |thr - v_rest| = 13 mV
        v = got["v"][k]
    np.testing.assert_allclose(got["psi"], np.array(expected), rtol=1e-4, atol=1e-6)
    assert got["s"].sum() > 3 and (got["psi"] > 0.9).any()


@pytest.mark.parametrize("kw", [P, dict(integration="exact", E_e=0.0, hold_reset=True, refract_time=1.0),
                                dict(max_one_spike=True)])
def test_without_a_surrogate_nothing_changes(kw):
    J = np.random.default_rng(2).uniform(0.0, 40.0, (200, 2, 4)).astype(np.float32)
    record = ("v", "s", "tols")
    z, plain = run(J, 0.5, record, **kw)
    assert "psi" not in z.compartments
    _, with_psi = run(J, 0.5, record + ("psi",), surrogate="exponential", **kw)
    assert plain["s"].sum() > 5
    for r in record:
        np.testing.assert_array_equal(plain[r], with_psi[r], err_msg=r)


def test_bad_surrogate_parameters_are_named_errors():
    with Context("bad"):
        with pytest.raises(ParameterError, match="LIFCell 'z': surrogate.*piecewise_linear"):
            LIFCell("z", 2, surrogate="heaviside")
        with pytest.raises(ParameterError, match="LIFCell 'z': surrogate_width"):
            LIFCell("z", 2, surrogate="exponential", surrogate_width=-1.0)
        with pytest.raises(ParameterError, match="LIFCell 'z': surrogate_width defaults to"):
            LIFCell("z", 2, surrogate="exponential", thr=-65.0)  # thr == v_rest: no default width
        z = LIFCell("z", 2)
        with pytest.raises(ParameterError, match="LIFCell 'z': surrogate"):
            z.surrogate = "exponential"  # psi cannot appear after the cell is built
