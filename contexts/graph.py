"""A Context as a plain dict (the model graph) and back. YAML files and saves build on this.

Graph form::

    {"name": ..., "dt": ..., "seed": ..., "batch_size": ..., "dtype": ..., "clock_command": ...,
     "components": {name: {"type": TypeName, **constructor arguments}},
     "wires": ["z1.j << W.outputs", "z1.j << sum(W.outputs, -0.5 * Inh.outputs)", ...],
     "commands": {name: [component, ...]  or  {"components": [...], "method": name}},
     "clamped": ["z0.inputs", ...]}
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .component import as_array_config
from .errors import ContextError, ModelFileError
from .wiring import Source, Term, parse_wire

CONTEXT_KEYS = ("name", "dt", "seed", "batch_size", "dtype", "check_finite", "clock_command")
ARRAY_TAG = "__array__"


def _plain(value: Any, where: str, arrays: dict | None) -> Any:
    """Constructor arguments as YAML-safe data; arrays go to ``arrays`` (the .npz) when given."""
    if isinstance(value, (bool, int, float, str)) or value is None:
        return value
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (list, tuple)):
        return [_plain(v, f"{where}[{i}]", arrays) for i, v in enumerate(value)]
    if isinstance(value, dict):
        return {str(k): _plain(v, f"{where}.{k}", arrays) for k, v in value.items()}
    if as_array_config(value):
        if arrays is None:
            raise ContextError(f"{where} is an array, which a YAML graph cannot hold; use ctx.save(dir) "
                               "(arrays go to the .npz) or pass a spec such as {dist: uniform, ...}")
        arrays[f"config/{where}"] = np.asarray(value)
        return {ARRAY_TAG: f"config/{where}"}
    raise ContextError(f"{where} = {value!r} cannot be written to a model graph; use numbers, "
                       "strings, lists or dicts")


def to_graph(ctx: Any, arrays: dict | None = None) -> dict:
    graph: dict[str, Any] = {k: getattr(ctx, k) for k in CONTEXT_KEYS}
    graph["components"] = {
        name: {"type": type(comp).__name__, **{k: _plain(v, f"{name}.{k}", arrays) for k, v in comp._config.items()}}
        for name, comp in ctx._components.items()}
    graph["wires"] = [f"{target} << {src.to_str()}" for target, src in ctx._wires.items()]
    commands: dict[str, Any] = {}
    for name, cmd in ctx._commands.items():
        comps = [c.name for c in cmd.components]
        from .context import DEFAULT_METHODS

        default = DEFAULT_METHODS.get(name, name)
        commands[name] = comps if cmd.method == default else {"components": comps, "method": cmd.method}
    graph["commands"] = commands
    graph["clamped"] = sorted(ctx._clamped)
    return graph


def _restore_arrays(value: Any, arrays: dict | None) -> Any:
    if isinstance(value, dict):
        if set(value) == {ARRAY_TAG}:
            if arrays is None or value[ARRAY_TAG] not in arrays:
                raise ModelFileError(f"the graph refers to array {value[ARRAY_TAG]!r}, which is not in the .npz")
            return np.asarray(arrays[value[ARRAY_TAG]])
        return {k: _restore_arrays(v, arrays) for k, v in value.items()}
    if isinstance(value, list):
        return [_restore_arrays(v, arrays) for v in value]
    return value


def build_wire(ctx: Any, text: str) -> None:
    """Apply one wire written as text (``"z1.j << sum(W.outputs, -0.5 * I.outputs)"``)."""
    target_comp, target_name, terms = parse_wire(text)
    target = ctx._compartment(f"{target_comp}.{target_name}")
    parts = []
    for comp, name, scale, delayed in terms:
        parts.append(Term(ctx._compartment(f"{comp}.{name}"), scale, delayed))
    ctx.wire(target, Source(tuple(parts)))


def from_graph(graph: dict, arrays: dict | None = None) -> Any:
    """Build a Context from a graph dict (see the module docstring)."""
    from .context import Context
    from .registry import lookup

    kwargs = {k: graph[k] for k in CONTEXT_KEYS if k in graph}
    ctx = Context(**kwargs)
    with ctx:
        for name, spec in (graph.get("components") or {}).items():
            spec = dict(spec)
            cls = lookup(spec.pop("type"))
            cls(name, **_restore_arrays(spec, arrays))
    for text in graph.get("wires") or []:
        build_wire(ctx, text)
    for name, spec in (graph.get("commands") or {}).items():
        if isinstance(spec, dict):
            ctx.command(name, [ctx._components[c] for c in spec["components"]], method=spec.get("method"))
        else:
            ctx.command(name, [ctx._components[c] for c in spec])
    ctx._clamped.update(graph.get("clamped") or [])
    return ctx
