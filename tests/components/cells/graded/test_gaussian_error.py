"""GaussianErrorCell against a NumPy loop, the Gaussian log-density and its gradient, and a
prediction that follows dmu to the mean of its targets."""

import json
import pathlib

import numpy as np
import pytest

from components.cells import GaussianErrorCell
from contexts import Context
from contexts.params import ParameterError


def test_matches_numpy_step_by_step(run_error_cell):
    T, B, N, sigma = 150, 3, 6, 0.7
    rng = np.random.default_rng(3)
    mu, target = rng.normal(0, 2, (T, B, N)), rng.normal(0, 2, (T, B, N))
    modulator = rng.uniform(0.5, 2.0, (T, B, N))
    mask = (rng.uniform(size=(T, B, N)) > 0.3).astype(float)
    got = run_error_cell(GaussianErrorCell, {"mu": mu, "target": target, "modulator": modulator, "mask": mask},
                         sigma=sigma)
    for k in range(T):  # the reference, one step at a time, float64
        e = target[k].astype(np.float32).astype(float) - mu[k].astype(np.float32).astype(float)
        gate = modulator[k].astype(np.float32) * mask[k]
        np.testing.assert_allclose(got["dmu"][k], gate * e / sigma ** 2, rtol=1e-5, atol=1e-5)
        np.testing.assert_allclose(got["dtarget"][k], -gate * e / sigma ** 2, rtol=1e-5, atol=1e-5)
        np.testing.assert_allclose(got["L"][k], -0.5 * (mask[k] * e ** 2 / sigma ** 2).sum(-1), rtol=1e-5, atol=1e-4)
    assert got["L"].shape == (T, B)


def test_L_is_the_log_density_and_dmu_its_gradient(run_error_cell):
    # L + N/2 log(2 pi sigma^2) = log N(target; mu, sigma^2 I); dmu = dL/dmu by central differences
    sigma, N = 2.5, 4
    rng = np.random.default_rng(4)
    mu, target = rng.normal(0, 1, (1, 1, N)), rng.normal(0, 1, (1, 1, N))
    got = run_error_cell(GaussianErrorCell, {"mu": mu, "target": target}, sigma=sigma)
    from math import log, pi

    e = (target - mu)[0, 0]
    log_density = sum(-0.5 * log(2 * pi * sigma ** 2) - ei ** 2 / (2 * sigma ** 2) for ei in e)
    np.testing.assert_allclose(got["L"][0, 0] - N * 0.5 * log(2 * pi * sigma ** 2), log_density, rtol=1e-5)
    h = 1e-2
    for i in range(N):
        up, down = mu.copy(), mu.copy()
        up[..., i] += h
        down[..., i] -= h
        lu = run_error_cell(GaussianErrorCell, {"mu": up, "target": target}, sigma=sigma)["L"][0, 0]
        ld = run_error_cell(GaussianErrorCell, {"mu": down, "target": target}, sigma=sigma)["L"][0, 0]
        np.testing.assert_allclose(got["dmu"][0, 0, i], (lu - ld) / (2 * h), rtol=2e-3, atol=1e-4)
    # Sigma is the variance sigma^2, not sigma: a unit error gives dmu = 1 / 6.25
    one = run_error_cell(GaussianErrorCell, {"mu": np.zeros((1, 1, 1)), "target": np.ones((1, 1, 1))}, sigma=sigma)
    np.testing.assert_allclose(one["dmu"][0, 0, 0], 1 / 6.25, rtol=1e-6)
    np.testing.assert_allclose(one["L"][0, 0], -0.5 / 6.25, rtol=1e-6)


def test_gradient_ascent_finds_the_mean():
    # mu <- mu + eta * dmu over a stream of targets converges to their mean
    rng = np.random.default_rng(5)
    targets = rng.normal(3.0, 1.0, (400, 1, 1)).astype(np.float32)
    with Context("fit", dt=1.0) as ctx:
        z = GaussianErrorCell("z", 1, sigma=1.0)
        ctx.command("advance", [z])
    mu = 0.0
    for x in targets[:, :, :]:
        ctx.clamp(z.mu, np.full((1, 1), mu, np.float32))
        ctx.clamp(z.target, x)
        ctx.run("advance")
        mu += 0.02 * float(np.asarray(ctx.get(z.dmu))[0, 0])
    assert abs(mu - targets.mean()) < 0.3


def test_sigma_must_be_positive():
    with Context("bad", dt=1.0):
        with pytest.raises(ParameterError, match="sigma"):
            GaussianErrorCell("z", 2, sigma=0.0)


def test_matches_ngclearn_with_sigma_squared(run_error_cell):
    # ngc-learn 3.2.1 divides by its `sigma` as given (it is the variance): its sigma = 2.25 is our 1.5
    path = pathlib.Path(__file__).parents[3] / "references" / "ngclearn" / "zoo.npz"
    with np.load(path) as ref:
        assert str(ref["version"]) == "3.2.1" and json.loads(str(ref["gaussian/kw"])) == {"sigma": 2.25}
        ngc = {k: ref[f"gaussian/{k}"] for k in ("mu", "target", "modulator", "dmu", "dtarget", "L")}
    got = run_error_cell(GaussianErrorCell, {k: ngc[k] for k in ("mu", "target", "modulator")}, sigma=1.5)
    for name in ("dmu", "dtarget"):
        np.testing.assert_allclose(got[name], ngc[name], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(got["L"][:, 0], ngc["L"], rtol=1e-5, atol=1e-6)  # batch 1: its sum over the batch
