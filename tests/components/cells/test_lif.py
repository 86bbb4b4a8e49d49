"""LIFCell against an independent NumPy reference (ngc-learn's count-up refractory bookkeeping),
the analytic firing rate, exact-vs-Euler convergence, reset and batch independence."""

import numpy as np
import pytest

from components.cells import LIFCell
from contexts import Context, ValidationError

P = dict(tau_m=10.0, R_m=1.3, v_rest=-65.0, v_reset=-60.0, thr=-52.0, refract_time=2.0, thr_theta_plus=0.4,
         tau_theta=40.0)


def reference(J, dt, integration="euler", lower_clamp=False, tau_m=10.0, R_m=1.0, v_rest=-65.0, v_reset=-60.0,
              thr=-52.0, refract_time=0.0, thr_theta_plus=0.0, tau_theta=1e7):
    """Float64 LIF; refractoriness tracked as time since the last spike (ngc-learn's rfr)."""
    shape = J.shape[1:]
    v, theta, tols = np.full(shape, v_rest), np.zeros(shape), np.full(shape, -1e9)
    since = np.full(shape, refract_time)  # time since last spike; "long ago" at start
    out = {k: [] for k in ("v", "s", "tols", "rfr", "thr_theta")}
    for k, j in enumerate(J.astype(np.float64)):
        drive = R_m * j * (since >= refract_time)
        if integration == "euler":
            v = v + dt / tau_m * (-(v - v_rest) + drive)
        else:
            v = v_rest + drive + (v - v_rest - drive) * np.exp(-dt / tau_m)
        s = (v > thr + theta).astype(float)
        v = np.where(s > 0, v_reset, v)
        if lower_clamp:
            v = np.maximum(v, v_rest)
        since = (since + dt) * (1 - s)
        theta = theta * np.exp(-dt / tau_theta) + thr_theta_plus * s
        tols = np.where(s > 0, (k + 1) * dt, tols)
        rfr = np.where(tols > -1e9, np.maximum(refract_time - since, 0.0), 0.0)
        for name, val in zip(out, (v, s, tols, rfr, theta)):
            out[name].append(val)
    return {k: np.stack(x) for k, x in out.items()}


def run_lif(J, dt, batch, seed=0, record=("v", "s", "tols", "rfr", "thr_theta"), **kw):
    with Context("lif", dt=dt, batch_size=batch, seed=seed) as ctx:
        z = LIFCell("z", J.shape[-1], **kw)
        ctx.command("advance", [z])
    rec = ctx.run("advance", steps=len(J), record=[getattr(z, r) for r in record], inputs={z.j: J})
    return ctx, z, {r: np.asarray(rec[getattr(z, r)]) for r in record}


@pytest.mark.parametrize("integration,lower_clamp", [("euler", False), ("exact", True)])
def test_matches_numpy_reference(integration, lower_clamp):
    T, dt = 200, 0.5
    J = np.random.default_rng(0).uniform(-15.0, 35.0, (T, 3, 8)).astype(np.float32)
    _, _, got = run_lif(J, dt, 3, integration=integration, lower_clamp_voltage=lower_clamp, **P)
    ref = reference(J, dt, integration, lower_clamp, **P)
    np.testing.assert_array_equal(got["s"], ref["s"])
    assert 50 < ref["s"].sum() < 0.5 * ref["s"].size and ref["thr_theta"].max() > 1.0  # all paths exercised
    for name in ("v", "tols", "rfr", "thr_theta"):
        np.testing.assert_allclose(got[name], ref[name], rtol=1e-5, atol=1e-4, err_msg=name)
    if lower_clamp:
        assert got["v"].min() >= P["v_rest"]
    else:
        assert got["v"].min() < P["v_rest"] - 1.0  # negative current hyperpolarises


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
                                      ({"integration": "rk2"}, "integration"), ({"tau_theta": 0.0}, "tau_theta")])
def test_bad_parameters_raise(kw, match):
    with Context("bad"), pytest.raises(ValidationError, match=match):
        LIFCell("z", 3, **kw)
