"""Smoke test of museum.sparse_coding: whitening flattens the spectrum, one step is the gradient of the
sparse-coding energy, and a --quick run learns a sparse code with unit-norm dictionary elements."""

import numpy as np

from museum import _common as mc
from museum.sparse_coding import __main__ as ex


def test_whitening_flattens_a_one_over_f_spectrum():
    rng = np.random.default_rng(0)
    n = 128
    f = np.sqrt(np.fft.fftfreq(n)[:, None] ** 2 + np.fft.fftfreq(n)[None, :] ** 2)
    pink = np.real(np.fft.ifft2(np.fft.fft2(rng.normal(size=(n, n))) / np.maximum(f, 1 / n)))
    white = ex.whiten(pink)
    assert abs(white.std() - ex.SCALE) < 1e-6
    power = np.abs(np.fft.fft2(white)) ** 2
    low, mid = power[(f > 0.05) & (f < 0.1)].mean(), power[(f > 0.15) & (f < 0.25)].mean()
    assert 0.5 < low / mid < 2.0  # 1/f amplitude made flat (before the roll-off); unwhitened ratio ~ 6


def test_one_step_is_the_energy_gradient(tmp_path):
    ctx = ex.build(mc.parse_args(ex.NAME, None, ["--out", str(tmp_path)]))
    W = np.asarray(ctx.get("W.weights"))
    np.testing.assert_allclose(np.linalg.norm(W, axis=1), 1.0, rtol=1e-5)
    np.testing.assert_array_equal(np.asarray(ctx.get("E.weights")), W.T)
    x = ex.sample_patches(ex.load_images(), ctx.batch_size, np.random.default_rng(0))
    ctx.clamp("x.inputs", x)
    a = np.asarray(ctx.run("advance", steps=2, record=["z.z"])["z.z"])
    # tau da/dt = (x - a W) W^T - lambda 2a / (1 + a^2), lambda = 2, tau = 10 ms, dt = 1 ms
    np.testing.assert_allclose(a[0], 0.1 * x @ W.T, rtol=1e-4, atol=1e-5)
    want = a[0] + 0.1 * ((x - a[0] @ W) @ W.T - 2.0 * 2 * a[0] / (1 + a[0] ** 2))
    np.testing.assert_allclose(a[1], want, rtol=1e-4, atol=1e-4)


def test_quick_run_learns_a_sparse_code(tmp_path):
    res = ex.main(["--quick", "--out", str(tmp_path)])
    assert (tmp_path / "dictionary.png").exists()
    assert res["rel_error"] < 0.1                  # 1.0 with a = 0
    assert res["active_fraction"] < 0.2            # most coefficients below the prior's scale
    assert res["kurtosis_sparse"] > res["kurtosis_pca"]


def test_resume_continues_training_bit_identically(monkeypatch, tmp_path):
    """Training killed after 8 of 12 batches and run again with --resume ends with the dictionary, curve
    and patch sampler of an uninterrupted run."""
    import shutil

    from contexts.checkpoint import Checkpointer

    monkeypatch.setattr(ex, "CHECKPOINT_EVERY", 4)
    images = ex.load_images()

    def train(argv):
        args = mc.parse_args(ex.NAME, None, ["--out", str(tmp_path)] + argv, resumable=True)
        ctx = ex.build(args)
        rng = np.random.default_rng(0)
        curve = ex.train(ctx, images, 12, 10, rng, args)
        return curve, np.asarray(ctx.get("W.weights")), rng.random()

    want = train([])
    ck = Checkpointer(tmp_path / "checkpoints")
    assert ck.steps() == [8, 12]
    shutil.rmtree(ck.path(12))  # as if killed in the last 4 batches
    got = train(["--resume"])
    assert got[0] == want[0] and got[2] == want[2]
    np.testing.assert_array_equal(got[1], want[1])
