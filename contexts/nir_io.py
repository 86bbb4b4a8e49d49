"""NIR (Neuromorphic Intermediate Representation) export and import of a model's static graph.

``export(ctx)`` turns a Context's components, wires and current parameters into a
``nir.NIRGraph``; ``import_(graph, dt=...)`` builds a Context from one (written here, or by
snnTorch, Norse, Lava, Rockpool, Sinabs, Spyx ... or read with ``nir.read``). The mapping, its
unit conventions and what is refused are in docs/nir.md; in short:

==========================  ====================================================================
NIR node                    synaptica
==========================  ====================================================================
Input / Output              InputCell (fed per step) / the compartment that feeds it (recorded)
Affine, Linear              DenseSynapse, weights transposed (NIR is [out, in], ours [pre, post])
Scale                       DenseSynapse with a diagonal weight matrix
LIF                         LIFCell: tau_m = 1000 tau (NIR seconds -> ms), R_m = r, v_rest = v_leak
IF                          IFCell without leak or clamp: tau_m = 1000 ms, R_m = r
LI                          RateCell (identity, tau_m = 1000 tau) behind a diagonal synapse for r, v_leak
CubaLIF                     [diagonal synapse w_in] -> RateCell (tau_syn) -> LIFCell (tau_mem)
CubaLI                      [diagonal synapse w_in] -> RateCell (tau_syn) -> LI as above (tau_mem)
Delay                       DenseSynapse with identity weights and ``delay`` (ms, rounded to whole steps)
Flatten                     nothing (all our compartments are vectors; a 1-D Flatten is the identity)
==========================  ====================================================================

Refused with :class:`NIRUnsupportedError`: I (Integrator), Threshold, Conv1d/2d,
pooling, nested graphs, per-neuron parameters that differ within a population. Every neuron is
stepped by Euler with the Context's ``dt``: one step is ``v <- v + dt/tau (v_leak - v + r I)``,
then ``z = v > v_threshold``, then ``v <- v_reset`` where ``z`` (Norse's order; snnTorch's
``Leaky`` is this with ``tau = dt / (1 - beta)`` and ``r = tau / dt``).

``nir`` is an optional dependency (``pip install synaptica[nir]``); it is imported on first use.
"""

from __future__ import annotations

import os
import re
from typing import Any

import numpy as np

from .errors import SynapticaError


class NIRError(SynapticaError):
    """A model that cannot be exported to NIR, or a NIR graph that cannot be imported."""


class NIRUnsupportedError(NIRError):
    """A NIR node type, or a parameter, with no synaptica counterpart."""


class NIRExportError(NIRError):
    """A component or wire of this model that NIR cannot describe (exactly)."""


def _nir() -> Any:
    try:
        import nir
    except ImportError:
        raise NIRError("NIR import/export needs the nir package: pip install 'synaptica[nir]' "
                       "(or pip install nir)") from None
    return nir


def _ms(seconds: float) -> float:
    """NIR seconds as ms, rounded to 12 significant digits so that 0.01 s is 10.0 ms exactly."""
    return float(f"{float(seconds) * 1000.0:.12g}")


def _vec(x: Any, n: int) -> np.ndarray:
    return np.full((n,), float(x), np.float32)


# -- export ---------------------------------------------------------------------------------------------
def _ports(comp: Any) -> tuple[str, str]:
    """(input compartment, output compartment) of a component NIR can describe."""
    from components.cells import IFCell, InputCell, LIFCell, RateCell
    from components.synapses import DenseSynapse

    if isinstance(comp, InputCell):
        return "inputs", "outputs"
    if isinstance(comp, DenseSynapse):
        return "inputs", "outputs"
    if isinstance(comp, (LIFCell, IFCell)):
        return "j", "s"
    if isinstance(comp, RateCell):
        return "j", "outputs"
    raise NIRExportError(f"{comp.name} ({type(comp).__name__}) has no NIR counterpart; NIR export knows InputCell, "
                         "DenseSynapse (and the plastic synapses, exported with their current weights), LIFCell, "
                         "IFCell and RateCell (identity)")


def _approx(comp: Any, what: str, approximate: bool) -> None:
    if not approximate:
        raise NIRExportError(f"{comp.name} ({type(comp).__name__}): {what}, which NIR's neuron models do not "
                             "have; export(ctx, approximate=True) leaves it out")


def _export_node(ctx: Any, comp: Any, approximate: bool) -> Any:
    from components.cells import IFCell, InputCell, LIFCell, RateCell
    from components.synapses import DenseSynapse

    nir = _nir()
    if isinstance(comp, InputCell):
        if f"{comp.name}.inputs" in ctx.wires:
            raise NIRExportError(f"{comp.name} (InputCell) is wired from {ctx.wires[comp.name + '.inputs'].to_str()}; "
                                 "NIR Input nodes take data from outside: leave the InputCell's inputs unwired")
        return nir.Input(input_type={"input": np.array([comp.n_units])})
    if isinstance(comp, DenseSynapse):
        values = ctx.state["values"][comp.name]
        w = np.asarray(comp.dense_weights(values["weights"]) if comp.layout in ("edges", "events") else
                       values["weights"] * values["mask"], np.float32) * np.float32(comp.resist_scale)
        b = np.asarray(values["biases"], np.float32)
        if comp.bias_init is None and not np.any(b):
            return nir.Linear(weight=np.ascontiguousarray(w.T))
        return nir.Affine(weight=np.ascontiguousarray(w.T), bias=b)
    if isinstance(comp, (LIFCell, IFCell)):
        n = comp.n_units
        if comp.refract_time > 0:
            _approx(comp, f"refract_time = {comp.refract_time} ms", approximate)
        if isinstance(comp, LIFCell):
            if comp.thr_theta_plus != 0 and comp.tau_theta > 0:
                _approx(comp, "an adaptive threshold (thr_theta_plus != 0)", approximate)
            if comp.max_one_spike:
                _approx(comp, "max_one_spike", approximate)
            if comp.v_min is not None:
                _approx(comp, f"v_min = {comp.v_min}", approximate)
        elif comp.lower_clamp_voltage:
            _approx(comp, "lower_clamp_voltage (v kept >= v_rest)", approximate)
        g = comp.conduct_leak
        if g == 0:  # tau_m dv/dt = R_m j  <=>  dv/dt (per s) = (1000 R_m / tau_m) j
            return nir.IF(r=_vec(comp.R_m * 1000.0 / comp.tau_m, n), v_threshold=_vec(comp.thr, n),
                          v_reset=_vec(comp.v_reset, n))
        # tau_m dv/dt = -g (v - v_rest) + R_m j  <=>  (tau_m/g) dv/dt = (v_rest - v) + (R_m/g) j
        return nir.LIF(tau=_vec(comp.tau_m / g / 1000.0, n), r=_vec(comp.R_m / g, n), v_leak=_vec(comp.v_rest, n),
                       v_threshold=_vec(comp.thr, n), v_reset=_vec(comp.v_reset, n))
    if isinstance(comp, RateCell):
        if comp.act_fx != "identity" or comp.tau_m <= 0:
            raise NIRExportError(f"{comp.name} (RateCell): only act_fx='identity' with tau_m > 0 is a NIR LI node, "
                                 f"got act_fx={comp.act_fx!r}, tau_m={comp.tau_m}")
        n = comp.n_units
        return nir.LI(tau=_vec(comp.tau_m / 1000.0, n), r=_vec(1.0, n), v_leak=_vec(0.0, n))
    _ports(comp)  # raises with the list of supported types
    raise AssertionError("unreachable")


def _delay_seconds(ctx: Any, comp: Any) -> np.ndarray | None:
    """A synapse's transmission delay as the per-presynaptic-neuron vector of a NIR Delay node (s), or None."""
    if getattr(comp, "delay", None) is None:
        return None
    values = ctx.state["values"][comp.name]
    n_in = comp.shape[0]
    if "delays" in values:  # one delay per synapse (whole steps): NIR delays a neuron's output, all targets alike
        steps = np.asarray(values["delays"], np.float64)
        w = np.asarray(comp.dense_weights(values["weights"]) if comp.layout == "edges" else values["weights"])
        if comp.layout == "edges":
            raise NIRExportError(f"{comp.name}: per-synapse delays in the edges layout cannot be exported; use "
                                 "layout='dense'")
        steps = np.where(w != 0, steps, np.nan)
        rows = []
        for i, row in enumerate(steps):
            vals = np.unique(row[~np.isnan(row)])
            if len(vals) > 1:
                raise NIRExportError(f"{comp.name}: presynaptic neuron {i} reaches its targets with different delays "
                                     f"({vals.min():g} .. {vals.max():g} steps); NIR's Delay node delays a neuron's "
                                     "output, the same for all its targets")
            rows.append(vals[0] if len(vals) else 0.0)
        return np.asarray(rows, np.float32) * np.float32(ctx.dt / 1000.0)
    steps = round(float(comp.delay) / (1.0 if comp.delay_unit == "steps" else ctx.dt))
    return np.full((n_in,), steps * ctx.dt / 1000.0, np.float32) if steps else None


def export(ctx: Any, approximate: bool = False) -> Any:
    """The static graph and current parameters of ``ctx`` as a ``nir.NIRGraph``.

    Components become nodes named as they are; wires into a component's input (``inputs``, ``j``)
    become edges (a scaled term gets a Scale node); wires used only for learning (``pre``,
    ``post``, ``signal`` ...) are left out. Components whose output nothing reads get an Output
    node (``output``, or ``output_<name>`` when there are several). The graph's metadata holds
    ``dt`` in seconds. ``approximate=True`` exports neurons whose refractory period, adaptive
    threshold or voltage clamp NIR cannot describe, without them.

    Raises:
        NIRExportError: a component or wire with no NIR counterpart.
    """
    nir = _nir()
    nodes: dict[str, Any] = {}
    ports = {name: _ports(comp) for name, comp in ctx.components.items()}
    edges: list[tuple[str, str]] = []
    entry: dict[str, str] = {}  # where the edges into a component go: itself, or its Delay node
    for name, comp in ctx.components.items():
        nodes[name] = _export_node(ctx, comp, approximate)
        entry[name] = name
        seconds = _delay_seconds(ctx, comp)
        if seconds is not None:
            entry[name] = f"{name}_delay"
            nodes[entry[name]] = nir.Delay(delay=seconds)
            edges.append((entry[name], name))
    read: set[str] = set()
    for target, source in ctx.wires.items():
        comp, cpt = target.split(".", 1)
        if cpt != ports[comp][0]:
            continue  # a learning wire (pre, post, signal): not part of the static graph
        for term in source.terms:
            src = term.compartment
            if src.name != ports[src.owner.name][1]:
                raise NIRExportError(f"the wire {target} << {source.to_str()} reads {src.path}; NIR edges carry a "
                                     f"node's output ({src.owner.name}.{ports[src.owner.name][1]})")
            read.add(src.owner.name)
            origin = src.owner.name
            if term.scale != 1.0:
                origin = f"{src.owner.name}_x{len(nodes)}"
                nodes[origin] = nir.Scale(scale=_vec(term.scale, src.shape[0]))
                edges.append((src.owner.name, origin))
            edges.append((origin, entry[comp]))
    from components.cells import InputCell

    sinks = [n for n, c in ctx.components.items() if n not in read and not isinstance(c, InputCell)]
    for n in sinks:
        out = "output" if len(sinks) == 1 else f"output_{n}"
        size = ctx.components[n]._compartments[ports[n][1]].shape
        nodes[out] = nir.Output(output_type={"output": np.array(size)})
        edges.append((n, out))
    return nir.NIRGraph(nodes=nodes, edges=edges,
                        metadata={"producer": "synaptica", "dt": ctx.dt / 1000.0, "name": ctx.name})


# -- import ---------------------------------------------------------------------------------------------
def _uniform(node_name: str, field: str, value: Any, n: int | None = None) -> float:
    a = np.asarray(value, np.float64)
    if a.size == 0:
        raise NIRUnsupportedError(f"NIR node {node_name!r}: {field} is empty")
    if not np.all(a == a.flat[0]):
        raise NIRUnsupportedError(f"NIR node {node_name!r}: {field} differs between neurons ({a.min():g} .. "
                                  f"{a.max():g}); synaptica's cells take one value per population: split the "
                                  "population into groups with one value each")
    return float(a.flat[0])


def _size(node_name: str, *values: Any) -> int:
    for v in values:
        a = np.asarray(v)
        if a.ndim == 1:
            return int(a.shape[0])
        if a.ndim > 1:
            raise NIRUnsupportedError(f"NIR node {node_name!r} has parameters of shape {a.shape}; synaptica's "
                                      "populations are vectors (flatten convolutional layers before exporting)")
    raise NIRUnsupportedError(f"NIR node {node_name!r} has only scalar parameters, so its size is unknown; "
                              "give per-neuron arrays")


def _ident(name: str, taken: set) -> str:
    base = re.sub(r"\W", "_", str(name))
    if not base.isidentifier() or base.startswith("_"):
        base = "n_" + base.lstrip("_")
    out, k = base, 1
    while out in taken:
        k += 1
        out = f"{base}_{k}"
    taken.add(out)
    return out


REFUSED = {"I": "an integrator without leak or threshold",
           "Threshold": "a stateless threshold unit",
           "Conv1d": "a convolution", "Conv2d": "a convolution", "SumPool2d": "pooling", "AvgPool2d": "pooling",
           "NIRGraph": "a nested graph (subgraph)"}


def import_(graph: Any, dt: float | None = None, batch_size: int = 1, name: str | None = None,
            seed: int = 0) -> Any:
    """A Context from a NIR graph (a ``nir.NIRGraph`` or the path of a ``.nir`` file).

    Args:
        dt: the time step in ms. Graphs written by :func:`export` carry it; NIR itself has no time
            step (snnTorch's exports assume 0.1 ms, Norse's 1 ms), so others need it here.
        batch_size, name, seed: as for :class:`~contexts.Context`.
    Returns:
        The Context, with one command ``advance`` (all components in the order of the graph) and
        ``ctx.nir_inputs`` / ``ctx.nir_outputs``: ``{NIR node: compartment path}`` to feed
        (``ctx.run(inputs={path: xs})``) and to record.
    Raises:
        NIRUnsupportedError: a node type or parameter with no synaptica counterpart (see docs/nir.md).
    """
    nir = _nir()
    from components.cells import IFCell, InputCell, LIFCell, RateCell
    from components.synapses import DenseSynapse

    from .context import Context
    from .wiring import summation

    if isinstance(graph, (str, os.PathLike)):
        graph = nir.read(graph)
    meta = dict(getattr(graph, "metadata", None) or {})
    if dt is None:
        if "dt" not in meta:
            raise NIRError("this NIR graph does not say its time step: pass dt (ms), e.g. import_(graph, dt=0.1) "
                           "for snnTorch's exports (dt = 1e-4 s) or dt=1.0 for Norse's (1e-3 s)")
        dt = _ms(meta["dt"])
    nodes = dict(graph.nodes)
    for key, node in nodes.items():
        kind = type(node).__name__
        if kind in REFUSED or kind not in ("Input", "Output", "Affine", "Linear", "Scale", "LIF", "IF", "LI",
                                           "CubaLI", "CubaLIF", "Flatten", "Delay"):
            what = REFUSED.get(kind, "a node type synaptica does not know")
            raise NIRUnsupportedError(f"NIR node {key!r} is {kind} ({what}), which synaptica has no component for; "
                                      "supported: Input, Output, Affine, Linear, Scale, LIF, IF, LI, CubaLI, CubaLIF, "
                                      "Delay, Flatten (of vectors)")
    edges = [(str(a), str(b)) for a, b in graph.edges]
    # a Flatten of vectors is the identity: route its edges through it
    for key in [k for k, v in nodes.items() if type(v).__name__ == "Flatten"]:
        shape = [int(d) for d in np.asarray(nodes[key].input_type.get("input", []), dtype=np.int64).ravel()]
        if len(shape) > 1:
            raise NIRUnsupportedError(f"NIR node {key!r} flattens a {tuple(shape)} input; synaptica's populations "
                                      "are vectors, so only flattening a vector (the identity) is supported")
        into = [a for a, b in edges if b == key]
        out = [b for a, b in edges if a == key]
        edges = [e for e in edges if key not in e] + [(a, b) for a in into for b in out]
        del nodes[key]

    taken: set = set()
    names = {k: _ident(k, taken) for k in nodes}
    ctx = Context(name or str(meta.get("name", "nir_model")), dt=dt, batch_size=batch_size, seed=seed)
    entry: dict[str, str] = {}   # NIR node -> compartment path its incoming edges feed
    exit_: dict[str, Any] = {}   # NIR node -> compartment it sends on its outgoing edges
    members: dict[str, list] = {}
    inner: list[tuple[Any, Any]] = []  # wires inside one node's components

    def diagonal(label: str, scale: np.ndarray, bias: np.ndarray | None = None) -> Any:
        return DenseSynapse(label, (len(scale), len(scale)), weight_init=np.diag(scale.astype(np.float64)),
                            bias_init=None if bias is None or not np.any(bias) else bias.astype(np.float64))

    with ctx:
        for key, node in nodes.items():
            nm, kind = names[key], type(node).__name__
            if kind == "Input":
                n = int(np.prod(np.asarray(node.input_type["input"], dtype=np.int64)))
                c = InputCell(nm, n)
                entry[key], exit_[key], members[key] = None, c.outputs, [c]
            elif kind == "Output":
                members[key] = []
            elif kind in ("Affine", "Linear"):
                w = np.asarray(node.weight, np.float64)
                if w.ndim != 2:
                    raise NIRUnsupportedError(f"NIR node {key!r}: weight of shape {w.shape}; expected [out, in]")
                bias = np.asarray(node.bias, np.float64) if kind == "Affine" else None
                syn = DenseSynapse(nm, (w.shape[1], w.shape[0]), weight_init=np.ascontiguousarray(w.T),
                                   bias_init=None if bias is None or not np.any(bias) else bias.ravel())
                entry[key], exit_[key], members[key] = syn.inputs.path, syn.outputs, [syn]
            elif kind == "Scale":
                s = np.asarray(node.scale, np.float64).ravel()
                syn = diagonal(nm, s)
                entry[key], exit_[key], members[key] = syn.inputs.path, syn.outputs, [syn]
            elif kind == "Delay":  # out_i(t) = in_i(t - delay_i): identity weights behind a delay line
                d = [_ms(v) for v in np.asarray(node.delay, np.float64).ravel()]
                n = len(d)
                delay = d[0] if len(set(d)) == 1 else np.diag(d)
                syn = DenseSynapse(nm, (n, n), weight_init=np.eye(n), delay=delay)
                entry[key], exit_[key], members[key] = syn.inputs.path, syn.outputs, [syn]
            elif kind in ("LIF", "IF"):
                if kind == "LIF":
                    n = _size(key, node.tau, node.r, node.v_leak, node.v_threshold)
                    kw = dict(tau_m=_ms(_uniform(key, "tau", node.tau)), v_rest=_uniform(key, "v_leak", node.v_leak))
                    cls = LIFCell
                else:
                    n = _size(key, node.r, node.v_threshold)
                    kw = dict(tau_m=1000.0, v_rest=0.0, conduct_leak=0.0, lower_clamp_voltage=False)
                    cls = IFCell
                reset = node.v_reset if node.v_reset is not None else 0.0
                c = cls(nm, n, R_m=_uniform(key, "r", node.r), thr=_uniform(key, "v_threshold", node.v_threshold),
                        v_reset=_uniform(key, "v_reset", reset), **kw)
                entry[key], exit_[key], members[key] = c.j.path, c.s, [c]
            elif kind in ("LI", "CubaLI"):
                tau = node.tau if kind == "LI" else node.tau_mem
                n = _size(key, tau, node.r, node.v_leak)
                r, leak = _uniform(key, "r", node.r), _uniform(key, "v_leak", node.v_leak)
                tau_m = _ms(_uniform(key, "tau" if kind == "LI" else "tau_mem", tau))
                cell = RateCell(nm if (r, leak) == (1.0, 0.0) else f"{nm}_v", n, tau_m=tau_m)
                if (r, leak) == (1.0, 0.0):
                    parts = [cell]
                else:  # tau dv/dt = -v + (r I + v_leak): the drive comes through a diagonal synapse
                    pre = diagonal(nm if kind == "LI" else f"{nm}_r", np.full(n, r), np.full(n, leak))
                    inner.append((cell.j, pre.outputs))
                    parts = [pre, cell]
                if kind == "CubaLI":  # the current I first: [diagonal w_in] -> RateCell(tau_syn)
                    w_in = _uniform(key, "w_in", node.w_in)
                    syn = RateCell(f"{nm}_syn", n, tau_m=_ms(_uniform(key, "tau_syn", node.tau_syn)))
                    inner.append((parts[0].j if isinstance(parts[0], RateCell) else parts[0].inputs, syn.outputs))
                    parts = [syn] + parts
                    if w_in != 1.0:
                        win = diagonal(f"{nm}_w_in", np.full(n, w_in))
                        inner.append((syn.j, win.outputs))
                        parts = [win] + parts
                first = parts[0].j if isinstance(parts[0], RateCell) else parts[0].inputs
                entry[key], exit_[key], members[key] = first.path, cell.outputs, parts
            elif kind == "CubaLIF":
                n = _size(key, node.tau_mem, node.tau_syn, node.r, node.v_threshold)
                w_in = _uniform(key, "w_in", node.w_in)
                parts = []
                if w_in != 1.0:
                    parts.append(diagonal(f"{nm}_w_in", np.full(n, w_in)))
                syn = RateCell(f"{nm}_syn", n, tau_m=_ms(_uniform(key, "tau_syn", node.tau_syn)))
                reset = node.v_reset if node.v_reset is not None else 0.0
                lif = LIFCell(nm, n, tau_m=_ms(_uniform(key, "tau_mem", node.tau_mem)), R_m=_uniform(key, "r", node.r),
                              v_rest=_uniform(key, "v_leak", node.v_leak), thr=_uniform(key, "v_threshold",
                                                                                        node.v_threshold),
                              v_reset=_uniform(key, "v_reset", reset))
                if parts:
                    inner.append((syn.j, parts[0].outputs))
                inner.append((lif.j, syn.outputs))
                entry[key], exit_[key], members[key] = (parts[0].inputs.path if parts else syn.j.path), lif.s, \
                    parts + [syn, lif]
    # order: a depth-first topological order from the inputs; an edge against it is a recurrence (.prev)
    order: list[str] = []
    state: dict[str, int] = {}
    succ: dict[str, list] = {k: [] for k in nodes}
    for a, b in edges:
        if a not in nodes or b not in nodes:
            raise NIRError(f"NIR edge ({a!r}, {b!r}) names a node that is not in the graph")
        succ[a].append(b)

    def visit(k: str) -> None:
        state[k] = 1
        for b in succ[k]:
            if state.get(b, 0) == 0:
                visit(b)
        state[k] = 2
        order.append(k)

    for k in [k for k, v in nodes.items() if type(v).__name__ == "Input"] + list(nodes):
        if state.get(k, 0) == 0:
            visit(k)
    order.reverse()
    rank = {k: i for i, k in enumerate(order)}
    sources: dict[str, list] = {}
    outputs: dict[str, str] = {}
    for a, b in edges:
        if type(nodes[b]).__name__ == "Output":
            outputs[b] = exit_[a].path
            continue
        if entry.get(b) is None:
            raise NIRError(f"NIR edge ({a!r}, {b!r}) leads into an Input node")
        src = exit_[a]
        sources.setdefault(entry[b], []).append(src.prev if rank[a] >= rank[b] else src)
    for target, srcs in sources.items():
        cpt = ctx._compartment(target)
        cpt << (srcs[0] if len(srcs) == 1 else summation(*srcs))
    for target, src in inner:
        target << src
    ctx.command("advance", [c for k in order for c in members[k]])
    ctx.nir_inputs = {k: f"{names[k]}.inputs" for k, v in nodes.items() if type(v).__name__ == "Input"}
    ctx.nir_outputs = outputs
    return ctx
