"""LatencyCell: a latency code, one spike per unit per presentation, stronger inputs earlier
(Thorpe, Delorme & Van Rullen 2001, Neural Netw. 14:715; ngc-learn's LatencyCell).

Target spike time (ms, from the start of the presentation) of an input x in [0, 1]:

    nonlinear (default): t* = tau log(x' / (x' - thr)) + t0,   x' = max(x, thr + 1e-7)
        (the time an RC membrane charged by x takes to reach thr)
    linearize:           t* = min(tau (1 - x), tau (1 - thr)) + t0
    normalize (linear):    tau = (num_steps - 1) dt - t0, so that x = 0 lands at the last step
    normalize (nonlinear): t* = (t* - t0) ((num_steps - 1) dt - t0) / max_units(t* - t0) + t0
                           (per sample: its latest spike lands at the last step)

with ``t0 = first_spike_time`` and ``thr = threshold``. Discrete update actually computed: the
target is rounded to the nearest step, ``t*_k = round(t*/dt) dt``; ``elapsed`` counts the time since
``reset`` at the start of the step; a unit spikes in the first step with ``elapsed >= t*_k`` and then
stays silent until ``reset`` (``mask``). With ``clip_spikes`` an input below ``thr`` never spikes.
The target is computed each step from the current input (hold it over a presentation).
"""

from __future__ import annotations

from typing import Any

import jax.numpy as jnp

from contexts import Component, Input, Output, State
from contexts.params import count, flag, nonnegative, positive, real

from ...rules.traces import NEVER, update_tols


def latency_times(x: Any, dt: float, tau: float, threshold: float, first_spike_time: float, linearize: bool,
                  normalize: bool, num_steps: float) -> Any:
    """Target spike times (ms from the presentation start) of inputs ``x`` (see the module docstring)."""
    t0 = first_spike_time
    span = (num_steps - 1.0) * dt - t0
    if linearize:
        tau_eff = span if normalize else tau
        return jnp.minimum(tau_eff * (1.0 - x), tau_eff * (1.0 - threshold)) + t0
    xc = jnp.where(x > threshold + 1e-7, x, threshold + 1e-7)
    rel = tau * jnp.log(xc / (xc - threshold))
    if normalize:
        rel = rel * span / jnp.max(rel, axis=-1, keepdims=True)
    return rel + t0


class LatencyCell(Component):
    """Latency encoder: one spike per unit at ``tau log(x / (x - thr)) + first_spike_time`` (see the
    module docstring).

    Parameters (ngc-learn's names and defaults):
        n_units: number of units.
        tau: time constant of the code, ms (1).
        threshold: the input that maps to the latest spike, in [0, 1) (0.01).
        first_spike_time: time of the earliest spike, ms (0).
        linearize: ``t* = tau (1 - x)`` instead of the RC law (False).
        normalize: stretch the code over ``num_steps`` steps (False).
        clip_spikes: inputs below ``threshold`` never spike (False).
        num_steps: steps of a presentation, used by ``normalize`` (1).

    Compartments:
        inputs (input, (batch, n_units)): intensities in [0, 1].
        outputs (output, (batch, n_units)): spikes 0/1.
        tols (output, (batch, n_units)): time of last spike (ms); -1e9 = never.
        targ_sp_times (output, (batch, n_units)): target spike times, ms from the presentation start.
        mask (state, (batch, n_units)): 1 once the unit has spiked.
        elapsed (state, (batch, 1)): time since reset at the start of the step, ms.
    """

    param_rules = {"n_units": count(), "tau": positive("ms"), "threshold": real(0.0, 1.0, high_open=True),
                   "first_spike_time": nonnegative("ms"), "linearize": flag(), "normalize": flag(),
                   "clip_spikes": flag(), "num_steps": real(1.0)}

    def __init__(self, name: str, n_units: int, tau: float = 1.0, threshold: float = 0.01,
                 first_spike_time: float = 0.0, linearize: bool = False, normalize: bool = False,
                 clip_spikes: bool = False, num_steps: float = 1.0):
        super().__init__(name)
        self.n_units = n_units
        self.tau = tau
        self.threshold = threshold
        self.first_spike_time = first_spike_time
        self.linearize = linearize
        self.normalize = normalize
        self.clip_spikes = clip_spikes
        self.num_steps = num_steps
        self.inputs = Input((n_units,), doc="intensities in [0, 1]")
        self.outputs = Output((n_units,), doc="spikes (0/1)")
        self.tols = Output((n_units,), init=NEVER, doc="time of last spike (ms); -1e9 = never")
        self.targ_sp_times = Output((n_units,), doc="target spike times (ms from the presentation start)")
        self.mask = State((n_units,), doc="1 once the unit has spiked")
        self.elapsed = State((1,), doc="time since reset at the start of the step (ms)")

    def advance_state(self, c: Any, *, t: Any, dt: float, key: Any) -> dict:
        x = c.inputs
        target = latency_times(x, dt, self.tau, self.threshold, self.first_spike_time, self.linearize,
                               self.normalize, self.num_steps)
        on_grid = jnp.round(target / dt) * dt
        fire = (c.elapsed >= on_grid - 1e-3 * dt) * (1.0 - c.mask)
        s = fire * (x >= self.threshold) if self.clip_spikes else fire
        return {"outputs": s, "tols": update_tols(c.tols, s, t), "targ_sp_times": target,
                "mask": c.mask + fire, "elapsed": c.elapsed + dt}
