"""YAML model graphs (minimal loader; the YAML issue widens it with schema and line-precise errors)."""

from __future__ import annotations

import os
from typing import Any

import yaml

from .graph import from_graph


def load_model(path: str | os.PathLike, overrides: dict[str, Any] | None = None) -> Any:
    """Build a Context from a YAML model graph; ``overrides`` maps ``"comp.param"`` to values."""
    with open(path) as f:
        graph = yaml.safe_load(f)
    for key, value in (overrides or {}).items():
        comp, _, param = key.partition(".")
        if param:
            graph["components"][comp][param] = value
        else:
            graph[key] = value
    return from_graph(graph)
