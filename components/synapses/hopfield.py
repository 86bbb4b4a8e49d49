"""HopfieldSynapse: a Hopfield network, Hebbian storage and energy-descending recall."""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp

from contexts import Output
from contexts.params import choice, count, positive

from ..rules.competitive import hopfield_energy
from .dense import DenseSynapse

MODES = ("async", "sync")


def _sign(h: Any, s: Any) -> Any:
    """``sign(h)``, keeping the old state where the field is exactly 0."""
    return jnp.where(h > 0, 1.0, jnp.where(h < 0, -1.0, s)).astype(s.dtype)


class HopfieldSynapse(DenseSynapse):
    """Binary Hopfield network (Hopfield 1982): Hebbian storage, recall by energy descent.

    Units ``s_i = +-1``; symmetric weights ``W`` (zero diagonal) and biases ``b``. Commands:

    - ``load``: ``s <- sign(inputs)`` (the probe; a 0 entry becomes +1).
    - ``advance``: one recall step. ``mode="async"`` sweeps the units in index order,
      ``s_i <- sign(sum_j W_ij s_j + b_i)`` one after the other (each flip lowers
      ``E = -1/2 s^T W s - b^T s``, so recall ends in a fixed point); ``mode="sync"`` updates all at
      once (may end in a 2-cycle).
    - ``evolve``: Hebbian storage of the patterns in ``inputs`` (``+-1``), summed over the batch::

          W <- W + (eta / N) (sum_b x_b^T x_b - diag),     i.e.  W = (1/N) sum_mu xi^mu xi^mu^T (zero diagonal)

      after storing each pattern once with ``eta = 1`` from ``W = 0``. About ``0.138 N`` random
      patterns can be stored and recalled (Amit, Gutfreund & Sompolinsky 1985).

    Args:
        name: component name.
        n_units: number of units ``N``.
        eta: storage rate (default 1).
        mode: ``"async"`` (default) or ``"sync"``.
        weight_init: as :class:`DenseSynapse` (default zeros: an empty memory).

    Compartments: ``inputs`` (input, (batch, N): probe or patterns to store), ``outputs`` (output,
    (batch, N): the state ``s``), ``energy`` (output, (batch,)), ``weights`` (param, (N, N)),
    ``biases`` (param, (N,)). Reference: Hopfield (1982) "Neural networks and physical systems with
    emergent collective computational abilities", PNAS 79:2554.
    """

    param_rules = {"n_units": count(), "eta": positive(), "mode": choice(*MODES)}

    def __init__(self, name: str, n_units: int, eta: float = 1.0, mode: str = "async",
                 weight_init: dict | None = None):
        weight_init = {"dist": "constant", "value": 0.0} if weight_init is None else weight_init
        super().__init__(name, (n_units, n_units), weight_init, None, 1.0, 1.0, layout="dense")
        self.n_units, self.eta, self.mode = n_units, eta, mode
        self.energy = Output((), doc="E = -1/2 s^T W s - b^T s")

    def load(self, c: Any, *, t: Any, dt: float, key: Any) -> dict:
        s = jnp.where(c.inputs < 0, -1.0, 1.0).astype(c.inputs.dtype)
        return {"outputs": s, "energy": hopfield_energy(s, c.weights, c.biases)}

    def advance_state(self, c: Any, *, t: Any, dt: float, key: Any) -> dict:
        W, b, s = c.weights, c.biases, c.outputs
        if self.mode == "sync":
            s = _sign(s @ W + b, s)
        else:
            def one(i: Any, s: Any) -> Any:
                h = s @ W[:, i] + b[i]
                return s.at[:, i].set(_sign(h, s[:, i]))

            s = jax.lax.fori_loop(0, self.n_units, one, s)
        return {"outputs": s, "energy": hopfield_energy(s, W, b)}

    def evolve(self, c: Any, *, t: Any, dt: float, key: Any) -> dict:
        x = c.inputs
        dW = (x.T @ x) * (1.0 - jnp.eye(self.n_units, dtype=x.dtype)) / self.n_units
        return {"weights": c.weights + self.eta * dW}
