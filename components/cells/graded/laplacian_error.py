"""LaplacianErrorCell: the error unit of a Laplace likelihood with scale ``b`` (``scale``).

With ``e = target - shift``, per unit::

    L       = sum over units of -|e| / b                  (log Laplace(target; shift, b) + const)
    dshift  = modulator * mask *  sign(e) / b             (dL/dshift)
    dtarget = modulator * mask * -sign(e) / b             (dL/dtarget)

(``sign(0) = 0``: the subgradient at the kink). Masked units contribute nothing (see
:mod:`.error_cells`). Computed once per step, no dynamics. The absolute error makes the learnt
prediction the median of the targets, robust to outliers.
"""

from __future__ import annotations

from typing import Any

import jax.numpy as jnp

from contexts.params import count, positive

from .error_cells import _ErrorCell


class LaplacianErrorCell(_ErrorCell):
    """Laplace error unit: ``dshift = sign(target - shift) / scale``, ``L = -sum |target - shift| / scale``.

    Parameters (defaults):
        n_units: number of units.
        scale: the Laplace scale b, in the units of shift (1); the variance is ``2 b^2``.

    Compartments:
        shift (input, (batch, n_units)): prediction (location).
        target (input, (batch, n_units)): observed value.
        modulator (input, (batch, n_units)): gain on the derivatives; starts at 1, optional.
        mask (input, (batch, n_units)): 1 observed, 0 masked; starts at 1, optional.
        dshift (output, (batch, n_units)): dL/dshift, gated.
        dtarget (output, (batch, n_units)): dL/dtarget, gated.
        L (output, (batch,)): log-likelihood up to a constant, per sample.
    """

    prediction = "shift"
    param_rules = {"n_units": count(), "scale": positive()}

    def __init__(self, name: str, n_units: int, scale: float = 1.0):
        super().__init__(name)
        self.scale = scale
        self.declare(n_units, "prediction (location)")

    def terms(self, c: Any) -> tuple:
        e = c.target - c.shift
        return -jnp.abs(e) / self.scale, jnp.sign(e) / self.scale, -jnp.sign(e) / self.scale
