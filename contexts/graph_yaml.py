"""YAML model graphs: read (with includes and overrides), check with line-precise errors, build, write.

A model file is the graph of :mod:`contexts.graph` written in YAML (``docs/yaml_models.md``)::

    name: stdp_demo
    dt: 1.0                      # ms
    components:
      z0: {type: PoissonCell, n_units: 64}
      W:  {type: TraceSTDPSynapse, shape: [64, 100], A_plus: 1e-2, A_minus: 1e-3}
    wires:
      - W.inputs << z0.outputs
    commands:
      advance: [z0, W]

Only plain YAML is read (a ``yaml.SafeLoader`` subclass: no tags, no ``eval``); the one difference
from ``yaml.safe_load`` is that ``1e-2`` reads as the number 0.01 (YAML 1.1 would make it a string).
A file's cost is bounded before anything walks it: at most :data:`MAX_FILE_BYTES` of UTF-8 text, at
most :data:`MAX_NODES` values once aliases are expanded (an "alias bomb" is refused in time linear in
the file), nesting at most :data:`MAX_DEPTH` deep, no recursive aliases; and a model's state must fit
in :func:`memory_limit` (see :func:`check_memory`).
"""

from __future__ import annotations

import copy
import os
import re
import stat
from pathlib import Path
from typing import Any, Iterable

import numpy as np
import yaml

from .errors import ModelFileError, SynapticaError
from .graph import CONTEXT_KEYS, to_graph
from .schema import (
    Location,
    Locations,
    check_components,
    check_references,
    check_structure,
    located,
    node_locations,
)
from .wiring import Source, Term


# -- reading ---------------------------------------------------------------------------------------------
class SafeLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` that also reads ``1e-2`` / ``5E3`` as floats (YAML 1.2 style)."""


_FLOAT_RE = re.compile(r"^[-+]?(?:(?:[0-9][0-9_]*)(?:\.[0-9_]*)?|\.[0-9_]+)[eE][-+]?[0-9]+$")
SafeLoader.add_implicit_resolver("tag:yaml.org,2002:float", _FLOAT_RE, list("-+0123456789."))


def parse_value(text: str) -> Any:
    """A value as written after ``--set key=`` (YAML: ``2e-2``, ``[64, 100]``, ``{dist: uniform}``)."""
    return _compose(text, "--set value")[0]  # the same limits as a file (no alias bombs)


MAX_FILE_BYTES = 8 * 2**20  # a model file larger than this is refused unread
MAX_NODES = 200_000  # YAML values (keys, scalars, lists, mappings) after expanding aliases
MAX_DEPTH = 64  # nesting of lists and mappings


def _file_error(file: str, line: int | None, message: str) -> ModelFileError:
    err = ModelFileError(f"{Location(file, line)}: {message}")
    err.file, err.line, err.key = file, line, None
    return err


def _children(node: yaml.Node) -> list:
    if isinstance(node, yaml.MappingNode):
        return [x for kv in node.value for x in kv]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _check_size(root: yaml.Node, file: str) -> None:
    """Refuse documents that would be huge once aliases are expanded, recursive, or too deep.

    Sizes are computed once per distinct node (memoised by identity), so a billion-value alias bomb
    costs as much as its few dozen lines. Iterative: no Python recursion on deep input."""
    sizes: dict[int, int] = {}
    active: set[int] = set()  # the nodes on the path from the root: a repeat is a recursive alias
    stack: list = [(root, 0, False)]
    while stack:
        node, depth, done = stack.pop()
        nid = id(node)
        if done:
            active.discard(nid)
            sizes[nid] = 1 + sum(sizes[id(c)] for c in _children(node))
            if sizes[nid] > MAX_NODES:
                raise _file_error(file, node.start_mark.line + 1,
                                  f"this value expands to more than {MAX_NODES:,} YAML values (aliases "
                                  f"`*name` repeat their anchor `&name`); a model file is never that large. "
                                  f"Write the values out, or use fewer nested aliases")
            continue
        if nid in sizes:
            continue
        if nid in active:
            raise _file_error(file, node.start_mark.line + 1,
                              "recursive alias: this value contains itself; write it out without the alias")
        if depth > MAX_DEPTH:
            raise _file_error(file, node.start_mark.line + 1,
                              f"values nested more than {MAX_DEPTH} deep; a model file needs a few levels")
        active.add(nid)
        stack.append((node, depth, True))
        stack.extend((c, depth + 1, False) for c in _children(node))


def _compose(text: str, file: str) -> tuple[Any, Locations]:
    try:
        loader = SafeLoader(text)
    except yaml.YAMLError as e:  # the reader refuses control characters up front
        raise _file_error(file, None, f"YAML error: {' '.join(str(e).split())}") from e
    try:
        try:
            node = loader.get_single_node()
        except RecursionError as e:
            raise _file_error(file, None, f"values nested too deeply to read (more than {MAX_DEPTH} levels "
                                          "are refused)") from e
        if node is not None:
            _check_size(node, file)
            _check_duplicate_keys(node, file)
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line = mark.line + 1 if mark is not None else None
        what = " ".join(str(p) for p in (e.context, e.problem) if p)
        err = ModelFileError(f"{Location(file, line)}: YAML syntax error: {what}")
        err.file, err.line, err.key = file, line, None
        raise err from e
    except yaml.YAMLError as e:
        err = ModelFileError(f"{file}: YAML error: {e}")
        err.file, err.line, err.key = file, None, None
        raise err from e
    finally:
        loader.dispose()
    return data, node_locations(node, file)


def _check_duplicate_keys(root: yaml.Node, file: str) -> None:
    visited: set[int] = set()  # an aliased node is checked once, however often it is used
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in visited:
            continue
        visited.add(id(node))
        if isinstance(node, yaml.MappingNode):
            seen: dict = {}
            for k, _ in node.value:
                if isinstance(k, yaml.ScalarNode):
                    if k.value in seen:
                        line = k.start_mark.line + 1
                        err = ModelFileError(f"{file}:{line}: {k.value}: duplicate key (first on line "
                                             f"{seen[k.value]}); YAML would silently keep only the last one")
                        err.file, err.line, err.key = file, line, k.value
                        raise err
                    seen[k.value] = k.start_mark.line + 1
        stack.extend(_children(node))


def _merge(base: Any, over: Any, base_locs: Locations, over_locs: Locations, path: tuple) -> Any:
    """``over`` on top of ``base``: mappings merge key by key (``null`` deletes a component), other
    values replace, and ``wires`` are merged by target (a wire into the same target replaces)."""
    if path == ("wires",) and isinstance(base, list) and isinstance(over, list):
        def target(w: Any) -> Any:
            return w.split("<<")[0].strip() if isinstance(w, str) else None

        merged = [(w, base_locs.of(path + (i,))) for i, w in enumerate(base)]
        for j, w in enumerate(over):
            loc = over_locs.of(path + (j,))
            hit = [i for i, (b, _) in enumerate(merged) if target(w) is not None and target(b) == target(w)]
            if hit:
                merged[hit[0]] = (w, loc)
            else:
                merged.append((w, loc))
        for k in [k for k in base_locs if k[:1] == path]:
            del base_locs[k]
        base_locs[path] = over_locs.of(path)
        for i, (_, loc) in enumerate(merged):
            base_locs[path + (i,)] = loc
        return [w for w, _ in merged]
    if isinstance(base, dict) and isinstance(over, dict):
        out = dict(base)
        for k, v in over.items():
            sub = path + (k,)
            if v is None and path == ("components",):
                out.pop(k, None)
                continue
            if k in out:
                out[k] = _merge(out[k], v, base_locs, over_locs, sub)
            else:
                out[k] = v
                _take_locs(base_locs, over_locs, sub)
        return out
    _take_locs(base_locs, over_locs, path)
    return over


def _take_locs(dst: Locations, src: Locations, prefix: tuple) -> None:
    n = len(prefix)
    for k in [k for k in dst if k[:n] == prefix]:
        del dst[k]
    dst.update({k: v for k, v in src.items() if k[:n] == prefix})


def read_text(path: str | os.PathLike, what: str = "model file") -> str:
    """A regular file's UTF-8 text, at most :data:`MAX_FILE_BYTES` (a FIFO or device is refused, not
    read: it could block forever)."""
    file = str(path)
    try:
        st = os.stat(path)
        if not stat.S_ISREG(st.st_mode):
            kind = "a folder" if stat.S_ISDIR(st.st_mode) else "not a regular file (a pipe, device or socket)"
            raise ModelFileError(f"{file}: the {what} is {kind}; pass a .yaml file")
        if st.st_size > MAX_FILE_BYTES:
            raise ModelFileError(f"{file}: the {what} is {st.st_size:,} bytes; more than {MAX_FILE_BYTES:,} "
                                 f"is refused (a model file is text of a few kB; arrays belong in an .npz)")
        raw = Path(path).read_bytes()
    except OSError as e:
        raise ModelFileError(f"cannot read {what} {file}: {e.strerror or e}") from e
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = raw[:e.start].count(b"\n") + 1
        raise _file_error(file, line, f"the {what} is not UTF-8 text (byte 0x{raw[e.start]:02x} at offset "
                                      f"{e.start}); save it with UTF-8 encoding") from e


def _read(path: Path, stack: tuple = ()) -> tuple[Any, Locations]:
    file = str(path)
    data, locs = _compose(read_text(path), file)
    if not isinstance(data, dict) or "include" not in data:
        return data, locs
    includes = data["include"]
    includes = [includes] if isinstance(includes, str) else includes
    if not isinstance(includes, list) or not all(isinstance(i, str) for i in includes):
        raise located(locs, ("include",), "include is a file name or a list of file names")
    merged: Any = {}
    merged_locs = Locations({(): locs[()]})
    for i, inc in enumerate(includes):
        inc_path = (path.parent / inc).resolve()
        where = ("include",) if isinstance(data["include"], str) else ("include", i)
        if inc_path in stack or inc_path == path.resolve():
            raise located(locs, where, f"include cycle: {' -> '.join(str(p) for p in stack + (path.resolve(),))} "
                                       f"-> {inc_path}")
        if not inc_path.exists():
            raise located(locs, where, f"included file {inc_path} does not exist")
        sub, sub_locs = _read(inc_path, stack + (path.resolve(),))
        if not isinstance(sub, dict):
            raise located(sub_locs, (), "an included model file must be a mapping")
        sub.pop("include", None)
        merged = _merge(merged, sub, merged_locs, sub_locs, ())
    own = {k: v for k, v in data.items() if k != "include"}
    merged = _merge(merged, own, merged_locs, locs, ())
    removed = [k for k, v in (own.get("components") or {}).items() if v is None] \
        if isinstance(own.get("components"), dict) else []
    if removed:
        _drop_components(merged, merged_locs, set(removed))
    return merged, merged_locs


def _drop_components(graph: dict, locs: Locations, removed: set) -> None:
    """A component deleted with ``name: null`` also leaves the included wires and commands."""
    from .wiring import parse_wire

    def mentions(w: Any) -> bool:
        try:
            tc, _, terms = parse_wire(w)
        except (ValueError, TypeError):
            return False
        return tc in removed or any(t[0] in removed for t in terms)

    if isinstance(graph.get("wires"), list):
        keep = [(w, locs.of(("wires", i))) for i, w in enumerate(graph["wires"]) if not mentions(w)]
        for k in [k for k in locs if k[:1] == ("wires",) and len(k) > 1]:
            del locs[k]
        graph["wires"] = [w for w, _ in keep]
        locs.update({("wires", i): loc for i, (_, loc) in enumerate(keep)})
    for name, spec in (graph.get("commands") or {}).items():
        names = spec.get("components") if isinstance(spec, dict) else spec
        if isinstance(names, list) and any(n in removed for n in names):
            kept = [n for n in names if n not in removed]
            if isinstance(spec, dict):
                spec["components"] = kept
            else:
                graph["commands"][name] = kept


def apply_overrides(graph: dict, locs: Locations, overrides: dict[str, Any] | None) -> dict:
    """``{"W.A_plus": 2e-2, "steps": 500, "run.commands": [...]}`` on top of the graph."""
    if not overrides or not isinstance(graph, dict):
        return graph  # a file that is not a mapping is reported by the schema check
    graph = copy.deepcopy(graph)
    comps = graph.get("components") if isinstance(graph.get("components"), dict) else {}
    for key, value in overrides.items():
        parts = str(key).split(".")
        loc = Location(f"override {key}={value!r}")
        if len(parts) == 2 and parts[0] in comps:
            if not isinstance(comps[parts[0]], dict):
                continue  # the schema check reports the broken component
            comps[parts[0]][parts[1]] = value
            path: tuple = ("components", parts[0], parts[1])
        elif len(parts) == 1:
            graph[parts[0]] = value
            path = (parts[0],)
        elif len(parts) == 2 and isinstance(graph.get(parts[0]), dict):
            graph[parts[0]][parts[1]] = value
            path = (parts[0], parts[1])
        elif len(parts) == 2 and parts[0] == "run":
            graph["run"] = {parts[1]: value}
            path = ("run", parts[1])
        else:
            err = ModelFileError(f"{loc}: {key}: overrides are `component.parameter`, a top-level key "
                                 f"(`steps`, `dt`, `seed`, ...) or `run.<key>`; there is no component "
                                 f"'{parts[0]}' (components: {', '.join(comps)})")
            err.file, err.line, err.key = loc.file, None, key
            raise err
        for k in [k for k in locs if k[:len(path)] == path]:
            del locs[k]
        locs[path] = loc
    return graph


def read_graph(path: str | os.PathLike, overrides: dict[str, Any] | None = None) -> tuple[dict, Locations]:
    """The checked graph of a model file (includes merged, overrides applied) and its key locations."""
    graph, locs = _read(Path(path))
    graph = apply_overrides(graph if graph is not None else {}, locs, overrides)
    check_structure(graph, locs)
    return graph, locs


def read_graph_string(text: str, overrides: dict[str, Any] | None = None,
                      filename: str = "<string>") -> tuple[dict, Locations]:
    graph, locs = _compose(text, filename)
    if isinstance(graph, dict) and "include" in graph:
        raise located(locs, ("include",), "include needs a file: use load_model(path) to resolve it")
    graph = apply_overrides(graph if graph is not None else {}, locs, overrides)
    check_structure(graph, locs)
    return graph, locs


# -- building ---------------------------------------------------------------------------------------------
_RUN_ONLY = ("steps", "run", "format", "include")


def memory_limit() -> int:
    """Bytes a model's state may take: ``$SYNAPTICA_MAX_MEMORY`` (``64G``, ``512M``, or bytes) if set,
    else half of the machine's physical memory."""
    env = os.environ.get("SYNAPTICA_MAX_MEMORY", "").strip()
    if env:
        m = re.fullmatch(r"(\d+(?:\.\d+)?)\s*([KMGT]?)i?B?", env, re.IGNORECASE)
        if m:
            return int(float(m.group(1)) * 1024 ** " KMGT".index(m.group(2).upper() or " "))
    try:
        return int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")) // 2
    except (ValueError, OSError, AttributeError):  # pragma: no cover - not POSIX
        return 8 * 2**30


def state_bytes(ctx: Any) -> tuple[int, list[tuple[int, str]]]:
    """Bytes of every compartment array (batch axis and dtype included), and the largest ones."""
    sizes = []
    for comp in ctx._components.values():
        for cpt in comp._compartments.values():
            shape = cpt.full_shape(ctx.batch_size)
            if any(d < 0 for d in shape):
                raise ModelFileError(f"{cpt.path} would have the negative shape {shape}; sizes are >= 0")
            sizes.append((int(np.prod(shape, dtype=object)) * np.dtype(cpt.resolved_dtype(ctx.dtype)).itemsize,
                          cpt.path))
    return sum(n for n, _ in sizes), sorted(sizes, reverse=True)[:3]


def _gb(n: float) -> str:
    return f"{n / 2**30:,.3g} GiB" if n >= 2**28 else f"{n / 2**20:,.3g} MiB"


def check_memory(ctx: Any, extra: int = 0, what: str = "", max_memory: int | None = None) -> int:
    """Refuse a model whose state (plus ``extra`` bytes, e.g. records) cannot fit in memory.

    Estimate: sum over compartments of prod(shape) x batch (batched ones) x dtype bytes. Limit:
    ``max_memory`` bytes, else :func:`memory_limit`. Returns the estimate."""
    total, largest = state_bytes(ctx)
    limit = memory_limit() if max_memory is None else int(max_memory)
    if total + extra > limit:
        big = ", ".join(f"{p} {_gb(n)}" for n, p in largest)
        more = f" + {what} {_gb(extra)}" if extra else ""
        raise ModelFileError(f"model '{ctx.name}' needs about {_gb(total)} of state ({big}){more}, more than the "
                             f"limit of {_gb(limit)} (half the physical memory, or $SYNAPTICA_MAX_MEMORY). "
                             f"Use smaller sizes or batch_size, or raise the limit: SYNAPTICA_MAX_MEMORY=64G")
    return total + extra


def build(graph: dict, locs: Locations, validate: bool = True, allow_import: Iterable[str] = (),
          arrays: dict | None = None, max_memory: int | None = None) -> Any:
    """A Context from a checked graph; every engine error comes back located in the file.

    ``allow_import``: top-level packages whose ``"module:Class"`` types may be imported (see
    :func:`contexts.registry.lookup`); ``arrays``: the ``.npz`` of a save (array arguments);
    ``max_memory``: bytes the state may take (default :func:`memory_limit`)."""
    from .context import Context
    from .graph import _restore_arrays

    classes = check_components(graph, locs, allow_import)
    parsed_wires = check_references(graph, locs)
    kwargs = {k: graph[k] for k in CONTEXT_KEYS if k in graph}
    try:
        ctx = Context(**kwargs)
    except SynapticaError as e:
        bad = next((k for k in kwargs if k in str(e)), None)
        raise located(locs, (bad,) if bad else (), str(e), e) from e
    with ctx:
        for cname, spec in (graph.get("components") or {}).items():
            args = {k: v for k, v in spec.items() if k != "type"}
            try:
                classes[cname](cname, **_restore_arrays(args, arrays))
            except Exception as e:  # a constructor refusing its arguments, however it says so
                bad = next((k for k in args if re.search(rf"\b{re.escape(k)}\b", str(e))), None)
                path = ("components", cname) + ((bad,) if bad else ())
                what = str(e) if isinstance(e, (SynapticaError, TypeError, ValueError)) else \
                    f"{type(e).__name__}: {e}"
                raise located(locs, path, f"{cname} ({spec['type']}): {what}",
                              e if isinstance(e, SynapticaError) else None) from e
    try:
        check_memory(ctx, max_memory=max_memory)
    except ModelFileError as e:
        raise located(locs, ("components",), str(e)) from e
    for i, (tc, tn, terms) in enumerate(parsed_wires):
        try:
            target = ctx._compartment(f"{tc}.{tn}")
            parts = tuple(Term(ctx._compartment(f"{c}.{n}"), scale, delayed) for c, n, scale, delayed in terms)
            ctx.wire(target, Source(parts))
        except SynapticaError as e:
            raise located(locs, ("wires", i), f"{graph['wires'][i]}: {e}", e) from e
    for name, spec in (graph.get("commands") or {}).items():
        names, base = (spec["components"], (name, "components")) if isinstance(spec, dict) else (spec, (name,))
        method = spec.get("method") if isinstance(spec, dict) else None
        try:
            ctx.command(name, [ctx._components[c] for c in names], method=method)
        except SynapticaError as e:
            idx = next((i for i, c in enumerate(names) if f"but {c} (" in str(e)), None)
            path = ("commands",) + base + ((idx,) if idx is not None else ())
            raise located(locs, path, str(e), e) from e
    from .compartment import Compartment

    for i, ref in enumerate(graph.get("clamped") or []):
        try:
            cpt = ctx._compartment(ref)
        except SynapticaError as e:
            raise located(locs, ("clamped", i), str(e), e) from e
        if not isinstance(cpt, Compartment) or cpt.kind != "input":
            raise located(locs, ("clamped", i), f"'{ref}' is not an input compartment; `clamped` lists inputs "
                                                "fed by data, such as z0.inputs")
        ctx._clamped.add(cpt.path)
    if validate and ctx._commands:
        check_compiles(ctx, graph, locs)
    return ctx


def check_compiles(ctx: Any, graph: dict, locs: Locations) -> None:
    """Run the engine's compile-time checks (orders, cycles, step shapes) with every input counted as
    fed (data may come at run time), and point errors at the wire or command that causes them."""
    fed = [c.path for comp in ctx._components.values() for c in comp._compartments.values() if c.kind == "input"]
    try:
        ctx.validate(fed=fed)
    except SynapticaError as e:
        raise located(locs, error_path(str(e), graph), str(e), e) from e
    except Exception as e:  # a step function that cannot run with these parameters (JAX overflow, ...)
        what = " ".join(f"{type(e).__name__}: {e}".split())[:300]
        raise located(locs, ("components",), f"a component's step function fails with these parameters "
                                             f"({what}); check the values in the file") from e


def error_path(message: str, graph: dict) -> tuple:
    """The key of the graph an engine message is about: the wire, command or component it names."""
    wires = graph.get("wires") or []
    m = re.search(r"through (\w+\.\w+) <<", message)
    if m:
        for i, w in enumerate(wires):
            if isinstance(w, str) and w.split("<<")[0].strip() == m.group(1):
                return ("wires", i)
    m = re.search(r"command '(\w+)'", message)
    if m and m.group(1) in (graph.get("commands") or {}):
        return ("commands", m.group(1))
    m = re.search(r"component\(s\) (\w+)", message) or re.match(r"^(\w+)\.\w+", message)
    if m and m.group(1) in (graph.get("components") or {}):
        return ("components", m.group(1))
    return ()


def load_model(path: str | os.PathLike, overrides: dict[str, Any] | None = None, validate: bool = True,
               allow_import: Iterable[str] = (), max_memory: int | None = None) -> Any:
    """Build a Context from a YAML model file.

    Args:
        path: the ``.yaml`` file; ``include:`` files are found relative to it.
        overrides: ``{"W.A_plus": 2e-2, "dt": 0.5}``: a component's parameter or a top-level key.
        validate: also run the compile-time checks (orders, cycles) now, pointing at the file.
        allow_import: packages (``["mypkg"]``) whose ``type: "mypkg.cells:MyCell"`` may be imported;
            a model file never imports code without this.
        max_memory: bytes the model's state may take (default: half the physical memory).
    Raises:
        ModelFileError: ``file:line: key: what is wrong and how to fix it``.
    """
    graph, locs = read_graph(path, overrides)
    return build(graph, locs, validate=validate, allow_import=allow_import, max_memory=max_memory)


def load_model_string(text: str, overrides: dict[str, Any] | None = None, filename: str = "<string>",
                      validate: bool = True, allow_import: Iterable[str] = (),
                      max_memory: int | None = None) -> Any:
    """:func:`load_model` for YAML text (no ``include``)."""
    if len(text) > MAX_FILE_BYTES:
        raise ModelFileError(f"{filename}: {len(text):,} characters; more than {MAX_FILE_BYTES:,} is refused")
    graph, locs = read_graph_string(text, overrides, filename)
    return build(graph, locs, validate=validate, allow_import=allow_import, max_memory=max_memory)


# -- writing ----------------------------------------------------------------------------------------------
class _Dumper(yaml.SafeDumper):
    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)  # indent list items under their key


class _Flow(dict):
    pass


class _FlowList(list):
    pass


_Dumper.add_representer(_Flow, lambda d, data: d.represent_mapping("tag:yaml.org,2002:map", list(data.items()),
                                                                   flow_style=True))
_Dumper.add_representer(_FlowList, lambda d, data: d.represent_sequence("tag:yaml.org,2002:seq", list(data),
                                                                        flow_style=True))
_Dumper.add_representer(tuple, lambda d, data: d.represent_sequence("tag:yaml.org,2002:seq", list(data)))
_DEFAULTS = {"dtype": "float32", "check_finite": False, "clock_command": "advance"}


def graph_to_yaml(graph: dict) -> str:
    """A graph dict as a readable model file: one line per component, wire and command."""
    out: dict[str, Any] = {}
    for k in CONTEXT_KEYS:
        if k in graph and not (k in _DEFAULTS and graph[k] == _DEFAULTS[k]):
            out[k] = graph[k]
    for k in ("steps", "run"):
        if k in graph:
            out[k] = graph[k]
    out["components"] = {n: _Flow({"type": s["type"], **{k: v for k, v in s.items() if k != "type"}})
                         for n, s in (graph.get("components") or {}).items()}
    out["wires"] = list(graph.get("wires") or [])
    out["commands"] = {n: (_FlowList(c) if isinstance(c, list) else _Flow(c))
                       for n, c in (graph.get("commands") or {}).items()}
    if graph.get("clamped"):
        out["clamped"] = _FlowList(graph["clamped"])
    return yaml.dump(out, Dumper=_Dumper, sort_keys=False, default_flow_style=False, width=10**6, allow_unicode=True)


def to_yaml(ctx: Any) -> str:
    """The model file of a Context (``load_model_string(to_yaml(ctx))`` rebuilds the same graph).

    Classes from outside synaptica's ``components`` (and not from an entry point) are written as
    ``module:Class``; a fresh process loads the file once that module is imported or allowed
    (``load_model(..., allow_import=["pkg"])``). Constructor arguments that are arrays
    cannot be written to YAML: use ``ctx.save(dir)``."""
    from .registry import type_name

    graph = to_graph(ctx)
    for name, spec in graph["components"].items():
        spec["type"] = type_name(type(ctx._components[name]))
    return graph_to_yaml(graph)


__all__ = ["MAX_DEPTH", "MAX_FILE_BYTES", "MAX_NODES", "SafeLoader", "apply_overrides", "build", "check_memory",
           "graph_to_yaml", "load_model", "load_model_string", "memory_limit", "parse_value", "read_graph",
           "read_graph_string", "read_text", "state_bytes", "to_yaml"]
