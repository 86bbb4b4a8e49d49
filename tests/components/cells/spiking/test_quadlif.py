"""QuadLIFCell against an independent NumPy loop, its stable rest and unstable critical point,
and the analytic rheobase a0 (v_c - v_rest)^2 / 4."""

import numpy as np
import pytest

from components.cells import QuadLIFCell
from contexts import Context
from contexts.params import ParameterError


def reference(J, dt, tau_m=10.0, R_m=1.0, v_rest=-65.0, v_reset=-60.0, v_c=-50.0, a0=0.1, thr=-40.0,
              refract_time=0.0, thr_theta_plus=0.0, tau_theta=1e7, integration="euler", v_min=None):
    v = np.full(J.shape[1:], v_rest)
    theta = np.zeros(J.shape[1:])
    gated = np.zeros(J.shape[1:], int)
    n_gate = int(np.ceil(refract_time / dt - 1e-9))
    out = {"v": [], "s": [], "thr_theta": []}
    for j in J.astype(np.float64):
        drive = R_m * j * (gated == 0)

        def f(u, drive=drive):
            return (a0 * (u - v_rest) * (u - v_c) + drive) / tau_m

        v = v + dt * (f(v) if integration == "euler" else f(v + dt / 2 * f(v)))
        s = v > thr + theta
        v = np.where(s, v_reset, v)
        if v_min is not None:
            v = np.maximum(v, v_min)
        gated = np.where(s, n_gate, np.maximum(gated - 1, 0))
        theta = theta * np.exp(-dt / tau_theta) + thr_theta_plus * s
        for k, x in zip(out, (v, s.astype(float), theta)):
            out[k].append(x)
    return {k: np.stack(x) for k, x in out.items()}


def run(J, dt, **kw):
    with Context("qif", dt=dt, batch_size=J.shape[1]) as ctx:
        z = QuadLIFCell("z", J.shape[-1], **kw)
        ctx.command("advance", [z])
    rec = ctx.run("advance", steps=len(J), record=[z.v, z.s, z.thr_theta], inputs={z.j: J})
    return {c.name: np.asarray(rec[c]) for c in (z.v, z.s, z.thr_theta)}


CASES = {
    "euler": {},
    "midpoint_adaptive_refractory": {"integration": "midpoint", "thr_theta_plus": 0.5, "tau_theta": 50.0,
                                     "refract_time": 1.0, "v_min": -70.0},
}


@pytest.mark.parametrize("case", list(CASES))
def test_matches_numpy_reference(case):
    kw = CASES[case]
    dt, T = 0.25, 400
    J = np.random.default_rng(9).uniform(-10.0, 40.0, (T, 2, 6)).astype(np.float32)
    got = run(J, dt, **kw)
    ref = reference(J, dt, **kw)
    np.testing.assert_array_equal(got["s"], ref["s"])
    np.testing.assert_allclose(got["v"], ref["v"], rtol=1e-5, atol=5e-4)
    np.testing.assert_allclose(got["thr_theta"], ref["thr_theta"], rtol=1e-5, atol=1e-5)
    assert ref["s"].sum() > 30


def test_rest_is_stable_and_v_c_is_the_edge():
    # no input: started just below v_c it returns to rest; just above it, it fires
    dt, T = 0.1, 2000
    with Context("edge", dt=dt, batch_size=1) as ctx:
        z = QuadLIFCell("z", 2)
        ctx.command("advance", [z])
    ctx.clamp(z.v, np.array([[-50.5, -49.5]], np.float32))
    rec = ctx.run("advance", steps=T, record=[z.v, z.s], inputs={z.j: np.zeros((T, 1, 2), np.float32)})
    v, s = np.asarray(rec[z.v]), np.asarray(rec[z.s])
    assert s[:, 0, 0].sum() == 0 and abs(v[-1, 0, 0] + 65.0) < 0.01
    assert s[:, 0, 1].sum() == 1  # one spike, then back to rest from v_reset = -60 < v_c


def test_rheobase():
    i_rh = 0.1 * (-50.0 + 65.0) ** 2 / 4  # 5.625
    dt, T = 0.05, 20000
    J = np.full((T, 1, 2), [[0.97 * i_rh, 1.03 * i_rh]], np.float32)
    got = run(J, dt)
    assert got["s"][:, 0, 0].sum() == 0 and got["s"][:, 0, 1].sum() >= 2
    # below rheobase v settles at the lower root of a0 (v - v_rest)(v - v_c) + I = 0
    root = -57.5 - np.sqrt(7.5 ** 2 - 0.97 * i_rh / 0.1)
    np.testing.assert_allclose(got["v"][-1, 0, 0], root, atol=0.01)


def test_bad_parameters_are_named():
    with Context("bad", dt=0.1):
        with pytest.raises(ParameterError, match="v_c"):
            QuadLIFCell("z", 2, v_c=-70.0)
        with pytest.raises(ParameterError, match="a0"):
            QuadLIFCell("y", 2, a0=-0.1)
        with pytest.raises(ParameterError, match="integration"):
            QuadLIFCell("x", 2, integration="exact")
    with Context("coarse", dt=5.0):
        with pytest.raises(ParameterError, match="diverges"):
            QuadLIFCell("w", 2, a0=1.0)
