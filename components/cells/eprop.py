"""e-prop neurons and readouts (Bellec et al. 2020, Nat. Commun. 11:3625; NEST ``eprop_iaf_bsshslm_2020``,
``eprop_iaf_adapt_bsshslm_2020`` and ``eprop_readout_bsshslm_2020``).

Units: time in ms (``dt`` from the Context), potentials in the normalised units of the e-prop papers
(``v_th = 0.03`` or ``0.6``), rates in Hz. The maths lives in :mod:`components.rules.eprop`.
"""

from __future__ import annotations

import math
from typing import Any, Sequence

import jax.numpy as jnp
import numpy as np

from contexts import Component, Input, Output, State
from contexts.errors import ValidationError
from contexts.params import choice, count, nonnegative, positive

from ..rules.eprop import INPUT_MODES, decay, input_factor, neuron_step, readout_error

LOSSES = ("mse", "cross_entropy")


#: beyond this many steps a refractory period or delay is "forever" (and still fits int32)
MAX_STEPS = 2**30


class _EpropNeuron(Component):
    """Shared body of the e-prop LIF and ALIF neurons."""

    param_rules = {"n_units": count(), "tau_m": positive("ms"), "v_th": positive(), "t_ref": nonnegative("ms"),
                   "input_mode": choice(*INPUT_MODES, fix="'leaky' scales the input by 1 - exp(-dt/tau_m) as in "
                                        "NEST's regression tutorial"),
                   "tau_a": positive("ms")}

    def __init__(self, name: str, n_units: int, tau_m: float, v_th: float, gamma: float, t_ref: float,
                 input_mode: str, tau_a: float | None, beta: float | Sequence[float]):
        super().__init__(name)
        if np.ndim(beta) not in (0, 1) or (np.ndim(beta) == 1 and len(beta) != n_units):
            raise ValidationError(f"{name}: beta must be a number or a list of n_units={n_units} numbers")
        self.n_units = int(n_units)
        self.tau_m = tau_m
        self.v_th = v_th
        self.gamma = gamma
        self.t_ref = t_ref
        self.input_mode = input_mode
        self.j = Input((n_units,), doc="synaptic input: x @ W_in + z_prev @ W_rec")
        self.v = State((n_units,), doc="membrane potential")
        self.s = Output((n_units,), doc="spikes z (0/1)")
        self.psi = Output((n_units,), doc="pseudo-derivative psi = dz/dv (surrogate)")
        self.r = State((n_units,), doc="refractory steps left")

    def _step(self, c: Any, dt: float, a: Any, beta: Any, rho: float) -> tuple:
        alpha = decay(self.tau_m, dt)
        return neuron_step(c.v, c.s, c.r, a, c.j, alpha=alpha, c_in=input_factor(self.input_mode, alpha),
                           v_th=self.v_th, gamma=self.gamma, beta=beta, rho=rho,
                           t_ref=min(round(float(self.t_ref) / dt), MAX_STEPS))


class EpropLIFCell(_EpropNeuron):
    """Leaky integrate-and-fire neuron for e-prop, reset by subtraction (NEST ``eprop_iaf_bsshslm_2020``).

    Per step (``z_prev`` = own spikes of the previous step, ``alpha = exp(-dt/tau_m)``)::

        v   = alpha v + c_in j - v_th z_prev          c_in = 1 - alpha ("leaky") or 1 ("direct")
        z   = v >= v_th  (and not refractory)
        psi = gamma / v_th * max(0, 1 - |v - v_th| / v_th)   (0 while refractory)

    Compartments:
        j (input, (batch, n)): summed synaptic input; v (state): membrane potential;
        s (output): spikes z; psi (output): pseudo-derivative; r (state): refractory steps left.

    Parameters: tau_m = 30 ms, v_th = 0.03, gamma = 0.3 (pseudo-derivative height), t_ref = 0 ms,
    input_mode = "leaky" (the regression tutorial) or "direct" (the classification tutorial).
    """

    def __init__(self, name: str, n_units: int, tau_m: float = 30.0, v_th: float = 0.03, gamma: float = 0.3,
                 t_ref: float = 0.0, input_mode: str = "leaky"):
        super().__init__(name, n_units, tau_m, v_th, gamma, t_ref, input_mode, None, 0.0)

    def advance_state(self, c: Any, *, t: Any, dt: float, key: Any) -> dict:
        v, z, psi, r, _, _ = self._step(c, dt, 0.0, 0.0, 0.0)
        return {"v": v, "s": z, "psi": psi, "r": r}


class EpropALIFCell(_EpropNeuron):
    """Adaptive LIF neuron for e-prop (NEST ``eprop_iaf_adapt_bsshslm_2020``; Bellec et al. 2020, Methods).

    Per step (``rho = exp(-dt/tau_a)``)::

        v   = alpha v + c_in j - v_th z_prev
        a   = rho a + z_prev ;   A = v_th + beta a                 (adaptive threshold)
        psi = gamma / v_th * max(0, 1 - |v - A| / v_th)  (0 while refractory)
        z   = v >= A  (and not refractory)

    ``psi_beta = psi * beta`` is the adaptation eligibility term: a synapse onto this cell updates its
    adaptation eligibility ``eps_a = rho eps_a + e`` with ``e = psi zbar - psi_beta eps_a``
    (:class:`~components.synapses.eprop.EpropSynapse` with ``tau_a`` set and ``post_psi_beta`` wired).

    Compartments: those of :class:`EpropLIFCell` plus a (state): adaptation; thr (output): A;
    psi_beta (output): psi * beta.

    Parameters: as EpropLIFCell (defaults of the classification tutorial: tau_m = 20 ms, v_th = 0.6,
    t_ref = 5 ms, input_mode "direct"), tau_a = 2000 ms, beta: a number or one per unit; None gives
    NEST's tutorial value ``1.7 (1 - rho) / (1 - alpha)``. beta = 0 units are plain LIF, so one cell
    can hold the 50 LIF + 50 ALIF population of the evidence-accumulation task.
    """

    def __init__(self, name: str, n_units: int, tau_m: float = 20.0, v_th: float = 0.6, gamma: float = 0.3,
                 t_ref: float = 5.0, input_mode: str = "direct", tau_a: float = 2000.0,
                 beta: float | Sequence[float] | None = None):
        super().__init__(name, n_units, tau_m, v_th, gamma, t_ref, input_mode, tau_a, 0.0 if beta is None else beta)
        self.tau_a = tau_a
        self.beta = list(beta) if isinstance(beta, (list, tuple, np.ndarray)) else beta
        self.a = State((n_units,), doc="threshold adaptation")
        self.thr = Output((n_units,), init=v_th, doc="adaptive threshold A = v_th + beta a")
        self.psi_beta = Output((n_units,), doc="adaptation eligibility term psi * beta")

    def beta_value(self, dt: float = 1.0) -> Any:
        """beta as an array of shape (n_units,) (the tutorial default when beta is None)."""
        if self.beta is None:
            # (1 - rho) / (1 - alpha) through expm1: stays finite (-> tau_m / tau_a) for very long tau_m
            return np.full(self.n_units, 1.7 * math.expm1(-dt / self.tau_a) / math.expm1(-dt / self.tau_m))
        return np.broadcast_to(np.asarray(self.beta, float), (self.n_units,))

    def advance_state(self, c: Any, *, t: Any, dt: float, key: Any) -> dict:
        beta = jnp.asarray(self.beta_value(dt), c.v.dtype)
        v, z, psi, r, a, thr = self._step(c, dt, c.a, beta, decay(self.tau_a, dt))
        return {"v": v, "s": z, "psi": psi, "r": r, "a": a, "thr": thr, "psi_beta": psi * beta}


class EpropReadoutCell(Component):
    """Leaky readout of e-prop (NEST ``eprop_readout_bsshslm_2020``) with its error and loss.

    Per step (``kappa = exp(-dt/tau_out)``, ``m`` = the learning-window mask)::

        y   = kappa y + (1 - kappa) j
        mse:            err = m (y - y*),           loss = m * 0.5 sum (y - y*)^2 / loss_norm
        cross_entropy:  pi = softmax(y), err = m (pi - y*),  loss = -m sum y* log pi / loss_norm

    Compartments:
        j (input, (batch, n)): z @ W_out; target (input, (batch, n)): y* (one-hot for classification);
        mask (input, (batch, 1), optional, default 1): learning window;
        y (output): readout; pred (output): y or softmax(y); error (output): err, sent back as the
        learning signal; loss (output, (batch,)): this step's loss per sample.

    Parameters: tau_out = 30 ms, loss_type = "mse" | "cross_entropy", loss_norm = 1 (e.g. 150, the recall
    window length, in the classification tutorial).
    """

    param_rules = {"n_units": count(), "tau_out": positive("ms"), "loss_norm": positive(),
                   "loss_type": choice(*LOSSES, fix="'mse' for regression, 'cross_entropy' for classification")}

    def __init__(self, name: str, n_units: int, tau_out: float = 30.0, loss_type: str = "mse", loss_norm: float = 1.0):
        super().__init__(name)
        self.n_units = int(n_units)
        self.tau_out = tau_out
        self.loss_type = loss_type
        self.loss_norm = loss_norm
        self.j = Input((n_units,), doc="z @ W_out")
        self.target = Input((n_units,), doc="target y* (one-hot labels for cross_entropy)")
        self.mask = Input((1,), init=1.0, required=False, doc="learning-window mask (1 inside, 0 outside)")
        self.y = Output((n_units,), doc="leaky readout")
        self.pred = Output((n_units,), doc="prediction: y (mse) or softmax(y) (cross_entropy)")
        self.error = Output((n_units,), doc="error: mask * (pred - target)")
        self.loss = Output((), doc="this step's loss per sample")

    def advance_state(self, c: Any, *, t: Any, dt: float, key: Any) -> dict:
        kappa = decay(self.tau_out, dt)
        y = kappa * c.y + (1.0 - kappa) * c.j
        err, loss, pred = readout_error(y, c.target, self.loss_type, c.mask)
        return {"y": y, "pred": pred, "error": err, "loss": loss / self.loss_norm}
