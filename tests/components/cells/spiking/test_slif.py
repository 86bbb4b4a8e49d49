"""SLIFCell against an independent NumPy loop (lateral inhibition, adaptive and sparsity thresholds,
refractoriness, sticky spikes, the secant surrogate), and ngc-learn 3.2.1's trajectories."""

import numpy as np
import pytest

from components.cells import SLIFCell
from contexts import Context, load_model_string
from contexts.params import ParameterError
from tests.components.cells.spiking.ngc_reference import ngc_case


def reference(J, dt, W, thr0, tau_m, R_m, resist_inh=0.0, thr_gain=0.0, thr_leak=0.0, rho_b=0.0, refract_time=0.0,
              sticky_spikes=False, **_):
    """Samadi et al.'s sLIF, float64, written from the equations."""
    v = np.zeros(J.shape[1:])
    thr = np.broadcast_to(thr0, v.shape).astype(np.float64)
    rfr = np.full(v.shape, refract_time)
    s = np.zeros(v.shape)
    out = {k: [] for k in ("v", "s", "threshold", "rfr", "surrogate")}
    for j in J.astype(np.float64):
        j_eff = R_m * j - resist_inh * s @ W
        surrogate = np.where(j_eff > 0, 1.0 / np.cosh(0.08 * j_eff), 0.0)
        refractory = rfr < refract_time
        v = np.where(refractory, v, v + dt / tau_m * (j_eff - v))
        spike = v > thr
        v = np.where(spike, 0.0, v)
        if rho_b > 0:
            thr = np.maximum(thr + rho_b * (spike.sum(-1, keepdims=True) - 1.0), 0.025)
        else:
            thr = thr + thr_gain * spike - thr_leak * thr
        rfr = np.where(spike, dt, rfr + dt)
        s = np.where(refractory, 1.0, spike) if sticky_spikes else spike.astype(float)
        for key, val in zip(out, (v, s, thr, rfr, surrogate)):
            out[key].append(val)
    return {k: np.stack(x) for k, x in out.items()}


def run(J, dt, W=None, record=("v", "s", "threshold", "rfr", "surrogate", "tols"), **kw):
    with Context("slif", dt=dt, batch_size=J.shape[1]) as ctx:
        z = SLIFCell("z", J.shape[-1], **kw)
        ctx.command("advance", [z])
    if W is not None:
        z.inh_weights.set(W)
    rec = ctx.run("advance", steps=len(J), record=[getattr(z, r) for r in record], inputs={z.j: J})
    return z, {r: np.asarray(rec[getattr(z, r)]) for r in record}


CASES = {
    "adaptive_sticky": dict(tau_m=20.0, R_m=1.0, thr=0.3, thr_gain=0.01, thr_leak=0.002, refract_time=3.0,
                            sticky_spikes=True),
    "inhibited_sparse": dict(tau_m=10.0, R_m=1.5, thr=0.4, resist_inh=0.3, rho_b=0.001),
    "jittered": dict(tau_m=5.0, R_m=2.0, thr=0.5, thr_jitter=0.1, refract_time=1.5, resist_inh=0.1),
}


@pytest.mark.parametrize("case", list(CASES))
def test_matches_numpy_reference(case):
    kw = {"thr_jitter": 0.0, **CASES[case]}
    dt, T = 1.0, 400
    J = np.random.default_rng(6).uniform(-0.2, 0.9, (T, 3, 5)).astype(np.float32)
    z, got = run(J, dt, **kw)
    W = np.asarray(z.inh_weights.value, np.float64)
    np.testing.assert_array_equal(np.diag(W), 0.0)
    off = W[~np.eye(5, dtype=bool)]
    assert off.min() >= 0.025 and off.max() < 1.0 and off.std() > 0.1
    start = np.asarray(z.threshold0.value, np.float64)  # thr plus the jitter, one per unit
    if kw["thr_jitter"] > 0:
        assert np.abs(start - kw["thr"]).max() <= kw["thr_jitter"] and start.std() > 0.01
    else:
        np.testing.assert_array_equal(start, np.float32(kw["thr"]))
    ref = reference(J, dt, W, start, **kw)
    np.testing.assert_array_equal(got["s"], ref["s"])
    for key in ("v", "threshold", "rfr", "surrogate"):
        np.testing.assert_allclose(got[key], ref[key], rtol=1e-5, atol=1e-5, err_msg=key)
    assert 30 < ref["s"].sum() < 0.8 * ref["s"].size


def test_thresholds_persist_across_reset_only_when_asked():
    J = np.full((50, 1, 3), 0.8, np.float32)
    for persist in (False, True):
        z, got = run(J, 1.0, record=("threshold",), tau_m=5.0, R_m=1.0, thr=0.3, thr_gain=0.05, thr_jitter=0.0,
                     thr_persist=persist)
        adapted = got["threshold"][-1]
        assert adapted.min() > 0.5
        z.context.reset()
        after = np.asarray(z.threshold.value)
        np.testing.assert_allclose(after, adapted if persist else np.full_like(adapted, 0.3), rtol=1e-6)
    z, _ = run(J, 1.0, record=("threshold",), tau_m=5.0, R_m=1.0, thr=0.3, thr_gain=0.05, thr_jitter=0.1)
    drawn = np.asarray(z.threshold0.value)
    z.context.reset()  # the jittered thresholds come back, not a new draw
    np.testing.assert_array_equal(np.asarray(z.threshold.value)[0], drawn)


@pytest.mark.parametrize("name", ["slif_adaptive", "slif_inhibited"])
def test_against_ngclearn(name):
    # the same update, step for step (ngc-learn's thresholds start at thr, its inhibition matrix recorded)
    dt, ngc = ngc_case(name)
    kw = {"slif_adaptive": dict(tau_m=20.0, R_m=1.0, thr=0.3, thr_gain=0.01, thr_leak=0.002, refract_time=3.0,
                                sticky_spikes=True, thr_jitter=0.0),
          "slif_inhibited": dict(tau_m=10.0, R_m=1.5, thr=0.4, resist_inh=0.2, rho_b=0.001, thr_jitter=0.0)}[name]
    _, got = run(ngc["j"], dt, W=ngc["inh_weights"], **kw)
    np.testing.assert_array_equal(got["s"], ngc["s"])
    np.testing.assert_allclose(got["v"], ngc["v"], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(got["threshold"], ngc["thr"], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(got["rfr"], ngc["rfr"], rtol=1e-6)
    np.testing.assert_allclose(got["surrogate"], ngc["surrogate"], rtol=1e-5, atol=1e-6)
    assert ngc["s"].sum() > 50


def test_bad_parameters_are_named():
    with Context("bad", dt=1.0):
        with pytest.raises(ParameterError, match="tau_m"):
            SLIFCell("x", 2, tau_m=0.0, R_m=1.0, thr=0.3)
        with pytest.raises(ParameterError, match="thr_leak"):
            SLIFCell("y", 2, tau_m=10.0, R_m=1.0, thr=0.3, thr_leak=1.5)
        with pytest.raises(ParameterError, match="thr_jitter"):
            SLIFCell("z", 2, thr_jitter=-0.1)
        z = SLIFCell("w", 2)  # built from its size alone (ngc-learn requires tau_m, resist_m and thr)
        assert (z.tau_m, z.R_m, z.thr) == (20.0, 1.0, 0.4)


def test_builds_from_yaml():
    ctx = load_model_string("""
name: slif
dt: 1.0
components:
  c: {type: SLIFCell, n_units: 3, tau_m: 10.0, R_m: 1.0, thr: 0.3, thr_gain: 0.01, sticky_spikes: true,
      refract_time: 2.0}
commands:
  advance: [c]
clamped: [c.j]
""")
    c = ctx.components["c"]
    rec = ctx.run("advance", steps=100, inputs={c.j: np.full((100, 1, 3), [[0.0, 0.5, 1.0]], np.float32)},
                  record=[c.s])
    counts = np.asarray(rec[c.s]).sum((0, 1))
    assert counts[0] == 0 and 0 < counts[1] < counts[2]
