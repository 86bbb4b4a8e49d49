"""Eligibility traces and three-factor (neuromodulated) updates as pure functions of arrays.

A two-factor rule (Hebbian, STDP) proposes a change ``D`` per synapse and per sample each step;
instead of applying it, a three-factor rule stores it in an eligibility trace ``e`` and changes the
weights only where and when a third factor, the modulator ``m`` (reward, dopamine, an error, the
rate of a third population), is non-zero (Izhikevich 2007, "Solving the distal reward problem
through linkage of STDP and dopamine signaling", Cereb. Cortex 17:2443; Fremaux & Gerstner 2016,
"Neuromodulated STDP and theory of three-factor learning rules", Front. Neural Circuits 9:85)::

    de/dt = -e / tau_elig + D(t)                ->  e <- e * exp(-dt / tau_elig) + D      (exact)
    dW/dt = eta * sum_batch(m * e)              ->  W <- W + eta * dt * sum_batch(m * e)

``D`` is the rule's change over the step (spike pairings are events; a rate rule's ``D`` is
``dt * pre^T post``). With ``tau_elig = 0`` there is no trace: ``e = D`` and
``W <- W + eta * sum_batch(m * D)``, i.e. the two-factor rule gated by ``m`` (for a rate rule,
the Euler step of ``dW/dt = eta * m * pre * post``). At ``dt = 1`` both read
``W <- W + eta * m * e``.

Shapes: ``e`` and ``D`` are per sample, ``(batch, n_in, n_out)``: each sample of a batch is an
independent copy of the network with its own modulator. The modulator is ``(batch,) + shape`` with
``shape`` one of ``()`` or ``(1,)`` (one value per sample, broadcast over every synapse),
``(n_out,)`` (one per postsynaptic unit) or ``(n_in, n_out)`` (one per synapse).
"""

from __future__ import annotations

from typing import Any

import jax.numpy as jnp

from contexts.errors import ValidationError


def modulator_shapes(n_in: int, n_out: int) -> tuple[tuple[int, ...], ...]:
    """The per-sample modulator shapes that broadcast over ``(n_in, n_out)`` weights."""
    return ((), (1,), (n_out,), (n_in, n_out))


def check_modulator_shape(shape: Any, n_in: int, n_out: int, where: str) -> tuple[int, ...]:
    """Normalise ``modulator_shape`` (None -> ``(n_out,)``, int -> ``(int,)``); raise if it cannot broadcast."""
    if shape is None:
        return (n_out,)
    if isinstance(shape, int) and not isinstance(shape, bool):
        shape = (shape,)
    try:
        shape = tuple(int(d) for d in shape)
    except (TypeError, ValueError):
        shape = (str(shape),)
    if shape not in modulator_shapes(n_in, n_out):
        raise ValidationError(
            f"{where}: modulator_shape {shape!r} cannot broadcast over the (n_in={n_in}, n_out={n_out}) weights; "
            f"use 1 or () for one value per sample (a reward cell), {n_out} for one per postsynaptic unit, "
            f"or ({n_in}, {n_out}) for one per synapse")
    return shape


def expand_modulator(m: Any) -> Any:
    """``(batch,) + shape`` -> an array that broadcasts against ``(batch, n_in, n_out)``."""
    if m.ndim == 1:  # (batch,)
        return m[:, None, None]
    if m.ndim == 2:  # (batch, 1) or (batch, n_out): a postsynaptic factor
        return m[:, None, :]
    return m  # (batch, n_in, n_out)


def eligibility_step(e: Any, D: Any, dt: float, tau_elig: float) -> Any:
    """``e * exp(-dt / tau_elig) + D``; with ``tau_elig = 0`` the trace is just ``D``."""
    if tau_elig > 0.0:
        return e * jnp.exp(-dt / tau_elig) + D
    return D


def modulated_update(e: Any, m: Any, dt: float, tau_elig: float) -> Any:
    """The update before ``eta``: ``dt * sum_b(m_b * e_b)`` with a trace, ``sum_b(m_b * e_b)`` without."""
    dW = jnp.sum(expand_modulator(m) * e, axis=0)
    return dW * dt if tau_elig > 0.0 else dW
