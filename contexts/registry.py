"""Component registry: ``type`` names in model graphs -> classes.

Every subclass of :class:`~contexts.component.Component` registers itself under its class name
(names starting with ``_`` are private and not registered). Third-party packages add theirs through
the entry-point group ``synaptica.components``::

    [project.entry-points."synaptica.components"]
    MyCell = "mypkg.cells:MyCell"

Entry points are loaded lazily, when their name is looked up (a broken plugin does not break the
others), and never shadow a built-in class.

A graph may also name a class as ``"module:Class"``, but a model file never imports code by itself:
the module must already be imported (importing it registers its classes, so the plain class name
works too), or the caller must allow its package explicitly (``load_model(..., allow_import=["mypkg"])``,
``synaptica run --allow-import mypkg``, or :func:`allow_import` for the whole process).
"""

from __future__ import annotations

import difflib
import importlib
import re
import sys
from importlib import metadata
from typing import Any, Iterable

from .errors import ModelFileError

ENTRY_POINT_GROUP = "synaptica.components"
_REGISTRY: dict[str, type] = {}
_ENTRY_POINTS: dict[str, Any] = {}  # name -> importlib.metadata.EntryPoint, not loaded yet
_FROM_ENTRY_POINTS: set[str] = set()
_loaded = False
_ALLOWED_IMPORTS: set[str] = set()  # top-level packages a "module:Class" type may import
_MODULE_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")


def register(cls: type, name: str | None = None) -> type:
    """Register ``cls`` under ``name`` (its class name by default). Usable as a decorator.

    A later registration under the same name replaces the earlier one (re-defining a class in a
    notebook or a test)."""
    if not isinstance(cls, type):
        raise TypeError(f"register() takes a Component class, got {cls!r}")
    _REGISTRY[name or cls.__name__] = cls
    return cls


def unregister(name: str) -> None:
    """Forget ``name`` (tests, notebooks). Unknown names are ignored."""
    _REGISTRY.pop(name, None)
    _ENTRY_POINTS.pop(name, None)


def _entry_points() -> list:
    try:
        return list(metadata.entry_points(group=ENTRY_POINT_GROUP))
    except TypeError:  # pragma: no cover - Python < 3.10 API
        return list(metadata.entry_points().get(ENTRY_POINT_GROUP, []))


def refresh() -> None:
    """Import :mod:`components` and re-read the ``synaptica.components`` entry points."""
    global _loaded
    _loaded = True
    importlib.import_module("components")
    _ENTRY_POINTS.clear()
    for ep in _entry_points():
        if ep.name not in _REGISTRY:
            _ENTRY_POINTS[ep.name] = ep


def _load_all() -> None:
    if not _loaded:
        refresh()


def _check_class(obj: Any, where: str) -> type:
    from .component import Component

    if not (isinstance(obj, type) and issubclass(obj, Component)):
        raise ModelFileError(f"{where} is {obj!r}, not a Component subclass")
    return obj


def _load_entry_point(name: str) -> type:
    ep = _ENTRY_POINTS[name]
    try:
        obj = ep.load()
    except Exception as e:  # a broken plugin: say which one
        raise ModelFileError(f"component type {name!r} comes from the entry point {ep.value!r} "
                             f"(group {ENTRY_POINT_GROUP}), which failed to load: {type(e).__name__}: {e}") from e
    cls = _check_class(obj, f"entry point {name} = {ep.value!r}")
    _REGISTRY[name] = cls
    _FROM_ENTRY_POINTS.add(name)
    del _ENTRY_POINTS[name]
    return cls


def type_name(cls: type) -> str:
    """How a model file names ``cls``: its class name for synaptica's own and entry-point classes,
    ``"module:Class"`` for a class of another importable module (so the file loads on its own)."""
    name, module = cls.__name__, cls.__module__
    if (module.split(".")[0] == "components" or name in _FROM_ENTRY_POINTS or module == "__main__"
            or "<locals>" in cls.__qualname__ or _REGISTRY.get(name) is not cls):
        return name
    return f"{module}:{cls.__qualname__}"


def registered() -> dict[str, type]:
    """All known component types by name (loads every entry point; broken ones are skipped)."""
    _load_all()
    for name in list(_ENTRY_POINTS):
        try:
            _load_entry_point(name)
        except ModelFileError:
            _ENTRY_POINTS.pop(name, None)
    return dict(sorted(_REGISTRY.items()))


def known_names() -> list[str]:
    """Every type name a graph may use, without importing plugins."""
    _load_all()
    return sorted(set(_REGISTRY) | set(_ENTRY_POINTS))


def closest(type_name: str, n: int = 3) -> list[str]:
    """Registered names closest to ``type_name`` (case-insensitive), best first."""
    names = known_names()
    lower = {k.lower(): k for k in names}
    hits = difflib.get_close_matches(type_name.lower(), list(lower), n=n, cutoff=0.5)
    return [lower[h] for h in hits]


def allow_import(*packages: str) -> None:
    """Let ``"module:Class"`` types of these top-level packages be imported, for the whole process
    (what ``load_model(..., allow_import=[...])`` does for one call). Import only code you trust."""
    for p in packages:
        if not isinstance(p, str) or not _MODULE_RE.match(p):
            raise ValueError(f"allow_import takes package names such as 'mypkg', got {p!r}")
        _ALLOWED_IMPORTS.add(p.split(".")[0])


def _resolve_module_class(type_name: str, allowed: set[str]) -> type:
    module, _, attr = type_name.partition(":")
    if not _MODULE_RE.match(module) or not re.match(r"^[A-Za-z_][A-Za-z0-9_.]*$", attr):
        raise ModelFileError(f"component type {type_name!r} is not a class name nor 'package.module:Class'")
    top = module.split(".")[0]
    if module not in sys.modules and top not in allowed and top not in ("components", "contexts"):
        raise ModelFileError(
            f"component type {type_name!r} needs the module {module!r}, which is not imported, and a model "
            f"file never imports code by itself. If you trust it, allow it: "
            f"load_model(..., allow_import=[{top!r}]), `synaptica ... --allow-import {top}`, "
            f"contexts.registry.allow_import({top!r}), or import {module} before loading")
    try:
        obj: Any = sys.modules.get(module) or importlib.import_module(module)
        for part in attr.split("."):
            obj = getattr(obj, part)
    except (ImportError, AttributeError) as e:
        raise ModelFileError(f"cannot import component type {type_name!r}: {e}") from e
    return _check_class(obj, repr(type_name))


def lookup(type_name: str, allow_import: Iterable[str] = ()) -> type:
    """The class for ``type_name``. Unknown names list close ones.

    ``"module:Class"`` resolves only when ``module`` is already imported, belongs to synaptica, or its
    top-level package is in ``allow_import`` (or was allowed with :func:`allow_import`)."""
    if not isinstance(type_name, str):
        raise ModelFileError(f"a component type must be a string, got {type_name!r}")
    if ":" in type_name:
        allowed = _ALLOWED_IMPORTS | {str(p).split(".")[0] for p in allow_import}
        return _resolve_module_class(type_name, allowed)
    _load_all()
    if type_name in _REGISTRY:
        return _REGISTRY[type_name]
    if type_name in _ENTRY_POINTS:
        return _load_entry_point(type_name)
    close = closest(type_name)
    hint = f" Did you mean {', '.join(close)}?" if close else ""
    raise ModelFileError(f"unknown component type {type_name!r}.{hint} Known types: {', '.join(known_names())}. "
                         "A class from another package can be named as 'module:Class' once its package is imported "
                         "or allowed (allow_import=[...], --allow-import)")
