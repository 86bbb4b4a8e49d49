"""VQSynapse: vector quantisation (online k-means) and learning vector quantisation (LVQ1)."""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp

from contexts import Input, Output, Param, State
from contexts.params import choice, count, integer, nonnegative, positive

from ..rules.competitive import DISTANCES, prototype_update, winners
from .dense import DenseSynapse


class VQSynapse(DenseSynapse):
    """Competitive prototypes: the winner moves toward each sample (VQ) or, with labels, toward or away (LVQ1).

    Forward (``advance``), per sample: ``c = argmin_j d(x, w_j)``, ``outputs = onehot(c)`` and, with
    ``n_labels > 0``, ``pred_labels = onehot(c) @ unit_labels^T`` (the winner's class).

    Learning (``evolve``)::

        VQ   (n_labels = 0):  w_c <- w_c + eta mean_batch (x - w_c)                   (online k-means)
        LVQ1 (n_labels > 0):  w_c <- w_c + eta mean_batch sign (x - w_c),  sign = +1 if the winner's
                              class is the sample's (``labels``), -1 otherwise
        eta <- max(eta - eta_decrement, eta_min)

    Unit ``j`` of an LVQ layer belongs to class ``j mod n_labels``. Online k-means converges to a
    local minimum of the quantisation error ``sum ||x - w_c||^2`` (MacQueen 1967); LVQ1 pushes the
    class borders toward the Bayes borders (Kohonen 1990).

    Args:
        name: component name.
        n_inputs: input dimension.
        n_units: number of prototypes (codebook size).
        eta: initial learning rate (default 0.1).
        eta_decrement: linear decrease of eta per update (default 0).
        eta_min: smallest eta (default 1e-5).
        distance: ``"euclidean"`` (default), ``"manhattan"`` or ``"cosine"``.
        n_labels: number of classes for LVQ1 (default 0: unsupervised VQ).
        weight_init: as :class:`DenseSynapse`; an explicit ``(n_inputs, n_units)`` array sets the
            initial prototypes.

    Compartments: ``inputs`` (input, (batch, n_inputs)), ``labels`` (input, (batch, n_labels), one-hot;
    LVQ only), ``outputs`` (output, (batch, n_units): winner one-hot), ``pred_labels`` (output, LVQ
    only), ``weights`` (param), ``unit_labels`` (param, (n_labels, n_units); LVQ only), ``eta_t``
    (param: the current rate), ``dWeights`` (state). References: MacQueen (1967) Proc. 5th Berkeley
    Symp. 1:281; Kohonen (1990) "The self-organizing map", Proc. IEEE 78:1464.
    """

    param_rules = {"n_inputs": count(), "n_units": count(), "eta": positive(), "eta_decrement": nonnegative(),
                   "eta_min": nonnegative(), "distance": choice(*DISTANCES), "n_labels": integer(0)}

    def __init__(self, name: str, n_inputs: int, n_units: int, eta: float = 0.1, eta_decrement: float = 0.0,
                 eta_min: float = 1e-5, distance: str = "euclidean", n_labels: int = 0,
                 weight_init: dict | None = None):
        super().__init__(name, (n_inputs, n_units), weight_init, None, 1.0, 1.0, layout="dense")
        self.n_inputs, self.n_units, self.eta, self.eta_decrement = n_inputs, n_units, eta, eta_decrement
        self.eta_min, self.distance, self.n_labels = eta_min, distance, n_labels
        self.eta_t = Param((), init=eta, doc="current learning rate")
        self.dWeights = State((n_inputs, n_units), batched=False, doc="last update (after eta)")
        if n_labels > 0:
            own = jnp.asarray(jnp.arange(n_units) % n_labels)
            self.labels = Input((n_labels,), doc="class of each sample, one-hot")
            self.pred_labels = Output((n_labels,), doc="class of the winner, one-hot")
            self.unit_labels = Param((n_labels, n_units), doc="class of each prototype, one-hot",
                                     init=lambda k, s, d: jax.nn.one_hot(own, n_labels, dtype=d).T)

    def advance_state(self, c: Any, *, t: Any, dt: float, key: Any) -> dict:
        win = jax.nn.one_hot(winners(c.inputs, c.weights, self.distance), self.n_units, dtype=c.inputs.dtype)
        if self.n_labels > 0:
            return {"outputs": win, "pred_labels": win @ c.unit_labels.T}
        return {"outputs": win}

    def evolve(self, c: Any, *, t: Any, dt: float, key: Any) -> dict:
        h = c.outputs
        if self.n_labels > 0:
            same = jnp.sum((c.outputs @ c.unit_labels.T) * c.labels, axis=1, keepdims=True)
            h = h * (2.0 * same - 1.0)
        dW = c.eta_t * prototype_update(c.inputs, c.weights, h)
        eta = jnp.maximum(c.eta_t - self.eta_decrement, self.eta_min)
        return {"weights": c.weights + dW, "dWeights": dW, "eta_t": eta}
