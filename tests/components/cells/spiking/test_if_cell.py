"""IFCell against an independent NumPy loop, the analytic period of the perfect integrator, and the
reset that happens with and without the lower clamp."""

import json
import pathlib

import numpy as np
import pytest

from components.cells import IFCell
from contexts import Context
from contexts.params import ParameterError


def reference(J, dt, tau_m=10.0, R_m=1.0, v_rest=-65.0, v_reset=-60.0, thr=-52.0, refract_time=0.0,
              conduct_leak=0.0, lower_clamp_voltage=True):
    """Float64 loop; refractoriness as a count of gated steps left."""
    v = np.full(J.shape[1:], v_rest)
    gated = np.zeros(J.shape[1:], int)
    n_gate = int(np.ceil(refract_time / dt - 1e-9))
    out = {"v": [], "s": []}
    for j in J.astype(np.float64):
        drive = R_m * j * (gated == 0)
        v = v + dt / tau_m * (drive - conduct_leak * (v - v_rest))
        s = v > thr
        v = np.where(s, v_reset, v)
        if lower_clamp_voltage:
            v = np.maximum(v, v_rest)
        gated = np.where(s, n_gate, np.maximum(gated - 1, 0))
        out["v"].append(v)
        out["s"].append(s.astype(float))
    return {k: np.stack(x) for k, x in out.items()}


def run(J, dt, **kw):
    with Context("if", dt=dt, batch_size=J.shape[1]) as ctx:
        z = IFCell("z", J.shape[-1], **kw)
        ctx.command("advance", [z])
    rec = ctx.run("advance", steps=len(J), record=[z.v, z.s, z.tols], inputs={z.j: J})
    return {c.name: np.asarray(rec[c]) for c in (z.v, z.s, z.tols)}


CASES = {
    "perfect_clamped": {},
    "perfect_unclamped_refractory": {"lower_clamp_voltage": False, "refract_time": 1.2},
    "leaky": {"conduct_leak": 0.5, "R_m": 2.0},
}


@pytest.mark.parametrize("case", list(CASES))
def test_matches_numpy_reference(case):
    kw = CASES[case]
    dt, T = 0.5, 300
    J = np.random.default_rng(8).uniform(-4.0, 12.0, (T, 2, 6)).astype(np.float32)
    got = run(J, dt, **kw)
    ref = reference(J, dt, **kw)
    np.testing.assert_array_equal(got["s"], ref["s"])
    np.testing.assert_allclose(got["v"], ref["v"], rtol=1e-5, atol=2e-4)
    assert ref["s"].sum() > 50
    if kw.get("lower_clamp_voltage") is False:
        assert got["v"].min() < -65.1  # negative input takes v below rest without the clamp
    else:
        assert got["v"].min() >= -65.0 and np.isclose(got["v"], -65.0).any()  # the clamp acts


def test_period_of_the_perfect_integrator():
    # +0.15 mV a step from v_reset = -60 to above thr = -52: floor(8 / 0.15) + 1 = 54 steps
    dt, T = 0.5, 600
    J = np.full((T, 1, 1), 3.0, np.float32)
    got = run(J, dt)
    times = np.nonzero(got["s"][:, 0, 0])[0]
    assert np.all(np.diff(times) == 54)
    got = run(J, dt, refract_time=2.0)  # plus ceil(2 / 0.5) = 4 gated steps
    assert np.all(np.diff(np.nonzero(got["s"][:, 0, 0])[0]) == 58)


def test_reset_happens_without_the_clamp():
    dt = 1.0
    J = np.full((20, 1, 1), 50.0, np.float32)  # +5 mV a step
    got = run(J, dt, lower_clamp_voltage=False)
    spiking = got["s"][:, 0, 0] > 0
    assert spiking.any()
    np.testing.assert_allclose(got["v"][spiking, 0, 0], -60.0)  # reset to v_reset, not left above thr
    assert got["v"].max() <= -52.0


def test_bad_parameters_are_named():
    with Context("bad", dt=0.1):
        with pytest.raises(ParameterError, match="tau_m"):
            IFCell("z", 2, tau_m=0.0)
        with pytest.raises(ParameterError, match="lower_clamp_voltage"):
            IFCell("y", 2, lower_clamp_voltage="no")


NGC = pathlib.Path(__file__).parents[3] / "references" / "ngclearn" / "zoo.npz"


def test_matches_ngclearn_with_the_clamp():
    # ngc-learn 3.2.1's IFCell with lower_clamp_voltage=True (its default); with False it never resets
    with np.load(NGC) as ref:
        assert str(ref["version"]) == "3.2.1"
        kw = json.loads(str(ref["if_clamped/kw"]))
        dt = float(ref["if_clamped/dt"])
        ngc = {k: ref[f"if_clamped/{k}"] for k in ("j", "v", "s", "tols")}
    got = run(ngc["j"], dt, **kw)
    assert ngc["s"].sum() >= 20
    np.testing.assert_array_equal(got["s"], ngc["s"])
    np.testing.assert_allclose(got["v"], ngc["v"], rtol=0, atol=1e-4)
    spiked = got["tols"] > -1e8
    np.testing.assert_allclose(got["tols"][spiked], ngc["tols"][spiked] + dt, atol=1e-4)
