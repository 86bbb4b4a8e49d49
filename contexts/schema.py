"""The YAML model file: its schema, where every key sits in the file, and the checks that say so.

:data:`SCHEMA` describes the file in JSON-Schema terms (a small subset: ``type``, ``enum``,
``minimum``, ``maximum``, ``exclusiveMinimum``, ``pattern``, ``properties``, ``required``,
``additionalProperties``, ``propertyNames``, ``items``, ``oneOf``). :func:`check_structure`
validates a loaded graph against it; :func:`check_components` checks each component's ``type``
against the registry and its parameters against the class's constructor signature.

Every error is a :class:`~contexts.errors.ModelFileError` whose message starts with
``file:line: key:`` (the error also carries ``.file``, ``.line`` and ``.key``). Errors the engine
raises while building (a wire into a missing compartment, a shape mismatch, an ambiguous order)
are re-raised by :func:`located` as an error that is both a ``ModelFileError`` and the original
class (``ShapeError``, ``WiringError``, ``ValidationError``), so either ``except`` catches it.
"""

from __future__ import annotations

import inspect
import math
import numbers
import re
from dataclasses import dataclass
from typing import Any, Iterable

import yaml

from .errors import ModelFileError, SynapticaError
from .params import closest

IDENT = r"^[A-Za-z_][A-Za-z0-9_]*$"
_STR_LIST = {"type": "array", "items": {"type": "string"}}

SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "synaptica model graph",
    "type": "object",
    "properties": {
        "include": {"type": ["string", "array"], "items": {"type": "string"},
                    "description": "YAML file(s), relative to this one, merged first; this file overrides them"},
        "format": {"type": "integer", "description": "written by ctx.save(); ignored"},
        "name": {"type": "string"},
        "dt": {"type": "number", "exclusiveMinimum": 0, "description": "integration step (ms)"},
        "seed": {"type": "integer", "minimum": 0, "maximum": 2**32 - 1},
        "batch_size": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1},
        "dtype": {"enum": ["float32", "float64", "bfloat16", "float16"]},
        "check_finite": {"type": "boolean"},
        "clock_command": {"type": "string", "pattern": IDENT},
        "steps": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1,
                  "description": "default number of steps for `synaptica run`"},
        "components": {
            "type": "object",
            "propertyNames": {"pattern": IDENT},
            "additionalProperties": {
                "type": "object",
                "required": ["type"],
                "propertyNames": {"pattern": IDENT},
                "properties": {"type": {"type": "string",
                                        "description": "registered class name or 'module:Class'"}},
                "additionalProperties": True,
                "description": "constructor arguments of the class, checked against its signature",
            },
        },
        "wires": {"type": "array", "items": {"type": "string", "description": "target.compartment << source"}},
        "commands": {
            "type": "object",
            "propertyNames": {"pattern": IDENT},
            "additionalProperties": {"oneOf": [
                _STR_LIST,
                {"type": "object", "required": ["components"], "additionalProperties": False,
                 "properties": {"components": _STR_LIST, "method": {"type": "string", "pattern": IDENT}}},
            ]},
        },
        "clamped": _STR_LIST,
        "run": {
            "type": "object",
            "additionalProperties": False,
            "description": "defaults for `synaptica run`",
            "properties": {
                "steps": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1},
                "commands": _STR_LIST,
                "record": _STR_LIST,
                "data": {"type": "string", "description": ".npz of per-step inputs, relative to this file"},
                "out": {"type": "string"},
            },
        },
    },
    "additionalProperties": False,
}

_TYPE_NAMES = {"object": "a mapping", "array": "a list", "string": "a string", "integer": "an integer",
               "number": "a number", "boolean": "true or false", "null": "null"}


# -- where keys are ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Location:
    file: str
    line: int | None = None

    def __str__(self) -> str:
        return self.file if self.line is None else f"{self.file}:{self.line}"


Path_ = tuple  # a key path such as ("components", "W", "A_plus") or ("wires", 2)


class Locations(dict):
    """Key path -> :class:`Location`; :meth:`of` falls back to the nearest enclosing key."""

    def of(self, path: Path_) -> Location:
        for n in range(len(path), -1, -1):
            if tuple(path[:n]) in self:
                return self[tuple(path[:n])]
        return Location("<model>")


def node_locations(node: yaml.Node | None, file: str) -> Locations:
    """Where every key and list item of a composed YAML document starts (1-based lines)."""
    locs = Locations()
    if node is None:
        locs[()] = Location(file, 1)
        return locs

    def walk(n: yaml.Node, path: tuple) -> None:
        if isinstance(n, yaml.MappingNode):
            for k, v in n.value:
                key = k.value if isinstance(k, yaml.ScalarNode) else str(k.value)
                locs[path + (key,)] = Location(file, k.start_mark.line + 1)
                walk(v, path + (key,))
        elif isinstance(n, yaml.SequenceNode):
            for i, v in enumerate(n.value):
                locs[path + (i,)] = Location(file, v.start_mark.line + 1)
                walk(v, path + (i,))

    locs[()] = Location(file, node.start_mark.line + 1)
    walk(node, ())
    return locs


def key_str(path: Path_) -> str:
    out = ""
    for p in path:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out or "<top>"


_LOCATED: dict[type, type] = {}


def _error_class(cls: type) -> type:
    if cls is ModelFileError or not issubclass(cls, SynapticaError):
        return ModelFileError
    if cls not in _LOCATED:
        _LOCATED[cls] = type(cls.__name__, (ModelFileError, cls), {"__module__": cls.__module__,
                             "__doc__": f"{cls.__name__} raised while building a YAML model graph."})
    return _LOCATED[cls]


def located(locs: Locations, path: Path_, message: str, cause: BaseException | None = None) -> ModelFileError:
    """An error ``file:line: key: message``; it is also an instance of ``type(cause)`` when that is a
    synaptica error (``ShapeError``, ``WiringError``, ...)."""
    loc = locs.of(path)
    key = key_str(path)
    err = _error_class(type(cause) if cause is not None else ModelFileError)(f"{loc}: {key}: {message}")
    err.file, err.line, err.key = loc.file, loc.line, key
    err.reason = message
    return err


# -- structure ----------------------------------------------------------------------------------------
def _type_ok(value: Any, t: str) -> bool:
    if t == "object":
        return isinstance(value, dict)
    if t == "array":
        return isinstance(value, list)
    if t == "string":
        return isinstance(value, str)
    if t == "boolean":
        return isinstance(value, bool)
    if t == "integer":
        return isinstance(value, numbers.Integral) and not isinstance(value, bool)
    if t == "number":  # NaN and inf are no number a model file means (and pass every `> 0` test)
        return isinstance(value, numbers.Real) and not isinstance(value, bool) and math.isfinite(value)
    if t == "null":
        return value is None
    raise ValueError(f"schema type {t!r}")


def _describe(value: Any) -> str:
    kind = {dict: "a mapping", list: "a list", str: "a string", bool: "a boolean", int: "an integer",
            float: "a number", type(None): "null"}.get(type(value), type(value).__name__)
    if isinstance(value, float) and not math.isfinite(value):
        kind = "not a finite number"
    text = repr(value)
    return f"{text if len(text) < 40 else text[:37] + '...'} ({kind})"


def _closest(name: str, known: Iterable[str]) -> str:
    return closest(name, known)


def check_value(value: Any, schema: dict, path: Path_, locs: Locations) -> None:
    """Validate ``value`` against a (subset-of-JSON-Schema) ``schema``; raise at the first problem."""
    if "oneOf" in schema:
        fitting = [s for s in schema["oneOf"] if "type" not in s or _type_ok(value, s["type"])]
        if not fitting:
            kinds = " or ".join(_TYPE_NAMES[s["type"]] for s in schema["oneOf"])
            raise located(locs, path, f"expected {kinds}, got {_describe(value)}")
        check_value(value, fitting[0], path, locs)
        return
    types = schema.get("type")
    if types is not None:
        types = [types] if isinstance(types, str) else types
        if not any(_type_ok(value, t) for t in types):
            kinds = " or ".join(_TYPE_NAMES[t] for t in types)
            raise located(locs, path, f"expected {kinds}, got {_describe(value)}")
    if "enum" in schema and value not in schema["enum"]:
        raise located(locs, path, f"must be one of {', '.join(map(str, schema['enum']))}, got {_describe(value)}")
    if "minimum" in schema and value < schema["minimum"]:
        raise located(locs, path, f"must be >= {schema['minimum']}, got {value}")
    if "maximum" in schema and value > schema["maximum"]:
        raise located(locs, path, f"must be <= {schema['maximum']}, got {value}")
    if "exclusiveMinimum" in schema and value <= schema["exclusiveMinimum"]:
        raise located(locs, path, f"must be > {schema['exclusiveMinimum']}, got {value}")
    if "pattern" in schema and isinstance(value, str) and not re.match(schema["pattern"], value):
        raise located(locs, path, f"{value!r} must be an identifier (letters, digits, _; not starting with a digit)")
    if isinstance(value, dict):
        props = schema.get("properties", {})
        for req in schema.get("required", []):
            if req not in value:
                raise located(locs, path, f"missing required key '{req}'")
        names = schema.get("propertyNames")
        for k, v in value.items():
            if names is not None:
                if not isinstance(k, str):
                    raise located(locs, path + (str(k),), f"keys here must be names (strings), got {_describe(k)}")
                check_value(k, names, path + (k,), locs)
            if k in props:
                check_value(v, props[k], path + (k,), locs)
            else:
                extra = schema.get("additionalProperties", True)
                if extra is False:
                    raise located(locs, path + (k,), f"unknown key '{k}'.{_closest(str(k), props)} "
                                                     f"Allowed here: {', '.join(props)}")
                if isinstance(extra, dict):
                    check_value(v, extra, path + (k,), locs)
    if isinstance(value, list) and "items" in schema:
        for i, v in enumerate(value):
            check_value(v, schema["items"], path + (i,), locs)


def check_structure(graph: Any, locs: Locations) -> None:
    """The whole file against :data:`SCHEMA`."""
    if not isinstance(graph, dict):
        raise located(locs, (), f"a model file is a mapping with keys such as name, dt, components, wires, "
                                f"commands; got {_describe(graph)}")
    check_value(graph, SCHEMA, (), locs)


# -- components against their classes -------------------------------------------------------------------
@dataclass(frozen=True)
class ParamInfo:
    name: str
    required: bool
    default: Any
    annotation: str


def parameters(cls: type) -> tuple[dict[str, ParamInfo], bool]:
    """A component class's constructor parameters (without ``name``), following ``**kwargs`` up the
    MRO; the flag says whether arbitrary keywords are accepted."""
    params: dict[str, ParamInfo] = {}
    for klass in cls.__mro__:
        init = klass.__dict__.get("__init__")
        if init is None:
            continue
        try:
            sig = inspect.signature(init)
        except (TypeError, ValueError):
            return params, True
        var_kw = False
        for i, (pname, p) in enumerate(sig.parameters.items()):
            if i == 0 or pname == "name" or p.kind == p.VAR_POSITIONAL:
                continue
            if p.kind == p.VAR_KEYWORD:
                var_kw = True
                continue
            ann = p.annotation if isinstance(p.annotation, str) else getattr(p.annotation, "__name__", "")
            ann = "" if p.annotation is inspect.Parameter.empty else str(ann)
            params.setdefault(pname, ParamInfo(pname, p.default is p.empty, p.default, ann))
        if not var_kw:
            return params, False
        if klass.__name__ == "Component" and klass.__module__ == "contexts.component":
            break
    return params, True


def check_param_value(cname: str, tname: str, info: ParamInfo, value: Any, path: Path_, locs: Locations,
                      cls: type | None = None) -> None:
    """The value against the parameter's rule (:mod:`contexts.params`, the same check the constructor
    runs), located at its line in the file."""
    from .params import ParameterError, check_parameter

    if cls is None:
        from .registry import lookup

        cls = lookup(tname)
    try:
        check_parameter(cls, cname, info.name, value, info.annotation or None)
    except ParameterError as e:  # the message already names the class and the component
        raise located(locs, path, str(e), e) from e


_FLOAT32_MAX = 3.4028234663852886e38  # beyond it a float32 model would hold inf


def _first_nonfinite(value: Any, path: Path_) -> Path_ | None:
    """The key path of the first NaN/inf (or a number beyond float32's range, which becomes inf in
    the model) inside a parameter value (lists and mappings included)."""
    stack = [(value, path)]
    while stack:
        v, p = stack.pop()
        if isinstance(v, numbers.Real) and not isinstance(v, bool) and not abs(v) <= _FLOAT32_MAX:
            return p
        if isinstance(v, numbers.Integral) and not isinstance(v, bool) and not -2**31 <= v < 2**31:
            return p  # JAX's int32 would overflow
        if isinstance(v, dict):
            stack.extend((x, p + (str(k),)) for k, x in v.items())
        elif isinstance(v, list):
            stack.extend((x, p + (i,)) for i, x in enumerate(v))
    return None


def check_components(graph: dict, locs: Locations, allow_import: Iterable[str] = ()) -> dict[str, type]:
    """Resolve every component's ``type`` and check its parameters; returns name -> class.

    ``allow_import``: packages whose ``"module:Class"`` types may be imported (see ``registry.lookup``)."""
    from .graph import ARRAY_TAG
    from .registry import lookup

    classes: dict[str, type] = {}
    for cname, spec in (graph.get("components") or {}).items():
        tname = spec["type"]
        try:
            cls = lookup(tname, allow_import)
        except ModelFileError as e:
            raise located(locs, ("components", cname, "type"), f"{cname}: {e}") from e
        params, open_kw = parameters(cls)
        for pname, value in spec.items():
            if pname == "type" or (isinstance(value, dict) and set(value) == {ARRAY_TAG}):
                continue  # an array of a saved model, checked against the graph on load
            bad = _first_nonfinite(value, ("components", cname, pname))
            if bad is not None:
                raise located(locs, bad, f"{cname} ({tname}) parameter '{pname}' holds NaN, inf, a number "
                                         "beyond 3.4e38 (float32) or an integer beyond 2**31 (int32); write a "
                                         "finite number in range (a large one as a float: 3e9)")
            if pname not in params:
                if open_kw:
                    continue
                valid = ", ".join(f"{p.name}" + ("" if p.required else f"={p.default!r}") for p in params.values())
                raise located(locs, ("components", cname, pname),
                              f"{cname} ({tname}) has no parameter '{pname}'.{_closest(pname, params)} "
                              f"Valid parameters: {valid or 'none'}")
            check_param_value(cname, tname, params[pname], value, ("components", cname, pname), locs, cls)
        missing = [p.name for p in params.values() if p.required and p.name not in spec]
        if missing:
            raise located(locs, ("components", cname),
                          f"{cname} ({tname}) needs parameter(s) {', '.join(missing)}")
        classes[cname] = cls
    return classes


def check_references(graph: dict, locs: Locations) -> list[tuple[str, str, list]]:
    """Parse every wire and check that wires and commands name existing components."""
    from .wiring import parse_wire

    comps = graph.get("components") or {}
    parsed = []
    for i, text in enumerate(graph.get("wires") or []):
        try:
            target_comp, target_name, terms = parse_wire(text)
        except ValueError as e:
            raise located(locs, ("wires", i), str(e)) from e
        for comp in [target_comp] + [t[0] for t in terms]:
            if comp not in comps:
                raise located(locs, ("wires", i), f"wire {text!r} names component '{comp}', which is not "
                                                  f"declared.{_closest(comp, comps)} Components: {', '.join(comps)}")
        parsed.append((target_comp, target_name, terms))
    for cmd, spec in (graph.get("commands") or {}).items():
        names, base = (spec["components"], (cmd, "components")) if isinstance(spec, dict) else (spec, (cmd,))
        for i, comp in enumerate(names):
            if comp not in comps:
                raise located(locs, ("commands",) + base + (i,),
                              f"command '{cmd}' lists '{comp}', which is not a component.{_closest(comp, comps)} "
                              f"Components: {', '.join(comps)}")
    for i, ref in enumerate(graph.get("clamped") or []):
        if ref.partition(".")[0] not in comps:
            raise located(locs, ("clamped", i), f"'{ref}' names no declared component")
    return parsed
