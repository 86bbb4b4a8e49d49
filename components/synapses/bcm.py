"""BCMSynapse: a dense synapse learnt by the BCM rule (Bienenstock, Cooper & Munro 1982).

ODEs (``x`` = ``pre``, ``y`` = ``post``; weights stored ``[pre, post]``; time in ms)::

    tau_w     dW_ij/dt    = -w_decay W_ij + x_i y_j (y_j - theta_j) / theta_j
    tau_theta dtheta_j/dt = -theta_j + <y_j^2>_batch

Discrete step computed by ``evolve`` (forward Euler, from W and theta before the step, as ngc-learn)::

    phi      = y (y - theta) / (theta + 1e-7)
    dWeights = soft_bound(x^T phi) - w_decay W      (x^T phi summed over the batch; soft bound
                                                     (w_bound - |W|) when w_bound > 0)
    W        <- clip(W + dWeights dt / tau_w, -w_bound, w_bound) * mask   (clip only when w_bound > 0)
    theta    <- theta + (mean_batch(y^2) - theta) dt / tau_theta

Compartments:
    inputs (input, (batch, n_in)), outputs (output, (batch, n_out)), weights, biases, mask: DenseSynapse
    pre (input, (batch, n_in)):   presynaptic activity x
    post (input, (batch, n_out)): postsynaptic activity y
    theta (param, (n_out,)):      sliding modification threshold; a Param, so it persists across
                                  ``reset`` between patterns/trials (it is a slow running average)
    dWeights (state, (n_in, n_out)): last update, before dt/tau_w

Parameters (defaults): tau_w=1000.0 ms, tau_theta=100.0 ms (theta must be faster than W for
stability), theta0=1.0 (> 0 required: ngc-learn's -1 inverts the rule until theta crosses 0, where
1/theta explodes), w_bound=0.0 (0 disables bounding), w_decay=0.0; weight_init, resist_scale, p_conn,
connectivity, weight_mask (as DenseSynapse).
"""

from __future__ import annotations

from typing import Any

from contexts import Input, Param, State
from contexts.params import ParameterError, euler_stable, nonnegative, positive

from ..rules.bcm import bcm_update, theta_step
from ..rules.bounds import clip_range, soft_bound, weight_decay
from .dense import DenseSynapse


def _decay_stable(p: dict, dt: float, owner: str) -> None:
    # the decay term alone is W <- W (1 - w_decay dt / tau_w): it diverges when that factor is below -1
    if p["w_decay"] * dt > 2.0 * p["tau_w"]:
        err = ParameterError(f"{owner}: w_decay = {p['w_decay']:g} with tau_w = {p['tau_w']:g} ms decays by more than "
                             f"twice W per step of dt = {dt:g} ms, so W diverges; use w_decay <= 2 tau_w / dt = "
                             f"{2 * p['tau_w'] / dt:g}")
        err.component, err.parameter = owner, "w_decay"
        raise err


class BCMSynapse(DenseSynapse):
    """BCM synapse with a sliding threshold (Bienenstock, Cooper & Munro 1982). See the module docstring."""

    param_rules = {"tau_w": positive("ms"), "tau_theta": positive("ms"),
                   "theta0": positive(fix="the threshold tracks <y^2> >= 0; a start <= 0 inverts the rule and "
                                          "divides by ~0, e.g. use theta0=1.0"),
                   "w_bound": nonnegative(fix="use 0 for no bound"), "w_decay": nonnegative(fix="use 0 for no decay")}
    param_checks = (euler_stable("tau_theta"), euler_stable("tau_w"), _decay_stable)

    def __init__(self, name: str, shape: tuple, tau_w: float = 1000.0, tau_theta: float = 100.0,
                 theta0: float = 1.0, w_bound: float = 0.0, w_decay: float = 0.0, weight_init: dict | None = None,
                 resist_scale: float = 1.0, p_conn: float = 1.0, connectivity: Any = None, weight_mask: Any = None):
        super().__init__(name, shape, weight_init, None, resist_scale, p_conn, "dense", connectivity, weight_mask)
        self.tau_w, self.tau_theta, self.theta0 = tau_w, tau_theta, theta0
        self.w_bound, self.w_decay = w_bound, w_decay
        n_in, n_out = self.shape
        self.pre = Input((n_in,), doc="presynaptic activity x")
        self.post = Input((n_out,), doc="postsynaptic activity y")
        self.theta = Param((n_out,), init=self.theta0, doc="sliding modification threshold (kept by reset)")
        self.dWeights = State((n_in, n_out), batched=False, doc="last update, before dt/tau_w")

    def evolve(self, c: Any, *, t: Any, dt: float, key: Any) -> dict:
        W = c.weights
        dW = soft_bound(bcm_update(c.pre, c.post, c.theta), W, self.w_bound) + weight_decay(W, self.w_decay)
        dW = dW * c.mask
        low, high = clip_range(self.w_bound, False)
        weights = self.constrain(W + dW * (dt / self.tau_w), c, low, high)
        return {"weights": weights, "theta": theta_step(c.theta, c.post, dt, self.tau_theta), "dWeights": dW}
