"""Weight initialisation from a spec, as written in Python or YAML.

    {"dist": "uniform", "low": 0.0, "high": 0.3}
    {"dist": "gaussian", "mu": 0.0, "sigma": 0.1}      # also "normal", with "mean"/"std"
    {"dist": "constant", "value": 0.5}
    {"dist": "fan_in_gaussian"}                       # N(0, 1) / sqrt(n_in), as in e-prop
    {"dist": "fan_in_uniform"}                        # U(-1, 1) / sqrt(n_in)
    {"dist": "glorot_uniform"}                        # U(-a, a), a = sqrt(6 / (n_in + n_out))
    {"dist": "identity", "value": 1.0}                # one-to-one: W[i, i] = value, 0 elsewhere
    "identity"                                        # a bare name: the dist with its defaults
    numpy.ndarray / jax.Array of shape (n_in, n_out)  # explicit weights, used as given

Any dict spec also takes ``"scale"`` (multiplies the result) and ``"zero_diagonal": true``.
``identity`` on a rectangular ``(n_in, n_out)`` matrix connects unit ``i`` to unit ``i`` for
``i < min(n_in, n_out)``. Every number in a spec must be finite; unknown keys are refused.
"""

from __future__ import annotations

from typing import Any, Callable

import jax
import jax.numpy as jnp
import numpy as np

from contexts.params import LIMIT, ParameterError, ParameterTypeError, closest, describe, number

#: dist -> the keys it reads besides "dist", "scale" and "zero_diagonal"
DISTS: dict[str, tuple[str, ...]] = {
    "uniform": ("low", "high"), "gaussian": ("mu", "mean", "sigma", "std"), "normal": ("mu", "mean", "sigma", "std"),
    "constant": ("value",), "fan_in_gaussian": (), "fan_in_uniform": (), "glorot_uniform": (), "identity": ("value",),
}
_COMMON = ("dist", "scale", "zero_diagonal")
_NONNEGATIVE = ("sigma", "std")
Spec = Any  # a dict spec, a dist name, or an array of weights


def _is_array(value: Any) -> bool:
    return isinstance(value, np.ndarray) or hasattr(value, "__jax_array__") or type(value).__name__ == "ArrayImpl"


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
    if dist == "identity":
        return spec.get("value", 1.0) * jnp.eye(shape[0], shape[-1], dtype=dtype)
    if dist == "fan_in_gaussian":
        return jax.random.normal(key, shape, dtype) / jnp.sqrt(jnp.asarray(n_in, dtype))
    if dist == "fan_in_uniform":
        return jax.random.uniform(key, shape, dtype, -1.0, 1.0) / jnp.sqrt(jnp.asarray(n_in, dtype))
    if dist == "glorot_uniform":
        limit = (6.0 / (shape[0] + shape[-1])) ** 0.5
        return jax.random.uniform(key, shape, dtype, -limit, limit)
    raise ParameterError(f"unknown weight_init dist {dist!r}; use one of {', '.join(DISTS)}")


def check_spec(spec: Any, where: str = "weight_init", shape: tuple | None = None) -> Spec:
    """Validate a weight spec; returns it normalised (a name becomes ``{"dist": name}``, an array a
    float numpy array). ``shape``: the ``(n_in, n_out)`` an explicit array must have."""
    example = "{'dist': 'uniform', 'low': 0, 'high': 0.3}, 'identity' or an (n_in, n_out) array"
    if _is_array(spec) or (isinstance(spec, (list, tuple)) and spec and isinstance(spec[0], (list, tuple))):
        try:
            w = np.asarray(spec, dtype=np.float64)
        except (TypeError, ValueError):
            raise ParameterTypeError(f"{where} must be {example}; got {describe(spec)} that is not numeric") from None
        if shape is not None and w.shape != tuple(shape):
            dims = "(n_in, n_out)" if len(tuple(shape)) == 2 else "(n_out,)"
            raise ParameterError(f"{where}: explicit values must have the shape {tuple(shape)} {dims}, "
                                 f"got shape {w.shape}")
        if not np.all(np.isfinite(w)) or np.any(np.abs(w) > LIMIT):
            raise ParameterError(f"{where}: explicit weights must be finite numbers of magnitude <= {LIMIT:g}")
        return w
    if isinstance(spec, str):
        spec = {"dist": spec}
    if not isinstance(spec, dict):
        raise ParameterTypeError(f"{where} must be {example}; got {describe(spec)}")
    dist = spec.get("dist", "uniform")
    if dist not in DISTS:
        raise ParameterError(f"{where}: unknown dist {dist!r}.{closest(str(dist), DISTS)} "
                             f"Use one of {', '.join(DISTS)}")
    out: dict[str, Any] = {"dist": dist}
    for k, v in spec.items():
        if k == "dist":
            continue
        if k not in _COMMON + DISTS[dist]:
            raise ParameterError(f"{where}: dist {dist!r} takes no key {k!r}.{closest(str(k), _COMMON + DISTS[dist])} "
                                 f"Its keys: {', '.join(_COMMON + DISTS[dist])}")
        if k == "zero_diagonal":
            if not isinstance(v, bool):
                raise ParameterTypeError(f"{where}.zero_diagonal must be true or false, got {describe(v)}")
            out[k] = v
            continue
        out[k] = number(v, f"{where}: {k}")
        if k in _NONNEGATIVE and out[k] < 0:
            raise ParameterError(f"{where}: {k} must be >= 0 (a standard deviation), got {out[k]}")
    low, high = out.get("low", 0.0), out.get("high", 1.0)
    if low > high:
        raise ParameterError(f"{where}: low must be <= high, got low={low}, high={high}")
    return out


def initializer(spec: Spec, where: str = "weight_init",
                shape: tuple | None = None) -> Callable[[jax.Array, tuple, Any], jax.Array]:
    """``init(key, shape, dtype) -> array`` for a spec (see the module docstring)."""
    spec = check_spec(spec, where, shape)
    if isinstance(spec, np.ndarray):
        fixed = spec

        def given(key: jax.Array, shp: tuple, dtype: Any) -> jax.Array:
            return jnp.asarray(fixed, dtype)

        return given

    def init(key: jax.Array, shp: tuple, dtype: Any) -> jax.Array:
        w = _draw(spec, key, shp, dtype) * spec.get("scale", 1.0)
        if spec.get("zero_diagonal", False):
            w = w * (1.0 - jnp.eye(shp[0], shp[1], dtype=dtype))
        return w

    return init


#: folded into the weights' key for the mask, so that which connections exist is independent of their weights
MASK_STREAM = 0x6D61736B


def connectivity(p_conn: float) -> Callable[[jax.Array, tuple, Any], jax.Array]:
    """A 0/1 mask with each connection present with probability ``p_conn``, drawn from its own stream
    of ``key`` (the weights' key may be passed: which connections exist does not depend on the weights).
    Other rules (fixed in-degree, distance, ...): :mod:`components.rules.connectivity`."""

    def init(key: jax.Array, shape: tuple, dtype: Any) -> jax.Array:
        if p_conn >= 1.0:
            return jnp.ones(shape, dtype)
        return jax.random.bernoulli(jax.random.fold_in(key, MASK_STREAM), p_conn, shape).astype(dtype)

    return init
