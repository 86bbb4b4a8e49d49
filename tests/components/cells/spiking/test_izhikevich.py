"""IzhikevichCell against an independent NumPy loop, the papers' parameter tables and the behaviour
the 2003 paper describes (regular spiking adapts, fast spiking does not, chattering bursts)."""

import pathlib

import numpy as np
import pytest

from components.cells import IzhikevichCell
from components.cells.spiking.izhikevich import PRESETS
from contexts import Context
from contexts.params import ParameterError


def reference_step(v, w, j, dt, a, b, c, d, v_thr=30.0, tau_m=1.0, R_m=1.0, integration="euler"):
    """One float64 step of the paper's equations; spike and reset on the step's new v."""
    def f(v, w):
        return (0.04 * v ** 2 + 5 * v + 140 - w + R_m * j) / tau_m, a * (b * v - w)

    dv, dw = f(v, w)
    if integration != "euler":  # midpoint: slopes at the half step
        dv, dw = f(v + dt / 2 * dv, w + dt / 2 * dw)
    v, w = v + dt * dv, w + dt * dw
    s = v >= v_thr
    return np.where(s, c, v), np.where(s, w + d, w), s.astype(float), v


def run(J, dt, record=("v", "w", "s", "tols"), **kw):
    with Context("izh", dt=dt, batch_size=J.shape[1]) as ctx:
        z = IzhikevichCell("z", J.shape[-1], **kw)
        ctx.command("advance", [z])
    rec = ctx.run("advance", steps=len(J), record=[getattr(z, r) for r in record], inputs={z.j: J})
    return z, {r: np.asarray(rec[getattr(z, r)]) for r in record}


CASES = {
    "rs_euler": ("regular_spiking", "euler", 0.25, {}),
    "ch_midpoint": ("chattering", "midpoint", 0.1, {}),
    "fs_rk2_scaled": ("fast_spiking", "rk2", 0.2, {"tau_m": 2.0, "R_m": 1.5, "w0": -10.0}),
    "iis_euler": ("inhibition_induced_spiking", "euler", 0.5, {"v0": -63.8}),
}


@pytest.mark.parametrize("case", list(CASES))
def test_matches_numpy_reference(case):
    # step by step: the reference takes the cell's state after step k-1 (float64) and must give the
    # cell's state after step k; a free run would drift apart on this chaotic map (float32 vs float64)
    preset, integration, dt, extra = CASES[case]
    T = 800
    rng = np.random.default_rng(1)
    J = rng.uniform(-5.0, 25.0, (T, 2, 5)).astype(np.float32)
    if preset.startswith("inhibition"):
        J = rng.uniform(70.0, 82.0, (T, 2, 5)).astype(np.float32)
    z, got = run(J, dt, preset=preset, integration=integration, **extra)
    params = {k: v for k, v in extra.items() if k in ("tau_m", "R_m")}
    a, b, c, d = PRESETS[preset]
    v0 = extra.get("v0", -65.0)
    v, w = np.full((2, 5), v0), np.full((2, 5), extra.get("w0", b * v0))
    spikes = 0
    for k in range(T):
        v_new, w_new, s, crossed = reference_step(v, w, J[k].astype(np.float64), dt, a, b, c, d,
                                                  integration=integration, **params)
        near = np.abs(crossed - 30.0) < 1e-3  # float32 may round a hair's breadth either way
        assert np.array_equal(got["s"][k][~near], s[~near]), k
        ok = ~near
        np.testing.assert_allclose(got["v"][k][ok], v_new[ok], rtol=1e-5, atol=1e-3, err_msg=f"v, step {k}")
        np.testing.assert_allclose(got["w"][k][ok], w_new[ok], rtol=1e-5, atol=1e-4, err_msg=f"w, step {k}")
        spikes += s.sum()
        v, w = got["v"][k].astype(np.float64), got["w"][k].astype(np.float64)
    assert spikes > 20
    k, b_, n = np.nonzero(got["s"])
    np.testing.assert_allclose(got["tols"][k, b_, n], (k + 1) * dt, rtol=1e-4)  # end-of-step time; float32 clock


def test_free_run_matches_numpy_loop():
    # regular spiking, constant drive, float64 loop over 1000 steps: the same spike train
    dt, T = 0.2, 1000
    J = np.full((T, 1, 3), [[5.0, 10.0, 20.0]], np.float32)
    _, got = run(J, dt, preset="regular_spiking")
    v, w = np.full((1, 3), -65.0), np.full((1, 3), -13.0)
    train = []
    for k in range(T):
        v, w, s, _ = reference_step(v, w, J[k].astype(np.float64), dt, *PRESETS["regular_spiking"])
        train.append(s)
    np.testing.assert_array_equal(got["s"], np.stack(train))
    assert np.stack(train).sum() > 15
    np.testing.assert_allclose(got["v"][-1], v, atol=0.05)


def test_presets_are_the_papers():
    # Izhikevich (2003) Fig. 2 and (2004) figure1.m, typed again here from the papers
    paper = {"regular_spiking": (0.02, 0.2, -65, 8), "intrinsically_bursting": (0.02, 0.2, -55, 4),
             "chattering": (0.02, 0.2, -50, 2), "fast_spiking": (0.1, 0.2, -65, 2),
             "low_threshold_spiking": (0.02, 0.25, -65, 2), "thalamo_cortical": (0.02, 0.25, -65, 0.05),
             "resonator": (0.1, 0.26, -65, 2), "phasic_bursting": (0.02, 0.25, -55, 0.05),
             "depolarizing_after_potential": (1, 0.2, -60, -21), "inhibition_induced_bursting": (-0.026, -1, -45, -2)}
    for name, values in paper.items():
        assert PRESETS[name] == values, name
    assert len(PRESETS) == 24


def isi(spikes, dt):
    return np.diff(np.nonzero(spikes)[0]) * dt


def test_regular_spiking_adapts_fast_spiking_does_not():
    dt, T = 0.25, 4000  # 1 s of I = 10 (the paper's Fig. 2 step)
    J = np.full((T, 1, 1), 10.0, np.float32)
    _, rs = run(J, dt, record=("s",), preset="regular_spiking")
    _, fs = run(J, dt, record=("s",), preset="fast_spiking")
    rs_isi, fs_isi = isi(rs["s"][:, 0, 0], dt), isi(fs["s"][:, 0, 0], dt)
    assert rs_isi[-1] > 1.5 * rs_isi[0]  # spike-frequency adaptation
    assert np.all(np.diff(rs_isi[:5]) >= 0)
    assert len(fs_isi) > 2 * len(rs_isi)  # FS fires much faster
    assert fs_isi[-1] < 1.2 * fs_isi[1]  # and with little adaptation (measured 8.25 vs 7.25 ms)


def test_chattering_fires_bursts():
    dt, T = 0.25, 2000
    J = np.full((T, 1, 1), 10.0, np.float32)
    _, ch = run(J, dt, record=("s",), preset="chattering")
    intervals = isi(ch["s"][:, 0, 0], dt)
    assert intervals.min() < 10 and intervals.max() > 3 * intervals.min()  # short in-burst, long between


def test_rest_and_explicit_override():
    dt, T = 0.5, 400
    J = np.zeros((T, 1, 2), np.float32)
    z, got = run(J, dt, preset="regular_spiking", d=3.0)
    assert z.abcd() == (0.02, 0.2, -65.0, 3.0)
    assert got["s"].sum() == 0
    # rest of v: 0.04 v^2 + 4.8 v + 140 = 0 (w = b v), the root near -70 mV
    v_rest = (-4.8 - np.sqrt(4.8 ** 2 - 4 * 0.04 * 140)) / (2 * 0.04)  # -70 mV, the stable root
    np.testing.assert_allclose(got["v"][-1], v_rest, atol=0.05)


def test_bad_parameters_are_named():
    with Context("bad", dt=0.1):
        with pytest.raises(ParameterError, match="preset.*regular_spiking"):
            IzhikevichCell("z", 3, preset="regular_spikin")
        with pytest.raises(ParameterError, match="tau_m"):
            IzhikevichCell("y", 3, tau_m=0.0)
        with pytest.raises(ParameterError, match="integration"):
            IzhikevichCell("x", 3, integration="exact")


NGC = pathlib.Path(__file__).parents[3] / "references" / "ngclearn" / "zoo.npz"


def ngc_case(name):
    with np.load(NGC) as ref:
        assert str(ref["version"]) == "3.2.1"
        return float(ref[f"{name}/dt"]), {k: ref[f"{name}/{k}"] for k in ("j", "v", "w", "s")}


@pytest.mark.parametrize("name, ours", [("izhikevich_rs", {}),
                                        ("izhikevich_fs_const", {"a": 0.1, "d": 2.0})])
def test_against_ngclearn(name, ours):
    # ngc-learn 3.2.1 (tau_w = 1/a, coupling_factor = b, v_reset = c, w_reset = d, w0 = -14) tests the
    # spike on the v it starts the step with: its v stays above v_thr for one step and the spike is
    # reported one step after ours; at that step it sets w <- w_before + d (not the integrated w + d)
    dt, ngc = ngc_case(name)
    _, got = run(ngc["j"], dt, preset="regular_spiking", w0=-14.0, **ours)
    ours_first = np.argmax(got["s"][:, 0, :], axis=0)
    ngc_first = np.argmax(ngc["s"][:, 0, :], axis=0)
    assert np.all(got["s"][:, 0, :].max(0) == 1)
    np.testing.assert_array_equal(ngc_first, ours_first + 1)  # one step late
    for n, k in enumerate(ours_first):  # identical until our first spike
        np.testing.assert_allclose(got["v"][:k, 0, n], ngc["v"][:k, 0, n], rtol=1e-5, atol=1e-3)
        np.testing.assert_allclose(got["w"][:k, 0, n], ngc["w"][:k, 0, n], rtol=1e-5, atol=1e-4)
        assert ngc["v"][k, 0, n] >= 30.0 and got["v"][k, 0, n] == -65.0  # it holds v above v_thr; we reset
    # ngc-learn's whole run is its own rule, replayed here in NumPy: s from the starting v, w <- w + d
    a, b, c, d = (0.02 if not ours else 0.1), 0.2, -65.0, (8.0 if not ours else 2.0)
    v, w = np.full(4, -65.0), np.full(4, -14.0)
    for k in range(len(ngc["j"])):
        s = v > 30.0
        v_new = v + dt * (0.04 * v ** 2 + 5 * v + 140 - w + ngc["j"][k, 0])
        w_new = w + dt * a * (b * v - w)
        v, w = np.where(s, c, v_new), np.where(s, w + d, w_new)
        np.testing.assert_array_equal(s, ngc["s"][k, 0] > 0)
        np.testing.assert_allclose(v, ngc["v"][k, 0], rtol=1e-4, atol=1e-2)
        v, w = ngc["v"][k, 0].astype(float), ngc["w"][k, 0].astype(float)


def step_current(T, dt, level, start, stop=None, base=0.0):
    t = np.arange(1, T + 1) * dt
    on = (t > start) & (t < (stop if stop is not None else np.inf))
    return np.where(on, level, base).astype(np.float32)[:, None, None]


def test_2004_features_behave_as_in_the_paper():
    # the stimuli of Izhikevich (2004) figure1.m, panels B, M and S
    dt = 0.25
    _, b = run(step_current(800, dt, 0.5, 20.0), dt, record=("s",), preset="phasic_spiking", v0=-64.0)
    assert b["s"].sum() == 1 and np.argmax(b["s"][:, 0, 0]) * dt > 20.0  # one spike at onset, then silence
    _, m = run(step_current(1000, dt, -15.0, 20.0, 25.0), dt, record=("s",), preset="rebound_spike", v0=-64.0)
    assert m["s"].sum() == 1 and np.argmax(m["s"][:, 0, 0]) * dt > 25.0  # fires after the inhibition ends
    J = step_current(1400, dt, 75.0, 50.0, 250.0, base=80.0)
    _, s = run(J, dt, record=("s",), preset="inhibition_induced_spiking", v0=-63.8)
    times = np.nonzero(s["s"][:, 0, 0])[0] * dt
    assert len(times) >= 3 and times.min() > 50.0 and times.max() < 260.0  # only while the input is lowered
