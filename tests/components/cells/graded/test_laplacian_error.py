"""LaplacianErrorCell against a NumPy loop; L sums |error| (not the sign); following dshift
finds the median of the targets, not their mean."""

import numpy as np
import pytest

from components.cells import LaplacianErrorCell
from contexts import Context
from contexts.params import ParameterError


def test_matches_numpy_step_by_step(run_error_cell):
    T, B, N, b = 120, 2, 5, 1.7
    rng = np.random.default_rng(6)
    shift, target = rng.normal(0, 2, (T, B, N)), rng.normal(0, 2, (T, B, N))
    target[:10] = shift[:10]  # e = 0 exactly: the subgradient 0
    modulator = rng.uniform(0.5, 2.0, (T, B, N))
    mask = (rng.uniform(size=(T, B, N)) > 0.3).astype(float)
    got = run_error_cell(LaplacianErrorCell, {"shift": shift, "target": target, "modulator": modulator,
                                              "mask": mask}, scale=b)
    for k in range(T):
        e = target[k].astype(np.float32).astype(float) - shift[k].astype(np.float32).astype(float)
        gate = modulator[k].astype(np.float32) * mask[k]
        np.testing.assert_allclose(got["dshift"][k], gate * np.sign(e) / b, rtol=1e-6, atol=1e-6)
        np.testing.assert_allclose(got["dtarget"][k], -gate * np.sign(e) / b, rtol=1e-6, atol=1e-6)
        np.testing.assert_allclose(got["L"][k], -(mask[k] * np.abs(e)).sum(-1) / b, rtol=1e-5, atol=1e-5)
    assert np.all(got["dshift"][:10] == 0)


def test_L_is_the_absolute_error_not_its_sign(run_error_cell):
    got = run_error_cell(LaplacianErrorCell, {"shift": np.zeros((1, 1, 2)), "target": np.array([[[3.0, -0.5]]])},
                         scale=2.0)
    np.testing.assert_allclose(got["L"][0, 0], -(3.0 + 0.5) / 2.0, rtol=1e-6)


def test_following_dshift_finds_the_median():
    # heavy right tail: mean 4.3, median 1; sign-gradient steps settle at the median
    targets = np.array([0.0, 1.0, 2.0, 0.5, 1.5, 20.0] * 50, np.float32)[:, None, None]
    with Context("fit", dt=1.0) as ctx:
        z = LaplacianErrorCell("z", 1)
        ctx.command("advance", [z])
    shift = 5.0
    for x in targets:
        ctx.clamp(z.shift, np.full((1, 1), shift, np.float32))
        ctx.clamp(z.target, x)
        ctx.run("advance")
        shift += 0.05 * float(np.asarray(ctx.get(z.dshift))[0, 0])
    assert 0.5 <= shift <= 1.6 and abs(shift - targets.mean()) > 2


def test_scale_must_be_positive():
    with Context("bad", dt=1.0):
        with pytest.raises(ParameterError, match="scale"):
            LaplacianErrorCell("z", 2, scale=-1.0)
