"""NEST's ``eprop_readout``: the leaky readout of NEST's newer e-prop family, with its error signal and
learning window (Korcsak-Gorzo et al. 2025, arXiv:2511.21674; Bellec et al. 2020)."""

from __future__ import annotations

from typing import Any

from contexts import Component, Input, Output, State
from contexts.params import count, optional, positive, real

from ..rules.eprop import decay
from .eprop_iaf import floor_potential


class EpropReadoutNestCell(Component):
    """Leaky readout with its error (NEST ``eprop_readout``; potentials relative to ``E_L``).

    ODE (ms): ``tau_m dy/dt = -y + (tau_m / C_m) I_e`` plus jumps ``j`` at incoming spikes. Per step
    (``kappa = exp(-dt/tau_m)``, ``P_i = tau_m / C_m (1 - kappa)``, ``w`` = the learning window)::

        y    = max(kappa y + P_i I_e + j, V_min)
        err  = w (y - y*)          (sent back as the error signal)
        loss = 0.5 err^2 summed over the readouts (per sample)

    Compartments:
        j (input, (batch, n)): z @ W_out (already scaled: NEST adds incoming weights unfiltered);
        target (input): y*; window (input, (batch, 1), optional, default 1): learning window (NEST's
        receptor 1); y (state): readout (NEST's ``V_m``); readout (output): ``w y`` (NEST's
        ``readout_signal``); error (output); loss (output, (batch,)).

    NEST parameter mapping:

    =========== ==== ============ ========================== ============
    NEST        unit NEST default ours                       default here
    =========== ==== ============ ========================== ============
    C_m         pF   250.0        C_m                        250.0
    E_L         mV   0.0          (potentials rel. E_L)      --
    I_e         pA   0.0          I_e                        0.0
    tau_m       ms   10.0         tau_m                      10.0
    V_min       mV   -inf         V_min (rel. E_L)           None (no floor)
    =========== ==== ============ ========================== ============
    """

    param_rules = {"n_units": count(), "tau_m": positive("ms"), "C_m": positive("pF"), "I_e": real(unit="pA"),
                   "V_min": optional(real(unit="mV"))}

    def __init__(self, name: str, n_units: int, tau_m: float = 10.0, C_m: float = 250.0, I_e: float = 0.0,
                 V_min: float | None = None):
        super().__init__(name)
        self.V_min = V_min
        self.n_units = int(n_units)
        self.tau_m, self.C_m, self.I_e = tau_m, C_m, I_e
        self.j = Input((n_units,), doc="z @ W_out")
        self.target = Input((n_units,), doc="target y*")
        self.window = Input((1,), init=1.0, required=False, doc="learning window (1 inside, 0 outside)")
        self.y = State((n_units,), doc="readout potential relative to E_L")
        self.readout = Output((n_units,), doc="window * y (NEST's readout_signal)")
        self.error = Output((n_units,), doc="window * (y - target)")
        self.loss = Output((), doc="0.5 sum err^2 of this step per sample")

    def advance_state(self, c: Any, *, t: Any, dt: float, key: Any) -> dict:
        kappa = decay(self.tau_m, dt)
        y = floor_potential(kappa * c.y + self.tau_m / self.C_m * (1.0 - kappa) * self.I_e + c.j, self.V_min)
        err = c.window * (y - c.target)
        return {"y": y, "readout": c.window * y, "error": err, "loss": 0.5 * (err * err).sum(-1)}
