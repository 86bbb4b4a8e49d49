"""Two-factor Hebbian rules as pure functions of batched arrays (weights stored ``[pre, post]``).

- :func:`hebbian_update` (Hebb 1949; ngc-learn's two-factor rule):
  ``H = (pre_wght * pre)^T (post_wght * post)``, shape ``(n_in, n_out)``, summed over the batch.
- :func:`oja_update` (Oja 1982, "A simplified neuron model as a principal component analyzer",
  J. Math. Biol. 15:267-273): ``dW = y (x - W y)`` summed over the batch, with ``x = pre_wght*pre``,
  ``y = post_wght*post``. For one output neuron this is Oja's rule, whose stable fixed point is the
  unit-norm first principal component of ``x`` (when ``y = x . w``); for several outputs it is
  Oja's subspace rule (Oja 1989), ``dW = (x - y W^T)^T y``.
- :func:`bias_update`: ``db = sum_batch(post_wght * post)``.

These are ascent directions (growth for correlated pre/post); the caller applies sign, bounds,
priors and the learning rate. ``pre`` is ``(batch, n_in)``, ``post`` is ``(batch, n_out)``.
"""

from __future__ import annotations

from typing import Any

import jax.numpy as jnp

from .fusion import computed_once


def hebbian_update(pre: Any, post: Any, pre_wght: float = 1.0, post_wght: float = 1.0) -> Any:
    """``(pre_wght*pre)^T @ (post_wght*post)``: the Hebbian outer product summed over the batch.

    Args:
        pre: ``(batch, n_in)`` presynaptic values (rates, spikes or traces).
        post: ``(batch, n_out)`` postsynaptic values.
        pre_wght, post_wght: scalar weighting factors (ngc-learn's ``q_pre``, ``q_post``).
    Returns:
        ``(n_in, n_out)`` update, ascent direction.
    """
    x, y = computed_once((pre_wght * pre, post_wght * post), pre.shape[-1] * post.shape[-1])
    return jnp.matmul(x.T, y)


def oja_update(pre: Any, post: Any, W: Any, pre_wght: float = 1.0, post_wght: float = 1.0) -> Any:
    """Oja's rule ``sum_b y_b (x_b - W y_b)``, shape ``(n_in, n_out)``; ``W`` is ``(n_in, n_out)``."""
    x = pre_wght * pre
    y = post_wght * post
    return jnp.matmul((x - jnp.matmul(y, W.T)).T, y)


def bias_update(post: Any, post_wght: float = 1.0) -> Any:
    """``sum_batch(post_wght * post)``: the Hebbian change of the biases, shape ``(n_out,)``."""
    return jnp.sum(post_wght * post, axis=0)
