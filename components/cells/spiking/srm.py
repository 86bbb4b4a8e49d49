"""LIFSRM and RAFSRM: spike-response-model forms of the LIF and resonate-and-fire neurons.

A spike-response model (Gerstner 1995, Phys. Rev. E 51:738; SRM_0) writes the membrane potential
as kernels instead of an ODE: the input filtered by a response kernel ``epsilon`` (the cell's
linear response, never reset) plus a kernel ``eta`` of the time since the last spike (the reset's
after-effect)::

    v(t) = v_rest + (epsilon * j)(t) + eta(t - t_hat),    spike when v > thr,  t_hat <- t

LIFSRM::

    epsilon trace:  x <- x e^{-dt / tau_m} + (dt / tau_m) R_m j          (each step)
    eta(s) = (v_reset - v_rest) e^{-s / tau_m}                       (0 before the first spike)

RAFSRM (the oscillator of :class:`~components.cells.spiking.resonate_and_fire.RAFCell`,
``d(v, w)/dt = A (v, w)``, ``A = [[b / tau_v, omega / tau_v], [-omega / tau_w, b / tau_w]]``)::

    epsilon state:  (x_v, x_w) <- exp(A dt) (x_v, x_w);  x_w <- x_w + (dt / tau_w) R_m j
    eta(s) = first row of exp(A s) (v_reset, w_reset)                (0 before the first spike)
    v = x_v + eta(t - t_hat)                                          (v_rest = 0)

Discrete update actually computed each step: the epsilon update above, then ``v`` from the kernels,
``s = (v > thr)``, ``v <- v_reset`` where ``s`` (the reported v; the kernels keep their own state),
``tols <- t`` where ``s``. Only ``eta`` knows about spikes: a strong input keeps ``x`` above threshold
and the cell fires every step the kernels sum above ``thr``.

ngc-learn's ``LIFSRM`` and ``RAFSRM`` compute the same kernels (input compartment ``current_j``, here
``j``; last spike ``t_last_spike``, here ``tols``; the epsilon state ``j_lowpass`` / ``j_v``, ``j_w``,
here ``x`` / ``x_v``, ``x_w``). They evaluate ``exp(A s)`` with the underdamped formula only (the
frequency clipped at 1e-3 rad/ms when the oscillator is overdamped); here ``exp(A s)`` is exact in
every regime. Their ``predict_next_spike`` (an event-driven look-ahead) is not offered.
"""

from __future__ import annotations

from typing import Any

import jax.numpy as jnp

from contexts import Component, Input, Output, State
from contexts.params import count, positive, real

from ...rules.integrators import linear2_propagator
from ...rules.traces import NEVER, update_tols
from .resonate_and_fire import raf_matrix


class LIFSRM(Component):
    """LIF spike-response model: ``v = v_rest + x + (v_reset - v_rest) e^{-(t - t_hat) / tau_m}`` (module docstring).

    Parameters (defaults, as ngc-learn's):
        n_units: number of neurons.
        tau_m: membrane time constant, ms (10; required in ngc-learn).
        thr: threshold, mV (-52).
        v_rest: resting potential, mV (-65).
        v_reset: reset potential, mV (-60).
        R_m: input scale, mV per unit of j (1).

    Compartments:
        j (input, (batch, n_units)): input current.
        x (state, (batch, n_units)): the input filtered by epsilon, mV.
        v (state, (batch, n_units)): membrane potential, mV (v_reset on a spike's step).
        s (output, (batch, n_units)): spikes 0/1.
        tols (output, (batch, n_units)): time of last spike, ms; -1e9 = never.
    """

    param_rules = {"n_units": count(), "tau_m": positive("ms"), "thr": real(unit="mV"), "v_rest": real(unit="mV"),
                   "v_reset": real(unit="mV"), "R_m": real()}

    def __init__(self, name: str, n_units: int, tau_m: float = 10.0, thr: float = -52.0, v_rest: float = -65.0,
                 v_reset: float = -60.0, R_m: float = 1.0):
        super().__init__(name)
        self.n_units, self.tau_m, self.thr, self.v_rest, self.v_reset, self.R_m = (n_units, tau_m, thr, v_rest,
                                                                                   v_reset, R_m)
        self.j = Input((n_units,), doc="input current")
        self.x = State((n_units,), doc="input filtered by the epsilon kernel (mV)")
        self.v = State((n_units,), init=v_rest, doc="membrane potential (mV)")
        self.s = Output((n_units,), doc="spikes (0/1)")
        self.tols = Output((n_units,), init=NEVER, doc="time of last spike (ms); -1e9 = never")

    def advance_state(self, c: Any, *, t: Any, dt: float, key: Any) -> dict:
        x = c.x * jnp.exp(-dt / self.tau_m) + (dt / self.tau_m) * self.R_m * c.j
        since = t - c.tols  # huge before the first spike: eta = 0
        eta = (self.v_reset - self.v_rest) * jnp.exp(-jnp.minimum(since, 1e6) / self.tau_m)
        v = self.v_rest + x + eta
        s = (v > self.thr).astype(v.dtype)
        v = jnp.where(s > 0, jnp.asarray(self.v_reset, v.dtype), v)
        return {"x": x, "v": v, "s": s, "tols": update_tols(c.tols, s, t)}


class RAFSRM(Component):
    """Resonate-and-fire spike-response model: ``v = x_v + eta(t - t_hat)`` (module docstring).

    Parameters (defaults, as ngc-learn's and :class:`RAFCell`'s):
        n_units: number of neurons.
        tau_v: time constant of v, ms (1).
        tau_w: time constant of w, ms (1).
        thr: spike threshold on v (1).
        omega: angular frequency, rad/ms (10).
        b: damping, 1/ms (-1; ngc-learn's ``dampen_factor``).
        v_reset: v of the reset kernel (0).
        w_reset: w of the reset kernel (0).
        R_m: input scale (1).

    Compartments:
        j (input, (batch, n_units)): input current.
        x_v, x_w (state, (batch, n_units)): the oscillator driven by the input alone (epsilon state).
        v (state, (batch, n_units)): voltage-like variable (v_reset on a spike's step).
        s (output, (batch, n_units)): spikes 0/1.
        tols (output, (batch, n_units)): time of last spike, ms; -1e9 = never.
    """

    param_rules = {"n_units": count(), "tau_v": positive("ms"), "tau_w": positive("ms"), "thr": real(),
                   "omega": real(unit="rad/ms"), "b": real(unit="1/ms"), "v_reset": real(), "w_reset": real(),
                   "R_m": real()}

    def __init__(self, name: str, n_units: int, tau_v: float = 1.0, tau_w: float = 1.0, thr: float = 1.0,
                 omega: float = 10.0, b: float = -1.0, v_reset: float = 0.0, w_reset: float = 0.0, R_m: float = 1.0):
        super().__init__(name)
        self.n_units, self.tau_v, self.tau_w, self.thr = n_units, tau_v, tau_w, thr
        self.omega, self.b, self.v_reset, self.w_reset, self.R_m = omega, b, v_reset, w_reset, R_m
        self.j = Input((n_units,), doc="input current")
        self.x_v = State((n_units,), doc="input-driven oscillator, v")
        self.x_w = State((n_units,), doc="input-driven oscillator, w")
        self.v = State((n_units,), doc="voltage-like variable")
        self.s = Output((n_units,), doc="spikes (0/1)")
        self.tols = Output((n_units,), init=NEVER, doc="time of last spike (ms); -1e9 = never")

    def matrix(self) -> Any:
        """``A`` over ``(v, w)``."""
        A = raf_matrix(self.tau_v, self.tau_w, self.omega, self.b)  # over (w, v)
        return A[::-1, ::-1]

    def advance_state(self, c: Any, *, t: Any, dt: float, key: Any) -> dict:
        A = self.matrix()
        M = linear2_propagator(A, dt).tolist()
        x_v = M[0][0] * c.x_v + M[0][1] * c.x_w
        x_w = M[1][0] * c.x_v + M[1][1] * c.x_w + (dt / self.tau_w) * self.R_m * c.j
        # eta(s) = e^{m s} (C(s) (A - m I) + c(s) I) applied to (v_reset, w_reset), first row
        m = 0.5 * float(A[0, 0] + A[1, 1])
        s2 = m * m - float(A[0, 0] * A[1, 1] - A[0, 1] * A[1, 0])
        since = jnp.minimum(t - c.tols, 1e6)
        root = abs(s2) ** 0.5
        if s2 > 1e-12:
            cs, sn = jnp.cosh(root * since), jnp.sinh(root * since) / root
        elif s2 < -1e-12:
            cs, sn = jnp.cos(root * since), jnp.sin(root * since) / root
        else:
            cs, sn = jnp.ones_like(since), since
        row = ((float(A[0, 0]) - m) * self.v_reset + float(A[0, 1]) * self.w_reset)
        eta = jnp.where(c.tols > NEVER / 2, jnp.exp(m * since) * (cs * self.v_reset + sn * row), 0.0)
        v = x_v + eta
        s = (v > self.thr).astype(v.dtype)
        v = jnp.where(s > 0, jnp.asarray(self.v_reset, v.dtype), v)
        return {"x_v": x_v, "x_w": x_w, "v": v, "s": s, "tols": update_tols(c.tols, s, t)}
