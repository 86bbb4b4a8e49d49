"""GaussianErrorCell: the error unit of a Gaussian likelihood with standard deviation ``sigma``.

With ``e = target - mu`` and ``Sigma = sigma^2`` (the variance), per unit::

    L       = sum over units of -e^2 / (2 Sigma)          (log N(target; mu, Sigma) + const)
    dmu     = modulator * mask *  e / Sigma               (dL/dmu: the precision-weighted error)
    dtarget = modulator * mask * -e / Sigma               (dL/dtarget)

masked units (``mask = 0``) contribute nothing (see :mod:`.error_cells`). Computed once per step,
no dynamics. ``sigma = 1`` gives the squared-error energy of predictive coding,
``L = -0.5 ||target - mu||^2``, ``dmu = target - mu``.

Rao, R. P. N. & Ballard, D. H. (1999), "Predictive coding in the visual cortex", Nat. Neurosci.
2:79-87; Whittington, J. C. R. & Bogacz, R. (2017), "An approximation of the error
backpropagation algorithm in a predictive coding network with local Hebbian synaptic plasticity",
Neural Comput. 29:1229-1262.
"""

from __future__ import annotations

from typing import Any

from contexts.params import count, positive

from .error_cells import _ErrorCell


class GaussianErrorCell(_ErrorCell):
    """Gaussian error unit: ``dmu = (target - mu) / sigma^2``, ``L = -sum (target - mu)^2 / (2 sigma^2)``.

    Parameters (defaults):
        n_units: number of units.
        sigma: standard deviation, in the units of mu (1); the variance is ``sigma^2``.

    Compartments:
        mu (input, (batch, n_units)): prediction (mean).
        target (input, (batch, n_units)): observed value.
        modulator (input, (batch, n_units)): gain on the derivatives; starts at 1, optional.
        mask (input, (batch, n_units)): 1 observed, 0 masked; starts at 1, optional.
        dmu (output, (batch, n_units)): dL/dmu, gated.
        dtarget (output, (batch, n_units)): dL/dtarget, gated.
        L (output, (batch,)): log-likelihood up to a constant, per sample.
    """

    prediction = "mu"
    param_rules = {"n_units": count(), "sigma": positive()}

    def __init__(self, name: str, n_units: int, sigma: float = 1.0):
        super().__init__(name)
        self.sigma = sigma
        self.declare(n_units, "prediction (mean)")

    def terms(self, c: Any) -> tuple:
        variance = self.sigma ** 2
        e = c.target - c.mu
        return -0.5 * e * e / variance, e / variance, -e / variance
