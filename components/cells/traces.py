"""VarTrace: a pre- or postsynaptic spike trace (low-pass filter of a spike train).

ODE (between spikes, ms): ``tau_tr dz/dt = -z``; each spike increments ``z`` by ``a_delta``
(``mode="increment"``), sets it to ``a_delta`` (``mode="set"``, ngc-learn's gated trace), or
applies the nearest-spike rule (``mode="nearest"``). Discrete update actually computed, with
``d = exp(-dt/tau_tr)`` (``decay_type="exp"``, exact), ``max(0, 1 - dt/tau_tr)`` (``"lin"``,
Euler) or ``0`` (``"step"``)::

    increment: z <- gamma_tr * d * z + a_delta * s
    set:       z <- gamma_tr * d * z * (1 - s) + a_delta * s
    nearest:   z <- gamma_tr * d * z + s * (a_delta - z / n_nearest_spikes)

The maths is :func:`components.rules.traces.trace_step`. Morrison, Diesmann & Gerstner (2008),
Biol. Cybern. 98:459 (all-to-all and nearest-spike traces).

ngc-learn's ``VarTrace(a_delta=0, P_scale=p)`` (gated) is ``VarTrace(mode="set", a_delta=p)`` here.
"""

from __future__ import annotations

from typing import Any

from contexts import Component, Input, Output, State
from contexts.params import choice, count, positive, real

from ..rules.traces import DECAY_TYPES, TRACE_MODES, decay_factor, trace_step


class VarTrace(Component):
    """Spike trace ``tau_tr dz/dt = -z`` plus a jump per spike (see the module docstring).

    Parameters:
        n_units: number of traces.
        tau_tr: trace time constant (ms), default 20.
        a_delta: increment per spike, or the value set on a spike in ``"set"`` mode; default 1.
        decay_type: ``"exp"`` (default, exact), ``"lin"`` (Euler, clipped at 0) or ``"step"``.
        mode: ``"increment"`` (default), ``"set"`` or ``"nearest"``.
        gamma_tr: extra factor on the decayed trace (default 1).
        n_nearest_spikes: ``k`` of the nearest-spike mode (default 1).

    Compartments:
        inputs (input, (batch, n_units)): spikes of this step (0/1).
        trace (state, (batch, n_units)): the trace z.
        outputs (output, (batch, n_units)): = trace.
    """

    param_rules = {"n_units": count(), "tau_tr": positive("ms"), "decay_type": choice(*DECAY_TYPES),
                   "mode": choice(*TRACE_MODES), "n_nearest_spikes": positive(),
                   "gamma_tr": real(0.0, 1.0, fix="above 1 the trace grows without bound")}

    def __init__(self, name: str, n_units: int, tau_tr: float = 20.0, a_delta: float = 1.0,
                 decay_type: str = "exp", mode: str = "increment", gamma_tr: float = 1.0,
                 n_nearest_spikes: float = 1.0):
        super().__init__(name)
        self.n_units = n_units
        self.tau_tr = tau_tr
        self.a_delta = a_delta
        self.decay_type = decay_type
        self.mode = mode
        self.gamma_tr = gamma_tr
        self.n_nearest_spikes = n_nearest_spikes
        self.inputs = Input((n_units,), doc="spikes (0/1)")
        self.trace = State((n_units,), doc="trace z")
        self.outputs = Output((n_units,), doc="trace z (same as trace)")

    def advance_state(self, c: Any, *, t: Any, dt: float, key: Any) -> dict:
        decay = decay_factor(dt, self.tau_tr, self.decay_type)
        z = trace_step(c.trace, c.inputs, decay, mode=self.mode, a_delta=self.a_delta,
                       gamma=self.gamma_tr, n_nearest=self.n_nearest_spikes)
        return {"trace": z, "outputs": z}
