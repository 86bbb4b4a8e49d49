"""e-prop maths as pure functions (Bellec et al. 2020, Nat. Commun. 11:3625; NEST ``*_bsshslm_2020``).

Everything is batched: neuron quantities are ``(batch, n)``, synaptic ones ``(batch, n_pre, n_post)``.
Time is in steps of ``dt`` ms; ``alpha = exp(-dt/tau_m)``, ``kappa = exp(-dt/tau_out)``,
``rho = exp(-dt/tau_a)``.

Per step (``z_prev`` = spikes of the previous step)::

    v    = alpha v + c_in j - v_th z_prev            c_in = 1 - alpha ("leaky") or 1 ("direct")
    a    = rho a + z_prev ;  A = v_th + beta a        (adaptive threshold; beta = 0 for LIF)
    psi  = gamma / v_th * max(0, 1 - |v - A| / v_th)  (pseudo-derivative; 0 while refractory)
    z    = (v >= A) and not refractory
    zbar = alpha zbar + c_in x                        (presynaptic trace)
    e    = psi[post] (zbar[pre] - beta[post] eps_a)   (eligibility trace)
    eps_a = rho eps_a + e                             (adaptation eligibility trace)
    ebar = kappa ebar + (1 - kappa) e ;  g += ebar L[post]
    readout: y = kappa y + (1 - kappa) j

After a sequence of ``T`` steps the firing-rate regulariser adds
``c_reg (n_spikes/T - f_target)[post] * sum_t e / T`` to the gradient.
"""

from __future__ import annotations

import math
from typing import Any

import jax
import jax.numpy as jnp

INPUT_MODES = ("leaky", "direct")


def decay(tau: float, dt: float) -> float:
    """``exp(-dt / tau)``; a time constant of 0 or None gives 0 (no memory)."""
    return 0.0 if not tau else math.exp(-dt / tau)


def input_factor(mode: str, alpha: float) -> float:
    """The factor on synaptic input: ``1 - alpha`` for "leaky" (NEST regression), 1 for "direct"."""
    return 1.0 - alpha if mode == "leaky" else 1.0


def pseudo_derivative(v: Any, threshold: Any, v_th: float, gamma: float, refractory: Any = None) -> Any:
    """``psi = gamma / v_th * max(0, 1 - |v - threshold| / v_th)``, zero where ``refractory``."""
    psi = gamma / v_th * jnp.maximum(0.0, 1.0 - jnp.abs(v - threshold) / v_th)
    if refractory is not None:
        psi = jnp.where(refractory, 0.0, psi)
    return psi


def neuron_step(v: Any, z_prev: Any, r: Any, a: Any, j: Any, *, alpha: float, c_in: float, v_th: float,
                gamma: float, beta: Any, rho: float, t_ref: int) -> tuple:
    """One step of the e-prop (A)LIF neuron; returns ``(v, z, psi, r, a, threshold)``.

    ``r`` counts refractory steps left, ``a`` is the threshold adaptation (0 for LIF: ``beta = 0``).
    """
    v = alpha * v + c_in * j - v_th * z_prev
    if rho:
        a = rho * a + z_prev
        threshold = v_th + beta * a
    else:
        threshold = v_th
    if t_ref > 0:  # static: the refractory logic costs nothing when there is none
        r = jnp.maximum(r - 1.0, 0.0)
        refractory = r > 0
        psi = pseudo_derivative(v, threshold, v_th, gamma, refractory)
        z = jnp.where((v >= threshold) & ~refractory, 1.0, 0.0).astype(v.dtype)
        r = jnp.where(z > 0, jnp.asarray(t_ref, v.dtype), r)
    else:
        psi = pseudo_derivative(v, threshold, v_th, gamma)
        z = (v >= threshold).astype(v.dtype)
    return v, z, psi, r, a, jnp.broadcast_to(threshold, v.shape)


def low_pass(trace: Any, x: Any, factor: float, gain: float) -> Any:
    """``trace = factor * trace + gain * x`` (presynaptic traces, ebar, readout)."""
    return factor * trace + gain * x


def eligibility(zbar: Any, psi: Any, psi_beta: Any = None, eps_a: Any = None, rho: float = 0.0) -> tuple:
    """Eligibility ``e = psi[post] (zbar[pre] - beta[post] eps_a)`` and the new ``eps_a = rho eps_a + e``.

    ``zbar`` is ``(batch, n_pre)``, ``psi`` and ``psi_beta = psi * beta`` are ``(batch, n_post)``,
    ``eps_a`` is ``(batch, n_pre, n_post)``. Without adaptation (``eps_a`` None) returns ``(e, None)``.
    """
    e = zbar[:, :, None] * psi[:, None, :]
    if eps_a is None:
        return e, None
    e = e - psi_beta[:, None, :] * eps_a
    return e, rho * eps_a + e


def readout_error(y: Any, target: Any, loss: str, mask: Any = 1.0) -> tuple:
    """Readout error and per-sample loss of one step.

    ``"mse"``: ``err = y - y*``, ``loss = 0.5 sum err^2``.
    ``"cross_entropy"``: ``pi = softmax(y)``, ``err = pi - y*``, ``loss = -sum y* log pi``.
    Both are multiplied by ``mask`` (the learning window; shape broadcastable to ``(batch, 1)``).
    Returns ``(err, loss, prediction)`` with ``prediction`` = y (mse) or pi (cross_entropy).
    """
    if loss == "mse":
        err = y - target
        per = 0.5 * jnp.sum(err * err, axis=-1)
        pred = y
    else:
        logp = jax.nn.log_softmax(y, axis=-1)
        pred = jnp.exp(logp)
        err = pred - target
        per = -jnp.sum(target * logp, axis=-1)
    m = jnp.broadcast_to(jnp.asarray(mask, err.dtype), err.shape[:-1] + (1,))
    return err * m, per * m[..., 0], pred


def firing_rate_gradient(sum_e: Any, n_spikes: Any, n_steps: Any, c_reg: float, f_target: float) -> Any:
    """Firing-rate regulariser's gradient ``c_reg (n_spikes/T - f_target)[post] * sum_e / T``.

    ``f_target`` in spikes per step; ``sum_e`` (batch, pre, post), ``n_spikes`` (batch, post),
    ``n_steps`` = T (batch,)."""
    steps = jnp.maximum(n_steps, 1.0)[..., None]
    f_av = n_spikes / steps
    return c_reg * (f_av - f_target)[:, None, :] * sum_e / steps[..., None]



SURROGATES = ("piecewise_linear", "exponential", "fast_sigmoid_derivative", "arctan_derivative")


def surrogate_gradient(kind: str, v: Any, v_th: Any, height: float, width: float, refractory: Any = None) -> Any:
    """NEST's surrogate gradients (``eprop_archiving_node_recurrent``), 0 where ``refractory``::

        piecewise_linear         height * max(0, 1 - |v - v_th| / width)
        exponential              height * exp(-|v - v_th| / width)
        fast_sigmoid_derivative  height * (1 + |v - v_th| / width)^-2
        arctan_derivative        height / (1 + ((v - v_th) / width)^2)
    """
    x = jnp.abs(v - v_th) / width
    if kind == "piecewise_linear":
        psi = height * jnp.maximum(0.0, 1.0 - x)
    elif kind == "exponential":
        psi = height * jnp.exp(-x)
    elif kind == "fast_sigmoid_derivative":
        psi = height / (1.0 + x) ** 2
    else:
        psi = height / (1.0 + x * x)
    if refractory is not None:
        psi = jnp.where(refractory, 0.0, psi)
    return psi
