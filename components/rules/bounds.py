"""Weight bounding shared by every plastic synapse: soft bound, clipping, nonnegativity, decay.

All functions are pure and take the bound parameters as Python numbers (component parameters):

- soft bound (ngc-learn's ``w_bound``):  ``dW <- dW * (w_bound - |W|)`` when ``w_bound > 0``;
  the update shrinks to zero as ``|W|`` approaches ``w_bound``.
- hard bounds: ``W`` clipped to ``[-w_bound, w_bound]`` (``[0, w_bound]`` when nonnegative) when
  ``w_bound > 0``; with ``w_bound = 0`` only nonnegativity (``W >= 0``) is enforced, if asked.
- weight decay: the term ``-w_decay * W`` added to an update.
"""

from __future__ import annotations

from typing import Any

import jax.numpy as jnp

from contexts.params import nonnegative


def check_bound(value: Any, where: str, fix: str = "use 0 to disable it") -> float:
    """Validate a nonnegative scalar such as ``w_bound`` or ``w_decay``; returns it as a float."""
    return nonnegative(fix=fix)(value, where)


def soft_bound(dW: Any, W: Any, w_bound: float) -> Any:
    """``dW * (w_bound - |W|)`` when ``w_bound > 0``, else ``dW`` unchanged."""
    if w_bound > 0.0:
        return dW * (w_bound - jnp.abs(W))
    return dW


def clip_range(w_bound: float, is_nonnegative: bool) -> tuple[float | None, float | None]:
    """``(low, high)`` for :func:`clip_weights` (``None`` means unbounded on that side)."""
    high = w_bound if w_bound > 0.0 else None
    if is_nonnegative:
        return 0.0, high
    return (-w_bound if w_bound > 0.0 else None), high


def clip_weights(W: Any, w_bound: float, is_nonnegative: bool = False) -> Any:
    """Clip to ``[0 or -w_bound, w_bound]``; with ``w_bound = 0`` only ``W >= 0`` if nonnegative."""
    low, high = clip_range(w_bound, is_nonnegative)
    if low is None and high is None:
        return W
    return jnp.clip(W, low, high)


def weight_decay(W: Any, w_decay: float) -> Any:
    """The decay term ``-w_decay * W`` (add it to an ascent update)."""
    return -w_decay * W
