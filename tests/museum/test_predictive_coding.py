"""Smoke test of museum.predictive_coding: the wiring computes the energy gradient, E stays W^T, and a
--quick run learns (reconstruction error falls; readout above chance)."""

import numpy as np

from museum import _common as mc
from museum.predictive_coding import __main__ as ex


def test_one_step_is_the_energy_gradient():
    args = mc.parse_args(ex.NAME, None, ["--out", "/tmp/pc_smoke"])
    ctx = ex.build(args)
    w1, w2 = np.asarray(ctx.get("W1.weights")), np.asarray(ctx.get("W2.weights"))
    np.testing.assert_array_equal(np.asarray(ctx.get("E1.weights")), w1.T)
    x = ex.load_data(0)[0][:ctx.batch_size]
    ctx.clamp("x.inputs", x)
    rec = ctx.run("advance", steps=2, record=["z1.z", "e0.dmu", "e1.dmu"])
    z1, e0, e1 = (np.asarray(rec[k]) for k in ("z1.z", "e0.dmu", "e1.dmu"))
    # step 1: z = 0, so mu = 0, e0 = x, e1 = 0; step 2: z1 moves by dt/tau * (f'(z1) e0 W1^T - e1)
    np.testing.assert_allclose(e0[0], x, rtol=1e-6)
    np.testing.assert_allclose(z1[0], 0.1 * x @ w1.T, rtol=1e-4, atol=1e-6)
    mu0 = np.maximum(z1[0], 0) @ w1
    np.testing.assert_allclose(e0[1], x - mu0, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(e1[1], z1[0] - 0.0 @ w2 * 0, rtol=1e-4, atol=1e-5)  # z2 still 0: mu1 = 0


def test_quick_run_learns(tmp_path):
    res = ex.main(["--quick", "--out", str(tmp_path)])
    assert (tmp_path / "reconstructions.png").exists() and (tmp_path / "features.png").exists()
    assert res["test_mse_settled"] < 0.12        # the untrained network's error is ~0.2 (mean x^2)
    assert res["readout_acc_z1"] > 0.5           # chance is 0.1
