"""REINFORCESynapse: a layer of stochastic units trained by REINFORCE (Williams 1992)."""

from __future__ import annotations

from typing import Any

import jax.numpy as jnp

from contexts import Input, State
from contexts.params import choice, nonnegative, positive, real

from ..rules.bounds import clip_range
from ..rules.reinforce import UNITS, reinforce_update, sample_unit, unit_mean
from .dense import DenseSynapse


class REINFORCESynapse(DenseSynapse):
    """Stochastic units driven through plastic weights, learning from a scalar reward (Williams 1992).

    Forward (``advance``), per sample, ``a = inputs @ (W * resist_scale) + b``::

        bernoulli:  p = sigmoid(a),  outputs = y ~ Bernoulli(p)          (a spike with probability p)
        gaussian:   mu = a,          outputs = y ~ N(mu, sigma^2)

    Learning (``evolve``), with ``r`` the reward of each sample and ``rbar`` the baseline::

        e = y - p  (bernoulli)   |   e = (y - mu) / sigma^2  (gaussian)
        W <- clip(W + eta sum_batch (r - rbar) x^T e, -w_bound, w_bound) * mask      (w_bound = 0: no clip)
        b <- b + eta sum_batch (r - rbar) e
        rbar <- rbar + baseline_rate (mean_batch(r) - rbar)

    ``E[dW] = eta dE[r]/dW``: the update follows the gradient of the expected reward (Williams'
    Theorem 1). Wire the reward from anything (``W.rewards << critic.outputs``); it must be the
    reward of the outputs drawn in the same step (run ``advance``, compute the reward, then
    ``evolve``).

    Args:
        name: component name.
        shape: ``(n_in, n_out)``.
        unit: ``"bernoulli"`` (default; stochastic spiking units) or ``"gaussian"``.
        eta: learning rate (default 0.01).
        sigma: standard deviation of the Gaussian unit (default 1; unused by ``bernoulli``).
        baseline_rate: in [0, 1]; 0 (default) keeps ``rbar = 0`` (plain REINFORCE).
        w_bound: hard bound on |W| (default 0: none).
        weight_init, bias_init, resist_scale, p_conn: as :class:`DenseSynapse`.

    Compartments: ``inputs`` (input, (batch, n_in)), ``rewards`` (input, (batch,)), ``outputs``
    (output, (batch, n_out): the samples ``y``), ``mean`` (state, (batch, n_out): ``p`` or ``mu``),
    ``baseline`` (state, scalar), ``dWeights`` (state, (n_in, n_out)), ``weights``, ``biases``,
    ``mask``. Reference: Williams (1992) Mach. Learn. 8:229.
    """

    param_rules = {"unit": choice(*UNITS), "sigma": positive(), "baseline_rate": real(0.0, 1.0),
                   "w_bound": nonnegative(fix="0 for no bound")}

    def __init__(self, name: str, shape: tuple, unit: str = "bernoulli", eta: float = 0.01, sigma: float = 1.0,
                 baseline_rate: float = 0.0, w_bound: float = 0.0, weight_init: dict | None = None,
                 bias_init: dict | None = None, resist_scale: float = 1.0, p_conn: float = 1.0):
        super().__init__(name, shape, weight_init, bias_init, resist_scale, p_conn, layout="dense")
        self.unit, self.eta, self.sigma, self.baseline_rate, self.w_bound = unit, eta, sigma, baseline_rate, w_bound
        n_in, n_out = self.shape
        self.rewards = Input((), doc="reward r of this step's outputs, one per sample")
        self.mean = State((n_out,), doc="spike probability p (bernoulli) or mean mu (gaussian)")
        self.baseline = State((), batched=False, doc="reinforcement baseline rbar")
        self.dWeights = State((n_in, n_out), batched=False, doc="last update before eta (summed over batch)")

    def advance_state(self, c: Any, *, t: Any, dt: float, key: Any) -> dict:
        mean = unit_mean(self.transmit(c) * self.resist_scale + c.biases, self.unit)
        return {"outputs": sample_unit(key, mean, self.unit, self.sigma), "mean": mean}

    def evolve(self, c: Any, *, t: Any, dt: float, key: Any) -> dict:
        dW, db = reinforce_update(c.inputs, c.outputs, c.mean, c.rewards - c.baseline, unit=self.unit,
                                  sigma=self.sigma)
        low, high = clip_range(self.w_bound, False)
        baseline = c.baseline + self.baseline_rate * (jnp.mean(c.rewards) - c.baseline)
        return {"weights": self.constrain(c.weights + self.eta * dW, c, low, high),
                "biases": c.biases + self.eta * db, "baseline": baseline, "dWeights": dW}
