"""Smoke test of museum.third_factor_gating: a few steps of both models, shapes, finiteness, the maths."""

import numpy as np

from museum import _common as mc
from museum.third_factor_gating import __main__ as ex


def test_gating_weight_follows_discrete_reference():
    ctx = mc.load_exhibit_model(ex.__file__)
    steps = 50
    ones = np.ones((steps, 1, 1), np.float32)
    rec = ctx.run(["advance", "evolve"], steps=steps, record=["W.weights", "pop1.outputs"],
                  inputs={"in1.inputs": ex.R_IN1 * ones, "in2.inputs": ex.R_IN2 * ones})
    w = np.asarray(rec["W.weights"])
    assert w.shape == (steps, 1, 1) and np.all(np.isfinite(w))
    ref = ex.discrete_weight(steps, ctx.dt, 1.0, float(ctx.components["W"].eta), 10.0)
    np.testing.assert_allclose(w[:, 0, 0], ref, rtol=1e-5)
    assert w[-1, 0, 0] > 1.0  # the modulator (pop1's rate) let the weight grow


def test_closed_form_matches_fine_euler():
    t = 0.001 * np.arange(1, 20001)
    exact = ex.analytic_weight(t, 1.0, 0.1, 10.0)
    np.testing.assert_allclose(ex.discrete_weight(20000, 0.001, 1.0, 0.1, 10.0), exact, rtol=1e-3)


def test_rstdp_few_steps():
    ctx = mc.load_exhibit_model(ex.__file__, filename="model_rstdp.yaml")
    labels, x, reward = ex.rstdp_schedule(np.random.default_rng(0), 2, 10, 40, low=ex.LOW, punish=ex.PUNISH)
    assert x.shape == (20, 1, 40) and reward.shape == (20, 1, 1)
    assert set(np.unique(reward)) <= {1.0, -ex.PUNISH}
    rec = ctx.run(["advance", "evolve"], steps=20, record=["z.s", "W.weights", "DA.outputs"],
                  inputs={"x.inputs": x, "DA.reward": reward})
    w = np.asarray(rec["W.weights"])
    assert np.asarray(rec["z.s"]).shape == (20, 1, 1)
    assert w.shape == (20, 40, 1) and np.all(np.isfinite(w))
    assert w.min() >= 0.0 and w.max() <= 1.0
    assert np.all(np.isfinite(np.asarray(rec["DA.outputs"])))


def test_plot_of_a_short_run(tmp_path):
    # --quick shows each pattern fewer times than the 9-trial smoothing window (and one not at all)
    t = np.linspace(0.0, 20.0, 11)
    g = {"t": t, "r1": t, "r2": t, "w": t, "w_exact": t, "rel_err_analytic": 1e-3}
    for labels in (np.array([0, 1, 0, 0, 1, 0, 1]), np.zeros(5, int)):
        r = {"labels": labels, "rate": np.linspace(10.0, 40.0, len(labels))}
        ex.plot(g, r, tmp_path)
        assert (tmp_path / "third_factor_gating.png").stat().st_size > 5_000
