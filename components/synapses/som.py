"""SOMSynapse: Kohonen's self-organising map."""

from __future__ import annotations

import math
from typing import Any

import jax
import jax.numpy as jnp

from contexts import Param, State
from contexts.params import choice, count, optional, positive, real

from ..rules.competitive import DISTANCES, NEIGHBOURHOODS, distances, grid_positions, neighbourhood, prototype_update
from .dense import DenseSynapse


class SOMSynapse(DenseSynapse):
    """Self-organising map on an ``n_units_x x n_units_y`` grid (Kohonen 1982).

    Each unit ``j`` has a prototype ``w_j`` (column ``j`` of ``weights``, ``(n_inputs, n_x n_y)``) and a
    grid position ``r_j``. Forward (``advance``), per sample::

        c = argmin_j d(x, w_j)                                 (best-matching unit, ``bmu``)
        outputs_j = h_cj = exp(-|r_c - r_j|^2 / (2 sigma^2))   (``gaussian``; ``ricker``: Mexican hat >= 0)

    Learning (``evolve``), with the schedules decayed first (per update; Euler steps of
    ``d eta/dk = -eta / tau_eta`` and ``d sigma/dk = -sigma / tau_sigma``)::

        sigma <- sigma (1 - 1/tau_sigma),   eta <- eta (1 - 1/tau_eta)
        W <- W + eta mean_batch h_cj (x - w_j)

    (``h`` from the forward step, with the width before this decay). The map becomes topographic:
    neighbouring units come to prefer neighbouring inputs. ngc-learn's ``SOMSynapse`` schedule:
    ``sigma0 = max(n_x, n_y) / 2``, ``tau_eta = 50000``, ``tau_sigma = tau_eta / ln(sigma0)``.

    Args:
        name: component name.
        n_inputs: input dimension.
        n_units_x, n_units_y: grid size (``n_units_y = 1`` for a 1-D map).
        eta: initial learning rate (default 0.5).
        sigma0: initial neighbourhood width in grid units (default ``max(n_x, n_y) / 2``).
        tau_eta: decay of eta, in updates, >= 1 (default 50000).
        tau_sigma: decay of sigma, in updates, >= 1 (default ``tau_eta / ln(sigma0)``, or ``tau_eta`` when
            ``sigma0 <= 1``).
        distance: ``"euclidean"`` (default), ``"manhattan"`` or ``"cosine"``.
        neighbourhood: ``"gaussian"`` (default) or ``"ricker"``.
        weight_init: as :class:`DenseSynapse` (default U(0.025, 0.8)).

    Compartments: ``inputs`` (input, (batch, n_inputs)), ``outputs`` (output, (batch, n_units): the
    neighbourhood of the winner), ``bmu`` (state, (batch,), int32), ``weights`` (param), ``eta_t``,
    ``sigma_t`` (params, scalars: the current schedule, kept by ``reset``), ``dWeights`` (state).
    Reference: Kohonen (1982) "Self-organized formation of topologically correct feature maps",
    Biol. Cybern. 43:59.
    """

    param_rules = {"n_inputs": count(), "n_units_x": count(), "n_units_y": count(), "eta": positive(),
                   "sigma0": optional(positive()), "tau_eta": real(1.0, fix="in updates, at least 1"),
                   "tau_sigma": optional(real(1.0, fix="in updates, at least 1")), "distance": choice(*DISTANCES),
                   "neighbourhood": choice(*NEIGHBOURHOODS)}

    def __init__(self, name: str, n_inputs: int, n_units_x: int, n_units_y: int = 1, eta: float = 0.5,
                 sigma0: float | None = None, tau_eta: float = 50000.0, tau_sigma: float | None = None,
                 distance: str = "euclidean", neighbourhood: str = "gaussian", weight_init: dict | None = None):
        super().__init__(name, (n_inputs, n_units_x * n_units_y), weight_init, None, 1.0, 1.0, layout="dense")
        self.n_inputs, self.n_units_x, self.n_units_y = n_inputs, n_units_x, n_units_y
        self.eta, self.tau_eta, self.distance, self.neighbourhood = eta, tau_eta, distance, neighbourhood
        self.sigma0 = float(max(n_units_x, n_units_y)) / 2.0 if sigma0 is None else sigma0
        if tau_sigma is None:
            tau_sigma = tau_eta / math.log(self.sigma0) if self.sigma0 > 1.0 else tau_eta
        self.tau_sigma = tau_sigma
        self.positions = grid_positions(n_units_x, n_units_y)
        n_units = n_units_x * n_units_y
        self.bmu = State((), dtype="int32", doc="index of the best-matching unit")
        self.eta_t = Param((), init=eta, doc="current learning rate")
        self.sigma_t = Param((), init=self.sigma0, doc="current neighbourhood width (grid units)")
        self.dWeights = State((self.n_inputs, n_units), batched=False, doc="last update (after eta)")

    def advance_state(self, c: Any, *, t: Any, dt: float, key: Any) -> dict:
        bmu = jnp.argmin(distances(c.inputs, c.weights, self.distance), axis=1).astype(jnp.int32)
        h = neighbourhood(bmu, jnp.asarray(self.positions), c.sigma_t, self.neighbourhood)
        return {"bmu": bmu, "outputs": h.astype(c.inputs.dtype)}

    def evolve(self, c: Any, *, t: Any, dt: float, key: Any) -> dict:
        sigma = c.sigma_t * (1.0 - 1.0 / self.tau_sigma)
        eta = c.eta_t * (1.0 - 1.0 / self.tau_eta)
        dW = eta * prototype_update(c.inputs, c.weights, jax.lax.stop_gradient(c.outputs))
        return {"weights": c.weights + dW, "dWeights": dW, "eta_t": eta, "sigma_t": sigma}
