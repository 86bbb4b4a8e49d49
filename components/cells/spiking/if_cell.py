"""IFCell: integrate-and-fire neuron, perfect (no leak) by default.

ODE (ms, mV)::

    tau_m dv/dt = -g_L (v - v_rest) + R_m j      (g_L = conduct_leak, 0 by default: perfect integrator)
    spike when v > thr;  then v <- v_reset, no input for refract_time ms

Discrete update actually computed each step: the one of :class:`~components.cells.lif.LIFCell`
(same ``lif_step``) without the adaptive threshold:

1. ``open = (rfr <= 0)``; one step of the ODE with the drive ``R_m j open`` held over the step, by
   ``integration``: ``"euler"`` (default), ``"midpoint"``/``"rk2"`` or ``"exact"`` (for the perfect
   integrator all three are ``v + dt R_m j open / tau_m``);
2. ``s = (v > thr)`` (strict);
3. ``v <- v_reset`` where ``s``, *then* ``v <- max(v, v_rest)`` if ``lower_clamp_voltage``:
   the reset always happens, with or without the clamp;
4. ``rfr <- refract_time`` where ``s``, else ``max(rfr - dt, 0)``; ``tols <- t`` where ``s``.

Without a leak nothing pulls v back to rest: ``lower_clamp_voltage`` (default True, as in
ngc-learn) keeps negative input from driving v down without bound. With constant input
``R_m j > 0`` and no refractoriness the neuron fires every ``floor(tau_m (thr - v_reset) / (R_m j dt)) + 1``
steps after the first spike (Lapicque's model; Gerstner et al. 2014, *Neuronal Dynamics*, ch. 1.3).
"""

from __future__ import annotations

from typing import Any

from contexts import Component

from ...rules.traces import update_tols
from ..lif import (
    MEMBRANE_CHECKS,
    MEMBRANE_RULES,
    SURROGATE_WIDTH_CHECK,
    declare_membrane,
    fire_and_reset,
    input_open,
    lif_integrate,
    membrane_kwargs,
)
from ..surrogate import SURROGATE_RULES, add_surrogate, declare_surrogate


class IFCell(Component):
    """Integrate-and-fire ``tau_m dv/dt = R_m j`` (perfect; ``conduct_leak > 0`` adds a leak).

    Parameters (defaults):
        n_units: number of neurons.
        tau_m: membrane time constant, ms (10).
        R_m: membrane resistance, mV per unit of j (1).
        v_rest: resting potential (start, and the clamp), mV (-65).
        v_reset: potential after a spike, mV (-60).
        thr: threshold, mV (-52).
        refract_time: refractory period, ms (0): input gated off.
        integration: ``"euler"`` (default), ``"midpoint"`` (= ``"rk2"``) or ``"exact"``.
        conduct_leak: leak conductance g_L, dimensionless (0: perfect integrator).
        lower_clamp_voltage: keep v >= v_rest after each step (True).
        surrogate: surrogate gradient of the spike for e-prop (None: none, no ``psi``); see
            :class:`~components.cells.lif.LIFCell`: ``psi = surrogate(v; thr, height, width)`` of the v of
            step 1 (before the reset), 0 in steps whose input is gated off.
        surrogate_height: its peak value, dimensionless (1).
        surrogate_width: its width, mV (None: ``|thr - v_rest|``, 13 mV with the defaults).

    Compartments:
        j (input, (batch, n_units)): input current.
        v (state, (batch, n_units)): membrane potential, mV; starts at v_rest.
        rfr (state, (batch, n_units)): refractory time left, ms.
        s (output, (batch, n_units)): spikes 0/1.
        tols (output, (batch, n_units)): time of last spike, ms; -1e9 = never.
        psi (output, (batch, n_units)): surrogate gradient, dimensionless (only with ``surrogate``).
    """

    param_rules = {**MEMBRANE_RULES, **SURROGATE_RULES}
    param_checks = MEMBRANE_CHECKS + (SURROGATE_WIDTH_CHECK,)

    def __init__(self, name: str, n_units: int, tau_m: float = 10.0, R_m: float = 1.0, v_rest: float = -65.0,
                 v_reset: float = -60.0, thr: float = -52.0, refract_time: float = 0.0, integration: str = "euler",
                 conduct_leak: float = 0.0, lower_clamp_voltage: bool = True, surrogate: str | None = None,
                 surrogate_height: float = 1.0, surrogate_width: float | None = None):
        super().__init__(name)
        declare_membrane(self, f"IFCell {name!r}", n_units, tau_m, R_m, v_rest, v_reset, thr, refract_time,
                         integration, conduct_leak, None)
        self.lower_clamp_voltage = lower_clamp_voltage
        declare_surrogate(self, n_units, surrogate, surrogate_height, surrogate_width)

    def advance_state(self, c: Any, *, t: Any, dt: float, key: Any) -> dict:
        v_int = lif_integrate(c.v, c.j, c.rfr, dt=dt, **membrane_kwargs(self))
        v, s, rfr = fire_and_reset(v_int, c.rfr, self.thr, dt=dt, v_reset=self.v_reset,
                                   refract_time=self.refract_time,
                                   v_min=self.v_rest if self.lower_clamp_voltage else None)
        out = {"v": v, "s": s, "rfr": rfr, "tols": update_tols(c.tols, s, t)}
        return add_surrogate(self, out, v_int, self.thr, abs(self.thr - self.v_rest), input_open(c.rfr, dt) <= 0)
