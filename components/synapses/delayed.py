"""The ``delay`` option of :class:`~components.synapses.dense.DenseSynapse` and the synapses built on it.

``delay`` (in ``delay_unit``: ``"ms"``, the default, or ``"steps"``; ms are rounded to the nearest
whole step of ``dt``) adds a transmission delay on top of the wiring (``syn.inputs << pre.s`` reads
this step's spikes; ``.prev`` one step earlier). It is:

* ``None`` or ``0``: no delay, no buffer (the default);
* a number: one delay for the whole projection (NEST ``delay`` of ``Connect``'s ``syn_spec``;
  Brian2 ``Synapses.delay``, there in seconds);
* a weight spec (see :mod:`components.rules.init`) with a known largest value, ``{"dist": "uniform",
  "low": 1.0, "high": 5.0}`` or ``{"dist": "constant", "value": 2.0}``: one delay per synapse,
  drawn when the state is built and kept in the ``delays`` param (whole steps, int32);
* an explicit ``(n_in, n_out)`` array (dense layout only): one delay per synapse.

The input of the last ``D + 1`` steps (``D`` the largest delay) is kept in the ``delay_buffer``
state, ``(batch, D + 1, n_in)``, with the write position ``delay_ptr``: see
:mod:`components.rules.delays` for the update.
"""

from __future__ import annotations

from typing import Any

import jax.numpy as jnp
import numpy as np

from contexts import Param, State
from contexts.params import ParameterError, choice, custom, number

from ..rules.delays import MAX_IN_FLIGHT, ring_advance, ring_gather, ring_read, ring_write, to_steps
from ..rules.init import _is_array, check_spec, initializer

DELAY_UNITS = ("ms", "steps")


def check_delay(value: Any, where: str) -> Any:
    """None, a number >= 0, a bounded spec (uniform or constant) or an array of numbers >= 0."""
    if value is None:
        return None
    if isinstance(value, (dict, str)) or _is_array(value) or isinstance(value, (list, tuple)):
        spec = check_spec(value, where)
        if isinstance(spec, np.ndarray):
            if np.any(spec < 0):
                raise ParameterError(f"{where}: delays must be >= 0")
            return spec
        if spec["dist"] not in ("uniform", "constant") or "scale" in spec or spec.get("zero_diagonal"):
            raise ParameterError(f"{where}: a delay spec must be {{'dist': 'uniform', 'low': ..., 'high': ...}} or "
                                 f"{{'dist': 'constant', 'value': ...}} (a known largest delay), got {spec}")
        if min(spec.get("low", 0.0), spec.get("value", 0.0)) < 0:
            raise ParameterError(f"{where}: delays must be >= 0, got {spec}")
        return spec
    value = number(value, where, "ms or steps")
    if value < 0:
        raise ParameterError(f"{where}: a delay must be >= 0, got {value}")
    return value


#: the rules of the two delay parameters (structural: they fix the buffer's shape)
DELAY_RULES = {"delay": custom(check_delay, structural=True), "delay_unit": choice(*DELAY_UNITS)}


def largest_delay(delay: Any, unit: str, dt: float) -> int:
    """The largest delay in whole steps (0 for None)."""
    if delay is None:
        return 0
    if isinstance(delay, np.ndarray):
        top = float(delay.max()) if delay.size else 0.0
    elif isinstance(delay, dict):
        top = delay.get("high", 1.0) if delay["dist"] == "uniform" else delay.get("value", 0.0)
    else:
        top = float(delay)
    return int(to_steps(top, unit, dt))


def per_synapse(delay: Any) -> bool:
    return isinstance(delay, (dict, np.ndarray))


def declare_delay(syn: Any, delay: Any, delay_unit: str) -> None:
    """Declare ``delay_buffer``, ``delay_ptr`` (and ``delays`` for per-synapse delays) on ``syn``."""
    syn.delay, syn.delay_unit = delay, delay_unit
    dt = syn.context.dt
    top = largest_delay(delay, delay_unit, dt)
    if top == 0 and not per_synapse(delay):
        return
    n_in, n_out = syn.shape
    if (top + 1) * n_in > MAX_IN_FLIGHT:
        raise ParameterError(f"{syn.name}: delay: the largest delay is {top} steps of dt = {dt} ms; the inputs in "
                             f"flight would need {top + 1} x {n_in} values per sample (at most {MAX_IN_FLIGHT}): "
                             f"use a shorter delay or a larger dt")
    if per_synapse(delay):
        if syn.layout == "events":
            raise ParameterError(f"{syn.name}: layout='events' takes one delay for the whole projection (a number); "
                                 f"per-synapse delays need layout='dense' or 'edges'")
        if isinstance(delay, np.ndarray):
            if syn.layout == "edges":
                raise ParameterError(f"{syn.name}: an explicit delay array needs layout='dense' (the edges layout "
                                     f"draws its own connections); give a delay spec instead")
            if delay.shape != (n_in, n_out):
                raise ParameterError(f"{syn.name}: explicit delays must have the synapse's shape {(n_in, n_out)}, "
                                     f"got {delay.shape}")
        draw = initializer(delay, f"{syn.name}.delay", (n_in, n_out) if isinstance(delay, np.ndarray) else None)

        def steps(key: Any, shape: tuple, dtype: Any) -> Any:
            return jnp.clip(to_steps(draw(key, shape, jnp.float32), delay_unit, dt), 0, top)

        shape = syn.weights.shape
        syn.delays = Param(shape, init=steps, dtype="int32", key_name="delays",
                           doc="delay of each synapse, in whole steps (same layout as weights)")
    syn.delay_buffer = State((top + 1, n_in), doc=f"inputs of the last {top + 1} steps (ring buffer)")
    syn.delay_ptr = State((), batched=False, dtype="int32", doc="ring buffer slot written this step")


def delayed_transmit(syn: Any, c: Any, dt: float, inputs: Any = None) -> tuple:
    """``(inputs @ W with the delays applied, {new delay_buffer, delay_ptr})``; no delay: ``syn.transmit(c)``.

    ``inputs``: what travels down the axon (default ``c.inputs``, the presynaptic spikes)."""
    inputs = c.inputs if inputs is None else inputs
    if not hasattr(syn, "delay_buffer"):
        return syn.transmit(c, inputs), syn.count_events(c, inputs)
    buffer = ring_write(c.delay_buffer, c.delay_ptr, inputs)
    updates = {"delay_buffer": buffer, "delay_ptr": ring_advance(c.delay_ptr, buffer.shape[1])}
    if per_synapse(syn.delay):
        pre = c.pre_index if syn.layout == "edges" else jnp.broadcast_to(
            jnp.arange(syn.shape[0], dtype=jnp.int32)[:, None], syn.shape)
        return ring_gather(buffer, c.delay_ptr, c.delays, c.weights, pre), updates
    d = int(to_steps(syn.delay, syn.delay_unit, dt))
    arriving = ring_read(buffer, c.delay_ptr, d)
    return syn.transmit(c, arriving), {**updates, **syn.count_events(c, arriving)}
