"""The machinery the error cells share: a prediction, a target, their derivatives, a modulator and
a mask (predictive coding's error units; Rao & Ballard 1999, Whittington & Bogacz 2017).

An error cell compares a prediction with a target under a likelihood ``p(target | prediction)``
and reports, each step (no dynamics: ``dt`` is not used):

    L       = log p(target | prediction), summed over units (one value per sample; additive
              constants of the density left out)
    d<pred> = modulator * mask * dL/d(prediction)
    dtarget = modulator * mask * dL/d(target)

``mask`` (0/1) says which units are observed: a masked unit adds nothing to L or to either
derivative. ``modulator`` scales the derivatives only (a neuromodulatory or attention gain).
Both are inputs that start at 1 and keep their value (wired or clamped) until ``reset``.
"""

from __future__ import annotations

from typing import Any

from contexts import Component, Input, Output


class _ErrorCell(Component):
    """Base of the error cells: declares the compartments and applies modulator and mask.

    Subclasses set ``prediction`` (the name of the prediction compartment: ``mu``, ``shift``, ``p``)
    and implement ``terms(c) -> (L per unit, dL/dprediction, dL/dtarget)``.
    """

    prediction = ""

    def declare(self, n_units: int, prediction_doc: str) -> None:
        self.n_units = n_units
        pred = self.prediction
        setattr(self, pred, Input((n_units,), doc=prediction_doc))
        self.target = Input((n_units,), doc="target (observed value)")
        setattr(self, f"d{pred}", Output((n_units,), doc=f"modulator * mask * dL/d{pred}"))
        self.dtarget = Output((n_units,), doc="modulator * mask * dL/dtarget")
        self.L = Output((), doc="log-likelihood, summed over the unmasked units (one value per sample)")
        self.modulator = Input((n_units,), init=1.0, required=False, doc="gain on the derivatives (1)")
        self.mask = Input((n_units,), init=1.0, required=False, doc="1 where observed, 0 where masked (1)")

    def terms(self, c: Any) -> tuple:
        raise NotImplementedError

    def advance_state(self, c: Any, *, t: Any, dt: float, key: Any) -> dict:
        log_density, d_pred, d_target = self.terms(c)
        gain = c.modulator * c.mask
        return {f"d{self.prediction}": gain * d_pred, "dtarget": gain * d_target,
                "L": (c.mask * log_density).sum(axis=-1)}
