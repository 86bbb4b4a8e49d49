"""Surrogate gradients (pseudo-derivatives) of the spike for the spiking cells, for e-prop.

A cell built with ``surrogate=<kind>`` gets an extra output ``psi`` (batch, n_units), computed in the
same step as the spike from the voltage the cell compares with its threshold (after integration,
before the reset)::

    x   = |v - v_c| / width
    psi = height * max(0, 1 - x)       piecewise_linear
          height * exp(-x)             exponential
          height * (1 + x)^-2          fast_sigmoid_derivative
          height / (1 + x^2)           arctan_derivative
    psi = 0 while the cell is refractory (cells with a refractory period)

(:func:`components.rules.eprop.surrogate_gradient`, NEST's forms). ``v_c`` is the cell's threshold
(its soft threshold where it has one), ``height`` (``surrogate_height``) is dimensionless and
``width`` (``surrogate_width``, mV) defaults to the distance from the cell's resting potential to
``v_c``. Wire ``psi`` into an :class:`~components.synapses.EpropSynapse`'s ``post_psi``.
With ``surrogate=None`` (the default) the cell has no ``psi`` and computes exactly what it did before.
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any, Callable

from contexts import Component, Output
from contexts.params import ParameterError, choice, nonnegative, optional, positive

from ..rules.eprop import SURROGATES, surrogate_gradient

#: the parameter rules of the three surrogate arguments (``surrogate`` fixes whether ``psi`` exists)
SURROGATE_RULES = {"surrogate": replace(optional(choice(*SURROGATES)), structural=True),
                   "surrogate_height": nonnegative(), "surrogate_width": optional(positive("mV"))}


def declare_surrogate(cell: Component, n_units: int, surrogate: str | None, height: float,
                      width: float | None) -> None:
    """Store the surrogate parameters on ``cell`` and declare its ``psi`` output (only if ``surrogate``)."""
    cell.surrogate, cell.surrogate_height, cell.surrogate_width = surrogate, height, width
    if surrogate is not None:
        cell.psi = Output((n_units,), doc=f"surrogate gradient of the spike ({surrogate}), dimensionless")


def add_surrogate(cell: Component, out: dict, v: Any, v_c: Any, default_width: float,
                  refractory: Any = None) -> dict:
    """``out`` with ``psi`` added (unchanged when the cell has no surrogate); ``v``: the voltage compared
    with the threshold ``v_c`` this step; ``refractory``: where psi is 0 (None: nowhere)."""
    if cell.surrogate is not None:
        width = cell.surrogate_width if cell.surrogate_width is not None else default_width
        out["psi"] = surrogate_gradient(cell.surrogate, v, v_c, cell.surrogate_height, width, refractory)
    return out


def default_width_check(centre: Callable[[dict], float], rest: Callable[[dict], float],
                        names: str) -> Callable[[dict, float, str], None]:
    """A combined parameter check: with a surrogate and no ``surrogate_width`` the default width
    ``|centre - rest|`` must be a positive finite number (``names`` says which parameters give it)."""

    def check(params: dict, dt: float, owner: str) -> None:
        if params.get("surrogate") is None or params.get("surrogate_width") is not None:
            return
        try:
            width = abs(centre(params) - rest(params))
        except (ArithmeticError, TypeError, ValueError):
            width = math.nan
        if not (math.isfinite(width) and width > 0.0):
            err = ParameterError(f"{owner}: surrogate_width defaults to {names} = {width:g} mV, which is not a "
                                 "positive width; give surrogate_width (mV) explicitly, e.g. surrogate_width=5.0")
            err.component, err.parameter = owner, "surrogate_width"
            raise err

    return check
