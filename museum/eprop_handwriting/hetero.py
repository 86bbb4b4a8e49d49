"""e-prop components with one membrane time constant per recurrent neuron.

NEST's handwriting tutorial draws each recurrent neuron's ``tau_m`` from N(30 ms, 2 ms). The library's
:class:`~components.cells.EpropALIFCell` and :class:`~components.synapses.EpropSynapse` take one
``tau_m`` for all neurons; these subclasses take ``tau_m_units`` (one value per recurrent neuron,
``None``: the scalar ``tau_m`` for all) and change only what depends on it:

- :class:`HeteroALIFCell`: ``alpha_j = exp(-dt / tau_m_j)`` in the membrane update;
- :class:`HeteroEpropSynapse` (hidden projections onto those neurons): the presynaptic trace is filtered
  with the *postsynaptic* neuron's ``alpha_j``, so it is kept per synapse,
  ``zbar[i, j] = alpha_j zbar[i, j] + (1 - alpha_j) x_i`` (``input_mode="leaky"``), and the eligibility is
  ``e[i, j] = psi_j zbar[i, j] - psi_beta_j eps_a[i, j]``.

Everything else (adaptation, pseudo-derivative, learning signal, regulariser, optimiser) is inherited.
"""

from __future__ import annotations

from typing import Any, Sequence

import jax.numpy as jnp
import numpy as np

from components.cells import EpropALIFCell
from components.cells.eprop import MAX_STEPS
from components.rules.eprop import neuron_step
from components.synapses import EpropSynapse
from contexts import State
from contexts.errors import ValidationError


def _alpha(tau_m: float, units: Sequence[float] | None, n: int, dt: float) -> np.ndarray:
    tau = np.full(n, float(tau_m)) if units is None else np.asarray(units, np.float64)
    if tau.shape != (n,) or np.any(tau <= 0):
        raise ValidationError(f"tau_m_units must be {n} positive numbers (ms), got shape {tau.shape}")
    return np.exp(-dt / tau)


class HeteroALIFCell(EpropALIFCell):
    """:class:`~components.cells.EpropALIFCell` with ``tau_m_units``, one membrane time constant per unit."""

    def __init__(self, name: str, n_units: int, tau_m: float = 30.0, v_th: float = 0.03, gamma: float = 0.3,
                 t_ref: float = 0.0, input_mode: str = "leaky", tau_a: float = 2000.0,
                 beta: float | Sequence[float] | None = None, tau_m_units: Sequence[float] | None = None):
        super().__init__(name, n_units, tau_m, v_th, gamma, t_ref, input_mode, tau_a, beta)
        self.tau_m_units = None if tau_m_units is None else [float(v) for v in tau_m_units]
        _alpha(tau_m, self.tau_m_units, self.n_units, 1.0)  # validate now

    def _step(self, c: Any, dt: float, a: Any, beta: Any, rho: float) -> tuple:
        alpha = jnp.asarray(_alpha(self.tau_m, self.tau_m_units, self.n_units, dt), c.v.dtype)
        c_in = 1.0 - alpha if self.input_mode == "leaky" else 1.0
        return neuron_step(c.v, c.s, c.r, a, c.j, alpha=alpha, c_in=c_in, v_th=self.v_th, gamma=self.gamma,
                           beta=beta, rho=rho, t_ref=min(round(float(self.t_ref) / dt), MAX_STEPS))


class HeteroEpropSynapse(EpropSynapse):
    """:class:`~components.synapses.EpropSynapse` (hidden role, dense) whose presynaptic trace is filtered by
    each postsynaptic neuron's own ``tau_m`` (``tau_m_units``): ``zbar`` is (batch, n_in, n_out)."""

    def __init__(self, name: str, shape: tuple, tau_m_units: Sequence[float] | None = None, **kw: Any):
        super().__init__(name, shape, **kw)
        if self.role != "hidden" or kw.get("layout", "dense") != "dense" or self.eligibility != "online":
            raise ValidationError(f"{name}: HeteroEpropSynapse is for dense hidden projections, online eligibility")
        self.tau_m_units = None if tau_m_units is None else [float(v) for v in tau_m_units]
        _alpha(self.tau_m, self.tau_m_units, self.shape[1], 1.0)
        self.zbar = State(tuple(self.shape), doc="presynaptic trace per synapse, filtered by the post neuron's tau_m")

    def advance_state(self, c: Any, *, t: Any, dt: float, key: Any) -> dict:
        out = super(EpropSynapse, self).advance_state(c, t=t, dt=dt, key=key)  # the transmission only
        alpha = jnp.asarray(_alpha(self.tau_m, self.tau_m_units, self.shape[1], dt), c.zbar.dtype)
        c_in = 1.0 - alpha if self.input_mode == "leaky" else jnp.ones_like(alpha)
        out["zbar"] = alpha * c.zbar + c_in * c.inputs[:, :, None]
        return out

    def accumulate(self, c: Any, *, t: Any, dt: float, key: Any) -> dict:
        from components.rules.eprop import decay

        kappa = decay(self.tau_out, dt)
        e = c.zbar * c.post_psi[:, None, :]
        out: dict = {}
        if self.tau_a is not None:
            e = e - c.post_psi_beta[:, None, :] * c.eps_a
            out["eps_a"] = decay(self.tau_a, dt) * c.eps_a + e
        ebar = kappa * c.ebar + (1.0 - kappa) * e
        g_t = ebar * c.signal[:, None, :]
        out.update({"ebar": ebar, "grad": c.grad + g_t})
        if self.late_signal:
            out["g_last"] = g_t
        if self.store_e:
            out["e"] = e
        if self.c_reg:
            out.update({"sum_e": c.sum_e + e, "n_spikes": c.n_spikes + c.post_s, "n_steps": c.n_steps + 1.0})
        if self.update == "online":
            out.update(self._apply(c, g_t / self.grad_divisor))
        return out
