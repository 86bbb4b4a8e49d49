"""PhasorCell: a phase-oscillator spike encoder; each unit advances a phase at a rate proportional to
its input and spikes when the phase completes a cycle (ngc-learn's PhasorCell): a regular, jittered
rate code.

Phase velocity ``omega = 2 pi target_freq inputs`` (rad/s), so an input of 1 fires at ``target_freq`` Hz.
Discrete update actually computed, ``eta ~ N(0, 1)`` fresh per unit and step::

    theta <- theta + 2 pi target_freq dt / 1000 * inputs * (1 + jitter eta)
    s      = 1 if theta > 2 pi else 0;      theta <- theta - 2 pi s;      tols <- t where s = 1

With ``jitter = 0`` a constant input x fires every ``1000 / (target_freq x)`` ms exactly (to the
step). ``disable_phasor`` passes the input through unchanged (``outputs = inputs``). The phase
starts at 0, so the first spike comes after a full cycle.
"""

from __future__ import annotations

import math
from typing import Any

import jax
import jax.numpy as jnp

from contexts import Component, Input, Output, State
from contexts.params import ParameterError, count, flag, nonnegative

from ...rules.traces import NEVER, update_tols


def _one_event_per_step(params: dict, dt: float, owner: str) -> None:
    freq = params.get("target_freq")
    if isinstance(freq, (int, float)) and freq * dt / 1000.0 > 1.0:
        err = ParameterError(f"{owner}: target_freq * dt = {freq * dt / 1000.0:g} events per step; one step "
                             f"emits at most one spike: use target_freq <= {1000.0 / dt:g} Hz or a smaller dt")
        err.component, err.parameter = owner, "target_freq"
        raise err


class PhasorCell(Component):
    """Phase-oscillator encoder: spikes at ``target_freq * inputs`` Hz, regularly, with phase jitter (see
    the module docstring).

    Parameters (defaults):
        n_units: number of units.
        target_freq: rate (Hz) of an input of 1 (63.75, ngc-learn's default).
        jitter: relative standard deviation of each step's phase advance (0.2, ngc-learn's value).
        disable_phasor: ``outputs = inputs`` (False).

    Compartments:
        inputs (input, (batch, n_units)): intensities in [0, 1].
        outputs (output, (batch, n_units)): spikes 0/1.
        tols (output, (batch, n_units)): time of last spike (ms); -1e9 = never.
        angles (state, (batch, n_units)): phase theta, rad.
    """

    param_rules = {"n_units": count(), "target_freq": nonnegative("Hz"), "jitter": nonnegative(),
                   "disable_phasor": flag()}
    param_checks = (_one_event_per_step,)

    def __init__(self, name: str, n_units: int, target_freq: float = 63.75, jitter: float = 0.2,
                 disable_phasor: bool = False):
        super().__init__(name)
        self.n_units = n_units
        self.target_freq = target_freq
        self.jitter = jitter
        self.disable_phasor = disable_phasor
        self.inputs = Input((n_units,), doc="intensities in [0, 1]")
        self.outputs = Output((n_units,), doc="spikes (0/1)")
        self.tols = Output((n_units,), init=NEVER, doc="time of last spike (ms); -1e9 = never")
        self.angles = State((n_units,), doc="phase (rad)")

    def advance_state(self, c: Any, *, t: Any, dt: float, key: Any) -> dict:
        eta = jax.random.normal(key, jnp.shape(c.angles), jnp.result_type(c.angles))
        step = 2.0 * math.pi * self.target_freq * dt / 1000.0
        theta = c.angles + step * c.inputs * (1.0 + self.jitter * eta)
        s = (theta > 2.0 * math.pi).astype(theta.dtype)
        theta = theta - 2.0 * math.pi * s
        if self.disable_phasor:
            s = c.inputs
        return {"outputs": s, "tols": update_tols(c.tols, s, t), "angles": theta}
