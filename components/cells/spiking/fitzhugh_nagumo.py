"""FitzhughNagumoCell: the two-variable reduction of Hodgkin-Huxley by FitzHugh (1961) and Nagumo et al. (1962).

ODE (dimensionless v and w; time in ms)::

    tau_m dv/dt = v - v^3 / gamma - w + R_m j
    tau_w dw/dt = v + a - b w
    spike when v crosses thr upwards (v_old <= thr < v_new); with spike_reset, then v <- v0, w <- w0

FitzHugh (1961), "Impulses and physiological states in theoretical models of nerve membrane",
Biophys. J. 1:445 (``a = 0.7``, ``b = 0.8``, ``tau_w / tau_m = 12.5``); Nagumo, Arimoto & Yoshizawa
(1962), Proc. IRE 50:2061. With the defaults the resting state (v, w) = (-1.199, -0.624) loses
stability at ``j`` of about 0.33 (Hopf) and the cell oscillates (spikes) for constant ``j`` from there
to about 1.42.

Discrete update actually computed each step (input held over the step):

1. ``(v, w) <- one step of the system`` by ``integration``: ``"euler"`` (default), ``"midpoint"``/
   ``"rk2"`` or ``"rk4"``, both variables moved together
   (:func:`components.rules.integrators.system_step`);
2. ``s = (v_old <= thr) & (v > thr)``;
3. if ``spike_reset``: ``v <- v0``, ``w <- w0`` where ``s``; ``tols <- t`` where ``s``.

ngc-learn's ``FitzhughNagumoCell`` has the same parameters (``alpha`` = a, ``beta`` = b, ``v_thr`` =
thr, ``resist_m`` = R_m, ``integration_type`` = integration) and the same Euler step; it reports a
spike on every step v spends above ``v_thr`` (here: once per crossing) and its midpoint step moves v
with w held and w with v held (here: both together); see docs/from_ngclearn.md.
"""

from __future__ import annotations

from typing import Any

import jax.numpy as jnp

from contexts import Component, Input, Output, State
from contexts.params import ParameterError, choice, count, flag, positive, real

from ...rules.integrators import RUNGE_KUTTA, system_step
from ...rules.traces import NEVER, update_tols


def fhn_derivatives(v: Any, w: Any, drive: Any, *, tau_m: float, tau_w: float, a: float, b: float,
                    gamma: float) -> tuple:
    """``(dv/dt, dw/dt)`` of the module docstring, ``drive = R_m j``."""
    return (v - v ** 3 / gamma - w + drive) / tau_m, (v + a - b * w) / tau_w


def _euler_stable(params: dict, dt: float, owner: str) -> None:
    # near the resting branch v relaxes at a rate up to (v^2 - 1) / tau_m ~ 3 / tau_m (|v| ~ 2)
    if params["integration"] == "euler" and dt > params["tau_m"] / 2.0:
        err = ParameterError(f"{owner}: dt = {dt:g} ms is above tau_m / 2 = {params['tau_m'] / 2:g} ms, where the "
                             "Euler step of the fast variable overshoots its cubic nullcline; use a smaller dt")
        err.component, err.parameter = owner, "tau_m"
        raise err


class FitzhughNagumoCell(Component):
    """FitzHugh-Nagumo: ``tau_m dv/dt = v - v^3/gamma - w + R_m j``, ``tau_w dw/dt = v + a - b w``.

    Parameters (defaults, FitzHugh 1961 and ngc-learn):
        n_units: number of neurons.
        tau_m: time constant of v, ms (1).
        R_m: input scale (1; ngc-learn's ``resist_m``).
        tau_w: time constant of w, ms (12.5).
        a: shift of w's nullcline (0.7; ngc-learn's ``alpha``).
        b: w's self-decay (0.8; ngc-learn's ``beta``).
        gamma: divisor of the cubic term (3).
        v0: initial v (0), also the reset value.
        w0: initial w (0), also the reset value.
        thr: spike detection level, crossed upwards (1.07; ngc-learn's ``v_thr``).
        spike_reset: snap v, w back to v0, w0 after a spike (False).
        integration: ``"euler"`` (default), ``"midpoint"`` (= ``"rk2"``), ``"rk4"``.

    Compartments:
        j (input, (batch, n_units)): input current.
        v (state, (batch, n_units)): fast (voltage-like) variable.
        w (state, (batch, n_units)): slow recovery variable.
        s (output, (batch, n_units)): spikes 0/1.
        tols (output, (batch, n_units)): time of last spike, ms; -1e9 = never.
    """

    param_rules = {"n_units": count(), "tau_m": positive("ms"), "R_m": real(), "tau_w": positive("ms"),
                   "a": real(), "b": real(), "gamma": positive(), "v0": real(), "w0": real(), "thr": real(),
                   "spike_reset": flag(), "integration": choice(*RUNGE_KUTTA)}
    param_checks = (_euler_stable,)

    def __init__(self, name: str, n_units: int, tau_m: float = 1.0, R_m: float = 1.0, tau_w: float = 12.5,
                 a: float = 0.7, b: float = 0.8, gamma: float = 3.0, v0: float = 0.0, w0: float = 0.0,
                 thr: float = 1.07, spike_reset: bool = False, integration: str = "euler"):
        super().__init__(name)
        self.n_units, self.tau_m, self.R_m, self.tau_w = n_units, tau_m, R_m, tau_w
        self.a, self.b, self.gamma, self.v0, self.w0 = a, b, gamma, v0, w0
        self.thr, self.spike_reset, self.integration = thr, spike_reset, integration
        self.j = Input((n_units,), doc="input current")
        self.v = State((n_units,), init=v0, doc="fast (voltage-like) variable")
        self.w = State((n_units,), init=w0, doc="slow recovery variable")
        self.s = Output((n_units,), doc="spikes (0/1): upward crossings of thr")
        self.tols = Output((n_units,), init=NEVER, doc="time of last spike (ms); -1e9 = never")

    def advance_state(self, c: Any, *, t: Any, dt: float, key: Any) -> dict:
        drive = self.R_m * c.j

        def f(v: Any, w: Any) -> tuple:
            return fhn_derivatives(v, w, drive, tau_m=self.tau_m, tau_w=self.tau_w, a=self.a, b=self.b,
                                   gamma=self.gamma)

        v, w = system_step(f, (c.v, c.w), dt, self.integration)
        s = ((c.v <= self.thr) & (v > self.thr)).astype(v.dtype)
        if self.spike_reset:
            v = jnp.where(s > 0, jnp.asarray(self.v0, v.dtype), v)
            w = jnp.where(s > 0, jnp.asarray(self.w0, w.dtype), w)
        return {"v": v, "w": w, "s": s, "tols": update_tols(c.tols, s, t)}
