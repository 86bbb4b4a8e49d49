"""WTASCell against an independent NumPy loop, its sparsity drive (one winner a step on average),
and ngc-learn 3.2.1's trajectory."""

import numpy as np
import pytest

from components.cells import WTASCell
from contexts import Context, load_model_string
from contexts.params import ParameterError
from tests.components.cells.spiking.ngc_reference import ngc_case, run_cell


def reference(J, dt, thr0, R_m=1.0, thr_gain=0.002, refract_time=0.0, **_):
    thr = np.broadcast_to(thr0, J.shape[1:]).astype(np.float64)
    rfr = np.full(J.shape[1:], refract_time)
    out = {k: [] for k in ("v", "s", "threshold", "rfr")}
    for j in J.astype(np.float64):
        v = np.where(rfr >= refract_time, R_m * j, 0.0)
        p = np.exp(v - v.max(-1, keepdims=True))
        p /= p.sum(-1, keepdims=True)
        s = (p > thr).astype(float)
        thr = np.maximum(thr + thr_gain * (s.sum(-1, keepdims=True) - 1.0), 0.025)
        rfr = np.where(s > 0, dt, rfr + dt)
        for key, val in zip(out, (v, s, thr, rfr)):
            out[key].append(val)
    return {k: np.stack(x) for k, x in out.items()}


def run(J, dt, record=("v", "s", "threshold", "rfr", "tols"), **kw):
    return run_cell(WTASCell, J, dt, record, **kw)


@pytest.mark.parametrize("kw", [{}, {"refract_time": 3.0, "thr_gain": 0.01, "R_m": 2.0, "thr_jitter": 0.1},
                                {"thr_base": 0.2, "thr_gain": 0.0, "thr_jitter": 0.0}])
def test_matches_numpy_reference(kw):
    dt, T = 1.0, 400
    J = np.random.default_rng(7).uniform(0.0, 3.0, (T, 3, 6)).astype(np.float32)
    z, got = run(J, dt, **kw)
    ref = reference(J, dt, np.asarray(z.threshold0.value, np.float64), **kw)
    np.testing.assert_array_equal(got["s"], ref["s"])
    for key in ("v", "threshold", "rfr"):
        np.testing.assert_allclose(got[key], ref[key], rtol=1e-5, atol=1e-6, err_msg=key)
    assert ref["s"].sum() > 100
    k, b, n = np.nonzero(got["s"])
    np.testing.assert_allclose(got["tols"][k, b, n], (k + 1) * dt, rtol=1e-5)


def test_thresholds_settle_to_one_winner_a_step():
    # the sparsity rule moves every threshold by thr_gain (spikes - 1): it settles where one unit fires a step
    dt, T = 1.0, 3000
    J = np.random.default_rng(8).uniform(0.0, 3.0, (T, 2, 8)).astype(np.float32)
    _, got = run(J, dt, record=("s", "threshold"), thr_base=0.05, thr_gain=0.01, thr_jitter=0.0)
    per_step = got["s"].sum(-1)
    assert per_step[:5].mean() > 3.0  # low thresholds: many winners at first (measured 6, 7 on the first step)
    assert abs(per_step[-1000:].mean() - 1.0) < 0.1
    assert got["threshold"][-1].mean() > 0.15


def test_against_ngclearn():
    dt, ngc = ngc_case("wtas")
    _, got = run(ngc["j"], dt, refract_time=2.0, thr_jitter=0.0)
    np.testing.assert_array_equal(got["s"], ngc["s"])
    np.testing.assert_allclose(got["v"], ngc["v"], rtol=1e-6)
    np.testing.assert_allclose(got["threshold"], ngc["thr"], rtol=1e-5)
    np.testing.assert_allclose(got["rfr"], ngc["rfr"], rtol=1e-6)


def test_bad_parameters_are_named():
    with Context("bad", dt=1.0):
        with pytest.raises(ParameterError, match="thr_base"):
            WTASCell("x", 2, thr_base=1.5)
        with pytest.raises(ParameterError, match="thr_gain"):
            WTASCell("y", 2, thr_gain=-0.1)


def test_builds_from_yaml():
    ctx = load_model_string("""
name: wta
dt: 1.0
components:
  w: {type: WTASCell, n_units: 4, thr_jitter: 0.0}
commands:
  advance: [w]
clamped: [w.j]
""")
    w = ctx.components["w"]
    rec = ctx.run("advance", steps=20, inputs={w.j: np.tile(np.float32([0.0, 0.0, 3.0, 0.0]), (20, 1, 1))},
                  record=[w.s])
    np.testing.assert_array_equal(np.asarray(rec[w.s]).sum((0, 1)), [0, 0, 20, 0])  # the winner takes it all
