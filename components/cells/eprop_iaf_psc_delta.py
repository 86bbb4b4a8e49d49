"""NEST's ``eprop_iaf_psc_delta``: the e-prop LIF neuron of NEST's newer e-prop family (no reset between
sequences, online learning with ``eprop_synapse``), with NEST's surrogate gradients and its per-step
firing-rate regulariser (Korcsak-Gorzo et al. 2025, arXiv:2511.21674; Bellec et al. 2020).

Potentials are relative to the resting potential ``E_L`` (NEST's ``V_m - E_L``); times in ms, rates in Hz.
"""

from __future__ import annotations

from typing import Any

import jax.numpy as jnp

from contexts import Component, Output, State
from contexts.errors import ValidationError
from contexts.params import choice, count, flag, nonnegative, optional, positive, real

from ..rules.eprop import SURROGATES, decay, surrogate_gradient
from .eprop_iaf import MAX_STEPS, declare_nest_eprop_neuron, floor_potential, rate_regulariser

#: beyond this many steps a refractory period is "forever" (and still fits int32)


class EpropIafPscDeltaCell(Component):
    """LIF neuron with delta-shaped synaptic input, reset to ``V_reset`` (NEST ``eprop_iaf_psc_delta``).

    ODE (between spikes, ms): ``tau_m dv/dt = -v + (tau_m / C_m) I_e`` plus jumps ``j`` (mV) at
    incoming spikes. Per step of ``dt`` (``alpha = exp(-dt/tau_m)``, ``P_i = tau_m / C_m (1 - alpha)``;
    NEST's order)::

        if r == 0:  v = alpha v + P_i I_e + j + q ;  q = 0 ;  v = max(v, V_min)
                    a = rho a + z_prev ;  A = V_th + adapt_beta a      (rho = exp(-dt/adapt_tau))
        else:       q = q + exp(-r dt / tau_m) j     (refractory_input; otherwise the input is dropped)
                    r = r - 1
        psi = surrogate(v; A, height, width)              (0 while r > 0)
        z   = v >= A ;  where z: v = V_reset, r = round(t_ref / dt)
        f_av   = kappa_reg f_av + (1 - kappa_reg) z / dt  (spikes per ms)
        fr_reg = c_reg (f_av - f_target dt / 1000)        (firing-rate regularisation, per step)

    Compartments:
        j (input, (batch, n)): summed synaptic jumps (mV); v (state): membrane potential (mV, rel. E_L);
        s (output): spikes z; psi (output): surrogate gradient; fr_reg (output): firing-rate
        regularisation signal read by :class:`~components.synapses.eprop_online.EpropOnlineSynapse`;
        f_av (state): low-pass filtered rate (spikes/ms); r (state): refractory steps left;
        a (state): threshold adaptation; thr (output): the threshold A; q (state, with
        ``refractory_input``): the input received while refractory, decayed to the period's end (mV).

    With ``adapt_beta = 0`` (the default) this is NEST's ``eprop_iaf_psc_delta``; with ``adapt_beta > 0``
    it is ``eprop_iaf_psc_delta_adapt`` (give its synapses the same ``adapt_beta`` and ``adapt_tau``:
    their eligibility gains NEST's adaptation term). As in NEST, a spike emitted while the
    refractory period that follows still runs (``t_ref > dt``) is not added to ``a``.

    NEST parameter mapping (NEST name, unit, NEST default -> ours, default here):

    =============================== ====== ================== ===================== ==================
    NEST                            unit   NEST default       ours                  default here
    =============================== ====== ================== ===================== ==================
    C_m                             pF     250.0              C_m                   250.0
    c_reg                                  0.0                c_reg                 0.0
    E_L                             mV     -70.0              (potentials rel. E_L) --
    f_target                        Hz     10.0               f_target              10.0
    I_e                             pA     0.0                I_e                   0.0
    kappa_reg                              0.97               kappa_reg             0.97
    surrogate_gradient_function            piecewise_linear   surrogate             piecewise_linear
    surrogate_gradient_height              1.0                height                1.0
    surrogate_gradient_width               0.5                width                 0.5
    t_ref                           ms     2.0                t_ref                 2.0
    tau_m                           ms     10.0               tau_m                 10.0
    V_reset                         mV     -70.0 (abs.)       V_reset (rel. E_L)    0.0
    V_th                            mV     -55.0 (abs.)       V_th (rel. E_L)       15.0
    V_min                           mV     -inf               V_min (rel. E_L)      None (no floor)
    refractory_input                       False              refractory_input      False
    adapt_beta (``_adapt``)                1.0                adapt_beta            0.0
    adapt_tau (``_adapt``)          ms     10.0               adapt_tau             10.0
    adaptation (``_adapt``)                0.0                a (initial state)     0.0
    =============================== ====== ================== ===================== ==================

    NEST's ``kappa`` (the eligibility filter) lives on the synapse here (``EpropOnlineSynapse.kappa``).
    NEST's regression test (``test_eprop_regression``, ``eprop_iaf_psc_delta``) uses C_m = 1,
    V_th = 0.5, V_reset = -0.5, t_ref = 0, tau_m = 30, c_reg = 2 / 100 / 0.03^2, height = 10,
    width = 0.03.
    """

    param_rules = {"n_units": count(), "tau_m": positive("ms"), "C_m": positive("pF"), "V_th": real(unit="mV"),
                   "V_reset": real(unit="mV"), "t_ref": nonnegative("ms"), "I_e": real(unit="pA"),
                   "surrogate": choice(*SURROGATES), "height": nonnegative(), "width": positive("mV"),
                   "c_reg": nonnegative(), "f_target": nonnegative("Hz"), "kappa_reg": real(0.0, 1.0),
                   "adapt_beta": nonnegative(), "adapt_tau": positive("ms"), "V_min": optional(real(unit="mV")),
                   "refractory_input": flag()}

    def __init__(self, name: str, n_units: int, tau_m: float = 10.0, C_m: float = 250.0, V_th: float = 15.0,
                 V_reset: float = 0.0, t_ref: float = 2.0, I_e: float = 0.0, surrogate: str = "piecewise_linear",
                 height: float = 1.0, width: float = 0.5, c_reg: float = 0.0, f_target: float = 10.0,
                 kappa_reg: float = 0.97, adapt_beta: float = 0.0, adapt_tau: float = 10.0,
                 V_min: float | None = None, refractory_input: bool = False):
        super().__init__(name)
        self.V_min, self.refractory_input = V_min, bool(refractory_input)
        if V_reset > V_th:
            raise ValidationError(f"{name}: V_reset = {V_reset} must not exceed V_th = {V_th}")
        self.n_units = int(n_units)
        self.tau_m, self.C_m, self.V_th, self.V_reset, self.t_ref, self.I_e = tau_m, C_m, V_th, V_reset, t_ref, I_e
        declare_nest_eprop_neuron(self, n_units, surrogate, height, width, c_reg, f_target, kappa_reg, adapt_beta,
                                  adapt_tau)
        self.thr = Output((n_units,), init=V_th, doc="threshold A = V_th + adapt_beta a")
        if self.refractory_input:
            self.q = State((n_units,), doc="input received while refractory, decayed to the period's end (mV)")

    def advance_state(self, c: Any, *, t: Any, dt: float, key: Any) -> dict:
        alpha = decay(self.tau_m, dt)
        p_i = self.tau_m / self.C_m * (1.0 - alpha)
        ref = c.r > 0
        out = {}
        if self.refractory_input:
            v = jnp.where(ref, c.v, floor_potential(alpha * c.v + p_i * self.I_e + c.j + c.q, self.V_min))
            out["q"] = jnp.where(ref, c.q + jnp.exp(-c.r * dt / self.tau_m) * c.j, 0.0)
        else:
            v = jnp.where(ref, c.v, floor_potential(alpha * c.v + p_i * self.I_e + c.j, self.V_min))
        a = jnp.where(ref, c.a, decay(self.adapt_tau, dt) * c.a + c.s)
        thr = self.V_th + self.adapt_beta * a
        r = jnp.where(ref, c.r - 1.0, c.r)
        psi = surrogate_gradient(self.surrogate, v, thr, self.height, self.width, r > 0)
        z = (v >= thr).astype(v.dtype)
        v = jnp.where(z > 0, self.V_reset, v)
        r = jnp.where(z > 0, float(min(round(self.t_ref / dt), MAX_STEPS)), r)
        f_av, fr_reg = rate_regulariser(self, c.f_av, z, dt)
        return {**out, "v": v, "s": z, "psi": psi, "fr_reg": fr_reg, "f_av": f_av, "r": r, "a": a, "thr": thr}


