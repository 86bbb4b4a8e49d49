"""BernoulliErrorCell: the error unit of a Bernoulli likelihood (binary targets).

With probability ``p`` (or ``p = sigmoid(z)`` for a logit ``z`` when ``input_logits``) and target
``x`` in [0, 1], per unit::

    L       = sum over units of x log p + (1 - x) log(1 - p)
    dp      = modulator * mask * (x / p - (1 - x) / (1 - p))     (dL/dp, probabilities)
            = modulator * mask * (x - sigmoid(z))                (dL/dz, logits)
    dtarget = modulator * mask * (log p - log(1 - p))            (dL/dx: the logit of p)

Probabilities are clipped to ``[eps, 1 - eps]`` (``eps = 1e-4``) before the logs and divisions;
with logits the logs are computed as ``-softplus(-z)`` and ``-softplus(z)``, finite for any z.
Masked units contribute nothing (see :mod:`.error_cells`). Computed once per step, no dynamics.
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp

from contexts.params import count, flag

from .error_cells import _ErrorCell

EPS = 1e-4


class BernoulliErrorCell(_ErrorCell):
    """Bernoulli error unit: ``L = sum x log p + (1 - x) log(1 - p)`` and its derivatives.

    Parameters (defaults):
        n_units: number of units.
        input_logits: ``p`` holds logits z, ``p = sigmoid(z)`` (False: probabilities).

    Compartments:
        p (input, (batch, n_units)): prediction, a probability (or a logit).
        target (input, (batch, n_units)): observed value x in [0, 1].
        modulator (input, (batch, n_units)): gain on the derivatives; starts at 1, optional.
        mask (input, (batch, n_units)): 1 observed, 0 masked; starts at 1, optional.
        dp (output, (batch, n_units)): dL/dp (or dL/dz with logits), gated.
        dtarget (output, (batch, n_units)): dL/dx, gated.
        L (output, (batch,)): log-likelihood, per sample.
    """

    prediction = "p"
    param_rules = {"n_units": count(), "input_logits": flag()}

    def __init__(self, name: str, n_units: int, input_logits: bool = False):
        super().__init__(name)
        self.input_logits = input_logits
        self.declare(n_units, "probability of 1 (or its logit)")

    def terms(self, c: Any) -> tuple:
        x = c.target
        if self.input_logits:
            log_p, log_q = -jax.nn.softplus(-c.p), -jax.nn.softplus(c.p)
            d_pred = x - jax.nn.sigmoid(c.p)
        else:
            p = jnp.clip(c.p, EPS, 1.0 - EPS)
            log_p, log_q = jnp.log(p), jnp.log1p(-p)
            d_pred = x / p - (1.0 - x) / (1.0 - p)
        return x * log_p + (1.0 - x) * log_q, d_pred, log_p - log_q
