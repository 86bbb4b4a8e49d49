"""ExpSynapse: a projection whose output decays exponentially after each presynaptic spike.

ODE (ms; ``g`` in the unit of the weights: pA when wired to a current input ``j``, nS when wired
to a conductance input ``g_e``/``g_i`` of a cell)::

    tau dg/dt = -g,   g_j += W_ij (times resist_scale) when presynaptic neuron i spikes

Discrete update actually computed each step, exact for any ``dt``
(:func:`components.rules.kinetics.exp_step`)::

    inc     = inputs @ W * resist_scale       (delayed by ``delay``, see :mod:`components.synapses.delayed`)
    outputs = outputs * exp(-dt / tau) + inc

so one spike of weight ``w`` in step ``n`` gives ``w exp(-m dt / tau)`` in step ``n + m``.
NEST: ``iaf_psc_exp`` (``tau_syn_ex``/``tau_syn_in``) and ``iaf_cond_exp`` keep this variable in
the neuron; Brian2: ``dg/dt = -g/tau`` with ``on_pre='g += w'``. Both are the same per
postsynaptic neuron, because the kinetics are linear.

Parameters (defaults):
    shape: ``(n_in, n_out)``.
    tau: decay time constant, ms (5).
    weight_init, resist_scale, p_conn, layout, delay, delay_unit, connectivity, capacity: as
        :class:`DenseSynapse`.

Compartments:
    inputs (input, (batch, n_in)): presynaptic spikes.
    outputs (output, (batch, n_out)): the current or conductance ``g``; starts at 0.
    weights, mask / pre_index (param), delay_buffer, delay_ptr (state), delays (param): see
    :class:`DenseSynapse`.
"""

from __future__ import annotations

from typing import Any

from contexts.params import positive

from ..rules.kinetics import exp_step
from .delayed import delayed_transmit
from .dense import DenseSynapse


class ExpSynapse(DenseSynapse):
    """Exponential synapse: ``tau dg/dt = -g``, ``g += w`` per spike, exact steps (module docstring)."""

    param_rules = {"tau": positive("ms")}

    def __init__(self, name: str, shape: tuple, tau: float = 5.0, weight_init: Any = None, resist_scale: float = 1.0,
                 p_conn: float = 1.0, layout: str = "auto", delay: Any = None, delay_unit: str = "ms",
                 connectivity: Any = None, weight_mask: Any = None, capacity: int | None = None):
        super().__init__(name, shape, weight_init, None, resist_scale, p_conn, layout, connectivity=connectivity,
                         weight_mask=weight_mask, delay=delay, delay_unit=delay_unit, capacity=capacity)
        self.tau = tau

    def advance_state(self, c: Any, *, t: Any, dt: float, key: Any) -> dict:
        inc, delayed = delayed_transmit(self, c, dt)
        return {"outputs": exp_step(c.outputs, inc * self.resist_scale, self.tau, dt), **delayed}
