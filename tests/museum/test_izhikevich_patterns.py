"""Smoke test of museum.izhikevich_patterns: the --quick panels show their features; the changes of
variables that run class 1 excitability and accommodation on IzhikevichCell reproduce the paper's
own equations; the figure1.m step order against a NumPy loop."""

import json

import numpy as np
import pytest

from contexts import Context
from museum.izhikevich_patterns import __main__ as ex
from museum.izhikevich_patterns.figure1_cell import Figure1IzhikevichCell


def panel(letter):
    return next(p for p in ex.PANELS if p.letter == letter)


def figure1_m(p, a, b, c, d, u0=None, v_coeffs=(5.0, 140.0), du=None):
    """The paper's script for one panel, float64: v first, then u with the new v; spike times (ms)."""
    V = p.v0 + p.v_shift
    u = b * V if u0 is None else u0
    t = np.arange(int(round(p.duration / p.dt)) + 1) * p.dt
    current = p.stimulus(t)
    times = []
    for k in range(len(t)):
        V = V + p.dt * (0.04 * V * V + v_coeffs[0] * V + v_coeffs[1] - u + current[k])
        u = u + p.dt * (a * (b * V - u) if du is None else du(V))
        if V >= 30:
            V, u = c, u + d
            times.append(t[k] + p.dt)
    return np.array(times)


def test_quick_run_shows_its_features(tmp_path):
    results = ex.main(["--quick", "--out", str(tmp_path)])
    assert results["panels"] == len(ex.QUICK) == 4
    assert results["as_in_paper"] == 4  # tonic spiking, adaptation, resonance, inhibition-induced spiking
    saved = json.loads((tmp_path / "results.json").read_text())
    assert saved["F_spike_frequency_adaptation"]["adaptation_ratio"] > 5
    assert saved["K_resonator_2004"]["spikes_per_doublet"] == [0, 1]
    assert (tmp_path / "izhikevich_patterns.png").stat().st_size > 10_000


@pytest.mark.parametrize("letter", ["G", "L"])
def test_class_1_and_integrator_are_the_papers_equation(letter):
    # dv/dt = 0.04 v^2 + 4.1 v + 108 - u + I, run as IzhikevichCell with v shifted by 11.25 mV: exact
    p = panel(letter)
    got = ex.spike_times(ex.simulate(p))
    want = figure1_m(p, 0.02, -0.1, -55.0, 6.0, v_coeffs=(4.1, 108.0))
    assert len(want) >= 1
    np.testing.assert_allclose(got, want, atol=p.dt + 1e-6)


def test_accommodation_is_the_papers_equation():
    # du/dt = 0.02 (v + 65), no decay: run with a = 5e-4, b = 40 and an offset; the same spike train
    p = panel("R")
    got = ex.spike_times(ex.simulate(p))
    want = figure1_m(p, 0.02, 1.0, -55.0, 4.0, u0=-16.0, du=lambda V: 0.02 * (V + 65.0))
    np.testing.assert_allclose(got, want, atol=p.dt + 1e-6)
    assert len(want) == 1 and want[0] > 300  # the fast ramp only


@pytest.mark.parametrize("letter", ["T", "P"])
def test_v_first_order_is_figure1_m(letter):
    from components.cells.spiking.izhikevich import PRESETS

    p = panel(letter)
    run = ex.simulate(p)
    np.testing.assert_allclose(ex.spike_times(run), figure1_m(p, *PRESETS[p.name]), atol=p.dt + 1e-6)


def test_simultaneous_order_is_izhikevich_cell():
    from components.cells import IzhikevichCell

    J = np.random.default_rng(0).uniform(0, 20, (400, 1, 3)).astype(np.float32)
    out = []
    for cls, kw in ((Figure1IzhikevichCell, {"order": "simultaneous"}), (IzhikevichCell, {})):
        with Context("c", dt=0.25) as ctx:
            z = cls("z", 3, preset="chattering", **kw)
            ctx.command("advance", [z])
        out.append(np.asarray(ctx.run("advance", steps=400, inputs={z.j: J}, record=[z.v])[z.v]))
    np.testing.assert_array_equal(out[0], out[1])
