"""The Izhikevich neuron stepped in the order of Izhikevich's own script (figure1.m, 2004).

figure1.m moves v first and then u *with the new v*::

    v <- v + dt (0.04 v^2 + 5 v + 140 - u + I)
    u <- u + dt a (b v_new - u)
    if v >= 30:  v <- c,  u <- u + d

:class:`~components.cells.IzhikevichCell`'s Euler step evaluates both derivatives at the start of the
step (the usual forward Euler). The two agree to first order in dt, but several panels of Fig. 1 sit
close to a bifurcation at the paper's large steps (dt = 0.25-0.5 ms) and only show their feature
with the paper's order; see README.md. ``order="simultaneous"`` is the library cell's step.
"""

from __future__ import annotations

from typing import Any

import jax.numpy as jnp

from components.cells import IzhikevichCell
from components.rules.traces import update_tols
from contexts.params import choice


class Figure1IzhikevichCell(IzhikevichCell):
    """:class:`IzhikevichCell` with ``order="v_first"``: figure1.m's step (module docstring).

    Parameters: those of :class:`IzhikevichCell` (its ``integration`` is used for ``"simultaneous"``)
    and ``order``: ``"v_first"`` (default) or ``"simultaneous"``.
    """

    param_rules = {"order": choice("v_first", "simultaneous")}

    def __init__(self, name: str, n_units: int, preset: str = "regular_spiking", a: float | None = None,
                 b: float | None = None, c: float | None = None, d: float | None = None, v_thr: float = 30.0,
                 tau_m: float = 1.0, R_m: float = 1.0, v0: float = -65.0, w0: float | None = None,
                 integration: str = "euler", order: str = "v_first"):
        super().__init__(name, n_units, preset=preset, a=a, b=b, c=c, d=d, v_thr=v_thr, tau_m=tau_m, R_m=R_m, v0=v0,
                         w0=w0, integration=integration)
        self.order = order

    def advance_state(self, c: Any, *, t: Any, dt: float, key: Any) -> dict:
        if self.order == "simultaneous":
            return super().advance_state(c, t=t, dt=dt, key=key)
        a, b, v_reset, d = self.abcd()
        v = c.v + dt * (0.04 * c.v * c.v + 5.0 * c.v + 140.0 - c.w + self.R_m * c.j) / self.tau_m
        w = c.w + dt * a * (b * v - c.w)
        s = (v >= self.v_thr).astype(v.dtype)
        v = jnp.where(s > 0, jnp.asarray(v_reset, v.dtype), v)
        return {"v": v, "w": w + d * s, "s": s, "tols": update_tols(c.tols, s, t)}
