"""BCM (Bienenstock, Cooper & Munro 1982, J. Neurosci. 2:32-48) as pure functions.

Continuous form, with ``x`` presynaptic (``pre``) and ``y`` postsynaptic (``post``)::

    tau_w     dW_ij/dt    = -w_decay W_ij + x_i * y_j (y_j - theta_j) / theta_j
    tau_theta dtheta_j/dt = -theta_j + <y_j^2>_batch

(weights stored ``[pre, post]``; ngc-learn writes the same with ``i``/``j`` swapped). Discretely
(forward Euler, as ngc-learn): ``phi = y (y - theta) / (theta + eps)``, ``dW = x^T phi`` summed
over the batch, ``theta <- theta + (mean_batch(y^2) - theta) dt / tau_theta``.
"""

from __future__ import annotations

from typing import Any

import jax.numpy as jnp

from .fusion import computed_once

EPS = 1e-7  # as ngc-learn: guards the division by theta


def bcm_phi(post: Any, theta: Any, eps: float = EPS) -> Any:
    """``phi(y, theta) = y (y - theta) / (theta + eps)``, shape of ``post`` (``theta`` broadcasts)."""
    return post * (post - theta) / (theta + eps)


def bcm_update(pre: Any, post: Any, theta: Any, eps: float = EPS) -> Any:
    """``pre^T phi(post, theta)``: the BCM term summed over the batch, shape ``(n_in, n_out)``."""
    x, y = computed_once((pre, bcm_phi(post, theta, eps)), pre.shape[-1] * post.shape[-1])
    return jnp.matmul(x.T, y)


def theta_target(post: Any) -> Any:
    """``<y^2>_batch``: the batch mean of the squared postsynaptic activity, shape ``(n_out,)``."""
    return jnp.mean(jnp.square(post), axis=0)


def theta_step(theta: Any, post: Any, dt: float, tau_theta: float) -> Any:
    """One Euler step of ``tau_theta dtheta/dt = -theta + <y^2>_batch``."""
    return theta + (theta_target(post) - theta) * (dt / tau_theta)
