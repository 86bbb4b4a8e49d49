"""SOMSynapse (Kohonen 1982) against a NumPy reference, ngc-learn 3.2.1's trajectory, the map's ordering
and YAML."""

from __future__ import annotations

import pathlib

import numpy as np
import pytest

from components.synapses import SOMSynapse
from contexts import Context, load_model_string
from contexts.errors import ValidationError

NPZ = pathlib.Path(__file__).parents[2] / "references" / "ngclearn" / "plasticity.npz"


def np_som(W0, x, *, nx, ny, eta, sigma0, tau_eta, tau_sigma, ricker=False):
    """Winner by Euclidean distance, Gaussian (or clipped Mexican-hat) neighbourhood on the (i, j) grid at
    the current width; then sigma, eta decay by (1 - 1/tau) and W += eta mean_b h (x - w)."""
    pos = np.array([(i, j) for i in range(nx) for j in range(ny)], float)
    W, sig, a, Ws, bmus = W0.astype(np.float64), sigma0, eta, [], []
    for xb in x:
        d = np.sqrt(((xb[:, :, None] - W[None]) ** 2).sum(1))
        c = d.argmin(1)
        d2 = ((pos[None] - pos[c][:, None]) ** 2).sum(2)
        h = np.exp(-d2 / (2 * sig**2))
        if ricker:
            h = np.maximum(h * (1 - d2 / sig**2), 0)
        sig, a = sig * (1 - 1 / tau_sigma), a * (1 - 1 / tau_eta)
        W = W + a * np.mean(h[:, None, :] * (xb[:, :, None] - W[None]), axis=0)
        Ws.append(W)
        bmus.append(c)
    return np.asarray(Ws), np.asarray(bmus)


def build(batch=1, **params):
    with Context("som", batch_size=batch, seed=1) as ctx:
        W = SOMSynapse("W", **params)
        ctx.command("advance", [W])
        ctx.command("evolve", [W])
    return ctx, W


@pytest.mark.parametrize("neighbourhood", ["gaussian", "ricker"])
def test_matches_numpy_reference(neighbourhood: str) -> None:
    rng = np.random.default_rng(0)
    x = rng.uniform(size=(80, 4, 3)).astype(np.float32)
    ctx, W = build(batch=4, n_inputs=3, n_units_x=5, n_units_y=3, eta=0.4, tau_eta=200.0, tau_sigma=100.0,
                   neighbourhood=neighbourhood)
    W0 = np.asarray(W.weights.value)
    rec = ctx.run(["advance", "evolve"], steps=len(x), inputs={W.inputs: x}, record=[W.weights, W.bmu])
    Ws, bmus = np_som(W0, x, nx=5, ny=3, eta=0.4, sigma0=2.5, tau_eta=200.0, tau_sigma=100.0,
                      ricker=neighbourhood == "ricker")
    np.testing.assert_array_equal(rec[W.bmu], bmus)
    np.testing.assert_allclose(rec[W.weights], Ws, rtol=1e-4, atol=1e-5)
    assert np.abs(Ws[-1] - W0).max() > 0.2
    np.testing.assert_allclose(float(W.sigma_t.value), 2.5 * (1 - 1 / 100) ** 80, rtol=1e-4)


def test_matches_ngclearn_trajectory() -> None:
    ref = np.load(NPZ)
    ctx, W = build(n_inputs=3, n_units_x=4, n_units_y=4, eta=0.5)  # ngc-learn's default schedule
    ctx.clamp(W.weights, ref["som/W0"])
    rec = ctx.run(["advance", "evolve"], steps=len(ref["som/x"]), inputs={W.inputs: ref["som/x"]},
                  record=[W.weights, W.bmu, W.outputs, W.eta_t, W.sigma_t])
    np.testing.assert_array_equal(rec[W.bmu][:, 0], ref["som/bmu"][:, 0, 0])
    np.testing.assert_allclose(rec[W.outputs], ref["som/neighbor_weights"], rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(rec[W.eta_t], ref["som/eta"][:, 0, 0], rtol=1e-5)
    np.testing.assert_allclose(rec[W.sigma_t], ref["som/radius"][:, 0, 0], rtol=1e-5)
    np.testing.assert_allclose(rec[W.weights], ref["som/W"], rtol=1e-4, atol=1e-5)


def test_a_one_dimensional_map_becomes_ordered() -> None:
    # Kohonen's classic result: a chain of units fed uniform scalars ends with monotonic prototypes
    rng = np.random.default_rng(2)
    x = rng.uniform(size=(3000, 1, 1)).astype(np.float32)
    ctx, W = build(n_inputs=1, n_units_x=10, eta=0.3, sigma0=3.0, tau_eta=3000.0, tau_sigma=600.0,
                   weight_init={"dist": "uniform", "low": 0.4, "high": 0.6})
    w0 = np.asarray(W.weights.value)[0]
    assert not (np.all(np.diff(w0) > 0) or np.all(np.diff(w0) < 0))
    ctx.run(["advance", "evolve"], steps=len(x), inputs={W.inputs: x})
    w = np.asarray(W.weights.value)[0]
    assert np.all(np.diff(w) > 0) or np.all(np.diff(w) < 0)
    assert w.max() - w.min() > 0.6  # spread over the input range


def test_validation_and_yaml() -> None:
    with Context("bad"):
        with pytest.raises(ValidationError, match="distance"):
            SOMSynapse("W1", 3, 4, 4, distance="hamming")
        with pytest.raises(ValidationError, match="n_units_x"):
            SOMSynapse("W2", 3, 0)
        with pytest.raises(ValidationError, match="tau_eta"):
            SOMSynapse("W3", 3, 4, tau_eta=0.5)
    ctx = load_model_string("""
name: som_yaml
components:
  W: {type: SOMSynapse, n_inputs: 2, n_units_x: 3, n_units_y: 2, distance: manhattan, neighbourhood: ricker}
commands:
  advance: [W]
clamped: [W.inputs]
""")
    W = ctx.components["W"]
    assert W.shape == (2, 6) and W.sigma0 == 1.5
    x = np.asarray(W.weights.value)[:, 4][None, None]  # unit 4's own prototype: it wins
    ctx.run("advance", steps=1, inputs={W.inputs: x})
    assert int(np.asarray(W.bmu.value)[0]) == 4 and float(np.asarray(W.outputs.value)[0, 4]) == 1.0
