"""Independent references for the e-prop exhibits' tests (not imported by the library).

``eprop_grad``: e-prop's gradient for the evidence-accumulation network, written step by step from
the reference maths (Bellec et al. 2020; NEST ``*_bsshslm_2020``, classification section of the
project's e-prop reference): forward eligibility traces, no backward pass.

``bptt_grad_custom_vjp``: the BPTT surrogate gradient built without ``custom_jvp``: the spike
function carries a hand-written reverse rule (``custom_vjp``) returning ``psi * g``.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp


def _psi(x, v_th, gamma):
    return gamma / v_th * jnp.maximum(0.0, 1.0 - jnp.abs(x) / v_th)


@jax.jit
def eprop_grad(W: dict, x, labels, mask, p: dict) -> dict:
    """Batch-mean e-prop gradient {W_in, W_rec, W_out}; W["B"] is the feedback [n_rec, n_out].

    ``p``: alpha, kappa, rho, beta (n_rec,), v_th, gamma, t_ref, c_reg, f_target (per step).
    """
    T, nb, n_in = x.shape
    n_rec, n_out = W["W_out"].shape
    f32 = x.dtype
    onehot = jax.nn.one_hot(labels, n_out, dtype=f32)
    beta = p["beta"]
    z0 = jnp.zeros((nb, n_rec), f32)
    carry = dict(v=z0, a=z0, z=z0, r=jnp.zeros((nb, n_rec), jnp.int32), y=jnp.zeros((nb, n_out), f32),
                 zb_in=jnp.zeros((nb, n_in), f32), zb_rec=z0, zb_out=z0, n_spk=z0,
                 eps_in=jnp.zeros((nb, n_in, n_rec), f32), eps_rec=jnp.zeros((nb, n_rec, n_rec), f32),
                 eb_in=jnp.zeros((nb, n_in, n_rec), f32), eb_rec=jnp.zeros((nb, n_rec, n_rec), f32),
                 g_in=jnp.zeros((nb, n_in, n_rec), f32), g_rec=jnp.zeros((nb, n_rec, n_rec), f32),
                 se_in=jnp.zeros((nb, n_in, n_rec), f32), se_rec=jnp.zeros((nb, n_rec, n_rec), f32),
                 g_out=jnp.zeros((nb, n_rec, n_out), f32))

    def step(c, inp):
        x_t, m_t = inp
        c = dict(c)
        z_prev = c["z"]
        r = jnp.maximum(c["r"] - 1, 0)
        v = p["alpha"] * c["v"] + x_t @ W["W_in"] + z_prev @ W["W_rec"] - p["v_th"] * z_prev
        a = p["rho"] * c["a"] + z_prev
        A = p["v_th"] + beta * a
        psi = jnp.where(r > 0, 0.0, _psi(v - A, p["v_th"], p["gamma"]))
        z = ((v - A >= 0) & (r == 0)).astype(f32)
        c["r"] = jnp.where(z > 0, p["t_ref"], r)
        y = p["kappa"] * c["y"] + (1 - p["kappa"]) * (z @ W["W_out"])
        err = (jax.nn.softmax(y, -1) - onehot) * m_t
        L = err @ W["B"].T                                                    # (nb, n_rec)
        c["zb_in"] = p["alpha"] * c["zb_in"] + x_t
        c["zb_rec"] = p["alpha"] * c["zb_rec"] + z_prev
        for k in ("in", "rec"):
            e = psi[:, None, :] * (c["zb_" + k][:, :, None] - beta[None, None, :] * c["eps_" + k])
            c["eps_" + k] = p["rho"] * c["eps_" + k] + e
            c["eb_" + k] = p["kappa"] * c["eb_" + k] + (1 - p["kappa"]) * e
            c["g_" + k] = c["g_" + k] + c["eb_" + k] * L[:, None, :]
            c["se_" + k] = c["se_" + k] + e
        c["zb_out"] = p["kappa"] * c["zb_out"] + (1 - p["kappa"]) * z
        c["g_out"] = c["g_out"] + c["zb_out"][:, :, None] * err[:, None, :]
        c["n_spk"] = c["n_spk"] + z
        c.update(v=v, a=a, z=z, y=y)
        return c, None

    c, _ = jax.lax.scan(step, carry, (x, mask.astype(f32)))
    n_recall = jnp.sum(mask)
    reg = p["c_reg"] * (c["n_spk"] / T - p["f_target"])                     # (nb, n_rec)
    g_in = c["g_in"] + reg[:, None, :] * c["se_in"] / T
    g_rec = (c["g_rec"] + reg[:, None, :] * c["se_rec"] / T) * (1 - jnp.eye(n_rec, dtype=f32))
    return {"W_in": jnp.mean(g_in, 0) / n_recall, "W_rec": jnp.mean(g_rec, 0) / n_recall,
            "W_out": jnp.mean(c["g_out"], 0) / n_recall}


def _make_spike(v_th: float, gamma: float):
    """Heaviside with a hand-written reverse rule (custom_vjp): d z / d x := psi(x)."""

    @jax.custom_vjp
    def spike(x):
        return (x >= 0).astype(x.dtype)

    def fwd(x):
        return spike(x), _psi(x, v_th, gamma)

    def bwd(psi, g):
        return (psi * g,)

    spike.defvjp(fwd, bwd)
    return spike


def bptt_loss_custom_vjp(W: dict, x, labels, mask, p: dict):
    T, nb, _ = x.shape
    n_rec, n_out = W["W_out"].shape
    f32 = x.dtype
    spike = _make_spike(p["v_th"], p["gamma"])

    def step(c, x_t):
        v, a, z_prev, r, y = c
        r = jnp.maximum(r - 1, 0)
        v = p["alpha"] * v + x_t @ W["W_in"] + z_prev @ W["W_rec"] - p["v_th"] * z_prev
        a = p["rho"] * a + z_prev
        s = v - (p["v_th"] + p["beta"] * a)
        ready = (r == 0).astype(f32)
        z = ready * spike(s)
        r = jnp.where(z > 0, p["t_ref"], r)
        y = p["kappa"] * y + (1 - p["kappa"]) * (z @ W["W_out"])
        return (v, a, z, r, y), (y, z)

    z0 = jnp.zeros((nb, n_rec), f32)
    _, (ys, zs) = jax.lax.scan(step, (z0, z0, z0, jnp.zeros((nb, n_rec), jnp.int32),
                                      jnp.zeros((nb, n_out), f32)), x)
    logp = jax.nn.log_softmax(ys, -1)
    picked = jnp.sum(jax.nn.one_hot(labels, n_out, dtype=f32)[None] * logp, -1)        # (T, nb)
    ce = -jnp.sum(jnp.where(mask[:, None], picked, 0.0), 0)
    f = jnp.sum(zs, 0) / T
    reg = 0.5 * p["c_reg"] * jnp.sum((f - p["f_target"]) ** 2, -1)
    return jnp.mean((ce + reg) / jnp.sum(mask))


@jax.jit
def bptt_grad_custom_vjp(W: dict, x, labels, mask, p: dict) -> dict:
    params = {k: W[k] for k in ("W_in", "W_rec", "W_out")}
    g = jax.grad(bptt_loss_custom_vjp)(params, x, labels, mask, p)
    g["W_rec"] = g["W_rec"] * (1 - jnp.eye(g["W_rec"].shape[0], dtype=x.dtype))
    return g
