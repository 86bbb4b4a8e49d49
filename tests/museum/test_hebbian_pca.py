"""Smoke test of museum.hebbian_pca: a few steps of the Oja model, shapes, finiteness, the metric."""

import numpy as np

from museum import _common as mc
from museum.hebbian_pca import __main__ as ex


def test_data_and_metric():
    x, pcs = ex.make_data(np.random.default_rng(0), 500)
    assert x.shape == (500, ex.N_DIM) and pcs.shape == (ex.N_DIM, ex.N_DIM)
    np.testing.assert_allclose(ex.subspace_cosines(pcs[:, :3] * 2.0, pcs[:, :3]), 1.0, atol=1e-6)
    assert ex.subspace_cosines(pcs[:, :1], pcs[:, 1:2])[0] < 1e-6


def test_oja_few_steps():
    ctx = mc.load_exhibit_model(ex.__file__, overrides={"W.shape": [ex.N_DIM, 3], "y.n_units": 3})
    x, _ = ex.make_data(np.random.default_rng(0), 200)
    xs = x.reshape(20, ctx.batch_size, ex.N_DIM)
    w0 = np.asarray(ctx.get("W.weights"))
    rec = ctx.run(["advance", "evolve"], steps=20, record=["W.weights", "y.outputs"], inputs={"x.inputs": xs})
    w = np.asarray(rec["W.weights"])
    assert w.shape == (20, ex.N_DIM, 3) and np.all(np.isfinite(w))
    y = np.asarray(rec["y.outputs"])
    assert y.shape == (20, ctx.batch_size, 3)
    np.testing.assert_allclose(y[0], xs[0] @ w0, rtol=1e-4, atol=1e-5)  # the neuron is linear: y = x W
    assert not np.allclose(w[-1], w0)
