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
- ``nest_gd``: NEST's ``WeightOptimizerGradientDescent``: the gradients of ``batch_size`` calls are
  summed; at every ``batch_size``-th call ``step = lr * sum / batch_size`` (0 at the other calls).
- ``nest_adam``: NEST's ``WeightOptimizerAdam`` (the TensorFlow/Keras form), with the same
  ``batch_size`` accumulation; at the ``k``-th optimisation (``g`` = the batch-mean gradient)::

      m = b1 m + (1-b1) g ;  v = b2 v + (1-b2) g^2
      step = lr * sqrt(1 - b2^k) / (1 - b1^k) * m / (sqrt(v) + eps)

  This differs from ``adam`` only through ``eps``: it equals Kingma-Ba with ``eps`` replaced by
  ``eps / sqrt(1 - b2^k)``, a step-dependent value that no constant ``eps`` can emulate.

Both NEST forms carry NEST's weight limits ``bounds = (w_min, w_max)`` (NEST's ``Wmin``, ``Wmax``,
default -100, 100): the weights after a step are clipped to them (``apply_step``). ``sgd`` and
``adam`` have no limits (``bounds = None``). Every ``update`` is a pure function
``(g, state) -> (step, state)``; the caller subtracts ``step`` and applies the bounds.
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
    bounds: tuple | None = None


def apply_step(opt: Optimizer, weights: Any, step: Any) -> Any:
    """``weights - step``, clipped to the optimiser's ``bounds`` when it has them (NEST's Wmin/Wmax)."""
    w = weights - step
    if opt.bounds is not None:
        w = jnp.clip(w, opt.bounds[0], opt.bounds[1])
    return w


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


def _batched(batch_size: int, shape_spec: dict, step_fn: Callable[[Any, dict, Any], tuple]) -> tuple:
    """NEST's batch accumulation around ``step_fn(g_mean, state, k) -> (step, state)``.

    State: ``acc`` (summed gradient), ``calls`` (calls so far), ``count`` (optimisations so far, k)."""
    if int(batch_size) != batch_size or batch_size < 1:
        raise ValidationError(f"batch_size must be a whole number >= 1, got {batch_size!r}")
    batch_size = int(batch_size)

    def spec(shape: tuple) -> dict:
        return {**{k: (shape if v == "w" else ()) for k, v in shape_spec.items()}, "acc": shape, "calls": (),
                "count": ()}

    def update(g: Any, s: dict) -> tuple:
        acc = s["acc"] + g
        calls = s["calls"] + 1
        if batch_size == 1:
            step, new = step_fn(acc, s, s["count"] + 1)
            return step, {**new, "acc": jnp.zeros_like(acc), "calls": calls, "count": s["count"] + 1}
        due = (calls % batch_size) == 0
        step, new = step_fn(acc / batch_size, s, s["count"] + 1)
        out = {k: jnp.where(due, new[k], s[k]) for k in new}
        out.update({"acc": jnp.where(due, jnp.zeros_like(acc), acc), "calls": calls,
                    "count": jnp.where(due, s["count"] + 1, s["count"])})
        return jnp.where(due, step, jnp.zeros_like(step)), out

    return spec, update


def nest_gd(lr: float = 1e-4, batch_size: int = 1, w_min: float = -100.0, w_max: float = 100.0) -> Optimizer:
    """NEST's gradient descent: ``step = lr * (sum of batch_size gradients) / batch_size`` every
    ``batch_size``-th call; weights clipped to ``[w_min, w_max]``."""
    spec, update = _batched(batch_size, {}, lambda g, s, k: (lr * g, {}))
    return Optimizer("nest_gd", spec, update, (w_min, w_max))


def nest_adam(lr: float = 1e-4, b1: float = 0.9, b2: float = 0.999, eps: float = 1e-8, batch_size: int = 1,
              w_min: float = -100.0, w_max: float = 100.0) -> Optimizer:
    """NEST's Adam: ``step = lr sqrt(1 - b2^k) / (1 - b1^k) * m / (sqrt(v) + eps)`` on the batch-mean
    gradient every ``batch_size``-th call; weights clipped to ``[w_min, w_max]``.

    NEST's own default ``epsilon`` is 1e-7; 1e-8 here is that of its e-prop tutorials and tests."""

    def step_fn(g: Any, s: dict, k: Any) -> tuple:
        m = b1 * s["m"] + (1 - b1) * g
        v = b2 * s["v"] + (1 - b2) * g * g
        alpha = lr * jnp.sqrt(1 - b2 ** k) / (1 - b1 ** k)
        return alpha * m / (jnp.sqrt(v) + eps), {"m": m, "v": v}

    spec, update = _batched(batch_size, {"m": "w", "v": "w"}, step_fn)
    return Optimizer("nest_adam", spec, update, (w_min, w_max))


OPTIMIZERS = {"sgd": sgd, "adam": adam, "nest_gd": nest_gd, "nest_adam": nest_adam}


def make_optimizer(optim_type: str, **kwargs: Any) -> Optimizer:
    if optim_type not in OPTIMIZERS:
        raise ValidationError(f"optim_type must be one of {', '.join(OPTIMIZERS)}, got {optim_type!r}")
    return OPTIMIZERS[optim_type](**kwargs)
