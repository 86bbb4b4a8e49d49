"""Spike-timing-dependent plasticity (STDP) as pure functions of batched arrays.

Weights are stored ``[pre, post]``; spikes and traces are ``(batch, n_in)`` (pre) and
``(batch, n_out)`` (post). Every function returns the update *before* the learning rate ``eta``,
summed over the batch (``(n_in, n_out)``), or kept per sample (``(batch, n_in, n_out)``) with
``per_sample=True`` (what an eligibility trace needs, see :mod:`components.rules.eligibility`).

Trace STDP with power-law weight dependence (Morrison, Aertsen & Diesmann 2007, "Spike-timing-
dependent plasticity in balanced random networks", Neural Comput. 19:1437; ngc-learn's
``TraceSTDPSynapse``), with pre/post traces ``x``, ``y`` and spikes ``s_pre``, ``s_post``::

    dW = A_plus (w_bound - W)^mu * (x - x_tar)^T s_post  -  A_minus W^mu * s_pre^T y

(for ``mu = 0`` the weight factors are 1). A post spike potentiates by the presynaptic trace
(pre-before-post, LTP), a pre spike depresses by the postsynaptic trace (post-before-pre, LTD);
with exponential traces this is the classic window ``A_plus exp(-dt/tau_pre)`` for
``dt = t_post - t_pre > 0`` and ``-A_minus exp(dt/tau_post)`` for ``dt < 0`` (Bi & Poo 2001).
``x_tar`` (``pretrace_target``) depresses synapses whose pre neuron was silent when the post fired.

Exponential weight dependence (Nessler, Pfeiffer, Buesing & Maass 2013, "Bayesian computation
emerges in generic cortical microcircuits through STDP", PLoS Comput. Biol. 9:e1003037; ngc-learn's
``ExpSTDPSynapse``)::

    dW = A_plus [e^{-beta W} * x^T s_post - e^{-beta (w_bound - W)} * x_tar^T s_post]
         - A_minus e^{-beta W} * s_pre^T y

Event-driven STDP (Tavanaei, Masquelier & Maida 2018, "Representation learning using event-based
STDP", Neural Netw. 105:294, eq. 18 generalised as in ngc-learn's ``EventSTDPSynapse``): on a post
spike, a synapse whose pre neuron spiked within the window moves toward ``w_bound / (1 + lmbda)``,
every other synapse of that post neuron decays::

    dW = s_post * [ A_plus (w_bound - (1 + lmbda) W)   if pre in window
                  | -A_minus (1 + lmbda) W             otherwise ]
"""

from __future__ import annotations

import math
from typing import Any

import jax.numpy as jnp

from .fusion import computed_once


def dense_outer(a: Any, b: Any, per_sample: bool = False) -> Any:
    """``a^T b`` summed over the batch ``(n_in, n_out)``, or per sample ``(batch, n_in, n_out)``.

    The trace rules take any ``outer`` of this signature: :func:`components.rules.edges.edge_outer`
    runs them on a sparse edge list."""
    a, b = computed_once((a, b), a.shape[-1] * b.shape[-1])
    return jnp.einsum("bi,bj->bij" if per_sample else "bi,bj->ij", a, b)


def trace_stdp_update(pre_spike: Any, post_spike: Any, pre_trace: Any, post_trace: Any, weights: Any, *,
                      A_plus: float, A_minus: float, mu: float = 0.0, w_bound: float = 1.0,
                      pretrace_target: float = 0.0, per_sample: bool = False, outer: Any = dense_outer) -> Any:
    """Trace STDP with power-law weight dependence (Morrison et al. 2007), before ``eta``.

    ``dW = A_plus (w_bound - W)^mu (x - x_tar)^T s_post - A_minus W^mu s_pre^T y``; the weight
    factors are dropped when ``mu == 0``. Summed over the batch unless ``per_sample``.
    """
    ltp = A_plus * outer(pre_trace - pretrace_target, post_spike, per_sample)
    ltd = A_minus * outer(pre_spike, post_trace, per_sample)
    if mu > 0.0:
        ltp = ltp * jnp.power(w_bound - weights, mu)
        ltd = ltd * jnp.power(weights, mu)
    return ltp - ltd


def exp_stdp_update(pre_spike: Any, post_spike: Any, pre_trace: Any, post_trace: Any, weights: Any, *,
                    A_plus: float, A_minus: float, exp_beta: float, w_bound: float = 1.0,
                    pretrace_target: float = 0.0, per_sample: bool = False, outer: Any = dense_outer) -> Any:
    """STDP with exponential weight dependence (Nessler et al. 2013), before ``eta``.

    ``dW = A_plus [e^{-b W} x^T s_post - e^{-b (w_bound - W)} x_tar^T s_post] - A_minus e^{-b W} s_pre^T y``.
    """
    damp = jnp.exp(-exp_beta * weights)
    ltp = damp * outer(pre_trace, post_spike, per_sample)
    target = jnp.exp(-exp_beta * (w_bound - weights)) * outer(
        jnp.full_like(pre_trace, pretrace_target), post_spike, per_sample)
    ltd = damp * outer(pre_spike, post_trace, per_sample)
    return A_plus * (ltp - target) - A_minus * ltd


def window_steps(presyn_win_len: float, dt: float) -> int:
    """How many steps back (this one included) count as "within the window": ``max(1, ceil(win/dt))``.

    Ages are whole multiples of ``dt``; a pre spike ``k`` steps ago (``k = 0``: this step) is in the
    window iff ``k * dt < presyn_win_len``, or ``k = 0``. Counting steps avoids comparing floats.
    A window of more than ``2**30`` steps counts as "ever" (the step count stays an int32).
    """
    return min(max(1, math.ceil(presyn_win_len / dt - 1e-6)), 2**30)


def in_window(pre_tols: Any, t: Any, dt: float, presyn_win_len: float) -> Any:
    """1.0 where the pre neuron's last spike (``pre_tols``, ms) lies within the window ending at ``t``.

    ``k = round((t - tols) / dt)`` steps ago, in the window iff ``0 <= k < window_steps``. A tols of
    :data:`components.rules.traces.NEVER` (-1e9 ms) is never in the window; a spike at ``t = 0`` is.
    """
    k = jnp.round((t - pre_tols) / dt)
    return ((k >= 0) & (k < window_steps(presyn_win_len, dt))).astype(pre_tols.dtype)


def event_stdp_update(pre_in_window: Any, post_spike: Any, weights: Any, *, A_plus: float, A_minus: float,
                      lmbda: float, w_bound: float, per_sample: bool = False) -> Any:
    """Event-driven STDP (Tavanaei et al. 2018, eq. 18 generalised), before ``eta``.

    ``dW = A_plus (w_bound - (1+lmbda) W) * inwin^T s_post - A_minus (1+lmbda) W * (1-inwin)^T s_post``,
    summed over the batch unless ``per_sample``.
    """
    pos = A_plus * (w_bound - (1.0 + lmbda) * weights)
    neg = -A_minus * (1.0 + lmbda) * weights
    return (pos * dense_outer(pre_in_window, post_spike, per_sample)
            + neg * dense_outer(1.0 - pre_in_window, post_spike, per_sample))


def decay_term(weights: Any, dt: float, tau_w: float) -> Any:
    """The per-step weight decay ``W * dt / tau_w`` (0 when ``tau_w == 0``); ngc-learn uses ``W / tau_w``."""
    if tau_w > 0.0:
        return weights * (dt / tau_w)
    return jnp.zeros_like(weights)
