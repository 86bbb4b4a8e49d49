"""Save and load a model: ``graph.yaml`` (the graph) and ``state.npz`` (every array).

A save is atomic end to end: both files are written into a temporary folder beside the target
(``graph.yaml`` last, so a folder holding both files is complete), which then replaces the target
in two renames (old -> ``.NAME.old-PID-*``, new -> NAME). A process killed at any instruction
leaves either the previous or the new save loadable: :func:`load` finishes an interrupted swap
(:func:`recover`), and temporary folders of dead processes are removed by the next save or load.

Loading reads ``graph.yaml`` with the same schema and checks as a YAML model file (errors say
``graph.yaml:LINE: key: ...``), then checks every array's name, shape, dtype and finiteness against
the graph before anything is changed.
"""

from __future__ import annotations

import glob
import os
import re
import shutil
import tempfile
import uuid
from pathlib import Path
from typing import Any, Iterable

import jax
import jax.numpy as jnp
import numpy as np
import yaml

from .errors import NonFiniteError, PersistenceError, SynapticaError
from .graph import to_graph

GRAPH_FILE, STATE_FILE, FORMAT = "graph.yaml", "state.npz", 1


def flatten_state(state: dict, convert: Any = np.asarray) -> dict[str, Any]:
    flat = {f"clock/{k}": convert(v) for k, v in state["clock"].items()}
    for comp, values in state["values"].items():
        for name, v in values.items():
            flat[f"values/{comp}/{name}"] = convert(v)
    return flat


def _first_nonfinite(flat: dict[str, np.ndarray]) -> str | None:
    for k, v in flat.items():
        if np.issubdtype(v.dtype, np.inexact) and not np.all(np.isfinite(v)):
            return k.split("/", 1)[1].replace("/", ".")
    return None


# -- interrupted saves ---------------------------------------------------------------------------------
def _leftovers(target: Path, kind: str) -> list[Path]:
    """``.NAME.tmp-PID-*`` (a save being written) or ``.NAME.old-PID-*`` (a save being replaced)."""
    return sorted(target.parent.glob(f".{glob.escape(target.name)}.{kind}-*"), key=lambda p: p.name)


def _stale(p: Path) -> bool:
    """Left by a process that is gone (or by this one, whose saves are not running concurrently)."""
    m = re.search(r"\.(?:tmp|old)-(\d+)-\w+$", p.name)
    if m is None:
        return True
    pid = int(m.group(1))
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except (PermissionError, OSError):
        return False
    return False


def _complete(d: Path) -> bool:
    return (d / GRAPH_FILE).is_file() and (d / STATE_FILE).is_file()


def recover(directory: str | os.PathLike) -> bool:
    """Finish a save that was interrupted between its two renames, and remove stale leftovers.

    If the model folder is missing, the newest complete leftover takes its place: the new save if
    it was fully written, else the previous one. Returns whether a folder was restored."""
    target = Path(directory)
    restored = False
    if not target.exists():
        candidates = [p for p in _leftovers(target, "tmp") + _leftovers(target, "old") if _complete(p)]
        candidates.sort(key=lambda p: (p / GRAPH_FILE).stat().st_mtime, reverse=True)
        for p in candidates:
            try:
                os.replace(p, target)
                restored = True
                break
            except OSError:
                continue
    for p in _leftovers(target, "tmp") + _leftovers(target, "old"):
        if _stale(p):
            shutil.rmtree(p, ignore_errors=True)
    return restored


def _write_file(path: Path, write: Any) -> None:
    with open(path, "wb") as f:
        write(f)
        f.flush()
        os.fsync(f.fileno())


def save(ctx: Any, directory: str | os.PathLike, allow_nonfinite: bool = False) -> None:
    """Write ``ctx`` to ``directory`` (``graph.yaml`` + ``state.npz``), atomically.

    ``ctx.save(dir)`` calls this; call it directly with ``allow_nonfinite=True`` to save a state that
    holds NaN/Inf (for debugging; :func:`load` then needs ``allow_nonfinite=True`` too).
    Raises:
        NonFiniteError: a compartment holds NaN/Inf and ``allow_nonfinite`` is false.
        PersistenceError: the folder cannot be written.
    """
    target = Path(directory)
    arrays: dict[str, np.ndarray] = {}
    graph = {"format": FORMAT, **to_graph(ctx, arrays)}
    flat = flatten_state(ctx.state)
    if not allow_nonfinite:
        bad = _first_nonfinite(flat)
        if bad:
            raise NonFiniteError(f"refusing to save: {bad} holds NaN/Inf; fix the model, or save it anyway "
                                 "with ctx.save(directory, allow_nonfinite=True)")
    arrays.update(flat)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.exists() and not target.is_dir():
            raise PersistenceError(f"cannot save to {target}: it is a file; pass a folder path")
        recover(target)
        tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-{os.getpid()}-", dir=target.parent))
    except OSError as e:
        raise PersistenceError(f"cannot save to {target}: {e.strerror or e}") from e
    old = target.with_name(f".{target.name}.old-{os.getpid()}-{uuid.uuid4().hex[:8]}")
    moved = False
    try:
        _write_file(tmp / STATE_FILE, lambda f: np.savez(f, **arrays))
        text = yaml.safe_dump(graph, sort_keys=False).encode()
        _write_file(tmp / (GRAPH_FILE + ".part"), lambda f: f.write(text))
        os.replace(tmp / (GRAPH_FILE + ".part"), tmp / GRAPH_FILE)  # complete from here on
        if target.exists():
            os.replace(target, old)
            moved = True
        os.replace(tmp, target)
        shutil.rmtree(old, ignore_errors=True)
    except BaseException as e:
        if moved and not target.exists():
            try:  # roll back to the previous save; if even this fails, load() recovers it
                os.replace(old, target)
            except BaseException:  # noqa: S110 - best effort; the previous save survives as `old`
                pass
        shutil.rmtree(tmp, ignore_errors=True)
        if isinstance(e, OSError):
            raise PersistenceError(f"cannot save to {target}: {e.strerror or e}") from e
        raise


def load(directory: str | os.PathLike, allow_nonfinite: bool = False, allow_import: Iterable[str] = ()) -> Any:
    """A Context from a folder written by :func:`save` (``Context.load(dir)`` calls this).

    Args:
        allow_nonfinite: accept a state holding NaN/Inf (refused by default: a model saved that way
            is almost always a diverged run).
        allow_import: packages whose ``"module:Class"`` types may be imported (as ``load_model``).
    Raises:
        PersistenceError: files missing, unreadable, or not matching the graph.
        ModelFileError: ``graph.yaml:LINE: key: ...`` when the graph breaks the model-file schema.
        NonFiniteError: a stored array holds NaN/Inf and ``allow_nonfinite`` is false.
    """
    from .graph_yaml import _compose, build, read_text
    from .schema import check_structure

    source = Path(directory)
    try:
        recover(source)
    except OSError:  # a read-only folder: load what is there
        pass
    graph_path, state_path = source / GRAPH_FILE, source / STATE_FILE
    for p in (graph_path, state_path):
        if not p.is_file():
            raise PersistenceError(f"{p} is missing: {source} is not a model saved by ctx.save()")
    graph, locs = _compose(read_text(graph_path, "saved graph"), str(graph_path))
    if not isinstance(graph, dict) or graph.get("format") != FORMAT:
        raise PersistenceError(f"{graph_path} is not a synaptica graph of format {FORMAT} (it needs `format: "
                               f"{FORMAT}` and the keys of a model file); save the model again with ctx.save()")
    check_structure(graph, locs)
    graph = {k: v for k, v in graph.items() if k != "format"}
    if graph.get("dtype") == "float64" and not jax.config.jax_enable_x64:
        raise PersistenceError(f"{source} holds a float64 model: call "
                               "jax.config.update('jax_enable_x64', True) before loading it")
    try:
        with open(state_path, "rb") as f, np.load(f, allow_pickle=False) as npz:
            arrays = {k: npz[k] for k in npz.files}
    except Exception as e:  # truncated zip, bad CRC, pickled objects, a header asking for 1e12 bytes
        raise PersistenceError(f"cannot read the model in {source}: {state_path} is not a readable .npz "
                               f"({type(e).__name__}: {e}); save the model again") from e
    ctx = build(graph, locs, validate=False, allow_import=allow_import, arrays=arrays)
    try:
        expected = flatten_state(jax.eval_shape(ctx.initial_state), convert=lambda v: v)
    except SynapticaError:
        raise
    except Exception as e:  # parameters that pass the schema but no initialiser accepts
        raise PersistenceError(f"{graph_path} describes a model whose state cannot be built "
                               f"({type(e).__name__}: {e}); save the model again") from e
    stored = {k: v for k, v in arrays.items() if not k.startswith("config/")}
    missing, extra = sorted(set(expected) - set(stored)), sorted(set(stored) - set(expected))
    if missing or extra:
        raise PersistenceError(f"{state_path} does not match {graph_path}: missing {missing[:5]}, "
                               f"unexpected {extra[:5]}")
    for k, spec in expected.items():
        if stored[k].shape != spec.shape or stored[k].dtype != spec.dtype:
            raise PersistenceError(f"{state_path}: {k} has shape {stored[k].shape} {stored[k].dtype}, "
                                   f"the graph expects {spec.shape} {spec.dtype}")
    bad = None if allow_nonfinite else _first_nonfinite(stored)
    if bad:
        raise NonFiniteError(f"{state_path}: {bad} holds NaN/Inf (a diverged run?); load it anyway with "
                             f"Context.load({str(source)!r}, allow_nonfinite=True)")
    state = {"clock": {k.split("/")[1]: jnp.asarray(stored[k]) for k in stored if k.startswith("clock/")},
             "values": {}}
    for k, v in stored.items():
        if k.startswith("values/"):
            _, comp, name = k.split("/", 2)
            state["values"].setdefault(comp, {})[name] = jnp.asarray(v)
    ctx.state = state
    return ctx
