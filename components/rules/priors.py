"""Priors as the gradient of a penalty. On weights (below): a descent step on it ALWAYS shrinks |W|. On
activities (the end of the file): the leak a prior adds to a rate cell's dynamics.

``prior`` is written as in ngc-learn, a pair ``(name, lmbda)``:

- ``("l2", lmbda)`` (aliases ``"ridge"``, ``"gaussian"``): penalty ``lmbda/2 * W^2``, gradient ``lmbda * W``.
- ``("l1", lmbda)`` (aliases ``"lasso"``, ``"laplacian"``): penalty ``lmbda * |W|``, gradient
  ``lmbda * sign(W)``.
- ``("l1l2", (scale, l1_ratio))`` (alias ``"elastic_net"``): gradient
  ``scale * (l1_ratio * sign(W) + (1 - l1_ratio)/2 * W)``.
- ``None``, ``("constant", 0.)`` or ``("none", ...)``: no prior (gradient 0).

A synapse adds :func:`prior_gradient` to its *descent* direction (``W <- W - eta * (... + grad)``)
independently of any ``sign_value`` flip, so the prior pulls toward zero for Hebbian growth and for
anti-Hebbian descent alike. (ngc-learn adds it before its ``sign_value``, so with ``sign_value=+1``
its "decay" makes ``|W|`` grow; with ``sign_value=-1`` the two agree exactly.)
"""

from __future__ import annotations

from typing import Any

import jax.numpy as jnp

from contexts.errors import ValidationError

ALIASES = {"l1": "l1", "lasso": "l1", "laplacian": "l1",
           "l2": "l2", "ridge": "l2", "gaussian": "l2",
           "l1l2": "l1l2", "elastic_net": "l1l2",
           "constant": None, "none": None}
Prior = tuple  # (kind or None, lmbda or (scale, l1_ratio))


def _number(x: Any, where: str, what: str) -> float:
    try:
        x = float(x)
    except (TypeError, ValueError):
        raise ValidationError(f"{where}: {what} must be a number, got {x!r}") from None
    if not x >= 0.0 or x == float("inf"):
        raise ValidationError(f"{where}: {what} must be a finite number >= 0, got {x!r}")
    return x


def parse_prior(prior: Any, where: str = "prior") -> Prior:
    """Validate and normalise a prior spec to ``(kind, params)`` with ``kind`` in l1/l2/l1l2/None."""
    usage = ("write prior=('l2', 0.01), ('l1', 0.01), ('l1l2', (scale, l1_ratio)) or None")
    if prior is None:
        return None, 0.0
    if not isinstance(prior, (tuple, list)) or len(prior) != 2 or not isinstance(prior[0], str):
        raise ValidationError(f"{where} must be a (name, lmbda) pair; {usage}; got {prior!r}")
    name, lmbda = prior
    if name.lower() not in ALIASES:
        raise ValidationError(f"{where}: unknown prior {name!r}; use one of {', '.join(ALIASES)} ({usage})")
    kind = ALIASES[name.lower()]
    if kind is None:
        return None, 0.0
    if kind == "l1l2":
        if not isinstance(lmbda, (tuple, list)) or len(lmbda) != 2:
            raise ValidationError(f"{where}: the elastic net takes (scale, l1_ratio), e.g. "
                                  f"('l1l2', (0.01, 0.5)); got {lmbda!r}")
        scale, ratio = _number(lmbda[0], where, "scale"), _number(lmbda[1], where, "l1_ratio")
        if ratio > 1.0:
            raise ValidationError(f"{where}: l1_ratio must be in [0, 1], got {ratio}")
        return kind, (scale, ratio)
    return kind, _number(lmbda, where, "lmbda")


def prior_gradient(W: Any, prior: Any) -> Any:
    """Gradient of the penalty at ``W`` (a spec as accepted by :func:`parse_prior`).

    Subtracting ``eta * prior_gradient(W, prior)`` from ``W`` moves every entry toward zero."""
    kind, params = parse_prior(prior)
    if kind is None:
        return jnp.zeros_like(W)
    if kind == "l2":
        return params * W
    if kind == "l1":
        return params * jnp.sign(W)
    scale, ratio = params
    return scale * (ratio * jnp.sign(W) + (1.0 - ratio) / 2.0 * W)


# -- priors on activities (a rate cell's leak) -------------------------------------------------------------
#: ``-d log p(z) / dz`` up to the strength ``gamma``: the leak a prior on a cell's activity ``z`` adds
#: to ``tau dz/dt`` (ngc-learn's RateCell kernels; ``gaussian`` is the ordinary leak ``-gamma z``).
ACTIVITY_PRIORS = {
    "gaussian": lambda z: z,
    "laplacian": jnp.sign,
    "cauchy": lambda z: 2.0 * z / (1.0 + z * z),
    "exp": lambda z: 2.0 * z * jnp.exp(-z * z),
}


def parse_activity_prior(prior: Any, where: str = "prior") -> tuple:
    """Validate ``(name, gamma)`` (name in :data:`ACTIVITY_PRIORS`, ``gamma >= 0``) or None (no leak)."""
    usage = "write prior=('gaussian', 1.0), ('laplacian', 0.1), ('cauchy', 0.1), ('exp', 0.1) or None"
    if prior is None:
        return "gaussian", 0.0
    if not isinstance(prior, (tuple, list)) or len(prior) != 2 or not isinstance(prior[0], str):
        raise ValidationError(f"{where} must be a (name, strength) pair; {usage}; got {prior!r}")
    name = prior[0].lower()
    if name not in ACTIVITY_PRIORS:
        raise ValidationError(f"{where}: unknown prior {prior[0]!r}; use one of {', '.join(ACTIVITY_PRIORS)}")
    return name, _number(prior[1], where, "strength")


def activity_leak(z: Any, prior: Any) -> Any:
    """``gamma * phi(z)``, the leak of the prior ``(name, gamma)`` at activity ``z``."""
    name, gamma = parse_activity_prior(prior)
    return gamma * ACTIVITY_PRIORS[name](z)
