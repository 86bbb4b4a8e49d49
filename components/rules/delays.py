"""Transmission delays as a ring buffer of the presynaptic input.

A projection with delays of at most ``D`` steps keeps the last ``L = D + 1`` input vectors in a
``(batch, L, n_in)`` buffer and a write position ``ptr`` (memory constant in the run length). Each
step first writes the new input at ``ptr``; then slot ``(ptr - d) mod L`` holds the input of
``d`` steps ago, for ``0 <= d <= D``; then ``ptr <- (ptr + 1) mod L``.

One delay ``d`` for the whole projection (``ring_read``)::

    outputs(n) = x(n - d) @ W

one delay per synapse ``d[i, j]`` (``ring_gather``; ``pre[s, j]`` the presynaptic neuron of edge
``s`` of post neuron ``j``, ``arange(n_in)`` for a dense matrix)::

    outputs(n)[j] = sum_s W[s, j] x(n - d[s, j])[pre[s, j]]

Before the first ``d`` steps the buffer holds zeros (no input arrived yet).
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp

#: most values a delay buffer may hold per sample (delay steps x units): 256 MiB of float32
MAX_IN_FLIGHT = 2**26


def to_steps(delay: Any, unit: str, dt: float) -> Any:
    """A delay in ``unit`` (``"ms"`` or ``"steps"``) as a whole number of steps (rounded to nearest)."""
    steps = delay / dt if unit == "ms" else delay
    return jnp.round(jnp.asarray(steps)).astype(jnp.int32) if hasattr(steps, "shape") else int(round(steps))


def ring_write(buffer: Any, ptr: Any, x: Any) -> Any:
    """``buffer`` (batch, L, n) with ``x`` (batch, n) written at slot ``ptr``."""
    return jax.lax.dynamic_update_slice_in_dim(buffer, x[:, None, :].astype(buffer.dtype), ptr, axis=1)


def ring_read(buffer: Any, ptr: Any, d: int) -> Any:
    """The input written ``d`` steps before the one at ``ptr``: slot ``(ptr - d) mod L``, (batch, n)."""
    return jax.lax.dynamic_index_in_dim(buffer, (ptr - d) % buffer.shape[1], axis=1, keepdims=False)


def ring_advance(ptr: Any, length: int) -> Any:
    """The next write position."""
    return (ptr + 1) % length


def ring_gather(buffer: Any, ptr: Any, delays: Any, weights: Any, pre: Any) -> Any:
    """``out[b, j] = sum_s weights[s, j] * buffer[b, (ptr - delays[s, j]) mod L, pre[s, j]]`` -> (batch, n_out).

    ``delays``, ``weights`` and ``pre`` are ``(k, n_out)`` (``k = n_in`` and ``pre[s, j] = s`` for a
    dense matrix). One sample at a time, so that no ``(batch, k, n_out)`` array is formed."""
    length, n = buffer.shape[1], buffer.shape[2]
    flat = ((ptr - delays) % length) * n + pre
    return jax.lax.map(lambda b: jnp.sum(b.reshape(-1)[flat] * weights, axis=0), buffer)
