"""DenseSynapse: a static all-to-all (optionally sparse) projection.

    outputs = inputs @ (weights * resist_scale) + biases

Compartments:
    inputs  (input, (batch, n_in)):    presynaptic signal (spikes or rates)
    outputs (output, (batch, n_out)):  postsynaptic current
    weights (param, (n_in, n_out)):    efficacies, stored [pre, post]
    biases  (param, (n_out,)):         added to outputs (zero unless ``bias_init`` is given)
    mask    (param, (n_in, n_out)):    1 where a connection exists (``p_conn``), else 0

With ``layout="edges"`` (sparse, fixed in-degree ``k = round(p_conn * n_in)``; see
:mod:`components.rules.edges`) ``weights`` is ``(k, n_out)``, ``mask`` is replaced by
``pre_index (param, (k, n_out), int32)`` and ``dense_weights()`` gives the ``(n_in, n_out)``
matrix. ``layout="auto"`` picks the edges where they were measured faster (p_conn <= 0.01 from
300 x 300; p_conn <= 0.1 from 1000 x 1000 at batch 1).

Parameters:
    shape: ``(n_in, n_out)``.
    weight_init: spec (see :mod:`components.rules.init`): a dict such as ``{"dist": "gaussian",
        "sigma": 0.1}``, a name such as ``"identity"`` (one-to-one), or an explicit ``(n_in, n_out)``
        numpy/JAX array; default U(0.025, 0.8).
    bias_init: spec dict or None (no bias).
    resist_scale: fixed factor applied to the weights in the transform (e.g. membrane resistance).
    p_conn: probability that a connection exists; absent ones stay exactly 0.
    layout: ``"auto"`` (default: edges only where measured faster), ``"dense"`` or ``"edges"``.
    delay, delay_unit: transmission delay (None: none), one per projection or per synapse, in
        ``"ms"`` (default) or ``"steps"``; see :mod:`components.synapses.delayed`.

Plastic synapses subclass this and add ``evolve``; those whose rule has an edge form
(TraceSTDPSynapse, ExpSTDPSynapse) take ``layout`` too.
"""

from __future__ import annotations

from typing import Any

import jax.numpy as jnp
import numpy as np

from contexts import Component, Input, Output, Param
from contexts.params import SHAPE, ParameterError, choice, custom, real

from ..rules.edges import LAYOUTS, choose_layout, edge_forward, edges_to_dense, fixed_indegree, in_degree
from ..rules.init import check_spec, connectivity, initializer
from .delayed import DELAY_RULES, declare_delay, delayed_transmit

DEFAULT_WEIGHT_INIT = {"dist": "uniform", "low": 0.025, "high": 0.8}


def _spec(value: Any, where: str) -> Any:
    return None if value is None else check_spec(value, where)


#: a weight spec (dict, name or explicit array; see :mod:`components.rules.init`) or None for the default
WEIGHT_SPEC = custom(_spec)


class DenseSynapse(Component):
    param_rules = {"shape": SHAPE, "weight_init": WEIGHT_SPEC, "bias_init": WEIGHT_SPEC,
                   "p_conn": real(0.0, 1.0, low_open=True, fix="the probability that a connection exists"),
                   "layout": choice(*LAYOUTS), **DELAY_RULES}

    def __init__(self, name: str, shape: tuple, weight_init: dict | None = None, bias_init: dict | None = None,
                 resist_scale: float = 1.0, p_conn: float = 1.0, layout: str = "auto", delay: Any = None,
                 delay_unit: str = "ms"):
        super().__init__(name)
        n_in, n_out = (int(d) for d in shape)
        self.shape = (n_in, n_out)
        self.weight_init = dict(DEFAULT_WEIGHT_INIT) if weight_init is None else weight_init
        self.bias_init = bias_init
        self.resist_scale = resist_scale
        self.p_conn = p_conn
        if isinstance(self.weight_init, np.ndarray):  # explicit weights are a dense matrix
            if layout == "edges":
                raise ParameterError(f"{name}: explicit weight_init arrays need layout='dense' (the edges layout "
                                     f"draws its own connections)")
            layout = "dense"
        self.layout = choose_layout(name, layout, p_conn, self.shape, self.context.batch_size)
        w_init = initializer(self.weight_init, f"{name}.weight_init", self.shape)
        m_init = connectivity(p_conn)

        def masked_weights(key: Any, shp: tuple, dtype: Any) -> Any:
            return w_init(key, shp, dtype) * m_init(key, shp, dtype)

        self.inputs = Input((n_in,), doc="presynaptic signal")
        self.outputs = Output((n_out,), doc="postsynaptic current: inputs @ (W * resist_scale) + b")
        if self.layout == "edges":
            k = in_degree(p_conn, n_in)
            self.weights = Param((k, n_out), init=w_init, key_name="weights",
                                 doc="efficacy of edge [slot, post]; its pre neuron is pre_index[slot, post]")
            self.pre_index = Param((k, n_out), init=fixed_indegree(n_in), dtype="int32", key_name="pre_index",
                                   doc="presynaptic neuron of each edge (fixed in-degree, sorted per post)")
        else:
            self.weights = Param((n_in, n_out), init=masked_weights, key_name="weights",
                                 doc="efficacies [pre, post]")
            self.mask = Param((n_in, n_out), init=m_init, key_name="weights", doc="1 where a connection exists")
        if isinstance(bias_init, dict) and (bias_init.get("dist") == "identity" or bias_init.get("zero_diagonal")):
            raise ParameterError(f"{name}: bias_init is a vector of n_out = {n_out} values; 'identity' and "
                                 f"zero_diagonal apply to weight matrices only")
        b_init = initializer(bias_init, f"{name}.bias_init", (n_out,)) if bias_init is not None else 0.0
        self.biases = Param((n_out,), init=b_init, doc="output bias")
        declare_delay(self, delay, delay_unit)

    def advance_state(self, c: Any, *, t: Any, dt: float, key: Any) -> dict:
        # scaling the (batch, n_out) result is cheaper than scaling the (n_in, n_out) matrix
        out, delayed = delayed_transmit(self, c, dt)
        return {"outputs": out * self.resist_scale + c.biases, **delayed}

    def transmit(self, c: Any, inputs: Any = None) -> Any:
        """``inputs @ W`` (default ``c.inputs``) in this synapse's layout (matrix product or gather over the edges)."""
        inputs = c.inputs if inputs is None else inputs
        if self.layout == "edges":
            return edge_forward(inputs, c.weights, c.pre_index)
        return inputs @ c.weights

    def dense_weights(self, weights: Any = None) -> Any:
        """The ``(n_in, n_out)`` weight matrix whatever the layout: of ``weights`` (e.g. a recorded
        step; default the Context's current value), with absent connections 0."""
        weights = self.weights.value if weights is None else weights
        if self.layout == "edges":
            return edges_to_dense(weights, self.pre_index.value, self.shape[0])
        return weights

    @property
    def fully_connected(self) -> bool:
        """True when no mask needs multiplying in: every connection exists, or only edges are stored."""
        return self.layout == "edges" or (self.p_conn >= 1.0 and getattr(self, "weight_mask", None) is None)

    def constrain(self, weights: Any, c: Any, low: Any = None, high: Any = None) -> Any:
        """Clip weights to ``[low, high]`` (either may be None) and zero absent connections (``c.mask``).

        The all-ones mask of a fully connected synapse is not read or multiplied in: that multiply is
        a whole extra pass over the weight matrix each step (measured in benchmarks/README.md); the
        edges layout stores no absent connections, so it has no mask at all."""
        if low is not None or high is not None:
            weights = jnp.clip(weights, low, high)
        return weights if self.fully_connected else weights * c.mask
