"""Keeping XLA from recomputing small vectors inside a large elementwise loop.

A plastic synapse's update ``dW = f(W, a^T b)`` is one loop over the ``n_in x n_out`` weights, and
XLA's CPU fusion pulls the producers of the vectors ``a`` and ``b`` into it: the cells' step that made
this step's spikes (the LIF update, the Poisson draw from random bits) then runs once per weight
instead of once per neuron. :func:`computed_once` hands the vectors through a conditional, which
fusion cannot enter, so they are computed once and read from memory. Measured on the STDP network of
``benchmarks/stdp_throughput.py`` (784 x 1000, one core): 370 -> 195 us per step
(``benchmarks/README.md``, section 8).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

#: matrices smaller than this (elements) are left alone: there the conditional costs more than it saves
MIN_ELEMENTS = 1 << 16


def computed_once(vectors: tuple, n_elements: int) -> tuple:
    """``vectors`` unchanged, computed once rather than inside the loop over ``n_elements`` matrix
    elements that reads them: handed through a conditional that always takes its first branch."""
    if n_elements < MIN_ELEMENTS:
        return vectors
    first = jnp.ravel(vectors[0])[0]
    always = (first == first) | (first != first)       # true for every value, NaN included; XLA cannot fold it
    # the branches must differ, or XLA removes the conditional; the second one never runs
    return jax.lax.cond(always, lambda v: v, lambda v: tuple(jnp.zeros_like(x) for x in v), vectors)
