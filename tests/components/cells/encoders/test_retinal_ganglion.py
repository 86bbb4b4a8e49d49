"""RetinalGanglionCell against a NumPy loop over the patches, ngc-learn 3.2.1's filters and (up to its
mean subtraction) its responses, centre-surround behaviour (uniform light, spots), YAML and bad values."""

import pathlib

import numpy as np
import pytest

from components.cells import RetinalGanglionCell
from contexts import Context, ValidationError, load_model_string

NGC = pathlib.Path(__file__).parents[3] / "references" / "ngclearn" / "graded.npz"


def gauss(p, s):
    r, q = np.meshgrid(np.arange(p[0]) - p[0] // 2, np.arange(p[1]) - p[1] // 2, indexing="ij")
    g = np.exp(-(r ** 2 + q ** 2) / (2 * s * s))
    return g / g.sum()


def reference(img, patch_shape, step_shape, sigma, k=1.6, lmbda=1.0, gain=1.0):
    patch, step = patch_shape, step_shape
    K = gauss(patch, sigma) - lmbda * gauss(patch, k * sigma)
    resp = []
    for i in range(0, img.shape[1] - patch[0] + 1, step[0]):
        for j in range(0, img.shape[2] - patch[1] + 1, step[1]):
            resp.append((img[:, i:i + patch[0], j:j + patch[1]] * K).sum(axis=(1, 2)))
    resp = np.stack(resp, axis=1)
    return resp, np.maximum(gain * resp, 0), np.maximum(-gain * resp, 0)


def run(img, **kw):
    B, H, W = img.shape
    with Context("rgc", batch_size=B) as ctx:
        g = RetinalGanglionCell("g", area_shape=(H, W), **kw)
        ctx.command("advance", [g])
    ctx.clamp(g.inputs, img.reshape(B, -1).astype(np.float32))
    rec = ctx.run("advance", steps=1, record=[g.response, g.on, g.off, g.outputs])
    return g, {c.name: np.asarray(rec[c])[0] for c in (g.response, g.on, g.off, g.outputs)}


@pytest.mark.parametrize("kw", [dict(patch_shape=(7, 7), step_shape=(3, 3), sigma=1.0),
                                dict(patch_shape=(5, 9), step_shape=(2, 4), sigma=1.5, k=2.0, lmbda=0.8, gain=3.0)])
def test_matches_numpy_reference(kw):
    img = np.random.default_rng(0).uniform(-0.5, 0.5, (3, 16, 20))
    g, got = run(img, **kw)
    resp, on, off = reference(img, **kw)
    assert g.n_cells == resp.shape[1]
    np.testing.assert_allclose(got["response"], resp, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(got["outputs"], np.concatenate([on, off], 1), rtol=1e-4, atol=1e-6)
    assert (got["on"] > 0).any() and (got["off"] > 0).any()


def test_filters_and_responses_match_ngclearn():
    data = np.load(NGC)
    img = data["ganglion/image"]
    for ftype in ("gaussian", "DoG"):
        g, got = run(img, patch_shape=(6, 6), step_shape=(3, 3), sigma=1.2, filter_type=ftype)
        W = g.weights().reshape(12, 12, -1)
        np.testing.assert_allclose(W[:6, :6, 0], data[f"ganglion/{ftype}/filter"], rtol=1e-5, atol=1e-7)
        # ngc-learn outputs the windowed pixels minus their mean: summed per cell, our response minus its mean
        ngc = data[f"ganglion/{ftype}/outputs"].reshape(1, 9, 36).sum(-1)
        np.testing.assert_allclose(got["response"] - got["response"].mean(), ngc, rtol=1e-4, atol=1e-5)


def test_centre_surround():
    # uniform light: (1 - lmbda) x; a bright centre spot excites ON, a dark one OFF; a ring excites OFF
    flat = np.full((1, 9, 9), 0.7)
    np.testing.assert_allclose(run(flat, patch_shape=(9, 9), step_shape=(1, 1))[1]["response"], 0.0, atol=1e-6)
    np.testing.assert_allclose(run(flat, patch_shape=(9, 9), step_shape=(1, 1), lmbda=0.5)[1]["response"], 0.35,
                               rtol=1e-5)
    spot = np.zeros((1, 9, 9))
    spot[0, 4, 4] = 1.0
    _, bright = run(spot, patch_shape=(9, 9), step_shape=(1, 1))
    _, dark = run(1.0 - spot, patch_shape=(9, 9), step_shape=(1, 1))
    assert bright["on"][0, 0] > 0.05 and bright["off"][0, 0] == 0
    assert dark["off"][0, 0] > 0.05 and dark["on"][0, 0] == 0
    ring = np.zeros((1, 9, 9))
    ring[0, 1:8, 1:8], ring[0, 3:6, 3:6] = 1.0, 0.0
    assert run(ring, patch_shape=(9, 9), step_shape=(1, 1))[1]["off"][0, 0] > 0.05


def test_yaml_and_bad_values():
    ctx = load_model_string("""
name: rgc_yaml
components:
  g: {type: RetinalGanglionCell, area_shape: [8, 8], patch_shape: [4, 4], step_shape: [4, 4]}
commands:
  advance: [g]
clamped: [g.inputs]
""")
    g = ctx.components["g"]
    assert g.n_cells == 4 and g.outputs.shape == (8,)
    for kw in ({"patch_shape": (9, 9)}, {"step_shape": (0, 1)}, {"sigma": 0.0}, {"filter_type": "RoG"}):
        with Context("bad"), pytest.raises(ValidationError):
            RetinalGanglionCell("g", area_shape=(8, 8), **kw)
