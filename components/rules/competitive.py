"""Competitive learning as pure functions of batched arrays: distances, winners, SOM neighbourhoods,
the Kohonen / vector-quantisation updates and the Hopfield energy.

Weights are ``[input, unit]`` (column ``j`` is unit ``j``'s prototype ``w_j``); inputs ``(batch, n_in)``.

- distances: ``euclidean`` ``||x - w_j||``, ``manhattan`` ``||x - w_j||_1``, ``cosine`` ``1 - cos(x, w_j)``.
- winner (best-matching unit): ``c = argmin_j d(x, w_j)``.
- Kohonen (1982) self-organising map: ``w_j <- w_j + eta h_cj (x - w_j)`` with the neighbourhood
  ``h_cj = exp(-|r_c - r_j|^2 / (2 sigma^2))`` on grid positions ``r`` (``gaussian``), or the
  Ricker "Mexican hat" ``h (1 - |r_c - r_j|^2 / sigma^2)`` clipped at 0 (``ricker``).
- vector quantisation (online k-means, MacQueen 1967) is the SOM without neighbours,
  ``h_cj = [j = c]``; LVQ1 (Kohonen 1990) signs the step by the label, ``+`` if the winner's label
  is the sample's, ``-`` otherwise.
- Hopfield (1982) energy ``E(s) = -1/2 s^T W s - b^T s``.
"""

from __future__ import annotations

from typing import Any

import jax.numpy as jnp
import numpy as np

DISTANCES = ("euclidean", "manhattan", "cosine")
NEIGHBOURHOODS = ("gaussian", "ricker")


def distances(x: Any, W: Any, kind: str = "euclidean") -> Any:
    """``(batch, n_units)`` distance of each sample to each prototype (columns of ``W``)."""
    if kind == "cosine":
        cos = (x @ W) / (jnp.linalg.norm(x, axis=1, keepdims=True) * jnp.linalg.norm(W, axis=0, keepdims=True))
        return 1.0 - cos
    delta = x[:, :, None] - W[None]
    if kind == "manhattan":
        return jnp.sum(jnp.abs(delta), axis=1)
    return jnp.sqrt(jnp.sum(delta * delta, axis=1))


def winners(x: Any, W: Any, kind: str = "euclidean") -> Any:
    """Index of the best-matching unit per sample, ``(batch,)`` int32."""
    return jnp.argmin(distances(x, W, kind), axis=1).astype(jnp.int32)


def grid_positions(n_x: int, n_y: int) -> np.ndarray:
    """``(n_x * n_y, 2)`` positions of the units on a rectangular grid; unit ``i n_y + j`` sits at ``(i, j)``."""
    i, j = np.meshgrid(np.arange(n_x), np.arange(n_y), indexing="ij")
    return np.stack([i.ravel(), j.ravel()], axis=1).astype(np.float32)


def neighbourhood(bmu: Any, positions: Any, sigma: Any, kind: str = "gaussian") -> Any:
    """``(batch, n_units)`` neighbourhood ``h_cj`` of each sample's winner ``c`` at width ``sigma``."""
    d2 = jnp.sum((positions[None, :, :] - positions[bmu][:, None, :]) ** 2, axis=2)
    h = jnp.exp(-d2 / (2.0 * sigma**2))
    if kind == "ricker":
        h = jnp.maximum(h * (1.0 - d2 / sigma**2), 0.0)
    return h


def prototype_update(x: Any, W: Any, h: Any) -> Any:
    """``mean_batch h_bj (x_b - w_j)``, shape ``(n_in, n_units)``: every prototype moves toward the
    samples by its neighbourhood weight (batch mean: a batch acts as one averaged sample)."""
    return jnp.mean(h[:, None, :] * (x[:, :, None] - W[None]), axis=0)


def hopfield_energy(s: Any, W: Any, b: Any) -> Any:
    """``E = -1/2 s^T W s - b^T s`` per sample, ``(batch,)``."""
    return -0.5 * jnp.sum((s @ W) * s, axis=1) - s @ b
