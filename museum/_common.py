"""Shared machinery of the museum exhibits: command line, output folder, figures, progress, results.

Every exhibit's ``__main__.py`` follows the same shape::

    from museum import _common as mc

    def main(argv=None):
        args = mc.parse_args("hebbian_pca", __doc__, argv)      # --out, --seed, --quick, --publish
        ctx = mc.load_exhibit_model(__file__, overrides={...})   # the exhibit's model.yaml
        mc.progress("hebbian_pca", "training ...")
        fig = ...                                               # matplotlib, Agg backend
        mc.save_figure(fig, args.out / "pca.png")
        mc.save_results(args.out, {"cosine_pc1": 0.998})        # results.json + printed
        mc.publish(args, __file__)                              # --publish: PNGs -> museum/<name>/figures/

    if __name__ == "__main__":
        mc.pin_to_one_core()                  # only for small networks (batch 1, ~100 neurons): ~2x faster
        sys.exit(mc.run_main(main, "hebbian_pca"))   # our errors end in one line, not a traceback

Output goes to ``--out`` (default ``museum_out/<name>``, relative to the working directory).
``--quick`` asks for a short run (smoke tests); ``--seed`` seeds data and model; ``--resume``
continues a long exhibit from its last checkpoint in ``<out>/checkpoints`` (see :func:`resume`);
``--set COMP.PARAM=VALUE`` overrides a parameter of the YAML model (pass ``args=args`` to
:func:`load_exhibit_model`). Printed numbers are rounded: :func:`numbers` for lists on progress
lines, :func:`save_results` (4 significant digits, ``n/a`` for None); :func:`mean` and
:func:`median` return None instead of warning on an empty (short-run) slice.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from pathlib import Path
from typing import Any, Sequence

import matplotlib
import yaml

matplotlib.use("Agg")  # exhibits never open windows; must precede any pyplot import

import matplotlib.pyplot as plt  # noqa: E402

_T0 = time.perf_counter()
MAX_PNG_BYTES = 200_000


def parse_args(name: str, description: str | None = None, argv: Sequence[str] | None = None,
               extra: Any = None, resumable: bool = False) -> argparse.Namespace:
    """The standard exhibit command line; ``extra(parser)`` may add exhibit-specific options.

    Options: ``--out DIR`` (default ``museum_out/<name>``; created), ``--seed N`` (default 0),
    ``--quick`` (a short run), ``--publish`` (copy the PNGs to ``museum/<name>/figures/``); with
    ``resumable=True`` (exhibits that run longer than a minute) also ``--resume``.
    ``args.out`` is a :class:`~pathlib.Path`; ``args.name`` the exhibit's name.
    """
    parser = argparse.ArgumentParser(prog=f"python -m museum.{name}", description=description,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=Path("museum_out") / name,
                        help="output folder for figures and results.json (default: %(default)s)")
    parser.add_argument("--seed", type=int, default=0, help="seed of data and model (default: %(default)s)")
    parser.add_argument("--quick", action="store_true", help="a short run (smoke test / demo)")
    parser.add_argument("--publish", action="store_true",
                        help=f"copy the figures to museum/{name}/figures/ (for the README gallery)")
    if resumable:
        parser.add_argument("--resume", action="store_true",
                            help="continue an interrupted run from its last checkpoint in OUT/checkpoints")
    parser.add_argument("--set", action="append", default=[], metavar="COMP.PARAM=VALUE",
                        help="override a parameter of the YAML model, e.g. --set W.eta=0.01 (repeatable)")
    if extra is not None:
        extra(parser)
    args = parser.parse_args(argv)
    args.name = name
    args.overrides = {}
    for item in args.set:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            parser.error(f"--set expects COMP.PARAM=VALUE, got {item!r}")
        args.overrides[key.strip()] = _scalar(value)
    args.out.mkdir(parents=True, exist_ok=True)
    return args


def resume(args: argparse.Namespace, ctx: Any = None, prepare: Any = None) -> dict | None:
    """Where a long exhibit's loop left off: with ``--resume``, the newest checkpoint's extra values
    (and ``ctx`` holds its state again; ``prepare(extra)`` runs first, see
    :meth:`contexts.checkpoint.Checkpointer.restore`); None for a fresh start (old checkpoints are
    then removed) or when there is nothing to resume. Pair it with :func:`checkpoint` in the loop."""
    from contexts.checkpoint import Checkpointer

    ck = Checkpointer(Path(args.out) / "checkpoints")
    if not getattr(args, "resume", False):
        ck.clear()
        return None
    back = ck.restore(ctx, prepare=prepare)
    if back is None:
        progress(args.name, f"--resume: no checkpoint in {ck.directory}, starting afresh")
        return None
    progress(args.name, f"resumed from checkpoint {back[0]} in {ck.directory}")
    return back[1]


def checkpoint(args: argparse.Namespace, step: int, ctx: Any = None, **extra: Any) -> None:
    """Write checkpoint ``step`` of a long exhibit (``ctx``'s state and the loop's ``extra`` values:
    PRNG keys, counters, curves) into ``<out>/checkpoints``, atomically; ``--resume`` continues there."""
    from contexts.checkpoint import Checkpointer

    Checkpointer(Path(args.out) / "checkpoints").save(step, ctx, **extra)


def pin_to_one_core() -> int | None:
    """Pin this process to one CPU core, for exhibits whose network is small (batch 1, ~100 neurons).

    Call it from the exhibit's ``if __name__ == "__main__":`` block, before JAX's first computation:
    XLA sizes its CPU thread pool when its backend starts. A 100-neuron step is a few 100 x 100
    products, too small to split, and handing them between threads costs more than it saves: the
    sine-wave e-prop network trains about twice as fast on one pinned core as on two. The core is
    the idlest of those allowed (over 50 ms). Returns it, or None where the OS cannot pin (no
    ``os.sched_setaffinity``, e.g. macOS) or JAX has started. Kept out of ``main()`` so that an
    in-process caller (tests) is never pinned behind its back.
    """
    if not hasattr(os, "sched_setaffinity"):
        return None
    xla_bridge = sys.modules.get("jax._src.xla_bridge")
    if xla_bridge is not None and getattr(xla_bridge, "_backends", None):
        return None  # too late: the thread pool already exists
    allowed = sorted(os.sched_getaffinity(0))
    before = _idle_ticks()
    time.sleep(0.05)
    after = _idle_ticks()
    idle = {c: after.get(c, 0) - before.get(c, 0) for c in allowed}
    core = max(allowed, key=lambda c: (idle[c], -c))  # ties (or no /proc/stat): the first core
    os.sched_setaffinity(0, {core})
    return core


def _idle_ticks() -> dict[int, int]:
    """Idle + iowait clock ticks of every core since boot, from Linux's /proc/stat ({} elsewhere)."""
    ticks = {}
    try:
        with open("/proc/stat") as f:
            for line in f:
                name, *fields = line.split()
                if name.startswith("cpu") and name[3:].isdigit() and len(fields) >= 5:
                    ticks[int(name[3:])] = int(fields[3]) + int(fields[4])
    except OSError:
        return {}
    return ticks


def _scalar(text: str) -> Any:
    """A ``--set`` value as YAML reads it, except that ``2e-4`` is a number (YAML 1.1 wants ``2.0e-4``)."""
    value = yaml.safe_load(text)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            pass
    return value


def run_main(main: Any, name: str, argv: Sequence[str] | None = None) -> int:
    """Run an exhibit's ``main(argv)`` as a command: our own errors end in one line, not a traceback."""
    from contexts.errors import SynapticaError

    try:
        main(sys.argv[1:] if argv is None else argv)
    except SynapticaError as e:
        print(f"python -m museum.{name}: error: {e}", file=sys.stderr)
        return 1
    return 0


def exhibit_dir(main_file: str) -> Path:
    """The folder of an exhibit, from its ``__main__.py``'s ``__file__``."""
    return Path(main_file).resolve().parent


def load_exhibit_model(main_file: str, overrides: dict | None = None, filename: str = "model.yaml",
                       args: argparse.Namespace | None = None) -> Any:
    """Build the Context of the exhibit's YAML model (next to ``main_file``) with ``overrides``.

    With ``args``, the command line's ``--set`` overrides are applied on top (they win)."""
    from contexts import load_model

    merged = {**(overrides or {}), **(getattr(args, "overrides", None) or {})}
    # an exhibit's model may name the exhibit's own classes ("museum.NAME.module:Class")
    return load_model(exhibit_dir(main_file) / filename, overrides=merged, allow_import=["museum"])


def progress(name: str, message: str) -> None:
    """One progress line on stderr, stamped with the seconds since the exhibit started."""
    print(f"[{name} {time.perf_counter() - _T0:7.1f}s] {message}", file=sys.stderr, flush=True)


def numbers(values: Any, fmt: str = ".3g") -> str:
    """A list of numbers for a progress line, each formatted with ``fmt``: ``[0.799, 0.491]``, not the
    float32 noise ``[0.7990000247955322, ...]`` that ``np.round(x, 3).tolist()`` prints."""
    import numpy as np

    return "[" + ", ".join(format(float(v), fmt) for v in np.asarray(values).ravel()) + "]"


def mean(values: Any) -> float | None:
    """The mean, or None for no values (a short run): no "Mean of empty slice" warning, no nan."""
    import numpy as np

    values = np.asarray(values, dtype=float)
    return float(values.mean()) if values.size else None


def median(values: Any) -> float | None:
    """The median of the finite values (nan marks a missing one), or None when there is none."""
    import numpy as np

    values = np.asarray(values, dtype=float)
    values = values[np.isfinite(values)]
    return float(np.median(values)) if values.size else None


def fmt(value: float | None, spec: str = ".2f") -> str:
    """``value`` formatted with ``spec``, or ``n/a`` for None."""
    return "n/a" if value is None else format(value, spec)


def save_figure(fig: Any, path: str | os.PathLike, dpi: int = 90) -> Path:
    """Save a matplotlib figure as PNG and close it; lowers the dpi until the file is < 200 KB."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    while True:
        fig.savefig(path, dpi=dpi, bbox_inches="tight")
        if path.stat().st_size < MAX_PNG_BYTES or dpi <= 40:
            break
        dpi = int(dpi * 0.8)
    plt.close(fig)
    return path


def save_results(out: str | os.PathLike, results: dict, name: str = "results.json") -> Path:
    """Write the measured numbers as JSON (floats rounded to 4 significant digits) and print the
    scalars (lists and dicts stay in the file)."""
    def plain(v: Any) -> Any:
        if hasattr(v, "tolist"):
            v = v.tolist()
        if isinstance(v, float):
            return float(f"{v:.4g}")
        if isinstance(v, dict):
            return {k: plain(x) for k, x in v.items()}
        if isinstance(v, (list, tuple)):
            return [plain(x) for x in v]
        return v

    data = plain(dict(results))
    path = Path(out) / name
    path.write_text(json.dumps(data, indent=2) + "\n")
    for k, v in data.items():
        if not isinstance(v, (list, dict)):
            print(f"  {k}: {'n/a' if v is None else v}")  # None: not reached in this run (null in the JSON)
    return path


def publish(args: argparse.Namespace, main_file: str) -> None:
    """With ``--publish``: copy every PNG of ``args.out`` to ``museum/<name>/figures/``."""
    if not getattr(args, "publish", False):
        return
    dest = exhibit_dir(main_file) / "figures"
    dest.mkdir(exist_ok=True)
    for png in sorted(Path(args.out).glob("*.png")):
        shutil.copy2(png, dest / png.name)
        progress(args.name, f"published {dest / png.name}")


def compile_iterations(iteration: Any, n: int) -> Any:
    """One jitted ``state -> (state, losses, records of the first iteration, records of the last)`` that runs
    ``iteration(state) -> (state, loss, records)`` ``n`` times in one ``lax.scan`` (no host round trip)."""
    import jax
    import jax.numpy as jnp

    def run(s: dict) -> tuple:
        _, _, recs0 = jax.eval_shape(iteration, s)
        empty = jax.tree_util.tree_map(lambda a: jnp.zeros(a.shape, a.dtype), recs0)

        def body(carry: tuple, i: Any) -> tuple:
            state, first, _ = carry
            state, loss, recs = iteration(state)
            first = jax.tree_util.tree_map(lambda f, r: jnp.where(i == 0, r, f), first, recs)
            return (state, first, recs), loss

        (s, first, last), losses = jax.lax.scan(body, (s, empty, empty), jnp.arange(n))
        return s, losses, first, last

    return jax.jit(run)
