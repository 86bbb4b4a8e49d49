"""Save and load a model: ``graph.yaml`` (the graph) and ``state.npz`` (every array).

Writes go to a temporary folder beside the target, which then replaces it, so an interrupted or
failed save never leaves a half-written model. Loading checks every array's name, shape and dtype
against the graph before anything is changed.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import yaml

from .errors import NonFiniteError, PersistenceError
from .graph import from_graph, to_graph

GRAPH_FILE, STATE_FILE, FORMAT = "graph.yaml", "state.npz", 1


def flatten_state(state: dict, convert: Any = np.asarray) -> dict[str, Any]:
    flat = {f"clock/{k}": convert(v) for k, v in state["clock"].items()}
    for comp, values in state["values"].items():
        for name, v in values.items():
            flat[f"values/{comp}/{name}"] = convert(v)
    return flat


def save(ctx: Any, directory: str | os.PathLike, allow_nonfinite: bool = False) -> None:
    target = Path(directory)
    arrays: dict[str, np.ndarray] = {}
    graph = {"format": FORMAT, **to_graph(ctx, arrays)}
    flat = flatten_state(ctx.state)
    if not allow_nonfinite:
        bad = [k for k, v in flat.items() if np.issubdtype(v.dtype, np.floating) and not np.all(np.isfinite(v))]
        if bad:
            raise NonFiniteError(f"refusing to save: {bad[0].split('/', 1)[1].replace('/', '.')} holds NaN/Inf; "
                                 "pass allow_nonfinite=True to save anyway")
    arrays.update(flat)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=target.parent))
    try:
        with open(tmp / GRAPH_FILE, "w") as f:
            yaml.safe_dump(graph, f, sort_keys=False)
        np.savez(tmp / STATE_FILE, **arrays)
        if target.exists():
            old = target.with_name(f".{target.name}.old-{os.getpid()}")
            os.replace(target, old)
            os.replace(tmp, target)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def load(directory: str | os.PathLike) -> Any:
    source = Path(directory)
    graph_path, state_path = source / GRAPH_FILE, source / STATE_FILE
    for p in (graph_path, state_path):
        if not p.is_file():
            raise PersistenceError(f"{p} is missing: {source} is not a model saved by ctx.save()")
    try:
        graph = yaml.safe_load(graph_path.read_text())
        with np.load(state_path) as npz:
            arrays = {k: npz[k] for k in npz.files}
    except Exception as e:  # corrupt YAML or npz
        raise PersistenceError(f"cannot read the model in {source}: {e}") from e
    if not isinstance(graph, dict) or graph.get("format") != FORMAT:
        raise PersistenceError(f"{graph_path} is not a synaptica graph of format {FORMAT}")
    graph = {k: v for k, v in graph.items() if k != "format"}
    if graph.get("dtype") == "float64" and not jax.config.jax_enable_x64:
        raise PersistenceError(f"{source} holds a float64 model: call "
                               "jax.config.update('jax_enable_x64', True) before loading it")
    ctx = from_graph(graph, arrays)
    expected = flatten_state(jax.eval_shape(ctx.initial_state), convert=lambda v: v)
    stored = {k: v for k, v in arrays.items() if not k.startswith("config/")}
    missing, extra = sorted(set(expected) - set(stored)), sorted(set(stored) - set(expected))
    if missing or extra:
        raise PersistenceError(f"{state_path} does not match {graph_path}: missing {missing[:5]}, "
                               f"unexpected {extra[:5]}")
    for k, spec in expected.items():
        if stored[k].shape != spec.shape or stored[k].dtype != spec.dtype:
            raise PersistenceError(f"{state_path}: {k} has shape {stored[k].shape} {stored[k].dtype}, "
                                   f"the graph expects {spec.shape} {spec.dtype}")
    state = {"clock": {k.split("/")[1]: jnp.asarray(stored[k]) for k in stored if k.startswith("clock/")},
             "values": {}}
    for k, v in stored.items():
        if k.startswith("values/"):
            _, comp, name = k.split("/", 2)
            state["values"].setdefault(comp, {})[name] = jnp.asarray(v)
    ctx.state = state
    return ctx
