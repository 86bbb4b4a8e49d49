"""Tiny components used only by the engine's tests."""

from __future__ import annotations

import jax
import jax.numpy as jnp

from contexts import Component, Input, Output, Param, State


class ToyLeaky(Component):
    """v <- v + dt/tau (j - v); s = v > thr."""

    def __init__(self, name: str, n_units: int, tau: float = 10.0, thr: float = 0.5):
        super().__init__(name)
        self.tau, self.thr = tau, thr
        self.j = Input((n_units,))
        self.v = State((n_units,))
        self.s = Output((n_units,))

    def advance_state(self, c, *, t, dt, key):
        v = c.v + dt / self.tau * (c.j - c.v)
        return {"v": v, "s": (v > self.thr).astype(v.dtype)}


class ToyNoise(Component):
    """Bernoulli(p) spikes each step."""

    def __init__(self, name: str, n_units: int, p: float = 0.2):
        super().__init__(name)
        self.p = p
        self.outputs = Output((n_units,))

    def advance_state(self, c, *, t, dt, key):
        return {"outputs": jax.random.bernoulli(key, self.p, c.outputs.shape).astype(c.outputs.dtype)}


class ToyClock(Component):
    """Records the time it sees."""

    def __init__(self, name: str):
        super().__init__(name)
        self.t_seen = Output(())

    def advance_state(self, c, *, t, dt, key):
        return {"t_seen": jnp.broadcast_to(t, c.t_seen.shape)}


class ToyHebb(Component):
    """outputs = inputs @ W; evolve: W += eta * pre^T post (pre/post only read in evolve)."""

    def __init__(self, name: str, shape: tuple, eta: float = 0.01):
        super().__init__(name)
        self.eta = eta
        self.inputs = Input((shape[0],))
        self.outputs = Output((shape[1],))
        self.pre = Input((shape[0],))
        self.post = Input((shape[1],))
        self.weights = Param(tuple(shape), init=lambda k, s, d: jax.random.uniform(k, s, d, 0.0, 0.5))

    def advance_state(self, c, *, t, dt, key):
        return {"outputs": c.inputs @ c.weights}

    def evolve(self, c, *, t, dt, key):
        return {"weights": c.weights + self.eta * c.pre.T @ c.post}


def build_net(batch_size: int = 2, seed: int = 0, n_in: int = 6, n_out: int = 4, **ctx_kw):
    """noise -> hebb -> leaky, with advance/evolve/reset commands."""
    from contexts import Context

    with Context("toy", batch_size=batch_size, seed=seed, **ctx_kw) as ctx:
        noise = ToyNoise("noise", n_in)
        W = ToyHebb("W", (n_in, n_out))
        z = ToyLeaky("z", n_out, tau=2.0, thr=0.1)
        W.inputs << noise.outputs
        z.j << W.outputs
        W.pre << noise.outputs
        W.post << z.s
        ctx.command("advance", [noise, W, z])
        ctx.command("evolve", [W])
        ctx.command("reset", [noise, W, z])
    return ctx, noise, W, z
