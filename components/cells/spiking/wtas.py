"""WTASCell: winner-take-all spiking, a softmax competition among the units with adaptive thresholds.

Update (no ODE: the cell is memoryless apart from its thresholds and refractory clocks)::

    v = R_m j  (0 while refractory)
    p = softmax(v) over the units
    spike where p > threshold;  threshold <- max(threshold + thr_gain (sum_units s - 1), 0.025)

A unit fires when it takes more than its threshold's share of the softmax; the threshold update
(the sLIF's sparsity rule) drifts the thresholds until, on average, one unit fires per step.

Discrete update actually computed each step:

1. ``open = (rfr >= refract_time)``; ``v = R_m j open``;
2. ``p = softmax(v)`` over the units; ``s = (p > threshold)``;
3. ``threshold <- max(threshold + thr_gain (sum_units s - 1), 0.025)``;
4. ``rfr <- dt`` where ``s``, else ``rfr + dt``; ``tols <- t`` where ``s``.

The thresholds start at ``thr_base`` plus a uniform jitter in [-thr_jitter, thr_jitter) per unit
(drawn from the model's seed), the same for every batch row.

ngc-learn's ``WTASCell`` computes the same update with the same names (its threshold compartment is
``thr``); it also requires a ``tau_m`` that it never uses (not a parameter here).
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp

from contexts import Component, Input, Output, Param, State
from contexts.compartment import Compartment
from contexts.params import count, nonnegative, real

from ...rules.traces import NEVER, update_tols
from .slif import THR_FLOOR


class WTASCell(Component):
    """Winner-take-all spiking: ``s = softmax(R_m j) > threshold`` with sparsity-adapted thresholds.

    Parameters (defaults, as ngc-learn's):
        n_units: number of neurons.
        R_m: input scale (1; ngc-learn's ``resist_m``).
        thr_base: base threshold on the softmax share (0.4).
        thr_gain: sparsity gain of the threshold (0.002).
        refract_time: refractory period, ms (0).
        thr_jitter: half-width of the uniform jitter of the initial thresholds (0.05).

    Compartments:
        j (input, (batch, n_units)): input current.
        v (state, (batch, n_units)): R_m j, gated by refractoriness.
        threshold (state, (batch, n_units)): adaptive thresholds.
        threshold0 (param, (n_units,)): the initial thresholds, thr_base plus the jitter.
        rfr (state, (batch, n_units)): time since the last spike, ms (starts at refract_time).
        s (output, (batch, n_units)): spikes 0/1.
        tols (output, (batch, n_units)): time of last spike, ms; -1e9 = never.
    """

    param_rules = {"n_units": count(), "R_m": real(), "thr_base": real(0.0, 1.0), "thr_gain": nonnegative(),
                   "refract_time": nonnegative("ms"), "thr_jitter": nonnegative()}

    def __init__(self, name: str, n_units: int, R_m: float = 1.0, thr_base: float = 0.4, thr_gain: float = 0.002,
                 refract_time: float = 0.0, thr_jitter: float = 0.05):
        super().__init__(name)
        self.n_units, self.R_m, self.thr_base, self.thr_gain = n_units, R_m, thr_base, thr_gain
        self.refract_time, self.thr_jitter = refract_time, thr_jitter

        def thresholds(key: Any, shape: tuple, dtype: Any) -> Any:
            return thr_base + jax.random.uniform(key, shape, dtype, -thr_jitter, thr_jitter)

        self.j = Input((n_units,), doc="input current")
        self.v = State((n_units,), doc="R_m j, gated by refractoriness")
        self.threshold = Compartment("state", (n_units,), init=thresholds, batched=True, key_name="thresholds",
                                     doc="adaptive thresholds")
        self.threshold0 = Param((n_units,), init=thresholds, key_name="thresholds",
                                doc="initial thresholds: thr_base plus its jitter")
        self.rfr = State((n_units,), init=refract_time, doc="time since the last spike (ms)")
        self.s = Output((n_units,), doc="spikes (0/1)")
        self.tols = Output((n_units,), init=NEVER, doc="time of last spike (ms); -1e9 = never")

    def reset(self, c: Any, *, t: Any, dt: float, key: Any) -> dict:
        out = super().reset(c, t=t, dt=dt, key=key)
        out["threshold"] = jnp.broadcast_to(c.threshold0, out["threshold"].shape)  # the drawn ones, not a new draw
        return out

    def advance_state(self, c: Any, *, t: Any, dt: float, key: Any) -> dict:
        open_ = (c.rfr >= self.refract_time).astype(c.j.dtype)
        v = self.R_m * c.j * open_
        s = (jax.nn.softmax(v, axis=-1) > c.threshold).astype(v.dtype)
        thr = jnp.maximum(c.threshold + self.thr_gain * (jnp.sum(s, axis=-1, keepdims=True) - 1.0), THR_FLOOR)
        rfr = jnp.where(s > 0, dt, c.rfr + dt)
        return {"v": v, "threshold": thr, "rfr": rfr, "s": s, "tols": update_tols(c.tols, s, t)}
