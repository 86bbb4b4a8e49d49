"""Smoke test of museum.predictive_coding: the wiring computes the energy gradient, E starts as W^T,
and a --quick run learns (reconstruction error falls; readout above chance)."""

import numpy as np

from museum import _common as mc
from museum.predictive_coding import __main__ as ex


def test_one_step_is_the_energy_gradient(tmp_path):
    args = mc.parse_args(ex.NAME, None, ["--out", str(tmp_path)])
    ctx = ex.build(args)
    w1, w2 = np.asarray(ctx.get("W1.weights")), np.asarray(ctx.get("W2.weights"))
    np.testing.assert_array_equal(np.asarray(ctx.get("E1.weights")), w1.T)
    np.testing.assert_array_equal(np.asarray(ctx.get("E2.weights")), w2.T)
    x = ex.load_data(0)[0][:ctx.batch_size]
    ctx.clamp("x.inputs", x)
    rec = ctx.run("advance", steps=2, record=["z1.z", "e0.dmu", "e1.dmu"])
    z1, e0, e1 = (np.asarray(rec[k]) for k in ("z1.z", "e0.dmu", "e1.dmu"))
    # step 1: z = 0, so mu = 0, e0 = x, e1 = 0 and z1 <- dt/tau f'(0) e0 W1^T (relu'(0) = 1)
    np.testing.assert_allclose(e0[0], x, rtol=1e-6)
    np.testing.assert_allclose(z1[0], 0.1 * x @ w1.T, rtol=1e-4, atol=1e-6)
    # step 2: e0 = x - f(z1) W1; z2 is still 0, so mu1 = 0 and e1 = z1
    np.testing.assert_allclose(e0[1], x - np.maximum(z1[0], 0) @ w1, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(e1[1], z1[0], rtol=1e-4, atol=1e-5)


def test_quick_run_learns(tmp_path):
    res = ex.main(["--quick", "--out", str(tmp_path)])
    assert (tmp_path / "reconstructions.png").exists() and (tmp_path / "features.png").exists()
    assert res["test_mse_settled"] < 0.12        # the untrained network's error is ~0.2 (mean x^2)
    assert res["readout_acc_z1"] > 0.5           # chance is 0.1


def test_resume_continues_training_bit_identically(monkeypatch, tmp_path):
    """Training killed after 2 of 4 epochs and run again with --resume ends with the weights, curve and
    shuffling of an uninterrupted run."""
    import shutil

    from contexts.checkpoint import Checkpointer

    monkeypatch.setattr(ex, "CHECKPOINT_EVERY", 2)
    x = ex.load_data(0)[0][:100]

    def train(argv):
        args = mc.parse_args(ex.NAME, None, ["--out", str(tmp_path)] + argv, resumable=True)
        ctx = ex.build(args)
        curve = ex.train(ctx, x, 4, 10, 0, args)
        return curve, ctx

    want, ref = train([])
    ck = Checkpointer(tmp_path / "checkpoints")
    assert ck.steps() == [2, 4]
    shutil.rmtree(ck.path(4))  # as if killed in the last two epochs
    got, ctx = train(["--resume"])
    assert got == want and len(got) == 4
    for name in ("W1.weights", "W2.weights", "E1.weights", "E2.weights"):
        np.testing.assert_array_equal(np.asarray(ctx.get(name)), np.asarray(ref.get(name)))
