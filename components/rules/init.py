"""Weight initialisation from a spec dict, as written in Python or YAML.

    {"dist": "uniform", "low": 0.0, "high": 0.3}
    {"dist": "gaussian", "mu": 0.0, "sigma": 0.1}      # also "normal", with "mean"/"std"
    {"dist": "constant", "value": 0.5}
    {"dist": "fan_in_gaussian"}                       # N(0, 1) / sqrt(n_in), as in e-prop
    {"dist": "fan_in_uniform"}                        # U(-1, 1) / sqrt(n_in)
    {"dist": "glorot_uniform"}                        # U(-a, a), a = sqrt(6 / (n_in + n_out))

Any spec also takes ``"scale"`` (multiplies the result) and ``"zero_diagonal": true``.
"""

from __future__ import annotations

from typing import Any, Callable

import jax
import jax.numpy as jnp

from contexts.errors import ValidationError

DISTS = ("uniform", "gaussian", "normal", "constant", "fan_in_gaussian", "fan_in_uniform", "glorot_uniform")


def _draw(spec: dict, key: jax.Array, shape: tuple, dtype: Any) -> jax.Array:
    dist = spec.get("dist", "uniform")
    n_in = shape[0] if shape else 1
    if dist == "uniform":
        return jax.random.uniform(key, shape, dtype, spec.get("low", 0.0), spec.get("high", 1.0))
    if dist in ("gaussian", "normal"):
        mu = spec.get("mu", spec.get("mean", 0.0))
        sigma = spec.get("sigma", spec.get("std", 1.0))
        return mu + sigma * jax.random.normal(key, shape, dtype)
    if dist == "constant":
        return jnp.full(shape, spec.get("value", 0.0), dtype)
    if dist == "fan_in_gaussian":
        return jax.random.normal(key, shape, dtype) / jnp.sqrt(jnp.asarray(n_in, dtype))
    if dist == "fan_in_uniform":
        return jax.random.uniform(key, shape, dtype, -1.0, 1.0) / jnp.sqrt(jnp.asarray(n_in, dtype))
    if dist == "glorot_uniform":
        limit = (6.0 / (shape[0] + shape[-1])) ** 0.5
        return jax.random.uniform(key, shape, dtype, -limit, limit)
    raise ValidationError(f"unknown weight_init dist {dist!r}; use one of {', '.join(DISTS)}")


def check_spec(spec: Any, where: str = "weight_init") -> dict:
    if not isinstance(spec, dict) or spec.get("dist", "uniform") not in DISTS:
        raise ValidationError(f"{where} must be a dict such as {{'dist': 'uniform', 'low': 0, 'high': 0.3}} "
                              f"with dist one of {', '.join(DISTS)}; got {spec!r}")
    return spec


def initializer(spec: dict, where: str = "weight_init") -> Callable[[jax.Array, tuple, Any], jax.Array]:
    """``init(key, shape, dtype) -> array`` for a spec dict."""
    spec = check_spec(spec, where)

    def init(key: jax.Array, shape: tuple, dtype: Any) -> jax.Array:
        w = _draw(spec, key, shape, dtype) * spec.get("scale", 1.0)
        if spec.get("zero_diagonal", False):
            w = w * (1.0 - jnp.eye(shape[0], shape[1], dtype=dtype))
        return w

    return init


def connectivity(p_conn: float) -> Callable[[jax.Array, tuple, Any], jax.Array]:
    """A 0/1 mask with each connection present with probability ``p_conn``."""

    def init(key: jax.Array, shape: tuple, dtype: Any) -> jax.Array:
        if p_conn >= 1.0:
            return jnp.ones(shape, dtype)
        return jax.random.bernoulli(key, p_conn, shape).astype(dtype)

    return init
