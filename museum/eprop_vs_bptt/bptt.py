"""The evidence-accumulation network as one pure ``lax.scan``, and its BPTT surrogate gradient.

This is the *baseline* the e-prop exhibit is compared with: the same LIF + ALIF recurrent network,
leaky readout, softmax cross-entropy in the recall window and firing-rate regulariser as NEST's
``*_bsshslm_2020`` models (``docs/eprop_reference.md`` of the project brief, "Classification"),
with the gradient taken by ``jax.grad`` through the whole scan (backpropagation through time).
The spike's derivative is replaced by e-prop's pseudo-derivative (Bellec et al. 2020, Eq. (4))::

    psi = gamma / v_th * max(0, 1 - |v - A| / v_th)          (0 while refractory)

Per step t (dt = 1 ms, weights stored [pre, post], z_prev = spikes of step t-1)::

    r = max(r - 1, 0)                                            refractory counter (steps)
    v = alpha v + x_t @ W_in + z_prev @ W_rec - v_th z_prev      reset by subtraction
    a = rho a + z_prev ;  A = v_th + beta a                       adaptive threshold (beta = 0: LIF)
    z = H(v - A) * (r == 0) ;  r = t_ref where z                  H' := psi
    y = kappa y + (1 - kappa) z @ W_out ;  pi = softmax(y)

Loss of one sequence (averaged over the batch)::

    E = [ sum_{t in recall} -log pi_t[label]  +  c_reg/2 sum_j (f_j - f_target)^2 ] / n_recall,
    f_j = sum_t z_j^t / T   (spikes per step)

whose gradient is what NEST's e-prop accumulates (task term divided by the learning window, as
``average_gradient=True``; the regulariser's gradient ``c_reg (f - f_target) sum_t dz/dW / T``).

``truncated=True`` stops the gradient through the spikes' recurrent paths into *other* time steps'
membrane input — ``z_prev @ W_rec`` and the reset ``- v_th z_prev`` — and keeps the path through
the neuron's own adaptation ``a``. That is exactly the approximation e-prop makes (Bellec et al.
2020, Eq. (1) with dE/dz replaced by its partial derivative), so with symmetric feedback
``B = W_out`` the e-prop gradient equals ``jax.grad`` of the truncated network; the output-weight
gradient is identical in all three (full BPTT, truncated BPTT, e-prop with any ``B``).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from components.rules.eprop import pseudo_derivative


@dataclass(frozen=True)
class NetConfig:
    """Network parameters; defaults are NEST's evidence-accumulation tutorial values.

    n_lif LIF neurons come first, then n_alif ALIF neurons. Times in ms (dt = 1 ms), v_th in mV,
    f_target in Hz, t_ref in steps.
    """

    n_in: int = 40
    n_lif: int = 50
    n_alif: int = 50
    n_out: int = 2
    tau_m: float = 20.0
    tau_out: float = 20.0
    v_th: float = 0.6
    gamma: float = 0.3
    t_ref: int = 5
    tau_a: float = 2000.0
    beta_factor: float = 1.7
    c_reg: float = 300.0
    f_target: float = 10.0
    dt: float = 1.0

    @property
    def n_rec(self) -> int:
        return self.n_lif + self.n_alif

    @property
    def alpha(self) -> float:
        return float(np.exp(-self.dt / self.tau_m))

    @property
    def kappa(self) -> float:
        return float(np.exp(-self.dt / self.tau_out))

    @property
    def rho(self) -> float:
        return float(np.exp(-self.dt / self.tau_a))

    @property
    def beta_alif(self) -> float:
        """NEST's ``adapt_beta = 1.7 (1 - rho) / (1 - alpha)``."""
        return self.beta_factor * (1.0 - self.rho) / (1.0 - self.alpha)

    def beta(self, dtype: Any = jnp.float32) -> jax.Array:
        """(n_rec,) adaptation strength: 0 for the LIF half, ``beta_alif`` for the ALIF half."""
        return jnp.concatenate([jnp.zeros(self.n_lif, dtype), jnp.full(self.n_alif, self.beta_alif, dtype)])


def init_weights(key: jax.Array, cfg: NetConfig, dtype: Any = jnp.float32) -> dict:
    """NEST's initialisation: W_in, W_rec ~ N(0,1)/sqrt(fan_in) (no autapses), W_out Glorot-uniform,
    feedback B ~ N(0,1) of shape [n_rec, n_out]."""
    k1, k2, k3, k4 = jax.random.split(key, 4)
    n_in, n_rec, n_out = cfg.n_in, cfg.n_rec, cfg.n_out
    w_rec = jax.random.normal(k2, (n_rec, n_rec), dtype) / np.sqrt(n_rec) * (1 - jnp.eye(n_rec, dtype=dtype))
    limit = np.sqrt(6.0 / (n_rec + n_out))
    return {"W_in": jax.random.normal(k1, (n_in, n_rec), dtype) / np.sqrt(n_in),
            "W_rec": w_rec,
            "W_out": jax.random.uniform(k3, (n_rec, n_out), dtype, -limit, limit),
            "B": jax.random.normal(k4, (n_rec, n_out), dtype)}


@partial(jax.custom_jvp, nondiff_argnums=(1, 2))
def spike(x: jax.Array, v_th: float, gamma: float) -> jax.Array:
    """Heaviside ``H(x)`` (x = v - A) whose derivative is the pseudo-derivative psi."""
    return (x >= 0).astype(x.dtype)


@spike.defjvp
def _spike_jvp(v_th: float, gamma: float, primals: tuple, tangents: tuple) -> tuple:
    (x,), (dx,) = primals, tangents
    psi = pseudo_derivative(x, 0.0, v_th, gamma)
    return spike(x, v_th, gamma), psi * dx


@partial(jax.jit, static_argnames=("cfg", "truncated"))
def run_network(weights: dict, x: jax.Array, cfg: NetConfig, truncated: bool = False) -> dict:
    """Simulate a batch: ``x`` (T, batch, n_in) -> {"y": (T, batch, n_out), "z": (T, batch, n_rec)}."""
    _, batch, _ = x.shape
    dtype = x.dtype
    beta = cfg.beta(dtype)
    stop = jax.lax.stop_gradient if truncated else (lambda u: u)
    zeros = jnp.zeros((batch, cfg.n_rec), dtype)
    carry0 = (zeros, zeros, zeros, jnp.zeros((batch, cfg.n_rec), jnp.int32), jnp.zeros((batch, cfg.n_out), dtype))

    def step(carry: tuple, x_t: jax.Array) -> tuple:
        v, a, z_prev, r, y = carry
        r = jnp.maximum(r - 1, 0)
        v = cfg.alpha * v + x_t @ weights["W_in"] + stop(z_prev) @ weights["W_rec"] - cfg.v_th * stop(z_prev)
        a = cfg.rho * a + z_prev
        z = spike(v - (cfg.v_th + beta * a), cfg.v_th, cfg.gamma) * (r == 0).astype(dtype)
        r = jnp.where(z > 0, cfg.t_ref, r)
        y = cfg.kappa * y + (1 - cfg.kappa) * (z @ weights["W_out"])
        return (v, a, z, r, y), (y, z)

    _, (ys, zs) = jax.lax.scan(step, carry0, x)
    return {"y": ys, "z": zs}


def loss_fn(weights: dict, x: jax.Array, labels: jax.Array, recall_mask: jax.Array, cfg: NetConfig,
            truncated: bool = False) -> tuple:
    """Batch-mean loss E (module docstring) and aux {"ce", "accuracy", "rate_hz"}."""
    out = run_network(weights, x, cfg, truncated)
    T = x.shape[0]
    n_recall = jnp.sum(recall_mask)
    logp = jax.nn.log_softmax(out["y"], axis=-1)                                  # (T, batch, n_out)
    onehot = jax.nn.one_hot(labels, cfg.n_out, dtype=x.dtype)
    ce_sum = -jnp.sum(recall_mask[:, None, None] * onehot[None] * logp, axis=(0, 2))  # (batch,)
    f_av = jnp.sum(out["z"], axis=0) / T                                         # (batch, n_rec) per step
    f_target = cfg.f_target * cfg.dt / 1000.0
    reg = 0.5 * cfg.c_reg * jnp.sum((f_av - f_target) ** 2, axis=-1)
    loss = jnp.mean((ce_sum + reg) / n_recall)
    pi_mean = jnp.sum(recall_mask[:, None, None] * jnp.exp(logp), axis=0) / n_recall
    aux = {"ce": jnp.mean(ce_sum / n_recall),
           "accuracy": jnp.mean((jnp.argmax(pi_mean, -1) == labels).astype(x.dtype)),
           "rate_hz": jnp.mean(f_av) * 1000.0 / cfg.dt}
    return loss, aux


@partial(jax.jit, static_argnames=("cfg", "truncated"))
def bptt_grad(weights: dict, x: jax.Array, labels: jax.Array, recall_mask: jax.Array, cfg: NetConfig,
              truncated: bool = False) -> tuple:
    """``(grads, aux)``: d E / d {W_in, W_rec, W_out} by BPTT (no autapses: diag(dW_rec) = 0)."""
    params = {k: weights[k] for k in ("W_in", "W_rec", "W_out")}
    grads, aux = jax.grad(loss_fn, has_aux=True)(params, x, labels, recall_mask, cfg, truncated)
    grads["W_rec"] = grads["W_rec"] * (1 - jnp.eye(cfg.n_rec, dtype=grads["W_rec"].dtype))
    return grads, aux


def cosine(a: jax.Array, b: jax.Array) -> float:
    """Cosine similarity of two arrays taken as flat vectors."""
    a, b = jnp.ravel(a), jnp.ravel(b)
    return float(jnp.dot(a, b) / (jnp.linalg.norm(a) * jnp.linalg.norm(b) + 1e-30))
