"""Activation functions ``f`` with the derivative ``f'`` that graded cells use as their modulator,
and the iterative thresholds (shrinkage operators) of sparse rate dynamics.

Each entry of :data:`ACTIVATIONS` is ``(f, df)``. The derivatives follow ngc-learn 3.2.1's
conventions where a kink has to be decided: ``relu'(0) = 1`` (``x >= 0``), ``relu6'`` is 1 on
``[0, 6]``, ``lrelu`` has slope 0.01 below 0, ``elu`` has ``alpha = 1``; ``heaviside`` and
``unit_threshold`` (``x >= 0``, ``x >= 1``) pass the gradient straight through (``f' = 1``).

Thresholds (applied to a state after each step):

    soft_threshold(x, lmbda)   = max(x - lmbda, 0) - max(-x - lmbda, 0)       (the L1 proximal step)
    cauchy_threshold(x, lmbda) = (x + sqrt(max(x^2 - lmbda, 0))) / 2   for x >= lmbda
                                 (x - sqrt(max(x^2 - lmbda, 0))) / 2   for x <= -lmbda,   0 between
"""

from __future__ import annotations

from typing import Any, Callable

import jax
import jax.numpy as jnp


def _step(x: Any, at: float) -> Any:
    return (x >= at).astype(jnp.result_type(x))


ACTIVATIONS: dict[str, tuple[Callable[[Any], Any], Callable[[Any], Any]]] = {
    "identity": (lambda x: x, lambda x: jnp.ones_like(x)),
    "relu": (jax.nn.relu, lambda x: _step(x, 0.0)),
    "lrelu": (lambda x: jnp.where(x >= 0, x, 0.01 * x), lambda x: jnp.where(x >= 0, 1.0, 0.01).astype(x.dtype)),
    "relu6": (lambda x: jnp.clip(x, 0.0, 6.0), lambda x: _step(x, 0.0) * _step(-x, -6.0)),
    "sigmoid": (jax.nn.sigmoid, lambda x: jax.nn.sigmoid(x) * (1.0 - jax.nn.sigmoid(x))),
    "tanh": (jnp.tanh, lambda x: 1.0 - jnp.tanh(x) ** 2),
    "softplus": (jax.nn.softplus, jax.nn.sigmoid),
    "elu": (lambda x: jnp.where(x >= 0, x, jnp.expm1(jnp.minimum(x, 0.0))),
            lambda x: jnp.where(x >= 0, 1.0, jnp.exp(jnp.minimum(x, 0.0))).astype(x.dtype)),
    "heaviside": (lambda x: _step(x, 0.0), lambda x: jnp.ones_like(x)),
    "unit_threshold": (lambda x: _step(x, 1.0), lambda x: jnp.ones_like(x)),
}


def soft_threshold(x: Any, lmbda: Any) -> Any:
    """Shrink toward 0 by ``lmbda`` (0 inside ``[-lmbda, lmbda]``)."""
    return jnp.maximum(x - lmbda, 0.0) - jnp.maximum(-x - lmbda, 0.0)


def cauchy_threshold(x: Any, lmbda: Any) -> Any:
    """The thresholding of a Cauchy prior (see the module docstring)."""
    inner = jnp.sqrt(jnp.maximum(x * x - lmbda, 0.0))
    return 0.5 * (x + inner) * (x >= lmbda) + 0.5 * (x - inner) * (x <= -lmbda)


THRESHOLDS: dict[str, Callable[[Any, Any], Any]] = {"soft_threshold": soft_threshold,
                                                     "cauchy_threshold": cauchy_threshold}
