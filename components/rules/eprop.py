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
from typing import Any, Sequence

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


def at_synapses(x: Any, pre_index: Any = None) -> Any:
    """A presynaptic quantity ``x`` ``(batch, n_pre)`` at every synapse, ready to multiply a postsynaptic
    ``(batch, 1, n_post)``: ``(batch, n_pre, 1)`` for a dense ``[pre, post]`` matrix, or, for the edges
    layout (:mod:`components.rules.edges`, ``pre_index`` ``(k, n_post)``), ``x`` gathered at each
    edge's presynaptic neuron, ``(batch, k, n_post)``."""
    return x[:, :, None] if pre_index is None else jnp.take(x, pre_index, axis=1)


def eligibility(zbar: Any, psi: Any, psi_beta: Any = None, eps_a: Any = None, rho: float = 0.0,
                pre_index: Any = None) -> tuple:
    """Eligibility ``e = psi[post] (zbar[pre] - beta[post] eps_a)`` and the new ``eps_a = rho eps_a + e``.

    ``zbar`` is ``(batch, n_pre)``, ``psi`` and ``psi_beta = psi * beta`` are ``(batch, n_post)``,
    ``eps_a`` is ``(batch, n_pre, n_post)``. Without adaptation (``eps_a`` None) returns ``(e, None)``.
    With ``pre_index`` ``(k, n_post)`` (the edges layout) the synaptic quantities are ``(batch, k, n_post)``,
    one per existing synapse: ``zbar`` is read at each edge's presynaptic neuron (:func:`at_synapses`).
    """
    e = at_synapses(zbar, pre_index) * psi[:, None, :]
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

    ``f_target`` in spikes per step; ``sum_e`` (batch, pre, post) (or (batch, k, post) on edges),
    ``n_spikes`` (batch, post),
    ``n_steps`` = T (batch,)."""
    steps = jnp.maximum(n_steps, 1.0)[..., None]
    f_av = n_spikes / steps
    return c_reg * (f_av - f_target)[:, None, :] * sum_e / steps[..., None]



# -- the factored form (exact; one matrix product per sequence) ------------------------------------------------
def backward_affine(a: Any, b: Any) -> Any:
    """``x_t = a_t x_{t+1} + b_t`` backward in time (axis 1) from ``x_T = 0``, for all ``t`` at once.

    A parallel (associative) scan of the affine maps ``x -> a_t x + b_t``: ``O(log T)`` vectorised
    passes instead of ``T`` sequential steps."""
    def compose(later: tuple, earlier: tuple) -> tuple:
        return earlier[0] * later[0], earlier[0] * later[1] + earlier[1]

    return jax.lax.associative_scan(compose, (jnp.broadcast_to(a, b.shape), b), reverse=True, axis=1)[1]


def factored_eligibility(zbar: Any, psi: Any, weights: Sequence, valid: Any, *, psi_beta: Any = None,
                         rho: float = 0.0, eps_a0: Any = None, final_eps_a: bool = False) -> tuple:
    """``sum_t w_t[post] * e_t`` for several per-step postsynaptic weightings ``w``, by one matrix product.

    ``zbar`` is ``(batch, T, n_pre)``, ``psi`` and ``psi_beta`` ``(batch, T, n_post)``, each ``w``
    ``(batch, T, n_post)``, ``valid`` ``(batch, T)`` true for the steps of the sequence (a prefix);
    ``e_t = psi_t zbar_t - psi_beta_t eps_a_{t-1}`` with ``eps_a_t = rho eps_a_{t-1} + e_t`` from
    ``eps_a0`` (:func:`eligibility`, applied at each valid step).

    Without adaptation ``e_t = zbar_t psi_t^T``, so ``sum_t w_t e_t = Zbar^T (Psi * W)``. With it,
    ``eps_a_t = d_t eps_a_{t-1} + psi_t zbar_t`` with ``d_t = rho - psi_beta_t``, a decay of the
    postsynaptic side only, and::

        sum_t w_t e_t = Zbar^T (Psi * (W - H)) - eps_a0 * (c_0 + d_0 H_0)
        c_t = psi_beta_t w_t ;  H_t = c_{t+1} + d_{t+1} H_{t+1}, H_{T-1} = 0      (backward, postsynaptic vectors)
        eps_a_T = Zbar^T (Psi * Q) + eps_a0 * d_0 Q_0 ;  Q_t = d_{t+1} Q_{t+1}, Q_{T-1} = 1

    Returns ``(sums, eps_a_T)``: one ``(batch, n_pre, n_post)`` array per ``w`` and the adaptation
    trace after the last valid step (None unless ``final_eps_a``)."""
    n_post = psi.shape[-1]
    on = valid[:, :, None].astype(psi.dtype)
    psi = psi * on
    weights = [w * on for w in weights]
    blocks, corrections = [], []
    if psi_beta is None:
        blocks = [psi * w for w in weights]
    else:
        psi_beta = psi_beta * on
        d = jnp.where(on > 0, rho - psi_beta, 1.0)                               # 1 past the end: no decay
        ds = jnp.concatenate([d[:, 1:], jnp.ones_like(d[:, :1])], axis=1)       # d_{t+1}
        for w in weights:
            c = psi_beta * w
            cs = jnp.concatenate([c[:, 1:], jnp.zeros_like(c[:, :1])], axis=1)  # c_{t+1}
            h = backward_affine(ds, cs)
            blocks.append(psi * (w - h))
            corrections.append(c[:, 0] + d[:, 0] * h[:, 0])
        if final_eps_a:
            q = jnp.flip(jnp.cumprod(jnp.flip(ds, axis=1), axis=1), axis=1)     # Q_t = prod_{u > t} d_u
            blocks.append(psi * q)
    total = jnp.einsum("bti,btk->bik", zbar, jnp.concatenate(blocks, axis=-1))
    sums = [total[..., k * n_post:(k + 1) * n_post] for k in range(len(weights))]
    if psi_beta is not None and eps_a0 is not None:
        sums = [s - eps_a0 * corr[:, None, :] for s, corr in zip(sums, corrections)]
    eps_a_T = None
    if psi_beta is not None and final_eps_a:
        eps_a_T = total[..., len(weights) * n_post:]
        if eps_a0 is not None:
            eps_a_T = eps_a_T + eps_a0 * (d[:, 0] * q[:, 0])[:, None, :]
    return sums, eps_a_T


def filtered_signal(signal: Any, valid: Any, kappa: float, last: bool = True) -> tuple:
    """The learning signal filtered backwards, for ``g = sum_t ebar_t L_t`` with ``ebar`` a low-pass of ``e``.

    ``ebar_t = kappa ebar_{t-1} + (1 - kappa) e_t`` from ``ebar_0`` gives
    ``sum_t ebar_t L_t = sum_t Lf_t e_t + ebar_0 * K`` with ``Lf_t = (1 - kappa) L_t + kappa Lf_{t+1}``
    and ``K = sum_t kappa^(t+1) L_t``; and the last ``ebar`` (after ``n`` valid steps) is
    ``sum_t wl_t e_t + kappa^n ebar_0`` with ``wl_t = (1 - kappa) kappa^(n-1-t)``.
    ``signal`` ``(batch, T, n_post)``, ``valid`` ``(batch, T)``. Returns ``(Lf, K, wl, kappa^n)``
    (``wl`` and ``kappa^n`` None unless ``last``)."""
    on = valid[:, :, None].astype(signal.dtype)
    if not last:
        m = backward_affine(jnp.asarray(kappa, signal.dtype), signal * on)
        return (1.0 - kappa) * m, kappa * m[:, 0], None, None
    at_end = on - jnp.concatenate([on[:, 1:], jnp.zeros_like(on[:, :1])], axis=1)  # 1 at the last valid step
    both = backward_affine(jnp.asarray(kappa, signal.dtype), jnp.concatenate([signal * on, at_end], axis=-1))
    n_post = signal.shape[-1]
    m, e = both[..., :n_post], both[..., n_post:]
    n = jnp.sum(on[..., 0], axis=1)
    kappa_n = jnp.where(n > 0, kappa * e[:, 0, 0], 1.0)
    return (1.0 - kappa) * m, kappa * m[:, 0], (1.0 - kappa) * jnp.broadcast_to(e, signal.shape), kappa_n


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
