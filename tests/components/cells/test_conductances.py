"""Conductance inputs (g_e, g_i with reversal potentials E_e, E_i) on LIFCell, AdExCell and
IzhikevichCell against NumPy references over many steps, the exact LIF step against the closed
form for constant conductances, and hold_reset."""

import numpy as np
import pytest

from components.cells import AdExCell, IzhikevichCell, LIFCell
from contexts import Context

T, B, N = 400, 2, 5


def drive(seed, scale_e, scale_i, steps=T):
    rng = np.random.default_rng(seed)
    ge = (scale_e * rng.random((steps, B, N)) * (rng.random((steps, B, N)) < 0.5)).astype(np.float32)
    gi = (scale_i * rng.random((steps, B, N)) * (rng.random((steps, B, N)) < 0.3)).astype(np.float32)
    return ge, gi


def run_cell(cell_cls, dt, ge, gi, j=0.0, **params):
    with Context("g", dt=dt, batch_size=B) as ctx:
        z = cell_cls("z", N, **params)
        ctx.command("advance", [z])
    js = np.full(ge.shape, j, np.float32)
    rec = ctx.run("advance", steps=len(ge), record=[z.v, z.s], inputs={z.g_e: ge, z.g_i: gi, z.j: js})
    return np.asarray(rec[z.v], np.float64), np.asarray(rec[z.s], np.float64)


def test_lif_euler_matches_numpy_with_spikes_and_refractoriness():
    dt, p = 0.1, dict(tau_m=20.0, R_m=0.1, v_rest=-60.0, v_reset=-60.0, thr=-50.0, refract_time=1.0)
    ge, gi = drive(0, 60.0, 40.0)
    v_rec, s_rec = run_cell(LIFCell, dt, ge, gi, j=30.0, E_e=0.0, E_i=-80.0, **p)
    v, since, vs, ss = np.full((B, N), -60.0), np.full((B, N), 1.0), [], []
    for k in range(T):
        open_ = since >= 1.0 - 1e-9
        cur = (30.0 + ge[k] * (0.0 - v) + gi[k] * (-80.0 - v)) * open_
        v = v + dt / 20.0 * (-(v + 60.0) + 0.1 * cur)
        s = v > -50.0
        v = np.where(s, -60.0, v)
        since = np.where(s, 0.0, since + dt)
        vs.append(v), ss.append(s)
    assert np.sum(ss) > 10
    np.testing.assert_array_equal(s_rec, np.asarray(ss, float))
    np.testing.assert_allclose(v_rec, np.asarray(vs), atol=1e-3)


def test_lif_exact_step_equals_the_closed_form_for_constant_conductances():
    # tau_m dv/dt = -(v - v_rest) + R (g_e (E_e - v) + g_i (E_i - v)): relaxes to v_inf with tau_m / (1 + R g)
    dt, ge0, gi0, R = 0.5, 3.0, 5.0, 0.2
    ge, gi = np.full((60, B, N), ge0, np.float32), np.full((60, B, N), gi0, np.float32)
    v_rec, _ = run_cell(LIFCell, dt, ge, gi, R_m=R, tau_m=10.0, v_rest=-65.0, thr=0.0, E_e=0.0, E_i=-80.0,
                        integration="exact")
    lam = 1 + R * (ge0 + gi0)
    v_inf = (-65.0 + R * (ge0 * 0.0 + gi0 * -80.0)) / lam
    t = dt * np.arange(1, 61)
    np.testing.assert_allclose(v_rec[:, 0, 0], v_inf + (-65.0 - v_inf) * np.exp(-lam * t / 10.0), atol=2e-4)


def test_hold_reset_keeps_v_at_reset_while_refractory():
    ge = np.full((200, B, N), 0.0, np.float32)
    v_rec, s_rec = run_cell(LIFCell, 0.1, ge, ge, j=40.0, tau_m=20.0, v_rest=-49.0, v_reset=-60.0, thr=-50.0,
                            refract_time=5.0, E_e=0.0, E_i=-80.0, hold_reset=True)
    k = int(np.flatnonzero(s_rec[:, 0, 0])[0])
    assert np.all(v_rec[k:k + 51, 0, 0] == -60.0) and v_rec[k + 51, 0, 0] > -60.0


@pytest.mark.parametrize("integration,j", [("euler", 500.0), ("midpoint", 0.0)])
def test_adex_with_conductances_matches_numpy(integration, j):
    # (midpoint below threshold: at a spike its half step overshoots to ~1e12 mV, where g (E - v) explodes)
    dt, C, gL, EL, VT, dT, tw, a, b = 0.1, 281.0, 30.0, -70.6, -50.4, 2.0, 144.0, 4.0, 80.5
    ge, gi = drive(1, 80.0 if integration == "euler" else 10.0, 30.0, steps=T)
    v_rec, s_rec = run_cell(AdExCell, dt, ge, gi, j=j, E_e=0.0, E_i=-75.0, integration=integration)
    v, w, vs = np.full((B, N), EL), np.zeros((B, N)), []
    for k in range(T):
        def f(v, w, k=k):
            cur = j + ge[k] * (0.0 - v) + gi[k] * (-75.0 - v)
            sp = gL * dT * np.exp(np.minimum((v - VT) / dT, (20.0 - VT) / dT))
            return (-gL * (v - EL) + sp - w + cur) / C, (a * (v - EL) - w) / tw
        dv, dw = f(v, w)
        if integration == "midpoint":
            dv, dw = f(v + dt / 2 * dv, w + dt / 2 * dw)
        v, w = v + dt * dv, w + dt * dw
        s = v > 20.0
        v, w = np.where(s, -70.6, v), w + b * s
        vs.append(v)
    assert s_rec.sum() > 2 or integration == "midpoint"  # float32 vs float64 near the upswing: ~0.01 mV
    np.testing.assert_allclose(v_rec, np.asarray(vs), rtol=1e-3, atol=2e-2)


def test_izhikevich_with_conductances_matches_numpy():
    dt = 0.25
    ge, gi = drive(2, 0.3, 0.2)
    v_rec, s_rec = run_cell(IzhikevichCell, dt, ge, gi, j=5.0, E_e=0.0, E_i=-80.0)
    a, b, c, d = 0.02, 0.2, -65.0, 8.0
    v, u, vs = np.full((B, N), -65.0), np.full((B, N), b * -65.0), []
    for k in range(T):
        drive_ = 5.0 + ge[k] * (0.0 - v) + gi[k] * (-80.0 - v)
        v, u = v + dt * (0.04 * v * v + 5 * v + 140 - u + drive_), u + dt * a * (b * v - u)
        s = v >= 30.0
        v, u = np.where(s, c, v), u + d * s
        vs.append(v)
    assert s_rec.sum() > 2  # float32 vs float64 on the quadratic upswing: hundredths of a mV
    np.testing.assert_allclose(v_rec, np.asarray(vs), rtol=1e-3, atol=2e-2)


def test_cells_without_reversal_potentials_have_no_conductance_inputs():
    with Context("plain", dt=0.1):
        for cell in (LIFCell("l", 2), AdExCell("a", 2), IzhikevichCell("i", 2), LIFCell("e", 2, E_e=0.0)):
            assert hasattr(cell, "g_e") == (cell.name == "e") and not hasattr(cell, "g_i")
