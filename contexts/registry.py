"""Component registry: ``type`` names in model graphs -> classes.

Every subclass of :class:`~contexts.component.Component` registers itself under its class name.
Third-party packages add theirs through the entry-point group ``synaptica.components``
(``MyCell = "mypkg.cells:MyCell"``), and a graph may name any class as ``"module:Class"``.
"""

from __future__ import annotations

import difflib
import importlib
from importlib import metadata
from typing import Any

from .errors import ModelFileError

ENTRY_POINT_GROUP = "synaptica.components"
_REGISTRY: dict[str, type] = {}
_loaded = False


def register(cls: type, name: str | None = None) -> type:
    """Register ``cls`` under ``name`` (its class name by default). Usable as a decorator."""
    _REGISTRY[name or cls.__name__] = cls
    return cls


def _load_all() -> None:
    global _loaded
    if _loaded:
        return
    _loaded = True
    importlib.import_module("components")
    try:
        eps = metadata.entry_points(group=ENTRY_POINT_GROUP)
    except TypeError:  # pragma: no cover - Python < 3.10 API
        eps = metadata.entry_points().get(ENTRY_POINT_GROUP, [])
    for ep in eps:
        _REGISTRY.setdefault(ep.name, ep.load())


def registered() -> dict[str, type]:
    """All known component types by name."""
    _load_all()
    return dict(sorted(_REGISTRY.items()))


def lookup(type_name: str) -> type:
    """The class for ``type_name``; ``"module:Class"`` imports it. Unknown names list close ones."""
    from .component import Component

    if not isinstance(type_name, str):
        raise ModelFileError(f"a component type must be a string, got {type_name!r}")
    if ":" in type_name:
        module, _, attr = type_name.partition(":")
        try:
            cls: Any = getattr(importlib.import_module(module), attr)
        except (ImportError, AttributeError) as e:
            raise ModelFileError(f"cannot import component type {type_name!r}: {e}") from e
        if not (isinstance(cls, type) and issubclass(cls, Component)):
            raise ModelFileError(f"{type_name!r} is not a Component subclass")
        return cls
    _load_all()
    if type_name in _REGISTRY:
        return _REGISTRY[type_name]
    close = difflib.get_close_matches(type_name, list(_REGISTRY), n=3, cutoff=0.5)
    hint = f" Did you mean {', '.join(close)}?" if close else ""
    raise ModelFileError(f"unknown component type {type_name!r}.{hint} Known types: "
                         f"{', '.join(sorted(_REGISTRY))}")
