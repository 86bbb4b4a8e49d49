"""Optimisers as pure (state spec, update) pairs, so their state lives in compartments.

An optimiser turns a gradient-like update ``g`` into a step to *add* to the weights::

    opt = make_optimizer("adam", lr=5e-3)
    specs = opt.state_spec(W.shape)          # {"m": shape, "v": shape, "count": ()}
    step, new_opt_state = opt.update(g, opt_state)
    W = W - step                            # descent on g

- ``sgd``: ``step = lr * g``.
- ``adam`` (Kingma & Ba 2015): ``m = b1 m + (1-b1) g``, ``v = b2 v + (1-b2) g^2``,
  ``step = lr * m_hat / (sqrt(v_hat) + eps)`` with bias-corrected ``m_hat = m / (1-b1^k)``,
  ``v_hat = v / (1-b2^k)`` at update count ``k``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import jax.numpy as jnp

from contexts.errors import ValidationError


@dataclass(frozen=True)
class Optimizer:
    name: str
    state_spec: Callable[[tuple], dict]
    update: Callable[[Any, dict], tuple]


def sgd(lr: float = 1e-3) -> Optimizer:
    return Optimizer("sgd", lambda shape: {}, lambda g, s: (lr * g, {}))


def adam(lr: float = 1e-3, b1: float = 0.9, b2: float = 0.999, eps: float = 1e-8) -> Optimizer:
    def spec(shape: tuple) -> dict:
        return {"m": shape, "v": shape, "count": ()}

    def update(g: Any, s: dict) -> tuple:
        count = s["count"] + 1
        m = b1 * s["m"] + (1 - b1) * g
        v = b2 * s["v"] + (1 - b2) * g * g
        m_hat = m / (1 - b1 ** count)
        v_hat = v / (1 - b2 ** count)
        return lr * m_hat / (jnp.sqrt(v_hat) + eps), {"m": m, "v": v, "count": count}

    return Optimizer("adam", spec, update)


OPTIMIZERS = {"sgd": sgd, "adam": adam}


def make_optimizer(optim_type: str, **kwargs: Any) -> Optimizer:
    if optim_type not in OPTIMIZERS:
        raise ValidationError(f"optim_type must be one of {', '.join(OPTIMIZERS)}, got {optim_type!r}")
    return OPTIMIZERS[optim_type](**kwargs)
