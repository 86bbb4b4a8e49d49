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
from ..lif import MEMBRANE_CHECKS, MEMBRANE_RULES, declare_membrane, lif_step, membrane_kwargs


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

    Compartments:
        j (input, (batch, n_units)): input current.
        v (state, (batch, n_units)): membrane potential, mV; starts at v_rest.
        rfr (state, (batch, n_units)): refractory time left, ms.
        s (output, (batch, n_units)): spikes 0/1.
        tols (output, (batch, n_units)): time of last spike, ms; -1e9 = never.
    """

    param_rules = MEMBRANE_RULES
    param_checks = MEMBRANE_CHECKS

    def __init__(self, name: str, n_units: int, tau_m: float = 10.0, R_m: float = 1.0, v_rest: float = -65.0,
                 v_reset: float = -60.0, thr: float = -52.0, refract_time: float = 0.0, integration: str = "euler",
                 conduct_leak: float = 0.0, lower_clamp_voltage: bool = True):
        super().__init__(name)
        declare_membrane(self, f"IFCell {name!r}", n_units, tau_m, R_m, v_rest, v_reset, thr, refract_time,
                         integration, conduct_leak, None)
        self.lower_clamp_voltage = lower_clamp_voltage

    def advance_state(self, c: Any, *, t: Any, dt: float, key: Any) -> dict:
        kw = {**membrane_kwargs(self), "v_min": self.v_rest if self.lower_clamp_voltage else None}
        v, s, rfr = lif_step(c.v, c.j, c.rfr, self.thr, dt=dt, **kw)
        return {"v": v, "s": s, "rfr": rfr, "tols": update_tols(c.tols, s, t)}
