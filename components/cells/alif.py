"""ALIFCell: leaky integrate-and-fire neuron with spike-triggered threshold adaptation.

ODE (ms, mV)::

    tau_m dv/dt = -g_L (v - v_rest) + R_m * j      (j gated off while refractory; g_L = conduct_leak)
    tau_a da/dt = -a,  a += 1 per spike
    spike when v > A = thr + beta * a;  then v <- v_reset, refractory for refract_time ms

Discrete update actually computed each step: the membrane, spike, reset and refractory steps of
:class:`~components.cells.lif.LIFCell` (same ``lif_step``) with threshold ``A = thr + beta * a``
taken from the previous step, then ``a <- a exp(-dt/tau_a) + s`` and ``tols <- t`` where ``s``.

This is the adaptation of Bellec et al. (2020), "A solution to the learning dilemma for recurrent
networks of spiking neurons", Nat. Commun. 11:3625 (``a^{t+1} = rho a^t + z^t``,
``A^t = v_th + beta a^t``, ``rho = exp(-dt/tau_a)``); Bellec et al. (2018), "Long short-term memory
and learning-to-learn in networks of spiking neurons", NeurIPS, increment ``a`` by ``1 - rho``
per spike instead: use ``beta_here = beta_LSNN * (1 - rho)`` to reproduce it. Unlike the papers
(reset by subtraction, dimensionless units) the reset here is to ``v_reset`` in mV, as in LIFCell.
Unlike LIFCell's ``thr_theta``, ``a`` is a State: ``reset`` clears it (adaptation within a trial).
"""

from __future__ import annotations

from typing import Any

import jax.numpy as jnp

from contexts import Component, State
from contexts.params import positive

from ..rules.traces import update_tols
from .lif import MEMBRANE_CHECKS, MEMBRANE_RULES, declare_membrane, lif_step, membrane_kwargs


class ALIFCell(Component):
    """Adaptive LIF: threshold ``thr + beta a``, ``tau_a da/dt = -a + sum of spikes``.

    Parameters (defaults):
        n_units: number of neurons.
        tau_m: membrane time constant, ms (10).
        R_m: membrane resistance, mV per unit of j (1).
        v_rest: resting potential, mV (-65).
        v_reset: potential after a spike, mV (-60).
        thr: base threshold, mV (-52).
        refract_time: refractory period, ms (0).
        beta: threshold increase per unit of adaptation a, mV (1).
        tau_a: adaptation time constant, ms (200).
        integration: ``"euler"`` (default), ``"midpoint"`` (= ``"rk2"``) or ``"exact"``.
        conduct_leak: leak conductance g_L, dimensionless (1); 0 = no leak.
        v_min: lower bound on v after each step, mV (None = no bound).

    Compartments:
        j (input, (batch, n_units)): input current.
        v (state, (batch, n_units)): membrane potential, mV; starts at v_rest.
        rfr (state, (batch, n_units)): refractory time left, ms.
        a (state, (batch, n_units)): adaptation variable (spike count filtered with tau_a).
        s (output, (batch, n_units)): spikes 0/1.
        tols (output, (batch, n_units)): time of last spike, ms; -1e9 = never.
    """

    param_rules = {**MEMBRANE_RULES, "tau_a": positive("ms")}
    param_checks = MEMBRANE_CHECKS

    def __init__(self, name: str, n_units: int, tau_m: float = 10.0, R_m: float = 1.0, v_rest: float = -65.0,
                 v_reset: float = -60.0, thr: float = -52.0, refract_time: float = 0.0, beta: float = 1.0,
                 tau_a: float = 200.0, integration: str = "euler", conduct_leak: float = 1.0,
                 v_min: float | None = None):
        super().__init__(name)
        owner = f"ALIFCell {name!r}"
        declare_membrane(self, owner, n_units, tau_m, R_m, v_rest, v_reset, thr, refract_time, integration,
                         conduct_leak, v_min)
        self.beta = beta
        self.tau_a = tau_a
        self.a = State((n_units,), doc="threshold adaptation (filtered spike count)")

    def advance_state(self, c: Any, *, t: Any, dt: float, key: Any) -> dict:
        v, s, rfr = lif_step(c.v, c.j, c.rfr, self.thr + self.beta * c.a, dt=dt, **membrane_kwargs(self))
        a = c.a * jnp.exp(-dt / self.tau_a) + s
        return {"v": v, "s": s, "rfr": rfr, "a": a, "tols": update_tols(c.tols, s, t)}
