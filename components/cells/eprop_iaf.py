"""NEST's ``eprop_iaf`` and ``eprop_iaf_adapt``: the e-prop LIF neuron of NEST's newer e-prop family with
reset by subtraction (and threshold adaptation), NEST's surrogate gradients and its per-step firing-rate
regulariser (Korcsak-Gorzo et al. 2025, arXiv:2511.21674; Bellec et al. 2020, Nat. Commun. 11:3625).

Potentials are relative to the resting potential ``E_L`` (NEST's ``V_m - E_L``); times in ms, rates in Hz.
"""

from __future__ import annotations

from typing import Any

import jax.numpy as jnp

from contexts import Component, Input, Output, State
from contexts.params import choice, count, nonnegative, optional, positive, real

from ..rules.eprop import SURROGATES, decay, surrogate_gradient

#: beyond this many steps a refractory period is "forever" (and still fits int32)
MAX_STEPS = 2**30



def declare_nest_eprop_neuron(cell: Component, n_units: int, surrogate: str, height: float, width: float,
                              c_reg: float, f_target: float, kappa_reg: float, adapt_beta: float,
                              adapt_tau: float) -> None:
    """The parameters and compartments NEST's newer e-prop neurons share (``eprop_iaf``, ``eprop_iaf_psc_delta``)."""
    cell.surrogate, cell.height, cell.width = surrogate, height, width
    cell.c_reg, cell.f_target, cell.kappa_reg = c_reg, f_target, kappa_reg
    cell.adapt_beta, cell.adapt_tau = adapt_beta, adapt_tau
    cell.j = Input((n_units,), doc="summed synaptic jumps (mV)")
    cell.v = State((n_units,), doc="membrane potential relative to E_L (mV)")
    cell.s = Output((n_units,), doc="spikes z (0/1)")
    cell.psi = Output((n_units,), doc="surrogate gradient")
    cell.fr_reg = Output((n_units,), doc="firing-rate regularisation c_reg (f_av - f_target)")
    cell.f_av = State((n_units,), doc="low-pass filtered firing rate (spikes/ms)")
    cell.r = State((n_units,), doc="refractory steps left")
    cell.a = State((n_units,), doc="threshold adaptation")


def floor_potential(v: Any, v_min: float | None) -> Any:
    """NEST's lower bound of the membrane potential, ``max(v, V_min)`` (mV); no bound for ``None``."""
    return v if v_min is None else jnp.maximum(v, v_min)


def rate_regulariser(cell: Component, f_av: Any, z: Any, dt: float) -> tuple:
    """NEST's per-step firing-rate regularisation: ``f_av <- kappa_reg f_av + (1 - kappa_reg) z / dt``,
    ``fr_reg = c_reg (f_av - f_target dt)`` (``f_target`` in Hz, ``f_av`` in spikes/ms)."""
    f_av = cell.kappa_reg * f_av + (1.0 - cell.kappa_reg) * z / dt
    return f_av, cell.c_reg * (f_av - cell.f_target / 1000.0 * dt)


class EpropIafCell(Component):
    """LIF neuron reset by subtraction (NEST ``eprop_iaf``; with ``adapt_beta > 0``, ``eprop_iaf_adapt``).

    ODE (between spikes, ms): ``tau_m dv/dt = -v + (tau_m / C_m) I`` plus jumps ``j`` (mV) at incoming
    spikes. Per step of ``dt`` (``alpha = exp(-dt/tau_m)``, ``P_i = tau_m / C_m (1 - alpha)``,
    ``rho = exp(-dt/adapt_tau)``; NEST's order)::

        r   = max(r - 1, 0)
        v   = max(alpha v + P_i i_in + j, V_min)     (i_in = I_e from the second step on, NEST's buffer)
        a   = rho a + z_prev ;  A = V_th + adapt_beta a
        psi = surrogate(v; A, height, width)          (0 while r > 0)
        z   = v >= A and r == 0 ;  where z: v = v - V_th, r = round(t_ref / dt)
        f_av   = kappa_reg f_av + (1 - kappa_reg) z / dt
        fr_reg = c_reg (f_av - f_target dt / 1000)

    The reset subtracts ``V_th`` (not ``A``), as NEST does. Give the synapses onto this cell
    (:class:`~components.synapses.eprop_online.EpropOnlineSynapse`) the same ``tau_m``,
    ``adapt_beta`` and ``adapt_tau``.

    Compartments:
        j (input, (batch, n)): summed synaptic jumps; v (state); s (output): spikes; psi (output);
        fr_reg (output); f_av, r, a, i_in (state); thr (output): A.

    NEST parameter mapping (``eprop_iaf`` / ``eprop_iaf_adapt``):

    =========================== ====== ================== ===================== ================
    NEST                        unit   NEST default       ours                  default here
    =========================== ====== ================== ===================== ================
    C_m                         pF     250.0              C_m                   250.0
    c_reg                              0.0                c_reg                 0.0
    E_L                         mV     -70.0              (potentials rel. E_L) --
    f_target                    Hz     10.0               f_target              10.0
    I_e                         pA     0.0                I_e                   0.0
    kappa_reg                          0.97               kappa_reg             0.97
    surrogate_gradient_function        piecewise_linear   surrogate             piecewise_linear
    surrogate_gradient_height          1.0                height                1.0
    surrogate_gradient_width           0.5                width                 0.5
    t_ref                       ms     2.0                t_ref                 2.0
    tau_m                       ms     10.0               tau_m                 10.0
    V_th                        mV     -55.0 (abs.)       V_th (rel. E_L)       15.0
    V_min                       mV     -inf               V_min (rel. E_L)      None (no floor)
    adapt_beta (``_adapt``)            1.0                adapt_beta            0.0 (eprop_iaf)
    adapt_tau (``_adapt``)      ms     10.0               adapt_tau             10.0
    adaptation (``_adapt``)            0.0                a (initial state)     0.0
    =========================== ====== ================== ===================== ================

    NEST's ``kappa`` (the eligibility filter) lives on the synapse here (``EpropOnlineSynapse.kappa``).
    """

    param_rules = {"n_units": count(), "tau_m": positive("ms"), "C_m": positive("pF"), "V_th": real(unit="mV"),
                   "t_ref": nonnegative("ms"), "I_e": real(unit="pA"), "surrogate": choice(*SURROGATES),
                   "height": nonnegative(), "width": positive("mV"), "c_reg": nonnegative(),
                   "f_target": nonnegative("Hz"), "kappa_reg": real(0.0, 1.0), "adapt_beta": nonnegative(),
                   "adapt_tau": positive("ms"), "V_min": optional(real(unit="mV"))}

    def __init__(self, name: str, n_units: int, tau_m: float = 10.0, C_m: float = 250.0, V_th: float = 15.0,
                 t_ref: float = 2.0, I_e: float = 0.0, surrogate: str = "piecewise_linear", height: float = 1.0,
                 width: float = 0.5, c_reg: float = 0.0, f_target: float = 10.0, kappa_reg: float = 0.97,
                 adapt_beta: float = 0.0, adapt_tau: float = 10.0, V_min: float | None = None):
        super().__init__(name)
        self.V_min = V_min
        self.n_units = int(n_units)
        self.tau_m, self.C_m, self.V_th, self.t_ref, self.I_e = tau_m, C_m, V_th, t_ref, I_e
        declare_nest_eprop_neuron(self, n_units, surrogate, height, width, c_reg, f_target, kappa_reg, adapt_beta,
                                  adapt_tau)
        self.i_in = State((n_units,), doc="the current applied this step (I_e after the first step)")
        self.thr = Output((n_units,), init=V_th, doc="threshold A = V_th + adapt_beta a")

    def advance_state(self, c: Any, *, t: Any, dt: float, key: Any) -> dict:
        alpha = decay(self.tau_m, dt)
        p_i = self.tau_m / self.C_m * (1.0 - alpha)
        r = jnp.maximum(c.r - 1.0, 0.0)
        v = floor_potential(alpha * c.v + p_i * c.i_in + c.j, self.V_min)
        a = decay(self.adapt_tau, dt) * c.a + c.s
        thr = self.V_th + self.adapt_beta * a
        psi = surrogate_gradient(self.surrogate, v, thr, self.height, self.width, r > 0)
        z = ((v >= thr) & (r == 0)).astype(v.dtype)
        v = v - self.V_th * z
        r = jnp.where(z > 0, float(min(round(self.t_ref / dt), MAX_STEPS)), r)
        f_av, fr_reg = rate_regulariser(self, c.f_av, z, dt)
        return {"v": v, "s": z, "psi": psi, "fr_reg": fr_reg, "f_av": f_av, "r": r, "a": a, "thr": thr,
                "i_in": jnp.full_like(v, self.I_e)}
