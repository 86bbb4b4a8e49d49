"""LIFCell against an independent NumPy reference (ngc-learn's count-up refractory bookkeeping) for
every feature, against ngc-learn 3.2.1's own trajectories (tests/references/ngclearn/lif.npz), the
analytic firing rate, exact-vs-Euler convergence, reset and batch independence."""

import json
import pathlib

import numpy as np
import pytest

from components.cells import LIFCell
from contexts import Context, ValidationError

P = dict(tau_m=10.0, R_m=1.3, v_rest=-65.0, v_reset=-60.0, thr=-52.0, refract_time=2.0, thr_theta_plus=0.4,
         tau_theta=40.0)


def reference(J, dt, integration="euler", tau_m=10.0, R_m=1.0, v_rest=-65.0, v_reset=-60.0, thr=-52.0,
              refract_time=0.0, thr_theta_plus=0.0, tau_theta=1e7, conduct_leak=1.0, v_min=None,
              max_one_spike=False):
    """Float64 LIF; refractoriness tracked as time since the last spike (ngc-learn's rfr).
    Also returns ``raw``: every unit that crossed threshold (before max_one_spike)."""
    shape = J.shape[1:]
    v, theta, tols = np.full(shape, v_rest), np.zeros(shape), np.full(shape, -1e9)
    since = np.full(shape, refract_time)  # time since last spike; "long ago" at start
    out = {k: [] for k in ("v", "s", "tols", "rfr", "thr_theta", "raw")}
    for k, j in enumerate(J.astype(np.float64)):
        drive = R_m * j * (since >= refract_time)

        def slope(u, drive=drive):
            return (conduct_leak * (v_rest - u) + drive) / tau_m

        if integration == "euler":
            v_new = v + dt * slope(v)
        elif integration in ("midpoint", "rk2"):
            v_new = v + dt * slope(v + dt / 2 * slope(v))
        elif conduct_leak == 0:  # exact, perfect integrator
            v_new = v + dt * drive / tau_m
        else:  # exact
            v_inf = v_rest + drive / conduct_leak
            v_new = v_inf + (v - v_inf) * np.exp(-conduct_leak * dt / tau_m)
        raw = (v_new > thr + theta).astype(float)
        s = raw
        if max_one_spike:  # only the unit highest at the start of the step may emit
            s = raw * (np.arange(shape[-1]) == np.argmax(v, axis=-1)[..., None])
        v = np.where(raw > 0, v_reset, v_new)
        if v_min is not None:
            v = np.maximum(v, v_min)
        since = (since + dt) * (1 - raw)
        if tau_theta > 0:
            theta = theta * np.exp(-dt / tau_theta) + thr_theta_plus * raw
        tols = np.where(s > 0, (k + 1) * dt, tols)
        rfr = np.where(since < refract_time, refract_time - since, 0.0)
        for name, val in zip(out, (v, s, tols, rfr, theta, raw)):
            out[name].append(val)
    return {k: np.stack(x) for k, x in out.items()}


def run_lif(J, dt, batch, seed=0, record=("v", "s", "tols", "rfr", "thr_theta"), **kw):
    with Context("lif", dt=dt, batch_size=batch, seed=seed) as ctx:
        z = LIFCell("z", J.shape[-1], **kw)
        ctx.command("advance", [z])
    rec = ctx.run("advance", steps=len(J), record=[getattr(z, r) for r in record], inputs={z.j: J})
    return ctx, z, {r: np.asarray(rec[getattr(z, r)]) for r in record}


FEATURES = {
    "euler": ("euler", {}),
    "exact_v_min_rest": ("exact", {"v_min": -65.0}),
    "midpoint_leak": ("midpoint", {"conduct_leak": 0.3, "v_min": -66.0}),
    "rk2_pure_if": ("rk2", {"conduct_leak": 0.0}),
    "exact_pure_if": ("exact", {"conduct_leak": 0.0}),
    "max_one_spike": ("euler", {"max_one_spike": True}),
    "tau_theta_zero": ("midpoint", {"tau_theta": 0.0}),
}


@pytest.mark.parametrize("feature", list(FEATURES))
def test_matches_numpy_reference(feature):
    integration, extra = FEATURES[feature]
    T, dt = 200, 0.5
    low = -2.0 if extra.get("conduct_leak") == 0.0 else -15.0  # a perfect integrator keeps every hyperpolarisation
    J = np.random.default_rng(0).uniform(low, 35.0, (T, 3, 8)).astype(np.float32)
    kw = {**P, **extra}
    _, _, got = run_lif(J, dt, 3, integration=integration, **kw)
    ref = reference(J, dt, integration, **kw)
    np.testing.assert_array_equal(got["s"], ref["s"])
    assert 50 < ref["s"].sum() < 0.5 * ref["s"].size  # spiking and sub-threshold paths both exercised
    for name in ("v", "tols", "rfr", "thr_theta"):
        np.testing.assert_allclose(got[name], ref[name], rtol=1e-5, atol=1e-4, err_msg=name)
    if extra.get("tau_theta") == 0.0:
        assert np.all(got["thr_theta"] == 0.0)
    else:
        assert ref["thr_theta"].max() > 1.0
    if "v_min" in extra:
        assert got["v"].min() >= extra["v_min"] and np.isclose(got["v"], extra["v_min"]).any()  # the bound acts
    else:
        assert got["v"].min() < P["v_rest"] - 0.1  # negative current hyperpolarises
    if extra.get("max_one_spike"):
        assert got["s"].sum(-1).max() == 1 and (ref["raw"].sum(-1) > 1).any()  # the constraint bit
        assert ref["raw"].sum() > ref["s"].sum()


def test_midpoint_is_closer_to_exact_than_euler():
    dt, T = 1.0, 60
    J = np.full((T, 1, 1), 10.0, np.float32)
    vs = {m: run_lif(J, dt, 1, record=("v",), thr=100.0, conduct_leak=0.5, integration=m)[2]["v"][:, 0, 0]
          for m in ("euler", "midpoint", "rk2", "exact")}
    np.testing.assert_array_equal(vs["midpoint"], vs["rk2"])
    e_euler, e_mid = (np.abs(vs[m] - vs["exact"]).max() for m in ("euler", "midpoint"))
    assert e_mid < e_euler / 10 and e_euler > 0.05
    np.testing.assert_allclose(vs["exact"][-1], -65.0 + 10.0 / 0.5 * (1 - np.exp(-0.5 * T * dt / 10.0)), rtol=1e-5)


NGC_LIF = pathlib.Path(__file__).parents[2] / "references" / "ngclearn" / "lif.npz"
# ngc-learn 3.2.1's LIFCell defaults (its source), passed explicitly since several of ours differ
NGC_DEFAULTS = dict(resist_m=1.0, thr=-52.0, v_rest=-65.0, v_reset=-60.0, conduct_leak=1.0, tau_theta=1e7,
                    theta_plus=0.05, refract_time=5.0, integration_type="euler", v_min=None, max_one_spike=False)
NGC_NAMES = {"resist_m": "R_m", "theta_plus": "thr_theta_plus", "integration_type": "integration"}
with np.load(NGC_LIF) as _ref:
    NGC_CASES = sorted({key.split("/")[0] for key in _ref.files if "/" in key})


def ngc_case(name):
    with np.load(NGC_LIF) as ref:
        assert str(ref["version"]) == "3.2.1"
        kw = {**NGC_DEFAULTS, **json.loads(str(ref[f"{name}/kw"]))}
        arrays = {k: ref[f"{name}/{k}"] for k in ("j", "v", "s", "thr_theta", "tols")}
        dt = float(ref[f"{name}/dt"])
    kw = {NGC_NAMES.get(k, k): v for k, v in kw.items()}
    _, _, got = run_lif(arrays["j"].astype(np.float32), dt, 1, record=("v", "s", "thr_theta", "tols"), **kw)
    return dt, arrays, got


@pytest.mark.parametrize("name", [n for n in NGC_CASES if n != "refract_float"])
def test_matches_ngclearn_trajectories(name):
    dt, ngc, got = ngc_case(name)
    assert ngc["s"].sum() >= 5
    np.testing.assert_array_equal(got["s"], ngc["s"])
    np.testing.assert_allclose(got["v"], ngc["v"], rtol=0, atol=1e-4)  # float32 rounding; measured <= 2.3e-5 mV
    np.testing.assert_allclose(got["thr_theta"], ngc["thr_theta"], rtol=1e-6, atol=1e-6)
    # ngc-learn was driven with t = k dt (start of step), we stamp the end of the step; it writes 0 for "never"
    spiked = got["tols"] > -1e8
    np.testing.assert_allclose(got["tols"][spiked], ngc["tols"][spiked] + dt, atol=1e-5)
    assert np.all(ngc["tols"][~spiked] == 0.0)


def test_ngclearn_gates_one_extra_step_when_float_time_falls_short():
    # refract_time / dt = 5 / 0.1: ngc-learn's float32 sum of 50 x 0.1 is < 5, so it gates 51 steps
    dt, ngc, got = ngc_case("refract_float")
    ours, theirs = (np.flatnonzero(x[:, 0, 0]) for x in (got["s"], ngc["s"]))
    assert ours[0] == theirs[0] and len(theirs) >= 4
    np.testing.assert_array_equal(np.diff(theirs), np.diff(ours)[: len(theirs) - 1] + 1)


@pytest.mark.parametrize("integration", ["exact", "euler"])
def test_constant_current_fires_at_the_analytic_rate(integration):
    # v_reset = v_rest so the refractory leak holds v at rest: ISI = t_ref + tau ln(Rj / (Rj - (thr - v_rest)))
    dt, T, Rj, t_ref, tau = 0.1, 1500, 20.0, 2.0, 10.0
    J = np.full((T, 1, 1), Rj, np.float32)
    _, _, got = run_lif(J, dt, 1, record=("s",), tau_m=tau, v_reset=-65.0, refract_time=t_ref,
                        integration=integration)
    times = (np.flatnonzero(got["s"][:, 0, 0]) + 1) * dt
    isi = t_ref + tau * np.log(Rj / (Rj - 13.0))
    assert len(times) == pytest.approx(T * dt / isi, abs=1.5)
    assert times[0] == pytest.approx(isi - t_ref, abs=dt)
    np.testing.assert_allclose(np.diff(times), isi, atol=dt + 1e-6)
    rate = (len(times) - 1) / (times[-1] - times[0]) * 1000.0
    assert rate == pytest.approx(1000.0 / isi, rel=dt / isi)


def test_exact_and_euler_agree_as_dt_goes_to_zero():
    horizon, errs = 40.0, []
    for dt in (1.0, 0.1):
        n = int(round(horizon / dt))
        t = np.arange(1, n + 1) * dt
        J = (10.0 + 8.0 * np.sin(t / 5.0)).astype(np.float32).reshape(n, 1, 1)
        vs = [run_lif(J, dt, 1, record=("v",), thr=100.0, integration=m)[2]["v"][:, 0, 0] for m in ("euler", "exact")]
        errs.append(np.abs(vs[0] - vs[1]).max())
    assert errs[0] > 0.05 and errs[1] < errs[0] / 5


def test_reset_restores_state_but_keeps_thr_theta_and_rows_are_independent():
    T, dt = 100, 1.0
    J = np.random.default_rng(1).uniform(0.0, 40.0, (T, 3, 4)).astype(np.float32)
    ctx, z, got = run_lif(J, dt, 3, **P)
    theta = np.asarray(ctx.get(z.thr_theta))
    assert theta.max() > 0.1
    ctx.reset()
    np.testing.assert_array_equal(np.asarray(ctx.get(z.thr_theta)), theta)
    np.testing.assert_array_equal(np.asarray(ctx.get(z.v)), np.full((3, 4), P["v_rest"], np.float32))
    for name, init in (("rfr", 0.0), ("s", 0.0), ("tols", -1e9), ("j", 0.0)):
        np.testing.assert_array_equal(np.asarray(ctx.get(getattr(z, name))), np.full((3, 4), init, np.float32))
    _, _, row = run_lif(J[:, 1:2], dt, 1, **P)
    for name in ("v", "s", "thr_theta"):
        np.testing.assert_array_equal(row[name][:, 0], got[name][:, 1])


@pytest.mark.parametrize("kw,match", [({"tau_m": 0.0}, "tau_m"), ({"refract_time": -1.0}, "refract_time"),
                                      ({"integration": "rk4"}, "integration"), ({"tau_theta": -1.0}, "tau_theta"),
                                      ({"conduct_leak": -0.1}, "conduct_leak"), ({"v_min": "rest"}, "v_min"),
                                      ({"max_one_spike": 1}, "max_one_spike")])
def test_bad_parameters_raise(kw, match):
    with Context("bad"), pytest.raises(ValidationError, match=match):
        LIFCell("z", 3, **kw)
