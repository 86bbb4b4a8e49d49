"""HodgkinHuxleyCell: the squid giant axon of Hodgkin & Huxley (1952), four conductance-based ODEs.

ODE (ms, mV, uF/cm^2, mS/cm^2, uA/cm^2)::

    C dv/dt = R_m j - g_Na m^3 h (v - E_Na) - g_K n^4 (v - E_K) - g_L (v - E_L)
      dx/dt = phi (alpha_x(u) (1 - x) - beta_x(u) x)          for the gates x = m, h, n
    u = v - v_rest   (HH's depolarisation from rest),   phi = 3^((temperature - 6.3) / 10)

    alpha_m = 0.1 (25 - u) / (exp((25 - u) / 10) - 1)    beta_m = 4 exp(-u / 18)
    alpha_h = 0.07 exp(-u / 20)                            beta_h = 1 / (exp((30 - u) / 10) + 1)
    alpha_n = 0.01 (10 - u) / (exp((10 - u) / 10) - 1)    beta_n = 0.125 exp(-u / 80)
    (rates in 1/ms; the removable singularities at u = 25 and u = 10 take their limits 1 and 0.1)

    spike when v crosses thr upwards (v_old < thr <= v_new); nothing is reset: the action potential,
    its repolarisation and the refractory period are the equations' own.

Hodgkin & Huxley (1952), "A quantitative description of membrane current and its application to
conduction and excitation in nerve", J. Physiol. 117:500, with their sign convention turned into
today's (depolarisation positive, potentials absolute): rest at v_rest = -65 mV, E_Na = v_rest + 115,
E_K = v_rest - 12, E_L = v_rest + 10.613 mV (the leak reversal that makes v_rest the resting potential),
g_Na = 120, g_K = 36, g_L = 0.3 mS/cm^2, C = 1 uF/cm^2, at 6.3 degrees C.

Discrete update actually computed each step (input held over the step), by ``integration``:

- ``"exp_euler"`` (default): every variable obeys ``dx/dt = a(.) - b(.) x`` with ``a``, ``b`` set by the
  others (conditionally linear); ``a`` and ``b`` are frozen at the start of the step and each variable
  is moved exactly: gates ``x <- x_inf + (x - x_inf) exp(-dt / tau_x)`` (Rush-Larsen),
  ``v <- v_inf + (v - v_inf) exp(-dt G / C)`` with ``G`` the total conductance and ``v_inf`` the
  conductance-weighted reversal plus ``R_m j / G``
  (:func:`components.rules.integrators.exp_euler_system`). Stable for any dt; the spike peak is within
  0.4 mV of RK4's at dt = 0.025 ms and within 1.5 mV at dt = 0.1 ms (measured).
- ``"euler"``, ``"midpoint"``/``"rk2"``, ``"rk4"``: explicit Runge-Kutta of the whole system
  (:func:`components.rules.integrators.system_step`). Euler diverges in the spike's upstroke for
  dt above about 0.06 ms at 6.3 degrees C (refused above ``EXPLICIT_DT_MAX / max(1, phi / 3)``).

Then ``s = (v_old < thr) & (v >= thr)``, ``tols <- t`` where ``s``.

ngc-learn's ``HodgkinHuxleyCell`` writes the same equations in HH's relative potential (its ``v`` is
our ``v - v_rest``, rest at 0), with defaults that are not HH's (``g_Na = 100``, ``g_K = 5``,
``v_K = -35``), a level spike ``v > thr`` (every step above threshold, ``thr = 4`` mV above rest) and
split Runge-Kutta steps (each gate and v stepped with the others held); see docs/from_ngclearn.md.
"""

from __future__ import annotations

import math
from typing import Any

import jax.numpy as jnp

from contexts import Component, Input, Output, State
from contexts.params import ParameterError, choice, count, optional, positive, real

from ...rules.integrators import RUNGE_KUTTA, exp_euler_system, system_step
from ...rules.traces import NEVER, update_tols

INTEGRATIONS = ("exp_euler",) + RUNGE_KUTTA
#: largest dt (ms) accepted for the explicit methods up to 16.3 degrees C (phi = 3); divided by phi / 3 above
#: (measured: Euler and RK4 diverge between 0.06 and 0.1 ms at 6.3, 0.05 ms at 26.3, 0.03 ms at 36.3 degrees C)
EXPLICIT_DT_MAX = 0.05


def _vtrap(x: Any, y: float) -> Any:
    """``x / (exp(x / y) - 1)``, continued by ``y (1 - x / (2 y))`` near ``x = 0``."""
    small = jnp.abs(x / y) < 1e-6
    safe = jnp.where(small, 1.0, x)
    return jnp.where(small, y * (1.0 - x / (2.0 * y)), safe / jnp.expm1(jnp.where(small, 1.0, x / y)))


def hh_rates(u: Any) -> tuple:
    """``(alpha_m, beta_m, alpha_h, beta_h, alpha_n, beta_n)`` in 1/ms at 6.3 degrees C, ``u = v - v_rest`` in mV."""
    alpha_m = 0.1 * _vtrap(25.0 - u, 10.0)
    beta_m = 4.0 * jnp.exp(-u / 18.0)
    alpha_h = 0.07 * jnp.exp(-u / 20.0)
    beta_h = 1.0 / (jnp.exp((30.0 - u) / 10.0) + 1.0)
    alpha_n = 0.01 * _vtrap(10.0 - u, 10.0)
    beta_n = 0.125 * jnp.exp(-u / 80.0)
    return alpha_m, beta_m, alpha_h, beta_h, alpha_n, beta_n


def steady_gates(u: Any) -> tuple:
    """``(m_inf, h_inf, n_inf)`` at ``u = v - v_rest``: ``alpha / (alpha + beta)`` of each gate."""
    am, bm, ah, bh, an, bn = hh_rates(u)
    return am / (am + bm), ah / (ah + bh), an / (an + bn)


def q10_factor(temperature: float, q10: float = 3.0, reference: float = 6.3) -> float:
    """``phi = q10^((temperature - reference) / 10)``: HH's temperature factor of every rate."""
    return q10 ** ((temperature - reference) / 10.0)


def _explicit_dt(params: dict, dt: float, owner: str) -> None:
    if params.get("integration") == "exp_euler":
        return
    limit = EXPLICIT_DT_MAX / max(1.0, q10_factor(params["temperature"]) / 3.0)
    if dt > limit:
        err = ParameterError(f"{owner}: dt = {dt:g} ms is above {limit:.3g} ms, where the explicit "
                             f"{params['integration']!r} step of the Hodgkin-Huxley equations diverges in the "
                             "spike's upstroke; use a smaller dt or integration='exp_euler'")
        err.component, err.parameter = owner, "integration"
        raise err


class HodgkinHuxleyCell(Component):
    """Hodgkin-Huxley: ``C dv/dt = R_m j - g_Na m^3 h (v - E_Na) - g_K n^4 (v - E_K) - g_L (v - E_L)``.

    Gates ``dx/dt = phi (alpha_x (1 - x) - beta_x x)``; see the module docstring.

    Parameters (defaults: Hodgkin & Huxley 1952, potentials absolute):
        n_units: number of neurons.
        C: membrane capacitance, uF/cm^2 (1; ngc-learn's ``tau_v``).
        g_Na: sodium conductance, mS/cm^2 (120; ngc-learn 100).
        g_K: potassium conductance, mS/cm^2 (36; ngc-learn 5).
        g_L: leak conductance, mS/cm^2 (0.3).
        E_Na: sodium reversal, mV (50 = v_rest + 115; ngc-learn's ``v_Na`` is relative to rest).
        E_K: potassium reversal, mV (-77 = v_rest - 12; ngc-learn's ``v_K`` = -35 relative).
        E_L: leak reversal, mV (-54.387 = v_rest + 10.613; ngc-learn's ``v_L`` = 10.6 relative).
        v_rest: potential where HH's rate functions have u = 0, mV (-65).
        temperature: degrees C (6.3); every rate is multiplied by ``3^((temperature - 6.3) / 10)``.
        R_m: input scale, per unit of j (1: j in uA/cm^2; ngc-learn's ``resist_m``).
        thr: spike detection level, crossed upwards, mV (0; ngc-learn 4 mV above rest, as a level).
        v0: initial v, mV (None: v_rest); the gates start at their steady state at v0.
        integration: ``"exp_euler"`` (default), ``"euler"``, ``"midpoint"`` (= ``"rk2"``), ``"rk4"``.

    Compartments:
        j (input, (batch, n_units)): input current density, uA/cm^2 (times R_m).
        v (state, (batch, n_units)): membrane potential, mV.
        m, h, n (state, (batch, n_units)): sodium activation, sodium inactivation, potassium activation.
        s (output, (batch, n_units)): spikes 0/1 (upward crossings of thr).
        tols (output, (batch, n_units)): time of last spike, ms; -1e9 = never.
    """

    param_rules = {"n_units": count(), "C": positive("uF/cm^2"), "g_Na": positive("mS/cm^2"),
                   "g_K": positive("mS/cm^2"), "g_L": positive("mS/cm^2"), "E_Na": real(unit="mV"),
                   "E_K": real(unit="mV"), "E_L": real(unit="mV"), "v_rest": real(unit="mV"),
                   "temperature": real(-50.0, 60.0, unit="degrees C"), "R_m": real(), "thr": real(unit="mV"),
                   "v0": optional(real(unit="mV")), "integration": choice(*INTEGRATIONS)}
    param_checks = (_explicit_dt,)

    def __init__(self, name: str, n_units: int, C: float = 1.0, g_Na: float = 120.0, g_K: float = 36.0,
                 g_L: float = 0.3, E_Na: float = 50.0, E_K: float = -77.0, E_L: float = -54.387,
                 v_rest: float = -65.0, temperature: float = 6.3, R_m: float = 1.0, thr: float = 0.0,
                 v0: float | None = None, integration: str = "exp_euler"):
        super().__init__(name)
        self.n_units, self.C, self.g_Na, self.g_K, self.g_L = n_units, C, g_Na, g_K, g_L
        self.E_Na, self.E_K, self.E_L, self.v_rest = E_Na, E_K, E_L, v_rest
        self.temperature, self.R_m, self.thr, self.v0 = temperature, R_m, thr, v0
        self.integration = integration
        start = v_rest if v0 is None else v0
        m0, h0, n0 = (float(g) for g in steady_gates(jnp.float32(start - v_rest)))
        self.j = Input((n_units,), doc="input current density (uA/cm^2)")
        self.v = State((n_units,), init=start, doc="membrane potential (mV)")
        self.m = State((n_units,), init=m0, doc="sodium activation")
        self.h = State((n_units,), init=h0, doc="sodium inactivation")
        self.n = State((n_units,), init=n0, doc="potassium activation")
        self.s = Output((n_units,), doc="spikes (0/1): upward crossings of thr")
        self.tols = Output((n_units,), init=NEVER, doc="time of last spike (ms); -1e9 = never")

    def phi(self) -> float:
        """The temperature factor of every rate."""
        return q10_factor(self.temperature)

    def advance_state(self, c: Any, *, t: Any, dt: float, key: Any) -> dict:
        phi = self.phi()
        drive = self.R_m * c.j

        def coefficients(v: Any, m: Any, h: Any, n: Any) -> tuple:
            # each variable as dx/dt = a - b x
            am, bm, ah, bh, an, bn = hh_rates(v - self.v_rest)
            g_na, g_k = self.g_Na * m ** 3 * h, self.g_K * n ** 4
            a_v = (drive + g_na * self.E_Na + g_k * self.E_K + self.g_L * self.E_L) / self.C
            b_v = (g_na + g_k + self.g_L) / self.C
            return ((a_v, b_v), (phi * am, phi * (am + bm)), (phi * ah, phi * (ah + bh)),
                    (phi * an, phi * (an + bn)))

        def f(v: Any, m: Any, h: Any, n: Any) -> tuple:
            return tuple(a - b * x for x, (a, b) in zip((v, m, h, n), coefficients(v, m, h, n)))

        state = (c.v, c.m, c.h, c.n)
        if self.integration == "exp_euler":
            v, m, h, n = exp_euler_system(coefficients, state, dt)
        else:
            v, m, h, n = system_step(f, state, dt, self.integration)
        s = ((c.v < self.thr) & (v >= self.thr)).astype(v.dtype)
        return {"v": v, "m": m, "h": h, "n": n, "s": s, "tols": update_tols(c.tols, s, t)}


def resting_leak_reversal(g_Na: float = 120.0, g_K: float = 36.0, g_L: float = 0.3, E_Na: float = 50.0,
                          E_K: float = -77.0, v_rest: float = -65.0) -> float:
    """The E_L that makes ``v_rest`` a fixed point (HH's 10.613 mV above rest for their parameters)."""
    am, bm, ah, bh, an, bn = (float(r) for r in hh_rates(jnp.float32(0.0)))
    m, h, n = am / (am + bm), ah / (ah + bh), an / (an + bn)
    i_ion = g_Na * m ** 3 * h * (v_rest - E_Na) + g_K * n ** 4 * (v_rest - E_K)
    return v_rest + i_ion / g_L if not math.isclose(g_L, 0.0) else v_rest
