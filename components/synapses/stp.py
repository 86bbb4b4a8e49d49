"""STPDenseSynapse: a projection with Tsodyks-Markram short-term depression and facilitation.

Each presynaptic neuron ``i`` has a utilisation ``u_i`` and available resources ``x_i``
(:mod:`components.rules.short_term`; the same for all its synapses, as their parameters are shared)::

    tau_f du/dt = -u,   tau_d dx/dt = 1 - x;   at a spike:  u += U (1 - u),  r = u x,  x -= r

Discrete update actually computed each step (exact between spikes, for any ``dt``)::

    u <- u e^{-dt/tau_f};  x <- 1 + (x - 1) e^{-dt/tau_d}          (tau_f = 0: u <- 0)
    u <- u + s U (1 - u);  r = s u x;  x <- x - r                   (s = inputs, the spikes of this step)
    inc = r @ W * resist_scale                                      (delayed by ``delay`` if given)
    outputs = inc + biases                       (tau_syn = 0: one-step pulses, as DenseSynapse)
    outputs = outputs e^{-dt/tau_syn} + inc      (tau_syn > 0: an exponential current, exact)

A first spike after a long pause transmits ``U W``. Depressing synapses have a large ``U`` and
``tau_d >> tau_f``; facilitating ones a small ``U`` and ``tau_f >> tau_d``. For a regular train of
period ``T`` the efficacy converges to ``r* = u* x*`` (closed forms in :mod:`components.rules.short_term`).

Markram, Wang & Tsodyks (1998), "Differential signaling via the same axon of neocortical pyramidal
neurons", PNAS 95:5323; Tsodyks, Pawelzik & Markram (1998), Neural Comput. 10:821. NEST
``tsodyks2_synapse`` names: ``U``, ``tau_rec`` (our ``tau_d``), ``tau_fac`` (our ``tau_f``), ``u``, ``x``.

Parameters (defaults):
    shape: ``(n_in, n_out)``.
    U: utilisation increment per spike, in (0, 1] (0.5).
    tau_d: recovery (depression) time constant, ms (800; > 0).
    tau_f: facilitation time constant, ms (0: no facilitation).
    tau_syn: time constant of the postsynaptic current, ms (0: instantaneous, one-step pulses).
    weight_init, bias_init, resist_scale, p_conn, layout, delay, delay_unit: as :class:`DenseSynapse`.

Compartments:
    inputs (input, (batch, n_in)): presynaptic spikes (0/1).
    outputs (output, (batch, n_out)): postsynaptic current.
    u (state, (batch, n_in)): utilisation; starts at 0.
    x (state, (batch, n_in)): available resources; starts at 1.
    r (output, (batch, n_in)): fraction released by each presynaptic neuron this step.
    weights, biases, mask / pre_index (param), delay_buffer, delay_ptr (state), delays (param): see
    :class:`DenseSynapse`.
"""

from __future__ import annotations

from typing import Any

from contexts import Output, State
from contexts.params import nonnegative, positive, real

from ..rules.kinetics import exp_step
from ..rules.short_term import stp_step
from .delayed import delayed_transmit
from .dense import DenseSynapse


class STPDenseSynapse(DenseSynapse):
    """Tsodyks-Markram short-term plasticity on a dense (or edges) projection (module docstring)."""

    param_rules = {"U": real(0.0, 1.0, low_open=True, fix="U is a fraction of the resources, e.g. U=0.5"),
                   "tau_d": positive("ms"), "tau_f": nonnegative("ms"), "tau_syn": nonnegative("ms")}

    def __init__(self, name: str, shape: tuple, U: float = 0.5, tau_d: float = 800.0, tau_f: float = 0.0,
                 tau_syn: float = 0.0, weight_init: Any = None, bias_init: Any = None, resist_scale: float = 1.0,
                 p_conn: float = 1.0, layout: str = "auto", delay: Any = None, delay_unit: str = "ms",
                 connectivity: Any = None, weight_mask: Any = None):
        super().__init__(name, shape, weight_init, bias_init, resist_scale, p_conn, layout, connectivity=connectivity,
                         weight_mask=weight_mask, delay=delay, delay_unit=delay_unit)
        self.U, self.tau_d, self.tau_f, self.tau_syn = U, tau_d, tau_f, tau_syn
        n_in = self.shape[0]
        self.u = State((n_in,), doc="utilisation of the resources (0..1)")
        self.x = State((n_in,), init=1.0, doc="available resources (0..1)")
        self.r = Output((n_in,), doc="fraction of the resources released this step")

    def advance_state(self, c: Any, *, t: Any, dt: float, key: Any) -> dict:
        u, x, r = stp_step(c.u, c.x, c.inputs, self.U, self.tau_f, self.tau_d, dt)
        inc, delayed = delayed_transmit(self, c, dt, inputs=r)
        inc = inc * self.resist_scale
        out = exp_step(c.outputs, inc, self.tau_syn, dt) if self.tau_syn > 0 else inc + c.biases
        return {"u": u, "x": x, "r": r, "outputs": out, **delayed}
