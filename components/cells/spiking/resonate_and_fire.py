"""RAFCell: Izhikevich's (2001) resonate-and-fire neuron, a damped oscillator with a threshold.

ODE (time in ms; v and w in the units of the threshold)::

    tau_v dv/dt = b v + omega w
    tau_w dw/dt = b w - omega v + R_m j
    spike when v crosses thr upwards (v_old <= thr < v_new); with post_spike_reset, then v <- v_reset, w <- w_reset

With ``tau_v = tau_w = 1`` this is Izhikevich's ``dz/dt = (b + i omega) z + I`` with ``z = w + i v``
(Izhikevich 2001, "Resonate-and-fire neurons", Neural Networks 14:883): the subthreshold response
rings at ``omega / (2 pi)`` per ms and decays at rate ``-b``; input pulses spaced by the period of
the ringing add up and make the cell fire, pulses spaced by half a period cancel (resonance).

Discrete update actually computed each step (input held over the step), by ``integration``:

- ``"exact"`` (default): the linear system moved exactly, ``(w, v) <- M (w, v) + Q (R_m j / tau_w, 0)``
  with ``M = exp(A dt)``, ``Q = A^{-1} (M - I)`` computed once
  (:func:`components.rules.integrators.linear2_step_matrices`);
- ``"symplectic"``: w first, then v with the new w (``w <- w + dt (b w - omega v + R_m j) / tau_w``,
  ``v <- v + dt (b v + omega w_new) / tau_v``): ngc-learn's ``"euler"``, stable where plain Euler is not;
- ``"euler"``, ``"midpoint"``/``"rk2"``, ``"rk4"``: explicit Runge-Kutta of the pair
  (:func:`components.rules.integrators.system_step`); Euler multiplies the oscillation's amplitude by
  ``|1 + dt (b + i omega)|`` per step and grows unless ``dt < -2 b / (b^2 + omega^2)`` (refused).

Then ``s = (v_old <= thr) & (v > thr)``; if ``post_spike_reset``: ``v <- v_reset``, ``w <- w_reset``
where ``s``; ``tols <- t`` where ``s``.

ngc-learn's ``RAFCell`` uses the same equations and defaults (``dampen_factor`` = b, ``resist_v`` =
R_m); its ``"euler"`` is ``"symplectic"`` here, its ``"midpoint"`` moves w with v held and then v with
the new w held; its spike is the level ``v > thr``, the same as the crossing whenever the reset takes v
below thr.
"""

from __future__ import annotations

from typing import Any

import jax.numpy as jnp
import numpy as np

from contexts import Component, Input, Output, State
from contexts.params import ParameterError, choice, count, flag, positive, real

from ...rules.integrators import RUNGE_KUTTA, linear2_step_matrices, system_step
from ...rules.traces import NEVER, update_tols

INTEGRATIONS = ("exact", "symplectic") + RUNGE_KUTTA


def raf_matrix(tau_v: float, tau_w: float, omega: float, b: float) -> np.ndarray:
    """``A`` of ``d(w, v)/dt = A (w, v) + (R_m j / tau_w, 0)``."""
    return np.array([[b / tau_w, -omega / tau_w], [omega / tau_v, b / tau_v]], np.float64)


def _checks(params: dict, dt: float, owner: str) -> None:
    def fail(text: str, parameter: str) -> None:
        err = ParameterError(f"{owner}: {text}")
        err.component, err.parameter = owner, parameter
        raise err

    b, omega = params["b"], params["omega"]
    if b == 0.0 and omega == 0.0:
        fail("b and omega are both 0: the cell is a pure integrator of nothing (v never moves); "
             "use e.g. omega=10.0, b=-1.0", "omega")
    if params["integration"] == "euler":
        tau = min(params["tau_v"], params["tau_w"])
        growth = abs(complex(1.0 + dt * b / tau, dt * omega / tau))
        if growth >= 1.0:
            fail(f"the Euler step multiplies the oscillation by {growth:.3g} per step at dt = {dt:g} ms (it "
                 "grows without bound); use integration='exact' (or 'symplectic', 'rk4') or a smaller dt",
                 "integration")
    if params["post_spike_reset"] and params["v_reset"] > params["thr"]:
        fail(f"v_reset = {params['v_reset']:g} is above thr = {params['thr']:g}: the reset would start a new "
             "spike; use v_reset below thr", "v_reset")


class RAFCell(Component):
    """Resonate-and-fire: ``tau_v dv/dt = b v + omega w``, ``tau_w dw/dt = b w - omega v + R_m j``.

    Parameters (defaults, as ngc-learn's):
        n_units: number of neurons.
        tau_v: time constant of v, ms (1).
        tau_w: time constant of w, ms (1).
        thr: spike threshold on v (1).
        omega: angular frequency of the ringing, rad/ms (10).
        b: damping, 1/ms (-1; negative: the oscillation decays; ngc-learn's ``dampen_factor``).
        v_reset: v after a spike (0).
        w_reset: w after a spike (0).
        v0: initial v (0).
        w0: initial w (0).
        R_m: input scale (1; ngc-learn's ``resist_v``).
        post_spike_reset: reset v, w after a spike (True).
        integration: ``"exact"`` (default), ``"symplectic"`` (ngc-learn's ``"euler"``), ``"euler"``,
            ``"midpoint"`` (= ``"rk2"``), ``"rk4"``.

    Compartments:
        j (input, (batch, n_units)): input current.
        v (state, (batch, n_units)): voltage-like variable (Im z).
        w (state, (batch, n_units)): current-like variable (Re z).
        s (output, (batch, n_units)): spikes 0/1.
        tols (output, (batch, n_units)): time of last spike, ms; -1e9 = never.
    """

    param_rules = {"n_units": count(), "tau_v": positive("ms"), "tau_w": positive("ms"), "thr": real(),
                   "omega": real(unit="rad/ms"), "b": real(unit="1/ms"), "v_reset": real(), "w_reset": real(),
                   "v0": real(), "w0": real(), "R_m": real(), "post_spike_reset": flag(),
                   "integration": choice(*INTEGRATIONS)}
    param_checks = (_checks,)

    def __init__(self, name: str, n_units: int, tau_v: float = 1.0, tau_w: float = 1.0, thr: float = 1.0,
                 omega: float = 10.0, b: float = -1.0, v_reset: float = 0.0, w_reset: float = 0.0, v0: float = 0.0,
                 w0: float = 0.0, R_m: float = 1.0, post_spike_reset: bool = True, integration: str = "exact"):
        super().__init__(name)
        self.n_units, self.tau_v, self.tau_w, self.thr = n_units, tau_v, tau_w, thr
        self.omega, self.b, self.v_reset, self.w_reset = omega, b, v_reset, w_reset
        self.v0, self.w0, self.R_m = v0, w0, R_m
        self.post_spike_reset, self.integration = post_spike_reset, integration
        self.j = Input((n_units,), doc="input current")
        self.v = State((n_units,), init=v0, doc="voltage-like variable (Im z)")
        self.w = State((n_units,), init=w0, doc="current-like variable (Re z)")
        self.s = Output((n_units,), doc="spikes (0/1)")
        self.tols = Output((n_units,), init=NEVER, doc="time of last spike (ms); -1e9 = never")

    def advance_state(self, c: Any, *, t: Any, dt: float, key: Any) -> dict:
        u = self.R_m * c.j / self.tau_w  # input term of dw/dt
        A = raf_matrix(self.tau_v, self.tau_w, self.omega, self.b).tolist()
        if self.integration == "exact":
            M, Q = (x.tolist() for x in linear2_step_matrices(A, dt))
            w = M[0][0] * c.w + M[0][1] * c.v + Q[0][0] * u
            v = M[1][0] * c.w + M[1][1] * c.v + Q[1][0] * u
        elif self.integration == "symplectic":
            w = c.w + dt * (self.b * c.w - self.omega * c.v + self.R_m * c.j) / self.tau_w
            v = c.v + dt * (self.b * c.v + self.omega * w) / self.tau_v
        else:
            def f(w: Any, v: Any) -> tuple:
                return A[0][0] * w + A[0][1] * v + u, A[1][0] * w + A[1][1] * v

            w, v = system_step(f, (c.w, c.v), dt, self.integration)
        s = ((c.v <= self.thr) & (v > self.thr)).astype(v.dtype)
        if self.post_spike_reset:
            v = jnp.where(s > 0, jnp.asarray(self.v_reset, v.dtype), v)
            w = jnp.where(s > 0, jnp.asarray(self.w_reset, w.dtype), w)
        return {"v": v, "w": w, "s": s, "tols": update_tols(c.tols, s, t)}
