"""Smoke test of museum.bcm_selectivity: a few BCM steps, shapes, finiteness, the helpers."""

import numpy as np

from museum import _common as mc
from museum.bcm_selectivity import __main__ as ex


def test_helpers():
    p = ex.make_patterns(4, 20)
    assert p.shape == (4, 20) and p.min() >= 0.0 and np.allclose(p.max(1), p.max(1)[0], atol=0.05)
    np.testing.assert_allclose(ex.selectivity(np.eye(4)), 1.0)
    np.testing.assert_allclose(ex.selectivity(np.ones((4, 3))), 0.0)


def test_bcm_few_steps():
    ctx = mc.load_exhibit_model(ex.__file__)
    n_in, n_out = ctx.components["W"].shape
    p = ex.make_patterns(4, n_in)
    shown = np.random.default_rng(0).integers(0, 4, 30)
    rec = ctx.run(["advance", "evolve"], steps=30, record=["W.weights", "W.theta", "y.outputs"],
                  inputs={"x.inputs": p[shown][:, None, :]})
    w, theta, y = (np.asarray(rec[k]) for k in ("W.weights", "W.theta", "y.outputs"))
    assert w.shape == (30, n_in, n_out) and theta.shape == (30, n_out) and y.shape == (30, 1, n_out)
    assert np.all(np.isfinite(w)) and np.all(np.isfinite(theta)) and np.all(theta > 0)
    assert y.min() >= 0.0  # rectified rates
