"""REINFORCESynapse (Williams 1992) against a NumPy reference, its expected update against the reward
gradient, a learning check and YAML."""

from __future__ import annotations

import numpy as np
import pytest

from components.synapses import REINFORCESynapse
from contexts import Context, load_model_string
from contexts.errors import ValidationError

T, B, N_IN, N_OUT = 60, 3, 4, 2


def build(batch=B, shape=(N_IN, N_OUT), **params):
    with Context("reinforce", batch_size=batch, seed=8) as ctx:
        W = REINFORCESynapse("W", shape, **params)
        ctx.command("advance", [W])
        ctx.command("evolve", [W])
    return ctx, W


def np_reinforce(W0, b0, x, y, r, *, unit, eta, sigma, baseline_rate):
    """Williams (1992): mean from this step's W, b; e = y - p or (y - mu)/sigma^2; dW = eta x^T ((r - rbar) e)."""
    W, b, rbar = W0.astype(np.float64), b0.astype(np.float64), 0.0
    means, Ws = [], []
    for k in range(len(x)):
        a = x[k] @ W + b
        mean = 1 / (1 + np.exp(-a)) if unit == "bernoulli" else a
        e = (y[k] - mean) if unit == "bernoulli" else (y[k] - mean) / sigma**2
        g = (r[k] - rbar)[:, None] * e
        W, b = W + eta * x[k].T @ g, b + eta * g.sum(0)
        rbar += baseline_rate * (r[k].mean() - rbar)
        means.append(mean)
        Ws.append(W)
    return np.asarray(means), np.asarray(Ws)


@pytest.mark.parametrize("unit", ["bernoulli", "gaussian"])
def test_matches_numpy_reference(unit: str) -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(T, B, N_IN)).astype(np.float32)
    r = rng.normal(size=(T, B)).astype(np.float32)
    params = dict(unit=unit, eta=0.05, sigma=0.7, baseline_rate=0.1)
    ctx, W = build(weight_init={"dist": "gaussian", "sigma": 0.5}, bias_init={"dist": "constant", "value": 0.1},
                   **params)
    W0, b0 = np.asarray(W.weights.value), np.asarray(W.biases.value)
    rec = ctx.run(["advance", "evolve"], steps=T, inputs={W.inputs: x, W.rewards: r},
                  record=[W.outputs, W.mean, W.weights])
    y = np.asarray(rec[W.outputs])
    means, Ws = np_reinforce(W0, b0, x, y, r, **params)
    np.testing.assert_allclose(rec[W.mean], means, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(rec[W.weights], Ws, rtol=1e-4, atol=1e-5)
    assert np.abs(Ws[-1] - W0).max() > 0.1
    if unit == "bernoulli":
        assert set(np.unique(y)) == {0.0, 1.0}
    else:  # samples scatter around the mean with the unit's sigma
        assert np.std(y - means) == pytest.approx(0.7, rel=0.15)


@pytest.mark.parametrize("unit", ["bernoulli", "gaussian"])
def test_expected_update_is_the_reward_gradient(unit: str) -> None:
    # reward r = y: dE[r]/da = p (1 - p) (bernoulli) or 1 (gaussian); E[dW_i] = eta x_i dE[r]/da
    batch, x = 20000, np.array([[1.0, -0.5]], np.float32)
    ctx, W = build(batch=batch, shape=(2, 1), unit=unit, eta=1.0, sigma=0.5,
                   weight_init=np.array([[0.3], [0.4]], np.float32))
    ctx.clamp(W.inputs, np.repeat(x, batch, axis=0))
    ctx.run("advance")
    y = np.asarray(W.outputs.value)[:, 0]
    ctx.run("evolve", inputs={W.rewards: y[None]})
    p = 1 / (1 + np.exp(-(0.3 - 0.2)))
    slope = p * (1 - p) if unit == "bernoulli" else 1.0
    np.testing.assert_allclose(np.asarray(W.dWeights.value)[:, 0] / batch, x[0] * slope, rtol=0.08)


def test_bernoulli_units_learn_a_context_dependent_choice() -> None:
    # spike in context A, stay silent in context B: reward +1 for the right choice, -1 otherwise
    batch = 32
    ctx, W = build(batch=batch, shape=(2, 1), eta=0.05, baseline_rate=0.1,
                   weight_init={"dist": "constant", "value": 0.0})
    rng = np.random.default_rng(5)
    for _ in range(150):
        ctx_a = rng.random(batch) < 0.5
        x = np.stack([ctx_a, ~ctx_a], axis=1).astype(np.float32)
        ctx.clamp(W.inputs, x)
        ctx.run("advance")
        y = np.asarray(W.outputs.value)[:, 0]
        ctx.run("evolve", inputs={W.rewards: np.where((y > 0) == ctx_a, 1.0, -1.0)[None].astype(np.float32)})
    w = np.asarray(W.weights.value)[:, 0] + np.asarray(W.biases.value)
    assert 1 / (1 + np.exp(-w[0])) > 0.9 and 1 / (1 + np.exp(-w[1])) < 0.1


def test_validation_and_yaml() -> None:
    with Context("bad"):
        with pytest.raises(ValidationError, match="unit"):
            REINFORCESynapse("W1", (2, 3), unit="poisson")
        with pytest.raises(ValidationError, match="baseline_rate"):
            REINFORCESynapse("W2", (2, 3), baseline_rate=2.0)
    ctx = load_model_string("""
name: reinforce_yaml
components:
  W: {type: REINFORCESynapse, shape: [3, 2], unit: gaussian, sigma: 0.5, eta: 0.1}
commands:
  advance: [W]
clamped: [W.inputs]
""")
    W = ctx.components["W"]
    assert W.unit == "gaussian" and W.sigma == 0.5
    ctx.run("advance", steps=1, inputs={W.inputs: np.ones((1, 1, 3), np.float32)})
    np.testing.assert_allclose(np.asarray(W.mean.value), np.asarray(W.weights.value).sum(0)[None], rtol=1e-5)
