"""TTFSCell against a NumPy loop (both latency maps), ngc-learn 3.2.1's spike trains, one spike per
unit in the window, YAML and bad values."""

import pathlib

import numpy as np
import pytest

from components.cells import TTFSCell
from contexts import Context, ValidationError, load_model_string

NGC = pathlib.Path(__file__).parents[3] / "references" / "ngclearn" / "graded.npz"


def reference(x, steps, num_steps, mode):
    xc = np.clip(x.astype(np.float64), 1e-7, 1.0)
    if mode == "exponential":
        k = np.round((np.exp(-xc) - np.exp(-1)) / (np.exp(-1e-7) - np.exp(-1)) * (num_steps - 1))
    else:
        raw = -np.log(xc)
        m = np.maximum(-np.log(0.01), raw.max(axis=-1, keepdims=True))
        k = np.clip(np.round(raw / m * (num_steps - 1)), 0, num_steps - 1)
    return np.stack([(k == n).astype(np.float32) for n in range(steps)]), k


@pytest.mark.parametrize("mode", ["exponential", "logarithmic"])
def test_matches_numpy_reference(run_encoder, mode):
    x = np.random.default_rng(1).uniform(0, 1, (4, 30))
    x[0, :3] = [0.0, 1.0, 0.005]
    got = run_encoder(TTFSCell, x, 60, dt=0.5, num_steps=50, latency_mode=mode,
                      record=("outputs", "tols", "target_spike_times"))
    s, k = reference(x.astype(np.float32), 60, 50, mode)
    np.testing.assert_array_equal(got["outputs"], s)
    np.testing.assert_array_equal(got["target_spike_times"][-1], k)
    assert np.array_equal(got["outputs"].sum(0), np.ones((4, 30)))  # every unit once, inside the window
    spiked_at = np.argmax(got["outputs"], axis=0)
    np.testing.assert_allclose(got["tols"][-1], (spiked_at + 1) * 0.5)
    assert spiked_at[0, 1] == 0 and (mode == "logarithmic" or spiked_at[0, 0] == 49)


@pytest.mark.parametrize("mode", ["exponential", "logarithmic"])
def test_matches_ngclearn(run_encoder, mode):
    data = np.load(NGC)
    ngc_s, ngc_tols = data[f"ttfs_{mode}/outputs"], data[f"ttfs_{mode}/tols"]
    got = run_encoder(TTFSCell, data[f"ttfs_{mode}/inputs"][0], len(ngc_s), num_steps=40, latency_mode=mode)
    np.testing.assert_array_equal(got["outputs"], ngc_s)
    spiked = got["tols"] > -1e8
    np.testing.assert_allclose(got["tols"][spiked], ngc_tols[spiked] + 1.0)
    assert ngc_s.sum() == 12


def test_reset_restarts_the_window_and_yaml():
    ctx = load_model_string("""
name: ttfs_yaml
components:
  z: {type: TTFSCell, n_units: 2, num_steps: 11}
commands:
  advance: [z]
clamped: [z.inputs]
""")
    z = ctx.components["z"]
    for _ in range(2):
        ctx.clamp(z.inputs, np.array([[1.0, 0.0]], np.float32))
        s = np.asarray(ctx.run("advance", steps=12, record=[z.outputs])[z.outputs])[:, 0]
        np.testing.assert_array_equal(np.argmax(s, axis=0), [0, 10])
        ctx.reset()
    for kw in ({"num_steps": 0}, {"latency_mode": "linear"}):
        with Context("bad"), pytest.raises(ValidationError):
            TTFSCell("z", 2, **kw)
