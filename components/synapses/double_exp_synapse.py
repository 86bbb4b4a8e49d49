"""DoubleExpSynapse: a projection with a rising and a decaying exponential (a "beta" synapse).

ODE (ms; ``g`` in the unit of the weights: pA for a current, nS for a conductance)::

    g = A (d - r),   tau_decay dd/dt = -d,   tau_rise dr/dt = -r,
    d += W_ij, r += W_ij (times resist_scale) when presynaptic neuron i spikes
    one spike of weight w: g(s) = A w (exp(-s / tau_decay) - exp(-s / tau_rise))

with ``A`` chosen so that ``g`` peaks at exactly ``w``, at ``t_peak = tau_rise tau_decay /
(tau_decay - tau_rise) ln(tau_decay / tau_rise)`` (the normalisation of NEST's
``aeif_cond_beta_multisynapse``, ``tau_rise``/``tau_decay`` as there; Brian2 writes it with two
equations of its own).

Discrete update actually computed each step, exact for any ``dt``
(:func:`components.rules.kinetics.double_exp_step`; ``decay``/``rise`` hold ``A d`` and ``A r``)::

    inc     = inputs @ W * resist_scale       (delayed by ``delay``, see :mod:`components.synapses.delayed`)
    decay   = decay exp(-dt / tau_decay) + A inc
    rise    = rise exp(-dt / tau_rise) + A inc
    outputs = decay - rise

A spike in step ``n`` gives 0 in step ``n`` and ``g(m dt)`` in step ``n + m``.

Parameters (defaults):
    shape: ``(n_in, n_out)``.
    tau_rise: rise time constant, ms (1); must be below tau_decay.
    tau_decay: decay time constant, ms (5).
    weight_init, resist_scale, p_conn, layout, delay, delay_unit, connectivity, capacity: as
        :class:`DenseSynapse`.

Compartments:
    inputs (input, (batch, n_in)): presynaptic spikes.
    outputs (output, (batch, n_out)): the current or conductance ``g``; starts at 0.
    decay, rise (state, (batch, n_out)): the two exponentials (unit of g); start at 0.
    weights, mask / pre_index (param), delay_buffer, delay_ptr (state), delays (param): see
    :class:`DenseSynapse`.
"""

from __future__ import annotations

from typing import Any

from contexts import State
from contexts.params import ParameterError, positive

from ..rules.kinetics import double_exp_step
from .delayed import delayed_transmit
from .dense import DenseSynapse


def _rise_below_decay(params: dict, dt: float, owner: str) -> None:
    if params["tau_rise"] >= params["tau_decay"]:
        err = ParameterError(f"{owner}: tau_rise = {params['tau_rise']:g} ms must be below tau_decay = "
                             f"{params['tau_decay']:g} ms (equal time constants make an AlphaSynapse)")
        err.component, err.parameter = owner, "tau_rise"
        raise err


class DoubleExpSynapse(DenseSynapse):
    """Double-exponential synapse, peak ``w`` per spike, exact steps (module docstring)."""

    param_rules = {"tau_rise": positive("ms"), "tau_decay": positive("ms")}
    param_checks = (_rise_below_decay,)

    def __init__(self, name: str, shape: tuple, tau_rise: float = 1.0, tau_decay: float = 5.0, weight_init: Any = None,
                 resist_scale: float = 1.0, p_conn: float = 1.0, layout: str = "auto", delay: Any = None,
                 delay_unit: str = "ms", connectivity: Any = None, weight_mask: Any = None,
                 capacity: int | None = None):
        super().__init__(name, shape, weight_init, None, resist_scale, p_conn, layout, connectivity=connectivity,
                         weight_mask=weight_mask, delay=delay, delay_unit=delay_unit, capacity=capacity)
        self.tau_rise, self.tau_decay = tau_rise, tau_decay
        self.decay = State((self.shape[1],), doc="decaying exponential, A d (unit of g)")
        self.rise = State((self.shape[1],), doc="rising exponential, A r (unit of g)")

    def advance_state(self, c: Any, *, t: Any, dt: float, key: Any) -> dict:
        inc, delayed = delayed_transmit(self, c, dt)
        decay, rise = double_exp_step(c.decay, c.rise, inc * self.resist_scale, self.tau_rise, self.tau_decay, dt)
        return {"outputs": decay - rise, "decay": decay, "rise": rise, **delayed}
