"""Checkpoint and resume: long runs and training loops that survive being killed.

Two ways in:

- ``ctx.run(commands, steps, ..., checkpoint_every=K, checkpoint_dir=D)`` runs the scan in pieces
  of ``K`` steps and writes a checkpoint after each; ``resume=True`` continues the same run from
  the newest checkpoint in ``D`` (if there is one). The records of the whole run are returned,
  bit for bit those of an uninterrupted run.
- :class:`Checkpointer` for hand-written training loops (the museum's exhibits): ``save(step, ctx,
  **extra)`` after each chunk of work and ``restore(ctx)`` at the start, which installs the saved
  state into ``ctx`` and returns the step and the extra values (PRNG keys, curves, counters).

A checkpoint is a folder ``D/step-00000042`` holding ``model/`` (``graph.yaml`` + ``state.npz``
written by :func:`contexts.persistence.save`: every compartment, the PRNG key and step count of the
clock, optimiser state), ``extra.npz`` (array values), ``extra.json`` (plain values) and, written
last, ``progress.json``. It is written into a temporary folder beside it and renamed into place,
so a process killed at any instruction leaves the previous checkpoints intact and never a
half-written one under a ``step-*`` name. The newest ``keep`` checkpoints are kept.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import yaml

from .errors import PersistenceError
from .graph import to_graph
from .persistence import GRAPH_FILE, STATE_FILE, _write_file, flatten_state, save

PROGRESS_FILE, EXTRA_ARRAYS, EXTRA_JSON, RECORDS_FILE, MODEL_DIR = (
    "progress.json", "extra.npz", "extra.json", "records.npz", "model")
_NAME = re.compile(r"^step-(\d{8,})$")


class CheckpointError(PersistenceError):
    """A checkpoint that cannot be written, read, or does not belong to this model or run."""


def _is_array(v: Any) -> bool:
    return isinstance(v, (np.ndarray, np.generic, jax.Array))


class Checkpointer:
    """Atomic checkpoints of a Context (and any extra loop state) in one folder.

    Args:
        directory: the folder holding ``step-*`` checkpoints (created).
        keep: how many of the newest checkpoints to keep (older ones are removed after a save).
    """

    def __init__(self, directory: str | os.PathLike, keep: int = 2):
        if int(keep) < 1:
            raise CheckpointError(f"keep must be >= 1, got {keep}")
        self.directory = Path(directory)
        self.keep = int(keep)

    # -- listing ----------------------------------------------------------------------------------
    def steps(self) -> list[int]:
        """The steps of the complete checkpoints, oldest first."""
        if not self.directory.is_dir():
            return []
        found = []
        for p in self.directory.iterdir():
            m = _NAME.match(p.name)
            if m and (p / PROGRESS_FILE).is_file():
                found.append(int(m.group(1)))
        return sorted(found)

    def latest(self) -> int | None:
        """The step of the newest complete checkpoint, or None."""
        steps = self.steps()
        return steps[-1] if steps else None

    def path(self, step: int) -> Path:
        return self.directory / f"step-{int(step):08d}"

    # -- writing ----------------------------------------------------------------------------------
    def save(self, step: int, ctx: Any = None, records: dict | None = None, **extra: Any) -> Path:
        """Write checkpoint ``step``: ``ctx``'s graph and state (if given), ``records`` (arrays) and
        ``extra`` (arrays, e.g. PRNG keys, go to ``extra.npz``; numbers, strings, lists and dicts to
        ``extra.json``). Atomic: the folder appears complete or not at all."""
        step = int(step)
        arrays = {k: np.asarray(v) for k, v in extra.items() if _is_array(v)}
        plain = {k: v for k, v in extra.items() if not _is_array(v)}
        try:
            text = json.dumps(plain)
        except (TypeError, ValueError) as e:
            raise CheckpointError(f"checkpoint extra values must be arrays or JSON data (numbers, strings, "
                                  f"lists, dicts): {e}") from None
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            self._remove_stale()
            tmp = Path(tempfile.mkdtemp(prefix=f".tmp-{os.getpid()}-", dir=self.directory))
        except OSError as e:
            raise CheckpointError(f"cannot write a checkpoint into {self.directory}: {e.strerror or e}") from e
        target = self.path(step)
        try:
            if ctx is not None:  # a state gone NaN is kept as it is: resuming continues what the run did
                save(ctx, tmp / MODEL_DIR, allow_nonfinite=True)
            _write_file(tmp / EXTRA_ARRAYS, lambda f: np.savez(f, **arrays))
            _write_file(tmp / EXTRA_JSON, lambda f: f.write(text.encode()))
            if records is not None:
                _write_file(tmp / RECORDS_FILE, lambda f: np.savez(f, **{k: np.asarray(v) for k, v in records.items()}))
            progress = json.dumps({"step": step, "model": ctx is not None, "records": records is not None})
            _write_file(tmp / PROGRESS_FILE, lambda f: f.write(progress.encode()))  # complete from here on
            if target.exists():  # the same step written again (a resumed run): replace it
                shutil.rmtree(target)
            os.replace(tmp, target)
        except BaseException as e:
            shutil.rmtree(tmp, ignore_errors=True)
            if isinstance(e, OSError):
                raise CheckpointError(f"cannot write checkpoint {target}: {e.strerror or e}") from e
            raise
        for old in self.steps()[:-self.keep]:
            shutil.rmtree(self.path(old), ignore_errors=True)
        return target

    def clear(self) -> None:
        """Remove every checkpoint (a run that starts afresh)."""
        for old in self.steps():
            shutil.rmtree(self.path(old), ignore_errors=True)

    def _remove_stale(self) -> None:
        for p in self.directory.glob(".tmp-*"):
            m = re.match(r"\.tmp-(\d+)-", p.name)
            pid = int(m.group(1)) if m else -1
            alive = pid != os.getpid() and pid > 0
            if alive:
                try:
                    os.kill(pid, 0)
                except ProcessLookupError:
                    alive = False
                except OSError:
                    pass
            if not alive:
                shutil.rmtree(p, ignore_errors=True)

    # -- reading ----------------------------------------------------------------------------------
    def load(self, step: int | None = None) -> dict:
        """Checkpoint ``step`` (default: the newest) as ``{"step", "extra", "records", "model"}``:
        ``model`` is the folder of the saved model (or None), ``records`` a dict of arrays (or None)."""
        step = self.latest() if step is None else int(step)
        if step is None:
            raise CheckpointError(f"no checkpoint in {self.directory}")
        folder = self.path(step)
        try:
            progress = json.loads((folder / PROGRESS_FILE).read_text())
            extra = json.loads((folder / EXTRA_JSON).read_text())
            with np.load(folder / EXTRA_ARRAYS, allow_pickle=False) as npz:
                extra.update({k: npz[k] for k in npz.files})
            records = None
            if progress.get("records"):
                with np.load(folder / RECORDS_FILE, allow_pickle=False) as npz:
                    records = {k: npz[k] for k in npz.files}
        except (OSError, ValueError) as e:
            raise CheckpointError(f"cannot read checkpoint {folder}: {e}") from e
        model = folder / MODEL_DIR if progress.get("model") else None
        return {"step": progress["step"], "extra": extra, "records": records, "model": model}

    def restore(self, ctx: Any = None, step: int | None = None, prepare: Any = None) -> tuple[int, dict] | None:
        """Install the newest checkpoint's state into ``ctx`` and return ``(step, extra)``; None if
        there is no checkpoint. The checkpoint must come from the same model graph (else
        :class:`CheckpointError` shows the first difference); ``prepare(extra)``, called first, may
        set parameters that the loop changed as it went (an annealed learning rate)."""
        if (self.latest() if step is None else step) is None:
            return None
        ck = self.load(step)
        if prepare is not None:
            prepare(ck["extra"])
        if ctx is not None:
            if ck["model"] is None:
                raise CheckpointError(f"checkpoint {self.path(ck['step'])} holds no model state")
            install_state(ctx, ck["model"])
        return ck["step"], ck["extra"]


def install_state(ctx: Any, model_dir: Path) -> None:
    """Put the state saved in ``model_dir`` into ``ctx`` after checking that its graph is ``ctx``'s."""
    saved = yaml.safe_load((model_dir / GRAPH_FILE).read_text())
    saved.pop("format", None)
    arrays: dict = {}
    mine = to_graph(ctx, arrays)
    a, b = yaml.safe_dump(saved, sort_keys=True), yaml.safe_dump(mine, sort_keys=True)
    if a != b:
        diff = [line for line in difflib.unified_diff(a.splitlines(), b.splitlines(), "checkpoint", "model", n=0)
                if line[:1] in "+-" and not line.startswith(("+++", "---"))]
        raise CheckpointError(f"the checkpoint in {model_dir.parent} was written by another model graph than "
                              f"this one ({'; '.join(diff[:4])}); resume with the same model and overrides, or "
                              "start afresh in an empty checkpoint folder")
    with np.load(model_dir / STATE_FILE, allow_pickle=False) as npz:
        stored = {k: npz[k] for k in npz.files}
    for k, v in arrays.items():
        if k not in stored or not np.array_equal(stored[k], v):
            raise CheckpointError(f"the checkpoint in {model_dir.parent} was written with another array for "
                                  f"{k.split('/', 1)[1]}; resume with the same model")
    expected = flatten_state(ctx.state, convert=lambda v: v)
    state: dict = {"clock": {}, "values": {}}
    for k, ref in expected.items():
        if k not in stored or stored[k].shape != ref.shape or stored[k].dtype != ref.dtype:
            raise CheckpointError(f"the checkpoint in {model_dir.parent} does not match this model at {k}")
        value = jnp.asarray(stored[k])
        sharding = getattr(ref, "sharding", None)
        if sharding is not None and len(sharding.device_set) > 1:
            value = jax.device_put(value, sharding)
        parts = k.split("/")
        if parts[0] == "clock":
            state["clock"][parts[1]] = value
        else:
            state["values"].setdefault(parts[1], {})[parts[2]] = value
    ctx.state = state


def _digests(xs: dict) -> dict:
    """``{path: digest of the data}``, so that a run resumed with other input data is refused."""
    out = {}
    for path in sorted(xs):
        try:
            out[path] = hashlib.sha256(np.ascontiguousarray(np.asarray(xs[path])).tobytes()).hexdigest()[:16]
        except Exception:  # data spread over several processes: no process can read all of it
            out[path] = "global"
    return out


def run_checkpointed(ctx: Any, commands: Any, steps: int, record: Any, inputs: dict | None, every: int,
                     directory: str | os.PathLike, resume: bool, **run_kw: Any) -> Any:
    """:meth:`Context.run` in pieces of ``every`` steps with a checkpoint after each (see the module)."""
    from .context import Records, _steps

    if every is None:
        raise CheckpointError("checkpoint_dir and resume need checkpoint_every, the number of steps between "
                              "checkpoints")
    every = _steps(every)
    if every < 1:
        raise CheckpointError(f"checkpoint_every must be >= 1 step, got {every}")
    if directory is None:
        raise CheckpointError("checkpoint_every needs checkpoint_dir, the folder to write checkpoints into")
    steps = _steps(steps)
    names = ctx._command_names(commands)
    record_paths = ctx._record_paths(record)
    xs = ctx._per_step_inputs(inputs, steps)
    run_id = {"commands": list(names), "steps": steps, "record": list(record_paths), "inputs": _digests(xs)}
    ck = Checkpointer(directory)
    done, pieces = 0, []
    if resume and ck.latest() is not None:
        saved = ck.load()
        if saved["extra"].get("run") != run_id:
            raise CheckpointError(f"the newest checkpoint in {directory} belongs to another run "
                                  f"({saved['extra'].get('run')}), not {run_id}; pass the same commands, steps, "
                                  "record and input data to resume, or use another checkpoint_dir")
        install_state(ctx, saved["model"])
        done = saved["step"]
        if saved["records"] is not None and done:
            pieces.append(saved["records"])
    elif not resume:
        ck.clear()
    while done < steps:
        n = min(every, steps - done)
        recs = ctx.run(names, steps=n, record=record_paths,
                       inputs={p: a[done:done + n] for p, a in xs.items()} or None, **run_kw)
        pieces.append({k: np.asarray(v) for k, v in recs.items()})
        done += n
        so_far = {k: np.concatenate([p[k] for p in pieces]) for k in record_paths}
        pieces = [so_far]
        ck.save(done, ctx, records=so_far, run=run_id)
    if not pieces:
        return Records({p: jnp.zeros((0,) + ctx.get(p).shape, ctx.get(p).dtype) for p in record_paths})
    return Records({k: jnp.asarray(v) for k, v in pieces[0].items()})
