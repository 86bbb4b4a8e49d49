"""AdExCell: adaptive exponential integrate-and-fire neuron (Brette & Gerstner 2005).

ODE (ms, mV, pA, nS, pF)::

    C dv/dt = -g_L (v - E_L) + g_L delta_T exp((v - V_T) / delta_T) - w + j
    tau_w dw/dt = a (v - E_L) - w
    spike when v > v_peak;  then v <- v_reset,  w <- w + b

Discrete update actually computed each step (input held over the step):

1. ``(v, w) <- one step of the system`` by ``integration``: ``"euler"`` (default) or
   ``"midpoint"``/``"rk2"`` (:func:`components.rules.integrators.system_step`). The exponent
   ``(v - V_T) / delta_T`` is clipped at ``min((v_peak - V_T) / delta_T, 50)`` before ``exp``: the
   spike current never exceeds its value at ``v_peak`` (where the spike is cut anyway), so a large
   step or a large input gives a big finite v (then a spike), never inf or NaN;
2. ``s = (v > v_peak)`` on the new v (strict);
3. where ``s``: ``v <- v_reset`` and ``w <- w + b`` (the w just integrated); ``tols <- t``.

Conductance-based synapses (``E_e`` and/or ``E_i`` given): inputs ``g_e``/``g_i`` (nS) add
``g_e (E_e - v) + g_i (E_i - v)`` (pA) to ``j``, evaluated wherever the integrator evaluates the
derivative (NEST ``aeif_cond_exp``: ``E_ex``, ``E_in``, ``g_ex``, ``g_in``).

Near rest v relaxes with ``tau_m = C / g_L``; a ``dt`` above ``2 tau_m`` (where the explicit step
diverges) and ``v_peak <= V_T`` are refused when the cell is built.

Defaults are Brette & Gerstner's (2005) Table 1 (a regular-spiking pyramidal cell):
``C = 281 pF``, ``g_L = 30 nS``, ``E_L = -70.6 mV``, ``V_T = -50.4 mV``, ``delta_T = 2 mV``,
``tau_w = 144 ms``, ``a = 4 nS``, ``b = 80.5 pA``, reset to ``E_L``; the spike is cut at 20 mV.
Rheobase (constant current for which the rest disappears):
``(g_L + a) (V_T - E_L - delta_T + delta_T ln(1 + a / g_L))`` = 627 pA with these values.

ngc-learn's AdExCell writes the same model divided by ``g_L`` (``tau_m = C / g_L``,
``resist_m = 1 / g_L``); docs/from_ngclearn.md gives the conversion.

Brette, R. & Gerstner, W. (2005), "Adaptive exponential integrate-and-fire model as an effective
description of neuronal activity", J. Neurophysiol. 94:3637-3642.
"""

from __future__ import annotations

from typing import Any

import jax.numpy as jnp

from contexts import Component, Input, Output, State
from contexts.params import ParameterError, choice, count, optional, positive, real

from ...rules.integrators import EXPLICIT, system_step
from ...rules.traces import NEVER, update_tols
from ..lif import declare_conductances, synaptic_current
from ..surrogate import SURROGATE_RULES, add_surrogate, declare_surrogate, default_width_check

#: the exponent of the spike current is never above this (exp(50) ~ 5e21 stays finite in float32)
EXP_CAP = 50.0


def adex_derivatives(v: Any, w: Any, j: Any, *, C: float, g_L: float, E_L: float, V_T: float, delta_T: float,
                     tau_w: float, a: float, exp_cap: float) -> tuple:
    """``(dv/dt, dw/dt)`` of the module docstring, the exponent clipped at ``exp_cap``."""
    spike_current = g_L * delta_T * jnp.exp(jnp.minimum((v - V_T) / delta_T, exp_cap))
    dv = (-g_L * (v - E_L) + spike_current - w + j) / C
    dw = (a * (v - E_L) - w) / tau_w
    return dv, dw


def rheobase(g_L: float, a: float, E_L: float, V_T: float, delta_T: float) -> float:
    """The smallest constant current (pA) that makes the AdEx neuron fire (Brette & Gerstner 2005)."""
    import math

    return (g_L + a) * (V_T - E_L - delta_T + delta_T * math.log1p(a / g_L))


def _peak_above_threshold(params: dict, dt: float, owner: str) -> None:
    if params["v_peak"] <= params["V_T"]:
        err = ParameterError(f"{owner}: v_peak = {params['v_peak']:g} mV must be above V_T = {params['V_T']:g} mV "
                             "(the spike is cut after the exponential upswing starts); use e.g. v_peak=20.0")
        err.component, err.parameter = owner, "v_peak"
        raise err


def _euler_stable(params: dict, dt: float, owner: str) -> None:
    # near rest the membrane relaxes with tau_m = C / g_L: an explicit step diverges for dt > 2 tau_m
    tau_m = params["C"] / params["g_L"]
    if dt > 2.0 * tau_m:
        err = ParameterError(f"{owner}: the membrane time constant C / g_L = {tau_m:g} ms is below dt/2 = "
                             f"{dt / 2:g} ms, where the step diverges; use a smaller dt or a larger C")
        err.component, err.parameter = owner, "C"
        raise err


class AdExCell(Component):
    """AdEx: ``C dv/dt = -g_L (v - E_L) + g_L delta_T exp((v - V_T)/delta_T) - w + j`` (module docstring).

    Parameters (defaults, Brette & Gerstner 2005):
        n_units: number of neurons.
        C: membrane capacitance, pF (281).
        g_L: leak conductance, nS (30).
        E_L: leak reversal (rest without adaptation), mV (-70.6).
        V_T: threshold of the exponential upswing, mV (-50.4).
        delta_T: slope factor, mV (2).
        tau_w: adaptation time constant, ms (144).
        a: subthreshold adaptation, nS (4).
        b: spike-triggered adaptation, pA (80.5).
        v_reset: potential after a spike, mV (-70.6).
        v_peak: spike cut-off, mV (20).
        v0: initial v, mV (-70.6).
        w0: initial w, pA (0).
        integration: ``"euler"`` (default), ``"midpoint"`` (= ``"rk2"``).
        E_e: excitatory reversal potential, mV (None: no ``g_e`` input); NEST ``E_ex``.
        E_i: inhibitory reversal potential, mV (None: no ``g_i`` input); NEST ``E_in``.
        surrogate: surrogate gradient of the spike for e-prop (None: none, no ``psi``); one of
            ``"piecewise_linear"``, ``"exponential"``, ``"fast_sigmoid_derivative"``, ``"arctan_derivative"``.
        surrogate_height: its peak value, dimensionless (1).
        surrogate_width: its width, mV (None: ``|V_T - E_L|``, 20.2 mV with the defaults).

    Surrogate gradient (only with ``surrogate``): ``psi = surrogate(v; V_T, height, width)`` of the v of
    step 1 (before the reset). It is centred on ``V_T``, where the exponential upswing takes over and the
    spike becomes inevitable, not on the cut-off ``v_peak`` (which v passes within a step or two);
    :mod:`components.cells.surrogate`.

    Compartments:
        j (input, (batch, n_units)): input current, pA.
        g_e, g_i (input, (batch, n_units)): synaptic conductances, nS (only when E_e / E_i is given).
        v (state, (batch, n_units)): membrane potential, mV; starts at v0.
        w (state, (batch, n_units)): adaptation current, pA; starts at w0.
        s (output, (batch, n_units)): spikes 0/1.
        tols (output, (batch, n_units)): time of last spike, ms; -1e9 = never.
        psi (output, (batch, n_units)): surrogate gradient, dimensionless (only with ``surrogate``).
    """

    param_rules = {"n_units": count(), "C": positive("pF"), "g_L": positive("nS"), "E_L": real(unit="mV"),
                   "V_T": real(unit="mV"), "delta_T": positive("mV"), "tau_w": positive("ms"), "a": real(unit="nS"),
                   "b": real(unit="pA"), "v_reset": real(unit="mV"), "v_peak": real(unit="mV"),
                   "v0": real(unit="mV"), "w0": real(unit="pA"), "integration": choice(*EXPLICIT),
                   "E_e": optional(real(unit="mV")), "E_i": optional(real(unit="mV")), **SURROGATE_RULES}
    param_checks = (_peak_above_threshold, _euler_stable,
                    default_width_check(lambda p: p["V_T"], lambda p: p["E_L"], "|V_T - E_L|"))

    def __init__(self, name: str, n_units: int, C: float = 281.0, g_L: float = 30.0, E_L: float = -70.6,
                 V_T: float = -50.4, delta_T: float = 2.0, tau_w: float = 144.0, a: float = 4.0, b: float = 80.5,
                 v_reset: float = -70.6, v_peak: float = 20.0, v0: float = -70.6, w0: float = 0.0,
                 integration: str = "euler", E_e: float | None = None, E_i: float | None = None,
                 surrogate: str | None = None, surrogate_height: float = 1.0, surrogate_width: float | None = None):
        super().__init__(name)
        self.n_units = n_units
        self.C, self.g_L, self.E_L, self.V_T, self.delta_T = C, g_L, E_L, V_T, delta_T
        self.tau_w, self.a, self.b = tau_w, a, b
        self.v_reset, self.v_peak, self.v0, self.w0 = v_reset, v_peak, v0, w0
        self.integration = integration
        self.j = Input((n_units,), doc="input current (pA)")
        self.v = State((n_units,), init=v0, doc="membrane potential (mV)")
        self.w = State((n_units,), init=w0, doc="adaptation current (pA)")
        self.s = Output((n_units,), doc="spikes (0/1)")
        self.tols = Output((n_units,), init=NEVER, doc="time of last spike (ms); -1e9 = never")
        declare_conductances(self, n_units, E_e, E_i)
        declare_surrogate(self, n_units, surrogate, surrogate_height, surrogate_width)

    def advance_state(self, c: Any, *, t: Any, dt: float, key: Any) -> dict:
        cap = min((self.v_peak - self.V_T) / self.delta_T, EXP_CAP)
        kw = dict(C=self.C, g_L=self.g_L, E_L=self.E_L, V_T=self.V_T, delta_T=self.delta_T, tau_w=self.tau_w,
                  a=self.a, exp_cap=cap)

        def f(v: Any, w: Any) -> tuple:
            return adex_derivatives(v, w, c.j + synaptic_current(c, self, v), **kw)

        v_int, w = system_step(f, (c.v, c.w), dt, self.integration)
        s = (v_int > self.v_peak).astype(v_int.dtype)
        v = jnp.where(s > 0, jnp.asarray(self.v_reset, v_int.dtype), v_int)
        w = w + self.b * s
        out = {"v": v, "w": w, "s": s, "tols": update_tols(c.tols, s, t)}
        return add_surrogate(self, out, v_int, self.V_T, abs(self.V_T - self.E_L))
