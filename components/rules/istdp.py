"""Inhibitory STDP (Vogels, Sprekeler, Zenke, Clopath & Gerstner 2011) as a pure function of arrays.

Vogels et al. (2011), "Inhibitory plasticity balances excitation and inhibition in sensory
pathways and memory networks", Science 334:1569 (supplementary eqs. 1-2). Each neuron keeps a
trace ``x`` that jumps by 1 at its spikes and decays with ``tau_STDP`` (20 ms); an inhibitory
synapse from ``j`` (pre) to ``i`` (post) changes at every spike::

    pre spike of j:   w_ij <- w_ij + eta (x_i - alpha)
    post spike of i:  w_ij <- w_ij + eta x_j                       alpha = 2 rho0 tau_STDP

i.e. a symmetric (near-coincidence potentiates, whatever the order) window plus a constant
depression per presynaptic spike. Averaged over uncorrelated Poisson trains,
``<dw/dt> = eta r_j (2 r_i tau_STDP - alpha) = 2 eta r_j tau_STDP (r_i - rho0)``: the weight grows
while the postsynaptic rate exceeds the target ``rho0`` and shrinks below it.

In batched matrix form (weights ``[pre, post]``, spikes/traces ``(batch, n)``), before ``eta``::

    pre_spike  depression (Vogels):  dW = A_plus (x_pre^T s_post + s_pre^T x_post) - A_minus alpha s_pre^T 1
    pre_trace  depression:           dW = A_plus (x_pre^T s_post + s_pre^T x_post) - A_minus alpha (dt/tau) x_pre^T 1

The ``pre_trace`` form spreads the depression of each presynaptic spike over the decay of its
trace (the same mean, ``alpha r_j`` per ms, when the trace jumps by 1 and decays with ``tau``);
it is ngc-learn's ``InhibitorySTDPSynapse``. ``soft_bounds`` multiplies the potentiation by
``(w_max - W)`` and the depression by ``W``.
"""

from __future__ import annotations

from typing import Any

import jax.numpy as jnp

from .stdp import dense_outer

DEPRESSIONS = ("pre_spike", "pre_trace")


def istdp_alpha(rho0: float, tau_stdp: float) -> float:
    """``alpha = 2 rho0 tau_STDP`` with ``rho0`` in Hz and ``tau_STDP`` in ms (dimensionless)."""
    return 2.0 * rho0 * tau_stdp * 1e-3


def istdp_update(pre_spike: Any, post_spike: Any, pre_trace: Any, post_trace: Any, weights: Any, *,
                 alpha: float, A_plus: float = 1.0, A_minus: float = 1.0, depression: str = "pre_spike",
                 trace_decay: float = 1.0, soft_bounds: bool = False, w_max: float = 1.0,
                 per_sample: bool = False, outer: Any = dense_outer) -> Any:
    """Vogels et al. (2011) inhibitory STDP, before ``eta``; summed over the batch unless ``per_sample``.

    ``trace_decay`` is ``dt / tau`` of the ``pre_trace`` depression (unused for ``pre_spike``).
    """
    ltp = outer(pre_trace, post_spike, per_sample) + outer(pre_spike, post_trace, per_sample)
    pre = pre_spike if depression == "pre_spike" else pre_trace * trace_decay
    ltd = alpha * outer(pre, jnp.ones_like(post_spike), per_sample)
    if soft_bounds:
        ltp = ltp * (w_max - weights)
        ltd = ltd * weights
    return A_plus * ltp - A_minus * ltd
