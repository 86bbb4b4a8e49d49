"""LatencyCell against a NumPy loop (RC and linear codes, normalisation, clipping), ngc-learn 3.2.1's
spike trains, one spike per unit until reset, YAML and bad values."""

import json
import pathlib

import numpy as np
import pytest

from components.cells import LatencyCell
from contexts import Context, ValidationError, load_model_string

NGC = pathlib.Path(__file__).parents[3] / "references" / "ngclearn" / "graded.npz"
REC = ("outputs", "tols", "targ_sp_times")


def reference(x, steps, dt, tau=1.0, threshold=0.01, first_spike_time=0.0, linearize=False, normalize=False,
              clip_spikes=False, num_steps=1.0):
    x = x.astype(np.float64)
    span = (num_steps - 1) * dt - first_spike_time
    if linearize:
        tt = span if normalize else tau
        ts = np.minimum(tt * (1 - x), tt * (1 - threshold)) + first_spike_time
    else:
        xc = np.maximum(x, threshold + 1e-7)
        rel = tau * np.log(xc / (xc - threshold))
        if normalize:
            rel = rel * span / rel.max(axis=-1, keepdims=True)
        ts = rel + first_spike_time
    fired, tols, out = np.zeros_like(x), np.full_like(x, -1e9), []
    for k in range(steps):
        s = (k * dt >= np.round(ts / dt) * dt - 1e-6) * (1 - fired)
        fired = fired + s
        if clip_spikes:
            s = s * (x >= threshold)
        tols = np.where(s > 0, (k + 1) * dt, tols)
        out.append((s, tols.copy()))
    return np.stack([o[0] for o in out]), np.stack([o[1] for o in out]), ts


@pytest.mark.parametrize("kw", [dict(tau=20.0, threshold=0.1), dict(tau=10.0, threshold=0.2, clip_spikes=True,
                                                                     first_spike_time=3.0),
                                dict(linearize=True, tau=30.0, threshold=0.05),
                                dict(linearize=True, normalize=True, num_steps=60, first_spike_time=2.0),
                                dict(tau=5.0, threshold=0.1, normalize=True, num_steps=50)])
@pytest.mark.parametrize("dt", [1.0, 0.5])
def test_matches_numpy_reference(run_encoder, kw, dt):
    x = np.random.default_rng(0).uniform(0, 1, (3, 20)).astype(np.float32)
    if kw.get("normalize") and not kw.get("linearize"):  # the latest time sets the scale: keep it off the clamp
        x = np.maximum(x, 0.12)
    steps = int(80 / dt)
    got = run_encoder(LatencyCell, x, steps, dt=dt, record=REC, **kw)
    s, tols, ts = reference(x, steps, dt, **kw)
    np.testing.assert_array_equal(got["outputs"], s)
    np.testing.assert_allclose(got["tols"], tols, rtol=1e-6)
    far = x > kw.get("threshold", 0.01) + 1e-3  # at the clamp x' = thr + 1e-7, float32 rounds the 1e-7
    np.testing.assert_allclose(got["targ_sp_times"][-1][far], ts[far], rtol=1e-5, atol=1e-5)
    assert got["outputs"].sum(0).max() == 1 and s.sum() > 20  # at most one spike per unit; most spike


@pytest.mark.parametrize("case", ["latency_rc", "latency_rc_clip", "latency_linear_norm", "latency_linear"])
def test_matches_ngclearn(run_encoder, case):
    data = np.load(NGC)
    kw = json.loads(str(data[f"{case}/kw"]))
    if kw.get("num_steps") == 1e-7:  # passed to ngc-learn as its eps (see gen_graded.py); 1 is the default
        kw["num_steps"] = 1.0
    x, ngc = data[f"{case}/inputs"][0], {k: data[f"{case}/{k}"] for k in REC}
    got = run_encoder(LatencyCell, x, len(ngc["outputs"]), record=REC, **kw)
    np.testing.assert_array_equal(got["outputs"], ngc["outputs"])
    np.testing.assert_allclose(got["targ_sp_times"], ngc["targ_sp_times"], rtol=1e-5, atol=1e-4)
    spiked = got["tols"] > -1e8
    np.testing.assert_allclose(got["tols"][spiked], ngc["tols"][spiked] + 1.0)  # tols: end of the step
    assert got["outputs"].sum() >= 7


def test_ngclearn_default_code_ignores_the_input(run_encoder):
    # ngc-learn 3.2.1 passes num_steps as eps, clamping every x to threshold + 1: one time for all inputs
    data = np.load(NGC)
    ngc_times = data["latency_ngc_default/targ_sp_times"][-1, 0]
    assert np.ptp(ngc_times) == 0.0
    got = run_encoder(LatencyCell, data["latency_ngc_default/inputs"][0], 5, record=REC, tau=20.0, threshold=0.1)
    assert np.ptp(got["targ_sp_times"][-1]) > 10.0


def test_stronger_inputs_spike_earlier_once_and_reset_rearms():
    with Context("lat", dt=1.0) as ctx:
        z = LatencyCell("z", 3, tau=10.0, threshold=0.1)
        ctx.command("advance", [z])
    ctx.clamp(z.inputs, np.array([[1.0, 0.5, 0.2]], np.float32))
    first = np.asarray(ctx.run("advance", steps=30, record=[z.outputs])[z.outputs])[:, 0]
    # t* = 10 log(x / (x - 0.1)) = 1.05, 2.23, 6.93 ms -> the steps starting at 1, 2 and 7 ms
    np.testing.assert_array_equal(np.argmax(first, axis=0), [1, 2, 7])
    assert first.sum() == 3
    ctx.reset()
    ctx.clamp(z.inputs, np.array([[1.0, 0.5, 0.2]], np.float32))
    again = np.asarray(ctx.run("advance", steps=30, record=[z.outputs])[z.outputs])[:, 0]
    np.testing.assert_array_equal(again, first)


def test_yaml_and_bad_values():
    ctx = load_model_string("""
name: lat_yaml
components:
  z: {type: LatencyCell, n_units: 2, tau: 10.0, threshold: 0.1, linearize: true}
commands:
  advance: [z]
clamped: [z.inputs]
""")
    z = ctx.components["z"]
    ctx.clamp(z.inputs, np.array([[1.0, 0.5]], np.float32))
    s = np.asarray(ctx.run("advance", steps=10, record=[z.outputs])[z.outputs])[:, 0]
    np.testing.assert_array_equal(np.argmax(s, axis=0), [0, 5])
    for kw in ({"tau": 0.0}, {"threshold": 1.0}, {"num_steps": 0.5}):
        with Context("bad"), pytest.raises(ValidationError):
            LatencyCell("z", 2, **kw)
