"""PhasorCell: without jitter against a NumPy loop and the exact period 1000 / (f x) ms; with jitter, the
mean rate f x; disable_phasor, YAML and bad values."""

import math

import numpy as np
import pytest

from components.cells import PhasorCell
from contexts import Context, ValidationError, load_model_string


def reference(x, steps, dt, f):
    """In float32, as the cell computes it (crossings that land on 2 pi are decided by rounding)."""
    x, two_pi = x.astype(np.float32), np.float32(2 * math.pi)
    theta, out = np.zeros_like(x), []
    for _ in range(steps):
        theta = theta + np.float32(2 * math.pi * f * dt / 1000) * x
        s = (theta > two_pi).astype(np.float32)
        theta = theta - two_pi * s
        out.append(s)
    return np.stack(out)


def test_no_jitter_matches_numpy_and_the_period(run_encoder):
    x = np.array([[1.0, 0.5, 0.3, 0.0], [0.8, 0.25, 0.1, 0.7]], np.float32)
    got = run_encoder(PhasorCell, x, 2000, dt=0.25, target_freq=50.0, jitter=0.0)
    np.testing.assert_array_equal(got["outputs"], reference(x, 2000, 0.25, 50.0))
    # x = 1: a spike every 20 ms (80 steps), the first after a full cycle
    times = np.flatnonzero(got["outputs"][:, 0, 0]) * 0.25 + 0.25
    np.testing.assert_allclose(np.diff(times), 20.0, atol=0.25)
    assert got["outputs"][:, 0, 3].sum() == 0
    counts = got["outputs"].sum(0)
    np.testing.assert_allclose(counts, np.floor(x * 50 * 0.5 + 1e-3), atol=1)  # rate f x over 500 ms


def test_jitter_keeps_the_mean_rate(run_encoder):
    x = np.full((4, 25), 0.6, np.float32)
    got = run_encoder(PhasorCell, x, 4000, dt=1.0, seed=2, target_freq=40.0, jitter=0.2)
    rate = got["outputs"].sum(0) / 4.0  # Hz over 4 s
    assert abs(rate.mean() - 24.0) < 0.3 and rate.std() > 0.0
    isi = np.diff(np.flatnonzero(got["outputs"][:, 0, 0]))
    assert isi.std() > 0.5 and abs(isi.mean() - 1000 / 24) < 1.0


def test_disable_phasor_passes_the_input_and_yaml():
    ctx = load_model_string("""
name: phasor_yaml
dt: 1.0
components:
  z: {type: PhasorCell, n_units: 2, disable_phasor: true}
commands:
  advance: [z]
clamped: [z.inputs]
""")
    z = ctx.components["z"]
    ctx.clamp(z.inputs, np.array([[0.3, 1.0]], np.float32))
    np.testing.assert_allclose(np.asarray(ctx.run("advance", steps=3, record=[z.outputs])[z.outputs])[:, 0],
                               [[0.3, 1.0]] * 3)
    with Context("bad", dt=2.0), pytest.raises(ValidationError, match="target_freq"):
        PhasorCell("z", 2, target_freq=600.0)


def test_mean_rates_match_ngclearn(run_encoder):
    import pathlib

    data = np.load(pathlib.Path(__file__).parents[3] / "references" / "ngclearn" / "graded.npz")
    x, ngc = data["phasor/inputs"], data["phasor/counts"]
    got = run_encoder(PhasorCell, x, int(data["phasor/steps"]), dt=float(data["phasor/dt"]), seed=1,
                      target_freq=float(data["phasor/target_freq"]))["outputs"].sum(0)
    ours, theirs = got.reshape(4, -1), ngc.reshape(4, -1)
    # the same mean rate f x at every level (1 s: 20, 40, 60, 80 spikes) ...
    np.testing.assert_allclose(ours.mean(1), theirs.mean(1), rtol=0.03)
    np.testing.assert_allclose(ours.mean(1), [20, 40, 60, 80], rtol=0.03)
    # ... but ngc-learn also scales each unit's rate by a Poisson(f)/f factor (sd 1/sqrt(80) = 11%)
    assert np.all(theirs.std(1) / theirs.mean(1) > 0.07) and np.all(ours.std(1) / ours.mean(1) < 0.05)
