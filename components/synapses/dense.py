"""DenseSynapse: a static all-to-all (optionally sparse) projection.

    outputs = inputs @ (weights * resist_scale) + biases

Compartments:
    inputs  (input, (batch, n_in)):    presynaptic signal (spikes or rates)
    outputs (output, (batch, n_out)):  postsynaptic current
    weights (param, (n_in, n_out)):    efficacies, stored [pre, post]
    biases  (param, (n_out,)):         added to outputs (zero unless ``bias_init`` is given)
    mask    (param, (n_in, n_out)):    1 where a connection exists (``p_conn``, ``connectivity``), else 0

With ``layout="edges"`` (sparse, fixed in-degree ``k = round(p_conn * n_in)``; see
:mod:`components.rules.edges`) ``weights`` is ``(k, n_out)``, ``mask`` is replaced by
``pre_index (param, (k, n_out), int32)`` and ``dense_weights()`` gives the ``(n_in, n_out)``
matrix. ``layout="auto"`` picks the edges where they were measured faster (p_conn <= 0.01 from
300 x 300; p_conn <= 0.1 from 1000 x 1000 at batch 1).

With ``layout="events"`` (static projections and trace STDP; see :mod:`components.rules.out_edges`) the
connections are stored per PRESYNAPTIC neuron: ``weights`` and ``post_index (param, int32)`` are
``(n_in, k_out)``, ``k_out`` the largest out-degree, unused slots weight 0; a step scatters only the
rows of the inputs that are nonzero (at most ``capacity`` per sample and step, else every row), so
its cost scales with spikes x out-degree. ``max_events (state, (batch,), int32)`` records the most
events seen in one step; :func:`components.rules.events.check_capacity` raises if it exceeded
``capacity``. ``p_conn`` alone gives the fixed in-degree ``round(p_conn * n_in)`` (drawn like
``connectivity={"rule": "fixed_in_degree", ...}``); ``connectivity`` takes any rule, or explicit
arrays as :class:`~components.rules.out_edges.OutEdges`.

Parameters:
    shape: ``(n_in, n_out)``.
    weight_init: spec (see :mod:`components.rules.init`): a dict such as ``{"dist": "gaussian",
        "sigma": 0.1}``, a name such as ``"identity"`` (one-to-one), or an explicit ``(n_in, n_out)``
        numpy/JAX array; default U(0.025, 0.8).
    bias_init: spec dict or None (no bias).
    resist_scale: fixed factor applied to the weights in the transform (e.g. membrane resistance).
    p_conn: probability that a connection exists; absent ones stay exactly 0.
    layout: ``"auto"`` (default: edges only where measured faster), ``"dense"``, ``"edges"`` or
        ``"events"`` (out-edge lists, event-driven; static synapses and trace STDP).
    capacity: events per sample per step that ``layout="events"`` takes on its fast path (default
        ``max(16, n_in // 64)``); more are still transmitted, by visiting every row.
    delay, delay_unit: transmission delay (None: none), one per projection or per synapse, in
        ``"ms"`` (default) or ``"steps"``; see :mod:`components.synapses.delayed`.
    connectivity: a rule of :mod:`components.rules.connectivity` such as ``{"rule": "fixed_in_degree",
        "k": 100}``, ``"one_to_one"``, ``{"rule": "all_to_all", "autapses": False}`` or
        ``{"rule": "distance", "sigma": 0.1}``; drawn once, from its ``seed`` (default: the Context's
        seed mixed with the synapse's name), the same network in either layout. Default None:
        ``p_conn`` decides.
    weight_mask: a fixed 0/1 ``(n_in, n_out)`` array; only connections where it is 1 exist (combined
        with ``connectivity`` / ``p_conn``). ``layout="auto"`` stays dense with a mask.

An explicit ``weight_init`` array with ``connectivity`` or ``weight_mask`` keeps its nonzero entries
that the rule connects (either layout). In the edges layout a rule without a fixed in-degree
(Bernoulli, fixed out-degree, distance, masks) stores ``k`` = the largest in-degree slots per post
neuron, with ``mask (param, (k, n_out))`` 0 on the unused ones.

Plastic synapses subclass this and add ``evolve``; those whose rule has an edge form
(TraceSTDPSynapse, ExpSTDPSynapse) take ``layout`` too, ``"events"`` included: there the rule updates
only the edges of the neurons that spiked, found through ``in_slots (param, (n_out, k_in), int32)``,
and ``mask (param, (n_in, k_out))`` marks the used slots when out-degrees differ.
"""

from __future__ import annotations

from typing import Any

import jax.numpy as jnp
import numpy as np

from contexts import Component, Input, Output, Param, State
from contexts.graph import ARRAY_TAG
from contexts.params import MAX_ELEMENTS, SPARSE_SHAPE, ParameterError, choice, count, custom, optional, real

from ..rules.connectivity import (
    Connections,
    ConnectivityError,
    as_edges,
    as_mask,
    check_mask,
    check_rule,
    draw,
    seed_for,
)
from ..rules.edges import LAYOUTS, choose_layout, edge_forward, edges_to_dense, fixed_indegree, in_degree
from ..rules.events import event_count
from ..rules.init import check_spec, initializer
from ..rules.init import connectivity as connectivity_mask
from ..rules.out_edges import (
    OutEdges,
    default_capacity,
    in_slot_index,
    out_edge_forward,
    out_edges_to_dense,
    pairs_to_out_edges,
)
from .delayed import DELAY_RULES, declare_delay, delayed_transmit

DEFAULT_WEIGHT_INIT = {"dist": "uniform", "low": 0.025, "high": 0.8}


def _spec(value: Any, where: str) -> Any:
    return None if value is None else check_spec(value, where)


#: a weight spec (dict, name or explicit array; see :mod:`components.rules.init`) or None for the default
WEIGHT_SPEC = custom(_spec)
#: a connectivity rule (see :mod:`components.rules.connectivity`) or None (``p_conn`` decides)
CONNECTIVITY_SPEC = custom(lambda v, where: _connectivity(v, where))
#: a fixed 0/1 ``(n_in, n_out)`` array or None
MASK_SPEC = custom(lambda v, where: None if v is None else check_mask(v, where))


def _connectivity(value: Any, where: str) -> Any:
    """A connectivity rule, checked; one whose arrays are still references into a saved model's
    ``.npz`` (``{"__array__": ...}``, while its graph is read) is checked once they are loaded."""
    if value is None or isinstance(value, OutEdges):
        return value
    if isinstance(value, dict) and value.get("rule") == "out_edges":   # read back from a saved graph
        return OutEdges.from_graph(value, where)
    if isinstance(value, dict) and any(isinstance(v, dict) and set(v) == {ARRAY_TAG} for v in value.values()):
        return value
    return check_rule(value, where)


def _constant(value: np.ndarray) -> Any:
    """``init(key, shape, dtype)`` that returns ``value`` whatever the key."""
    def init(key: Any, shape: tuple, dtype: Any) -> Any:
        return jnp.asarray(value, dtype)
    return init


def _times(w_init: Any, mask: np.ndarray) -> Any:
    """``init`` of ``w_init``'s draw with absent connections exactly 0."""
    def init(key: Any, shape: tuple, dtype: Any) -> Any:
        return w_init(key, shape, dtype) * jnp.asarray(mask, dtype)
    return init


class DenseSynapse(Component):
    #: a plastic subclass whose rule runs on the edges its spikes touch (``layout="events"``)
    events_plastic = False

    param_rules = {"shape": SPARSE_SHAPE, "weight_init": WEIGHT_SPEC, "bias_init": WEIGHT_SPEC,
                   "p_conn": real(0.0, 1.0, low_open=True, fix="the probability that a connection exists"),
                   "layout": choice(*LAYOUTS), "connectivity": CONNECTIVITY_SPEC, "weight_mask": MASK_SPEC,
                   "capacity": optional(count()), **DELAY_RULES}

    def __init__(self, name: str, shape: tuple, weight_init: dict | None = None, bias_init: dict | None = None,
                 resist_scale: float = 1.0, p_conn: float = 1.0, layout: str = "auto", connectivity: Any = None,
                 weight_mask: Any = None, delay: Any = None, delay_unit: str = "ms", capacity: int | None = None):
        super().__init__(name)
        n_in, n_out = (int(d) for d in shape)
        self.shape = (n_in, n_out)
        if n_in * n_out > MAX_ELEMENTS and layout not in ("edges", "events"):
            raise ParameterError(f"{name}: shape ({n_in}, {n_out}) has n_in * n_out > {MAX_ELEMENTS}, too many for "
                                 f"a dense matrix; store only the connections: layout='edges' or 'events'")
        self.weight_init = dict(DEFAULT_WEIGHT_INIT) if weight_init is None else weight_init
        self.bias_init = bias_init
        self.resist_scale = resist_scale
        self.p_conn = p_conn
        self.connectivity = connectivity
        self.weight_mask = weight_mask
        self.inputs = Input((n_in,), doc="presynaptic signal")
        self.outputs = Output((n_out,), doc="postsynaptic current: inputs @ (W * resist_scale) + b")
        self.capacity = None
        if layout == "events":
            self._check_events(name, capacity)
        if layout == "events" and connectivity is None and weight_mask is None:
            if isinstance(self.weight_init, np.ndarray):   # an explicit matrix: its nonzero entries are the edges
                if p_conn < 1.0:
                    raise ParameterError(f"{name}: an explicit weight_init array with layout='events' keeps its "
                                         f"nonzero entries; p_conn = {p_conn:g} would draw other connections")
                self._declare_connections(name, layout)
            else:   # p_conn alone: the fixed in-degree of the edges layout, drawn as a connectivity rule
                self._declare_connections(name, layout, {"rule": "fixed_in_degree", "k": in_degree(p_conn, n_in)})
        elif connectivity is None and weight_mask is None:
            self._declare_p_conn(name, layout)
        else:
            self._declare_connections(name, layout)
        if isinstance(bias_init, dict) and (bias_init.get("dist") == "identity" or bias_init.get("zero_diagonal")):
            raise ParameterError(f"{name}: bias_init is a vector of n_out = {n_out} values; 'identity' and "
                                 f"zero_diagonal apply to weight matrices only")
        b_init = initializer(bias_init, f"{name}.bias_init", (n_out,)) if bias_init is not None else 0.0
        self.biases = Param((n_out,), init=b_init, doc="output bias")
        declare_delay(self, delay, delay_unit)

    def _check_events(self, name: str, capacity: int | None) -> None:
        """``layout="events"``: static synapses only; declare ``max_events`` and fix ``capacity``."""
        if hasattr(self, "evolve") and not self.events_plastic:
            raise ParameterError(f"{name}: layout='events' is for static projections and trace STDP; "
                                 f"{type(self).__name__} is plastic and works with layout='dense' or 'edges' "
                                 f"(or 'auto')")
        self.capacity = default_capacity(self.shape[0]) if capacity is None else int(capacity)
        self.max_events = State((), dtype="int32", doc="most presynaptic events in one step since the reset")

    def _declare_p_conn(self, name: str, layout: str) -> None:
        """``p_conn`` alone: a Bernoulli mask drawn from the weights' key (dense), or a fixed in-degree
        ``round(p_conn * n_in)`` (edges)."""
        n_in, n_out = self.shape
        p_conn = self.p_conn
        if isinstance(self.weight_init, np.ndarray):  # explicit weights are a dense matrix
            if layout == "edges":
                raise ParameterError(f"{name}: explicit weight_init arrays with layout='edges' need "
                                     f"connectivity= or weight_mask= (p_conn draws its own connections)")
            layout = "dense"
        self.layout = choose_layout(name, layout, p_conn, self.shape, self.context.batch_size)
        self._full = self.layout == "edges" or p_conn >= 1.0
        w_init = initializer(self.weight_init, f"{name}.weight_init", self.shape)
        m_init = connectivity_mask(p_conn)

        def masked_weights(key: Any, shp: tuple, dtype: Any) -> Any:
            return w_init(key, shp, dtype) * m_init(key, shp, dtype)

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

    def _declare_connections(self, name: str, layout: str, spec: Any = None) -> None:
        """``connectivity`` (or ``spec``) and/or ``weight_mask``: the network drawn once from its seed (see
        :mod:`components.rules.connectivity`), then stored in the chosen layout."""
        n_in, n_out = self.shape
        where = f"{type(self).__name__} {name!r}: connectivity"
        if isinstance(self.connectivity, OutEdges):
            self._declare_out_edges(name, layout, where)
            return
        if spec is None and self.connectivity is not None and self.p_conn < 1.0:
            raise ConnectivityError(f"{where}: give either p_conn = {self.p_conn:g} or a connectivity rule, not both "
                                    f"(p_conn is the rule {{'rule': 'bernoulli', 'p': {self.p_conn:g}}})")
        spec = self.connectivity if spec is None else spec
        if spec is None:
            spec = {"rule": "bernoulli", "p": self.p_conn} if self.p_conn < 1.0 else {"rule": "all_to_all"}
        spec = check_rule(spec, where, self.shape)
        conn = draw(spec, self.shape, spec.get("seed", seed_for(self.context.seed, name)))
        explicit = isinstance(self.weight_init, np.ndarray)
        if self.weight_mask is not None or explicit:
            mask = as_mask(conn)
            if self.weight_mask is not None:
                mask = mask & check_mask(self.weight_mask, f"{type(self).__name__} {name!r}: weight_mask", self.shape)
            if explicit:
                check_spec(self.weight_init, f"{name}.weight_init", self.shape)
                mask = mask & (self.weight_init != 0)
            conn = Connections(self.shape, mask=mask)
        full = conn.pre_index is not None and conn.pre_index.shape[0] == n_in
        # the density only matters to "auto" (an explicit layout is not resolved: no n_in x n_out mask)
        density = 1.0 if full or layout != "auto" else float(as_mask(conn).mean())
        if layout == "auto" and self.weight_mask is not None:
            layout = "dense"  # a given mask is usually a dense pattern (a receptive field, a block)
        self.layout = choose_layout(name, layout, min(density, 1.0), self.shape, self.context.batch_size,
                                    allow_full=True)
        w_init = initializer(self.weight_init, f"{name}.weight_init", self.shape)
        if self.layout == "events":
            if conn.pre_index is not None:
                pre = conn.pre_index.reshape(-1)
                post = np.broadcast_to(np.arange(n_out, dtype=np.int32), conn.pre_index.shape).reshape(-1)
            else:
                pre, post = np.nonzero(conn.mask)
            post_index, valid, edge = pairs_to_out_edges(pre, post, n_in)
            if explicit:
                w_edges = np.where(valid, self.weight_init[pre[edge], post_index], 0.0)
                self.weights = Param(valid.shape, init=_constant(w_edges), key_name="weights",
                                     doc="efficacy of edge [pre, slot]; its post neuron is post_index[pre, slot]")
            else:
                self.weights = Param(valid.shape, init=_times(w_init, valid.astype(np.float32)), key_name="weights",
                                     doc="efficacy of edge [pre, slot]; its post neuron is post_index[pre, slot]")
            self.post_index = Param(valid.shape, init=_constant(post_index), dtype="int32", key_name="post_index",
                                    doc="postsynaptic neuron of each edge (unused slots: 0, with weight 0)")
            self._full = True   # unused slots carry weight 0: static synapses need no mask
            if hasattr(self, "evolve"):   # plastic: the in-edges of each post neuron, and the unused slots
                slots = in_slot_index(post_index, valid, n_out)
                self.in_slots = Param(slots.shape, init=_constant(slots), dtype="int32", key_name="in_slots",
                                      doc="in-edges of each post neuron: positions pre * k + slot (padding n_in * k)")
                self._valid = valid
                self._full = bool(valid.all())
                if not self._full:
                    self.mask = Param(valid.shape, init=_constant(valid.astype(np.float32)), key_name="weights",
                                      doc="1 where a slot holds an edge (pre neurons with fewer partners: 0)")
        elif self.layout == "edges":
            pre_index, valid = as_edges(conn)
            self._full = bool(valid.all())
            k = pre_index.shape[0]
            post = np.broadcast_to(np.arange(n_out), pre_index.shape)
            on = valid.astype(np.float32)
            if explicit:
                w_edges = np.where(valid, self.weight_init[pre_index, post], 0.0)
                self.weights = Param((k, n_out), init=_constant(w_edges), key_name="weights",
                                     doc="efficacy of edge [slot, post]; its pre neuron is pre_index[slot, post]")
            else:
                self.weights = Param((k, n_out), init=_times(w_init, on), key_name="weights",
                                     doc="efficacy of edge [slot, post]; its pre neuron is pre_index[slot, post]")
            self.pre_index = Param((k, n_out), init=_constant(pre_index), dtype="int32", key_name="pre_index",
                                   doc="presynaptic neuron of each edge (sorted per post)")
            if not self._full:
                self.mask = Param((k, n_out), init=_constant(on), key_name="weights",
                                  doc="1 where a slot holds an edge (post neurons with fewer partners: 0)")
        else:
            mask = as_mask(conn).astype(np.float32)
            self._full = bool(mask.all())
            self.weights = Param((n_in, n_out), init=_times(w_init, mask), key_name="weights",
                                 doc="efficacies [pre, post]")
            self.mask = Param((n_in, n_out), init=_constant(mask), key_name="weights",
                              doc="1 where a connection exists")

    def _declare_out_edges(self, name: str, layout: str, where: str) -> None:
        """Explicit out-edge arrays (:class:`~components.rules.out_edges.OutEdges`), kept as they are."""
        edges = self.connectivity
        if layout != "events":
            raise ParameterError(f"{where}: OutEdges arrays are the storage of layout='events', got layout={layout!r}")
        if self.weight_mask is not None or self.p_conn < 1.0:
            raise ParameterError(f"{where}: OutEdges arrays fix the connections: give no p_conn or weight_mask")
        if hasattr(self, "evolve"):
            raise ParameterError(f"{where}: OutEdges arrays are for static projections; a plastic synapse in "
                                 f"layout='events' draws its connections from p_conn or a connectivity rule")
        edges.check(where, self.shape)
        self.layout, self._full = "events", True
        if edges.weights is not None:
            w_init = _constant(edges.weights)
        else:
            w_init = initializer(self.weight_init, f"{name}.weight_init", self.shape)
        self.weights = Param(edges.shape, init=w_init, key_name="weights",
                             doc="efficacy of edge [pre, slot]; its post neuron is post_index[pre, slot]")
        self.post_index = Param(edges.shape, init=_constant(edges.post_index), dtype="int32", key_name="post_index",
                                doc="postsynaptic neuron of each edge (unused slots: weight 0)")

    def advance_state(self, c: Any, *, t: Any, dt: float, key: Any) -> dict:
        # scaling the (batch, n_out) result is cheaper than scaling the (n_in, n_out) matrix
        out, delayed = delayed_transmit(self, c, dt)
        return {"outputs": out * self.resist_scale + c.biases, **delayed}

    def transmit(self, c: Any, inputs: Any = None) -> Any:
        """``inputs @ W`` (default ``c.inputs``) in this synapse's layout (matrix product or gather over the edges)."""
        inputs = c.inputs if inputs is None else inputs
        if self.layout == "edges":
            return edge_forward(inputs, c.weights, c.pre_index)
        if self.layout == "events":
            return out_edge_forward(inputs, c.weights, c.post_index, self.shape[1], self.capacity)
        return inputs @ c.weights

    def count_events(self, c: Any, inputs: Any) -> dict:
        """``{"max_events": ...}`` updated with this step's events (layout="events"), else ``{}``."""
        if self.layout != "events":
            return {}
        return {"max_events": jnp.maximum(c.max_events, event_count(inputs))}

    def dense_weights(self, weights: Any = None) -> Any:
        """The ``(n_in, n_out)`` weight matrix whatever the layout: of ``weights`` (e.g. a recorded
        step; default the Context's current value), with absent connections 0."""
        weights = self.weights.value if weights is None else weights
        if self.layout == "edges":
            return edges_to_dense(weights, self.pre_index.value, self.shape[0])
        if self.layout == "events":
            return out_edges_to_dense(weights, self.post_index.value, self.shape[1])
        return weights

    @property
    def fully_connected(self) -> bool:
        """True when no mask needs multiplying in: every connection exists, or only edges are stored
        (every post neuron with the same number of them)."""
        return self._full

    def constrain(self, weights: Any, c: Any, low: Any = None, high: Any = None) -> Any:
        """Clip weights to ``[low, high]`` (either may be None) and zero absent connections (``c.mask``).

        The all-ones mask of a fully connected synapse is not read or multiplied in: that multiply is
        a whole extra pass over the weight matrix each step (measured in benchmarks/README.md); the
        edges layout stores no absent connections, so it has no mask at all."""
        if low is not None or high is not None:
            weights = jnp.clip(weights, low, high)
        return weights if self.fully_connected else weights * c.mask
