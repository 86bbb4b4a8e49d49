"""REINFORCE for stochastic units (Williams 1992) as pure functions of batched arrays.

Williams (1992), "Simple statistical gradient-following algorithms for connectionist reinforcement
learning", Mach. Learn. 8:229. A unit draws its output ``y`` from a distribution with parameter
``theta(a)``, ``a = x W + b``; after a reward ``r`` every weight moves along the score
(characteristic eligibility) ``e = d ln P(y) / d a`` (eq. 6 with ``alpha (r - b)``)::

    dW = alpha (r - rbar) x^T e,      db = alpha (r - rbar) e

whose expectation is the gradient of the expected reward, ``E[dW] = alpha dE[r]/dW`` (Theorem 1).

- Bernoulli-logistic unit (a spike with probability ``p = sigmoid(a)``): ``e = y - p``.
- Gaussian unit of fixed standard deviation ``sigma`` (mean ``mu = a``): ``e = (y - mu) / sigma^2``.

``rbar`` is the reinforcement baseline (Williams' "reinforcement comparison"), here a running mean
of the reward, ``rbar <- rbar + baseline_rate (mean_batch(r) - rbar)``.
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp

UNITS = ("bernoulli", "gaussian")


def unit_mean(a: Any, unit: str) -> Any:
    """The unit's mean output: ``sigmoid(a)`` (spike probability) or ``a`` (Gaussian mean)."""
    return jax.nn.sigmoid(a) if unit == "bernoulli" else a


def sample_unit(key: Any, mean: Any, unit: str, sigma: float) -> Any:
    """``y ~ Bernoulli(mean)`` (0/1) or ``y ~ N(mean, sigma^2)``."""
    if unit == "bernoulli":
        return (jax.random.uniform(key, mean.shape, mean.dtype) < mean).astype(mean.dtype)
    return mean + sigma * jax.random.normal(key, mean.shape, mean.dtype)


def score(y: Any, mean: Any, unit: str, sigma: float) -> Any:
    """Characteristic eligibility ``d ln P(y) / d a``: ``y - p`` or ``(y - mu) / sigma^2``."""
    return y - mean if unit == "bernoulli" else (y - mean) / sigma**2


def reinforce_update(x: Any, y: Any, mean: Any, advantage: Any, *, unit: str, sigma: float = 1.0) -> tuple:
    """``(dW, db)`` before the learning rate: ``x^T (adv * e)`` and ``sum_batch(adv * e)``.

    ``advantage`` is ``r - rbar`` per sample, shape ``(batch,)``."""
    g = advantage[:, None] * score(y, mean, unit, sigma)
    return jnp.matmul(x.T, g), jnp.sum(g, axis=0)
