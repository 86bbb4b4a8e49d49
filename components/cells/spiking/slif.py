"""SLIFCell: the simplified leaky integrate-and-fire neuron of Samadi, Lillicrap & Tweed (2017).

ODE (time in ms; v and the threshold dimensionless, rest and reset at 0)::

    tau_m dv/dt = -v + R_m j - resist_inh (s_prev @ W_inh)      (only when not refractory)
    spike when v > threshold;  then v <- 0, refractory for refract_time ms
    adaptive threshold (starts at thr):
        threshold <- threshold + thr_gain s - thr_leak threshold                     (rho_b = 0)
     or threshold <- max(threshold + rho_b (sum_units s - 1), 0.025)                 (rho_b > 0: sparsity)

Samadi, Lillicrap & Tweed (2017), "Deep learning with dynamic spiking neurons and fixed feedback
weights", Neural Computation 29:578. ``W_inh`` is a fixed hollow matrix (uniform in [0.025, 1), zero
diagonal) of lateral inhibition driven by the previous step's spikes. ``surrogate`` is the paper's
secant estimate of ds/dj: ``sech(0.08 j_eff)`` for ``j_eff > 0``, else 0.

Discrete update actually computed each step:

1. ``j_eff = R_m j - resist_inh (s @ W_inh)`` (``s`` the previous step's output);
   ``surrogate = sech(0.08 j_eff) [j_eff > 0]``;
2. ``open = (rfr >= refract_time)``; ``v <- v + dt (-v + j_eff) open / tau_m`` (Euler);
3. ``spike = (v > threshold)``; ``v <- 0`` where ``spike``;
4. ``threshold`` as above, from ``spike``;
5. ``rfr <- dt`` where ``spike``, else ``rfr + dt`` (time since the last spike, from ``dt``);
6. ``s = spike``, or with ``sticky_spikes`` ``s = 1`` while refractory (``open`` of step 2 false):
   the paper's spikes that last their refractory period; ``tols <- t`` where ``s``.

The thresholds start at ``thr`` plus a uniform jitter in [-thr_jitter, thr_jitter) per unit (drawn
from the model's seed), the same for every batch row; ``reset`` returns them there unless
``thr_persist`` (then the adapted thresholds are kept, like learned parameters).

ngc-learn's ``SLIFCell`` computes the same update (same names: ``resist_m`` = R_m, ``thr``,
``resist_inh``, ``thr_gain``, ``thr_leak``, ``rho_b``, ``refract_time``, ``sticky_spikes``,
``thr_jitter``, ``thr_persist``); its threshold compartment is ``thr`` (here ``threshold``: ``thr`` is
the parameter), and it writes ``j_eff`` back into its input ``j`` (here ``j`` is left as given).
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp

from contexts import Component, Input, Output, Param, State
from contexts.compartment import Compartment
from contexts.params import count, flag, nonnegative, positive, real

from ...rules.traces import NEVER, update_tols

#: the paper's constants of the secant surrogate and the floor of the sparsity threshold
SURROGATE_C2, THR_FLOOR = 0.08, 0.025


def secant_surrogate(j: Any, c2: float = SURROGATE_C2) -> Any:
    """``sech(c2 j)`` where ``j > 0``, else 0: Samadi et al.'s estimate of the spike's slope in j."""
    return jnp.where(j > 0, 1.0 / jnp.cosh(c2 * j), 0.0)


def adapt_threshold(thr: Any, spikes: Any, *, gain: float, leak: float, rho_b: float) -> Any:
    """The sLIF/WTAS threshold update of the module docstring (``rho_b > 0``: sparsity, one spike a step)."""
    if rho_b > 0:
        return jnp.maximum(thr + rho_b * (jnp.sum(spikes, axis=-1, keepdims=True) - 1.0), THR_FLOOR)
    return thr + gain * spikes - leak * thr


class SLIFCell(Component):
    """Simplified LIF: ``tau_m dv/dt = -v + R_m j - resist_inh s W_inh``, adaptive threshold (module docstring).

    Parameters (defaults, as ngc-learn's where it has them):
        n_units: number of neurons.
        tau_m: membrane time constant, ms (20; required in ngc-learn).
        R_m: input scale (1; ngc-learn's ``resist_m``, required there).
        thr: base threshold (0.4; required in ngc-learn).
        resist_inh: strength of the lateral inhibition (0: none).
        thr_gain: threshold increment per spike (0).
        thr_leak: threshold decay per step, a fraction (0).
        rho_b: sparsity gain of the threshold (0: off; > 0 replaces thr_gain/thr_leak).
        refract_time: refractory period, ms (0).
        sticky_spikes: report s = 1 throughout the refractory period (False).
        thr_jitter: half-width of the uniform jitter of the initial thresholds (0.05).
        thr_persist: keep the adapted thresholds across reset (False).

    Compartments:
        j (input, (batch, n_units)): input current.
        v (state, (batch, n_units)): membrane potential; rest and reset 0.
        threshold (state, (batch, n_units)): adaptive thresholds (a param kept by reset if thr_persist).
        rfr (state, (batch, n_units)): time since the last spike, ms (starts at refract_time).
        threshold0 (param, (n_units,)): the initial thresholds, thr plus the jitter.
        inh_weights (param, (n_units, n_units)): lateral inhibition, hollow, uniform in [0.025, 1).
        s (output, (batch, n_units)): spikes 0/1.
        surrogate (output, (batch, n_units)): secant surrogate ds/dj.
        tols (output, (batch, n_units)): time of last spike, ms; -1e9 = never.
    """

    param_rules = {"n_units": count(), "tau_m": positive("ms"), "R_m": real(), "thr": real(),
                   "resist_inh": nonnegative(), "thr_gain": real(), "thr_leak": real(0.0, 1.0), "rho_b": nonnegative(),
                   "refract_time": nonnegative("ms"), "sticky_spikes": flag(), "thr_jitter": nonnegative(),
                   "thr_persist": flag()}

    def __init__(self, name: str, n_units: int, tau_m: float = 20.0, R_m: float = 1.0, thr: float = 0.4,
                 resist_inh: float = 0.0,
                 thr_gain: float = 0.0, thr_leak: float = 0.0, rho_b: float = 0.0, refract_time: float = 0.0,
                 sticky_spikes: bool = False, thr_jitter: float = 0.05, thr_persist: bool = False):
        super().__init__(name)
        self.n_units, self.tau_m, self.R_m, self.thr = n_units, tau_m, R_m, thr
        self.resist_inh, self.thr_gain, self.thr_leak, self.rho_b = resist_inh, thr_gain, thr_leak, rho_b
        self.refract_time, self.sticky_spikes, self.thr_jitter = refract_time, sticky_spikes, thr_jitter
        self.thr_persist = thr_persist

        def thresholds(key: Any, shape: tuple, dtype: Any) -> Any:
            return thr + jax.random.uniform(key, shape, dtype, -thr_jitter, thr_jitter)

        def hollow(key: Any, shape: tuple, dtype: Any) -> Any:
            return jax.random.uniform(key, shape, dtype, 0.025, 1.0) * (1.0 - jnp.eye(shape[0], dtype=dtype))

        self.j = Input((n_units,), doc="input current")
        self.v = State((n_units,), doc="membrane potential (rest and reset 0)")
        self.threshold = Compartment("param" if thr_persist else "state", (n_units,), init=thresholds, batched=True,
                                     key_name="thresholds", doc="adaptive thresholds")
        self.threshold0 = Param((n_units,), init=thresholds, key_name="thresholds",
                                doc="initial thresholds: thr plus its jitter")
        self.rfr = State((n_units,), init=refract_time, doc="time since the last spike (ms)")
        self.inh_weights = Param((n_units, n_units), init=hollow, doc="lateral inhibition (hollow)")
        self.s = Output((n_units,), doc="spikes (0/1)")
        self.surrogate = Output((n_units,), init=1.0, doc="secant surrogate of ds/dj")
        self.tols = Output((n_units,), init=NEVER, doc="time of last spike (ms); -1e9 = never")

    def reset(self, c: Any, *, t: Any, dt: float, key: Any) -> dict:
        out = super().reset(c, t=t, dt=dt, key=key)
        if not self.thr_persist:  # back to the drawn thresholds (not a new draw)
            out["threshold"] = jnp.broadcast_to(c.threshold0, out["threshold"].shape)
        return out

    def advance_state(self, c: Any, *, t: Any, dt: float, key: Any) -> dict:
        j = self.R_m * c.j
        if self.resist_inh > 0:
            j = j - self.resist_inh * (c.s @ c.inh_weights)
        surrogate = secant_surrogate(j)
        open_ = (c.rfr >= self.refract_time).astype(c.v.dtype)
        v = c.v + dt * (-c.v + j) * open_ / self.tau_m
        spike = (v > c.threshold).astype(v.dtype)
        v = v * (1.0 - spike)
        thr = adapt_threshold(c.threshold, spike, gain=self.thr_gain, leak=self.thr_leak, rho_b=self.rho_b)
        rfr = jnp.where(spike > 0, dt, c.rfr + dt)
        s = spike * open_ + (1.0 - open_) if self.sticky_spikes else spike
        return {"v": v, "threshold": thr, "rfr": rfr, "s": s, "surrogate": surrogate, "tols": update_tols(c.tols, s, t)}
