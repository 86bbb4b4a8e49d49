"""VQSynapse (online k-means, LVQ1) against a NumPy reference, clustering and classification checks, YAML."""

from __future__ import annotations

import numpy as np
import pytest

from components.synapses import VQSynapse
from contexts import Context, load_model_string
from contexts.errors import ValidationError


def np_vq(W0, x, y, *, eta, eta_decrement, eta_min, n_labels):
    """Winner by Euclidean distance; w_c += eta mean_b sign (x - w_c), sign = +-1 by class (LVQ1) or +1."""
    W, a, Ws = W0.astype(np.float64), eta, []
    own = np.arange(W.shape[1]) % max(n_labels, 1)
    for k, xb in enumerate(x):
        c = np.sqrt(((xb[:, :, None] - W[None]) ** 2).sum(1)).argmin(1)
        h = np.zeros((len(xb), W.shape[1]))
        h[np.arange(len(xb)), c] = 1.0
        if n_labels:
            h *= np.where(own[c] == y[k].argmax(1), 1.0, -1.0)[:, None]
        W = W + a * np.mean(h[:, None, :] * (xb[:, :, None] - W[None]), axis=0)
        a = max(a - eta_decrement, eta_min)
        Ws.append(W)
    return np.asarray(Ws)


def build(batch, **params):
    with Context("vq", batch_size=batch, seed=6) as ctx:
        W = VQSynapse("W", **params)
        ctx.command("advance", [W])
        ctx.command("evolve", [W])
    return ctx, W


@pytest.mark.parametrize("n_labels", [0, 3])
def test_matches_numpy_reference(n_labels: int) -> None:
    rng = np.random.default_rng(1)
    x = rng.normal(size=(60, 5, 2)).astype(np.float32)
    y = np.eye(3, dtype=np.float32)[rng.integers(0, 3, (60, 5))]
    params = dict(eta=0.3, eta_decrement=0.004, eta_min=0.02, n_labels=n_labels)
    ctx, W = build(5, n_inputs=2, n_units=6, weight_init={"dist": "gaussian", "sigma": 1.0}, **params)
    W0 = np.asarray(W.weights.value)
    feeds = {W.inputs: x, **({W.labels: y} if n_labels else {})}
    rec = ctx.run(["advance", "evolve"], steps=len(x), inputs=feeds, record=[W.weights])
    ref = np_vq(W0, x, y, **params)
    np.testing.assert_allclose(rec[W.weights], ref, rtol=1e-4, atol=1e-5)
    assert np.abs(ref[-1] - W0).max() > 0.2
    assert float(W.eta_t.value) == pytest.approx(max(0.3 - 60 * 0.004, 0.02), rel=1e-5)


def blobs(rng, n, centres, spread=0.15):
    lab = rng.integers(0, len(centres), n)
    return (centres[lab] + spread * rng.normal(size=(n, 2))).astype(np.float32), lab


def test_online_kmeans_finds_the_cluster_centres() -> None:
    rng = np.random.default_rng(3)
    centres = np.array([[0.0, 0.0], [2.0, 0.0], [0.0, 2.0]])
    x, _ = blobs(rng, 2000, centres)
    init = np.array([[0.5, 1.5, 0.4], [0.4, 0.3, 1.5]], np.float32)  # one prototype near each blob
    ctx, W = build(1, n_inputs=2, n_units=3, eta=0.05, weight_init=init)
    ctx.run(["advance", "evolve"], steps=len(x), inputs={W.inputs: x[:, None]})
    np.testing.assert_allclose(np.asarray(W.weights.value).T, centres, atol=0.12)


def test_lvq_classifies_two_overlapping_classes() -> None:
    rng = np.random.default_rng(4)
    centres = np.array([[0.0, 0.0], [1.0, 1.0]])
    x, lab = blobs(rng, 3000, centres, spread=0.35)
    y = np.eye(2, dtype=np.float32)[lab]
    init = np.array([[0.6, 0.4, 0.3, 0.7], [0.4, 0.6, 0.3, 0.7]], np.float32)  # classes 0, 1, 0, 1
    ctx, W = build(1, n_inputs=2, n_units=4, eta=0.05, eta_decrement=1.5e-5, n_labels=2, weight_init=init)
    ctx.run(["advance", "evolve"], steps=len(x), inputs={W.inputs: x[:, None], W.labels: y[:, None]})
    xt, lt = blobs(rng, 1000, centres, spread=0.35)
    rec = ctx.run("advance", steps=len(xt), inputs={W.inputs: xt[:, None]}, record=[W.pred_labels])
    accuracy = np.mean(np.asarray(rec[W.pred_labels])[:, 0].argmax(1) == lt)
    assert accuracy > 0.88  # the Bayes rate of these classes is about 0.92


def test_validation_and_yaml() -> None:
    with Context("bad"):
        with pytest.raises(ValidationError, match="n_labels"):
            VQSynapse("W1", 2, 3, n_labels=-1)
    ctx = load_model_string("""
name: vq_yaml
components:
  W: {type: VQSynapse, n_inputs: 2, n_units: 4, n_labels: 2, distance: manhattan}
commands:
  advance: [W]
clamped: [W.inputs]
""")
    W = ctx.components["W"]
    np.testing.assert_array_equal(np.asarray(W.unit_labels.value), [[1, 0, 1, 0], [0, 1, 0, 1]])
    ctx.run("advance", steps=1, inputs={W.inputs: np.asarray(W.weights.value)[:, 3][None, None]})
    np.testing.assert_array_equal(np.asarray(W.outputs.value), [[0, 0, 0, 1]])
    np.testing.assert_array_equal(np.asarray(W.pred_labels.value), [[0, 1]])
