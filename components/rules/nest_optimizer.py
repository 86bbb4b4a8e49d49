"""NEST's weight optimisers as ``eprop_synapse`` calls them (``WeightOptimizer::optimized_weight``).

A synapse calls its optimiser with a gradient ``g`` and an index ``idx`` (a step of the simulation
clock); the gradients of the calls are summed into ``cum``. Each synapse keeps its optimisation step
``o`` (1 at the start). A call runs ``n = max(0, 1 + floor(idx / batch_size) - o)`` iterations,
then sets ``o = 1 + floor(idx / batch_size)``, clears ``cum`` and clips the weight to
``[w_min, w_max]`` (when ``n > 0``; otherwise the call only adds to ``cum``)::

    gradient descent:  w = w - eta cum / batch_size                    (once, whatever n)
    Adam (iteration k = o, o + 1, ..., o + n - 1; the gradient cum / batch_size in the first,
          0 in the others: steps the synapse was not called at):
                       m = b1 m + (1 - b1) g_k ;  v = b2 v + (1 - b2) g_k^2
                       w = w - eta sqrt(1 - b2^k) / (1 - b1^k) m / (sqrt(v) + eps)

With ``batch_size = 1`` and a call at every step each call is one iteration of the optimiser;
``batch_size = B`` averages the gradients of the calls inside each block of ``B`` clock steps; calls
that skip steps (a presynaptic neuron silent beyond its cut-off, or NEST's
``optimize_each_step = False``: one call per presynaptic spike) make Adam catch up with zero-gradient
iterations. All the synapses of a presynaptic row are called together, so ``o`` is kept per row.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import jax
import jax.numpy as jnp


class NestOptimizer(NamedTuple):
    kind: str                  #: "nest_gd" or "nest_adam"
    eta: float
    batch_size: int = 1
    b1: float = 0.9
    b2: float = 0.999
    eps: float = 1e-7
    w_min: float = -100.0
    w_max: float = 100.0


def nest_call(opt: NestOptimizer, w: Any, cum: Any, step: Any, m: Any, v: Any, g: Any, call: Any,
              idx: Any) -> tuple:
    """One call of NEST's optimiser on the rows where ``call`` (``(n_in,)`` bool) is set.

    ``w``, ``cum``, ``g`` (and for Adam ``m``, ``v``): ``(n_in, n_out)``; ``step``: ``(n_in,)``, the rows'
    optimisation steps ``o``; ``idx``: the clock index of the call. Returns ``(w, cum, step, m, v)``
    (``m``, ``v`` unchanged for gradient descent)."""
    rows = call[:, None]
    cum = jnp.where(rows, cum + g, cum)
    current = 1.0 + jnp.floor(idx / opt.batch_size)
    runs = jnp.where(call, jnp.maximum(current - step, 0.0), 0.0)
    due = runs > 0
    grad = cum / opt.batch_size
    if opt.kind == "nest_gd":
        w1 = w - opt.eta * grad
    else:
        b1, b2, eps, eta = opt.b1, opt.b2, opt.eps, opt.eta
        n = runs[:, None]

        def body(carry: tuple) -> tuple:
            j, mj, vj, wj = carry
            gj = jnp.where(j == 0, grad, 0.0)
            k = step[:, None] + j
            m1 = b1 * mj + (1.0 - b1) * gj
            v1 = b2 * vj + (1.0 - b2) * gj * gj
            w1 = wj - eta * jnp.sqrt(1.0 - b2 ** k) / (1.0 - b1 ** k) * m1 / (jnp.sqrt(v1) + eps)
            act = j < n
            return j + 1.0, jnp.where(act, m1, mj), jnp.where(act, v1, vj), jnp.where(act, w1, wj)

        _, m1, v1, w1 = jax.lax.while_loop(lambda cr: cr[0] < jnp.max(runs), body,
                                           (jnp.zeros((), w.dtype), m, v, w))
        m, v = m1, v1
    dr = due[:, None]
    w = jnp.where(dr, jnp.clip(w1, opt.w_min, opt.w_max), w)
    return w, jnp.where(dr, 0.0, cum), jnp.where(due, current, step), m, v
