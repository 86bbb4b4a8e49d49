"""QuadLIFCell: quadratic integrate-and-fire neuron with a stable rest.

ODE (ms, mV)::

    tau_m dv/dt = a0 (v - v_rest) (v - v_c) + R_m j      (j gated off while refractory)
    spike when v > thr + thr_theta;  then v <- v_reset, refractory for refract_time ms
    tau_theta dthr_theta/dt = -thr_theta,  thr_theta += thr_theta_plus per spike

Sign: with ``a0 > 0`` and ``v_c > v_rest`` the right-hand side is negative between ``v_rest`` and
``v_c``, so without input v decays back to ``v_rest`` (stable) from anywhere below the critical
voltage ``v_c`` (unstable), and above ``v_c`` it runs away into a spike, cut at ``thr``. Constant
input ``R_m j`` above the rheobase ``a0 (v_c - v_rest)^2 / 4`` removes both fixed points: the
neuron fires tonically. Near rest it leaks like a LIF with conductance ``a0 (v_c - v_rest)``;
``v_c <= v_rest`` and a ``dt`` above twice the relaxation time ``tau_m / (a0 (v_c - v_rest))``
(where the explicit step diverges) are refused when the cell is built.

Discrete update actually computed each step (the refractory, reset and threshold bookkeeping of
:class:`~components.cells.lif.LIFCell`):

1. ``open = (rfr <= 0)``; one step of the ODE with the drive ``R_m j open`` held over the step by
   ``integration``: ``"euler"`` (default) or ``"midpoint"``/``"rk2"``
   (:func:`components.rules.integrators.system_step`);
2. ``s = (v > thr + thr_theta)``, with ``thr_theta`` from the previous step (strict);
3. ``v <- v_reset`` where ``s``, then ``v <- max(v, v_min)`` if ``v_min`` is set;
   ``rfr <- refract_time`` where ``s``, else ``max(rfr - dt, 0)``;
4. ``thr_theta <- thr_theta exp(-dt/tau_theta) + thr_theta_plus s`` (unchanged if
   ``tau_theta = 0``); ``tols <- t`` where ``s``.

Latham, P. E., Richmond, B. J., Nelson, P. G. & Nirenberg, S. (2000), "Intrinsic dynamics in neuronal
networks. I. Theory", J. Neurophysiol. 83:808-827; Gerstner et al. (2014), *Neuronal Dynamics*,
ch. 5.3.
"""

from __future__ import annotations

from typing import Any

import jax.numpy as jnp

from contexts import Component, Param
from contexts.params import ParameterError, choice, nonnegative, positive

from ...rules.integrators import EXPLICIT, system_step
from ...rules.traces import update_tols
from ..lif import MEMBRANE_RULES, SURROGATE_WIDTH_CHECK, declare_membrane, fire_and_reset, input_open
from ..surrogate import SURROGATE_RULES, add_surrogate, declare_surrogate


def _critical_above_rest(params: dict, dt: float, owner: str) -> None:
    if params["v_c"] <= params["v_rest"]:
        err = ParameterError(f"{owner}: v_c = {params['v_c']:g} mV must be above v_rest = {params['v_rest']:g} mV "
                             "(otherwise the rest is unstable and the neuron fires without input); "
                             "use e.g. v_c=-50.0")
        err.component, err.parameter = owner, "v_c"
        raise err


def _euler_stable(params: dict, dt: float, owner: str) -> None:
    # at rest v relaxes with tau_m / (a0 (v_c - v_rest)): an explicit step diverges for dt above twice that
    tau = params["tau_m"] / (params["a0"] * (params["v_c"] - params["v_rest"]))
    if dt > 2.0 * tau:
        err = ParameterError(f"{owner}: the relaxation time at rest tau_m / (a0 (v_c - v_rest)) = {tau:g} ms is "
                             f"below dt/2 = {dt / 2:g} ms, where the step diverges; use a smaller dt, a larger "
                             "tau_m or a smaller a0")
        err.component, err.parameter = owner, "tau_m"
        raise err


class QuadLIFCell(Component):
    """Quadratic IF: ``tau_m dv/dt = a0 (v - v_rest)(v - v_c) + R_m j`` (see the module docstring).

    Parameters (defaults):
        n_units: number of neurons.
        tau_m: membrane time constant, ms (10).
        R_m: membrane resistance, mV per unit of j (1).
        v_rest: resting potential (stable), mV (-65).
        v_reset: potential after a spike, mV (-60).
        v_c: critical potential (unstable), above v_rest, mV (-50).
        a0: curvature, 1/mV (0.1); rheobase ``a0 (v_c - v_rest)^2 / 4`` = 5.625 mV of ``R_m j``.
        thr: spike cut-off, mV (-40).
        refract_time: refractory period, ms (0).
        thr_theta_plus: threshold increment per spike, mV (0 = no adaptation).
        tau_theta: decay time constant of thr_theta, ms (1e7); 0 = thr_theta never changes.
        integration: ``"euler"`` (default), ``"midpoint"`` (= ``"rk2"``).
        v_min: lower bound on v after each step, mV (None = no bound).
        surrogate: surrogate gradient of the spike for e-prop (None: none, no ``psi``); see
            :class:`~components.cells.lif.LIFCell`.
        surrogate_height: its peak value, dimensionless (1).
        surrogate_width: its width, mV (None: ``|thr - v_rest|``, 25 mV with the defaults).

    Surrogate gradient (only with ``surrogate``): ``psi = surrogate(v; thr + thr_theta, height, width)`` of
    the v of step 1 (before the reset), 0 in steps whose input is gated off. It is centred on the spike
    cut-off ``thr`` (where the spike is decided and where the adaptation acts); the default width
    reaches down to rest, so it covers the critical potential ``v_c`` too.

    Compartments:
        j (input, (batch, n_units)): input current.
        v (state, (batch, n_units)): membrane potential, mV; starts at v_rest.
        rfr (state, (batch, n_units)): refractory time left, ms.
        s (output, (batch, n_units)): spikes 0/1.
        tols (output, (batch, n_units)): time of last spike, ms; -1e9 = never.
        thr_theta (param, (batch, n_units)): adaptive threshold increment, mV; kept by reset.
        psi (output, (batch, n_units)): surrogate gradient, dimensionless (only with ``surrogate``).
    """

    param_rules = {**MEMBRANE_RULES, "a0": positive("1/mV"), "tau_theta": nonnegative("ms"),
                   "integration": choice(*EXPLICIT), **SURROGATE_RULES}
    param_checks = (_critical_above_rest, _euler_stable, SURROGATE_WIDTH_CHECK)

    def __init__(self, name: str, n_units: int, tau_m: float = 10.0, R_m: float = 1.0, v_rest: float = -65.0,
                 v_reset: float = -60.0, v_c: float = -50.0, a0: float = 0.1, thr: float = -40.0,
                 refract_time: float = 0.0, thr_theta_plus: float = 0.0, tau_theta: float = 1e7,
                 integration: str = "euler", v_min: float | None = None, surrogate: str | None = None,
                 surrogate_height: float = 1.0, surrogate_width: float | None = None):
        super().__init__(name)
        declare_membrane(self, f"QuadLIFCell {name!r}", n_units, tau_m, R_m, v_rest, v_reset, thr, refract_time,
                         integration, 1.0, v_min)
        self.v_c, self.a0 = v_c, a0
        self.thr_theta_plus, self.tau_theta = thr_theta_plus, tau_theta
        self.thr_theta = Param((n_units,), batched=True, doc="adaptive threshold increment (mV)")
        declare_surrogate(self, n_units, surrogate, surrogate_height, surrogate_width)

    def advance_state(self, c: Any, *, t: Any, dt: float, key: Any) -> dict:
        drive = self.R_m * c.j * input_open(c.rfr, dt).astype(c.v.dtype)

        def f(v: Any) -> tuple:
            return ((self.a0 * (v - self.v_rest) * (v - self.v_c) + drive) / self.tau_m,)

        (v_int,) = system_step(f, (c.v,), dt, self.integration)
        thr_eff = self.thr + c.thr_theta
        v, s, rfr = fire_and_reset(v_int, c.rfr, thr_eff, dt=dt, v_reset=self.v_reset,
                                   refract_time=self.refract_time, v_min=self.v_min)
        thr_theta = c.thr_theta
        if self.tau_theta > 0:
            thr_theta = thr_theta * jnp.exp(-dt / self.tau_theta) + self.thr_theta_plus * s
        out = {"v": v, "s": s, "rfr": rfr, "thr_theta": thr_theta, "tols": update_tols(c.tols, s, t)}
        return add_surrogate(self, out, v_int, thr_eff, abs(self.thr - self.v_rest), input_open(c.rfr, dt) <= 0)
