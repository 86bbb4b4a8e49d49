"""AlphaSynapse: a projection whose output follows an alpha function after each presynaptic spike.

ODE (ms; ``g`` in the unit of the weights: pA for a current, nS for a conductance)::

    tau dh/dt = -h,              h += e W_ij / tau (times resist_scale) when neuron i spikes
    tau dg/dt = -g + tau h       one spike of weight w: g(s) = w (s / tau) exp(1 - s / tau)

so ``g`` peaks at exactly ``w`` a time ``tau`` after the spike (the normalisation of NEST's
``iaf_psc_alpha`` / ``iaf_cond_alpha``, whose ``tau_syn_ex``/``tau_syn_in`` is ``tau``).

Discrete update actually computed each step, exact for any ``dt``
(:func:`components.rules.kinetics.alpha_step`)::

    inc     = inputs @ W * resist_scale       (delayed by ``delay``, see :mod:`components.synapses.delayed`)
    outputs = (outputs + dt h) exp(-dt / tau)
    h       = h exp(-dt / tau) + e inc / tau

A spike in step ``n`` gives 0 in step ``n`` and ``w (m dt / tau) exp(1 - m dt / tau)`` in step ``n + m``.

Parameters (defaults):
    shape: ``(n_in, n_out)``.
    tau: time to peak (and decay time constant), ms (5).
    weight_init, resist_scale, p_conn, layout, delay, delay_unit, connectivity, capacity: as
        :class:`DenseSynapse`.

Compartments:
    inputs (input, (batch, n_in)): presynaptic spikes.
    outputs (output, (batch, n_out)): the current or conductance ``g``; starts at 0.
    h (state, (batch, n_out)): the rising variable, per ms; starts at 0.
    weights, mask / pre_index (param), delay_buffer, delay_ptr (state), delays (param): see
    :class:`DenseSynapse`.
"""

from __future__ import annotations

from typing import Any

from contexts import State
from contexts.params import positive

from ..rules.kinetics import alpha_step
from .delayed import delayed_transmit
from .dense import DenseSynapse


class AlphaSynapse(DenseSynapse):
    """Alpha synapse: ``g(s) = w (s/tau) exp(1 - s/tau)`` per spike, exact steps (module docstring)."""

    param_rules = {"tau": positive("ms")}

    def __init__(self, name: str, shape: tuple, tau: float = 5.0, weight_init: Any = None, resist_scale: float = 1.0,
                 p_conn: float = 1.0, layout: str = "auto", delay: Any = None, delay_unit: str = "ms",
                 connectivity: Any = None, weight_mask: Any = None, capacity: int | None = None):
        super().__init__(name, shape, weight_init, None, resist_scale, p_conn, layout, connectivity=connectivity,
                         weight_mask=weight_mask, delay=delay, delay_unit=delay_unit, capacity=capacity)
        self.tau = tau
        self.h = State((self.shape[1],), doc="rising variable of the alpha kinetics (unit of g per ms)")

    def advance_state(self, c: Any, *, t: Any, dt: float, key: Any) -> dict:
        inc, delayed = delayed_transmit(self, c, dt)
        g, h = alpha_step(c.outputs, c.h, inc * self.resist_scale, self.tau, dt)
        return {"outputs": g, "h": h, **delayed}
