"""HopfieldSynapse (Hopfield 1982): Hebbian storage and recall against NumPy, energy descent, recall of
corrupted patterns, YAML."""

from __future__ import annotations

import numpy as np
import pytest

from components.synapses import HopfieldSynapse
from contexts import Context, load_model_string
from contexts.errors import ValidationError

N, P = 64, 4


def np_recall(W, s, steps, mode):
    """Asynchronous sweeps in index order (sign, keeping s_i on a 0 field) or synchronous updates."""
    out, energies = [], []
    for _ in range(steps):
        if mode == "sync":
            h = s @ W
            s = np.where(h > 0, 1.0, np.where(h < 0, -1.0, s))
        else:
            s = s.copy()
            for i in range(W.shape[0]):
                h = s @ W[:, i]
                s[:, i] = np.where(h > 0, 1.0, np.where(h < 0, -1.0, s[:, i]))
        out.append(s)
        energies.append(-0.5 * np.einsum("bi,ij,bj->b", s, W, s))
    return np.asarray(out), np.asarray(energies)


def stored(mode="async", batch=P):
    rng = np.random.default_rng(0)
    xi = rng.choice([-1.0, 1.0], size=(P, N)).astype(np.float32)
    with Context("hopfield", batch_size=batch, seed=0) as ctx:
        H = HopfieldSynapse("H", N, mode=mode)
        for name in ("load", "advance", "evolve"):
            ctx.command(name, [H])
    ctx.clamp(H.inputs, xi)
    ctx.run("evolve")
    return ctx, H, xi, rng


@pytest.mark.parametrize("mode", ["async", "sync"])
def test_storage_and_recall_match_numpy(mode: str) -> None:
    ctx, H, xi, rng = stored(mode)
    W = (xi.T @ xi) / N
    np.fill_diagonal(W, 0.0)
    np.testing.assert_allclose(np.asarray(H.weights.value), W, rtol=1e-6, atol=1e-7)
    probes = xi * np.where(rng.random(xi.shape) < 0.2, -1.0, 1.0).astype(np.float32)
    ctx.clamp(H.inputs, probes)
    ctx.run("load")
    rec = ctx.run("advance", steps=5, record=[H.outputs, H.energy])
    ref, energies = np_recall(W.astype(np.float64), probes.astype(np.float64), 5, mode)
    np.testing.assert_array_equal(rec[H.outputs], ref)
    np.testing.assert_allclose(rec[H.energy], energies, rtol=1e-5, atol=1e-5)


def test_async_recall_descends_the_energy_and_restores_the_patterns() -> None:
    ctx, H, xi, rng = stored("async")
    flips = np.where(rng.random(xi.shape) < 0.15, -1.0, 1.0).astype(np.float32)
    ctx.clamp(H.inputs, xi * flips)
    ctx.run("load")
    e0 = np.asarray(H.energy.value).copy()
    rec = ctx.run("advance", steps=4, record=[H.outputs, H.energy])
    e = np.concatenate([e0[None], np.asarray(rec[H.energy])])
    assert np.all(np.diff(e, axis=0) <= 1e-5)  # never rises
    assert np.all(e[-1] < e[0] - 1.0)
    overlap = np.mean(np.asarray(rec[H.outputs])[-1] * xi, axis=1)
    np.testing.assert_array_equal(overlap, 1.0)  # every pattern recalled exactly from 15% noise
    # each stored pattern is a fixed point
    ctx.clamp(H.inputs, xi)
    ctx.run("load")
    ctx.run("advance")
    np.testing.assert_array_equal(np.asarray(H.outputs.value), xi)


def test_validation_and_yaml() -> None:
    with Context("bad"):
        with pytest.raises(ValidationError, match="mode"):
            HopfieldSynapse("H1", 4, mode="parallel")
    ctx = load_model_string("""
name: hopfield_yaml
components:
  H: {type: HopfieldSynapse, n_units: 4, mode: sync}
commands:
  evolve: [H]
  load: [H]
  advance: [H]
clamped: [H.inputs]
""")
    H = ctx.components["H"]
    pattern = np.array([[1.0, -1.0, 1.0, -1.0]], np.float32)
    ctx.run("evolve", inputs={H.inputs: pattern[None]})
    ctx.run(["load", "advance"], inputs={H.inputs: np.array([[[1.0, 1.0, 1.0, -1.0]]], np.float32)})
    np.testing.assert_array_equal(np.asarray(H.outputs.value), pattern)
