"""The ``synaptica`` command line.

    synaptica run MODEL.yaml [--steps N] [--commands advance,evolve] [--data inputs.npz]
                             [--record z1.s,W.weights] [--out DIR] [--set W.A_plus=2e-2 ...]
    synaptica inspect MODEL.yaml [--png graph.png] [--dot]
    synaptica validate MODEL.yaml
    synaptica types
    synaptica museum list
    synaptica museum run NAME [exhibit arguments ...]

``--set key=value`` (repeatable) overrides a component parameter (``W.A_plus=2e-2``), a top-level
key (``steps=500``, ``dt=0.5``, ``seed=3``) or a run default (``run.record=[z1.s]``); values are
read as YAML. Exit status: 0 on success, 1 for a model or data error (message on stderr), 2 for a
bad command line.
"""

from __future__ import annotations

import argparse
import ast
import difflib
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from .errors import ModelFileError, SynapticaError


class CLIError(SynapticaError):
    """A command-line request that cannot be carried out (bad --data, unknown exhibit, ...)."""


# -- shared ---------------------------------------------------------------------------------------------
def parse_sets(items: Sequence[str] | None) -> dict[str, Any]:
    """``["W.A_plus=2e-2", "steps=500"]`` -> ``{"W.A_plus": 0.02, "steps": 500}`` (values read as YAML)."""
    from .graph_yaml import parse_value

    out: dict[str, Any] = {}
    for item in items or []:
        key, eq, text = item.partition("=")
        if not eq or not key.strip():
            raise CLIError(f"--set {item!r}: write --set component.parameter=value or --set steps=500")
        try:
            out[key.strip()] = parse_value(text)
        except Exception as e:  # yaml.YAMLError
            raise CLIError(f"--set {item!r}: the value is not valid YAML: {e}") from e
    return out


def _split(text: str | None) -> list[str] | None:
    return None if text is None else [p.strip() for p in text.split(",") if p.strip()]


def _load(args: argparse.Namespace) -> tuple[Any, dict]:
    from .graph_yaml import build, read_graph

    graph, locs = read_graph(args.model, parse_sets(args.set))
    return build(graph, locs), graph


# -- run --------------------------------------------------------------------------------------------------
def _data_inputs(ctx: Any, path: Path, steps: int | None) -> tuple[dict, int | None]:
    """Arrays of an .npz keyed by compartment path: per-step series (steps, [batch,] ...) become run
    inputs; arrays without a time axis are clamped."""
    if not path.is_file():
        raise CLIError(f"--data {path}: no such file")
    inputs: dict[str, np.ndarray] = {}
    with np.load(path) as npz:
        arrays = {k: npz[k] for k in npz.files}
    for key, arr in arrays.items():
        ref = key.replace("/", ".")
        try:
            cpt = ctx._compartment(ref)
        except (SynapticaError, AttributeError) as e:
            raise CLIError(f"--data {path}: key {key!r} must name a compartment such as z0.inputs: {e}") from e
        shapes = {cpt.shape, cpt.full_shape(ctx.batch_size)}
        if arr.shape[1:] in shapes and arr.ndim > 0:
            if steps is not None and arr.shape[0] < steps:
                raise CLIError(f"--data {path}: {key} holds {arr.shape[0]} steps but {steps} were asked for")
            inputs[cpt.path] = arr
        elif arr.shape in shapes:
            ctx.clamp(cpt.path, arr)
        else:
            raise CLIError(f"--data {path}: {key} has shape {arr.shape}; {cpt.path} needs (steps, "
                           f"{', '.join(map(str, cpt.shape))}) or (steps, {ctx.batch_size}, ...) per step, "
                           f"or {cpt.shape} to clamp")
    lengths = {a.shape[0] for a in inputs.values()}
    if steps is None and lengths:
        steps = min(lengths)
    if steps is not None:
        inputs = {k: a[:steps] for k, a in inputs.items()}
    return inputs, steps


def _describe(arr: np.ndarray) -> dict[str, Any]:
    info: dict[str, Any] = {"shape": list(arr.shape), "dtype": str(arr.dtype)}
    if arr.size and np.issubdtype(arr.dtype, np.number):
        a = arr.astype(np.float64)
        info.update(mean=float(a.mean()), std=float(a.std()), min=float(a.min()), max=float(a.max()))
        if np.isin(a, (0.0, 1.0)).all():
            info["count"] = int(a.sum())
    return info


def cmd_run(args: argparse.Namespace) -> int:
    ctx, graph = _load(args)
    defaults = graph.get("run") or {}
    steps = args.steps if args.steps is not None else graph.get("steps", defaults.get("steps"))
    commands = _split(args.commands) or defaults.get("commands") or [c for c in ctx._commands if c != "reset"]
    if not commands:
        raise CLIError(f"{args.model} declares no commands to run; add `commands: {{advance: [...]}}`")
    record = _split(args.record) or defaults.get("record") or []
    data = args.data or defaults.get("data")
    inputs: dict = {}
    if data:
        data_path = Path(data) if args.data else Path(args.model).parent / data
        inputs, steps = _data_inputs(ctx, data_path, steps)
    if steps is None:
        raise CLIError(f"how many steps? pass --steps N, --set steps=N, or write `steps: N` in {args.model}")
    out = Path(args.out or defaults.get("out") or Path("runs") / ctx.name)
    plan = (f"{ctx.name}: {steps} steps of {', '.join(commands)} (dt = {ctx.dt:g} ms), recording "
            f"{', '.join(record) or 'nothing'}, inputs from {', '.join(inputs) or 'nothing'}")
    if args.dry_run:
        ctx.validate(commands, fed=inputs)
        print(f"would run {plan} -> {out}")
        return 0
    out.mkdir(parents=True, exist_ok=True)
    print(f"running {plan}", file=sys.stderr)
    start = time.perf_counter()
    records = ctx.run(commands, steps=int(steps), record=record, inputs=inputs, progress=not args.quiet)
    records = {k: np.asarray(v) for k, v in records.items()}
    wall = time.perf_counter() - start
    np.savez(out / "records.npz", **records)
    summary = {"model": ctx.name, "file": str(args.model), "overrides": parse_sets(args.set), "steps": int(steps),
               "commands": list(commands), "dt_ms": ctx.dt, "batch_size": ctx.batch_size, "seed": ctx.seed,
               "wall_s": round(wall, 3), "steps_per_s": round(steps / wall, 1) if wall > 0 else None,
               "records": {k: _describe(v) for k, v in records.items()}}
    if not args.no_save_model:
        ctx.save(out / "model")
        summary["saved_model"] = str(out / "model")
    (out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    print(f"{steps} steps in {wall:.2f} s; wrote {out / 'records.npz'} and {out / 'summary.json'}")
    for k, info in summary["records"].items():
        stats = ", ".join(f"{n}={info[n]:.4g}" for n in ("mean", "min", "max") if n in info)
        print(f"  {k}: shape {tuple(info['shape'])}" + (f", {stats}" if stats else ""))
    return 0


# -- inspect / validate / types ----------------------------------------------------------------------------
def cmd_inspect(args: argparse.Namespace) -> int:
    ctx, _ = _load(args)
    if args.dot:  # only the graph on stdout, so that `synaptica inspect m.yaml --dot | dot -Tsvg` works
        print(ctx.to_dot())
        if args.png:
            ctx.draw(str(args.png))
            print(f"wrote {args.png}", file=sys.stderr)
        return 0
    print(ctx.summary())
    print("\nparameters:")
    for name, comp in ctx._components.items():
        params = ", ".join(f"{k}={v!r}" for k, v in comp._config.items())
        print(f"  {name}: {params}")
    print("\nwires:")
    for target, src in ctx._wires.items():
        print(f"  {target} << {src.to_str()}")
    if args.png:
        ctx.draw(str(args.png))
        print(f"\nwrote {args.png}")
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    ctx, graph = _load(args)
    defaults = graph.get("run") or {}
    for ref in defaults.get("record") or []:
        try:
            ctx._compartment(ref)
        except (SynapticaError, AttributeError) as e:
            raise ModelFileError(f"{args.model}: run.record: {e}") from e
    for name in defaults.get("commands") or []:
        if name not in ctx._commands:
            raise ModelFileError(f"{args.model}: run.commands: no command '{name}'; declared: "
                                 f"{', '.join(ctx._commands)}")
    print(f"OK {args.model}: '{ctx.name}', {len(ctx._components)} components, {len(ctx._wires)} wires, "
          f"commands: {', '.join(ctx._commands) or 'none'}")
    return 0


def cmd_types(args: argparse.Namespace) -> int:
    from .registry import registered

    for name, cls in registered().items():
        doc = (cls.__doc__ or "").strip().splitlines()
        print(f"{name:<24} {cls.__module__}:{cls.__qualname__}" + (f"  {doc[0]}" if doc else ""))
    return 0


# -- museum ----------------------------------------------------------------------------------------------
def museum_dir() -> Path | None:
    """The museum folder: ``$SYNAPTICA_MUSEUM`` or the installed ``museum`` package."""
    env = os.environ.get("SYNAPTICA_MUSEUM")
    if env:
        return Path(env)
    import importlib.util

    spec = importlib.util.find_spec("museum")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(list(spec.submodule_search_locations)[0])


def exhibits(root: Path | None = None) -> dict[str, str]:
    """Exhibit name -> first line of its description (folders of the museum with a ``__main__.py``)."""
    root = root or museum_dir()
    out: dict[str, str] = {}
    if root is None or not root.is_dir():
        return out
    for d in sorted(root.iterdir()):
        main = d / "__main__.py"
        if d.name.startswith(("_", ".")) or not main.is_file():
            continue
        doc = ""
        for f in (main, d / "__init__.py"):
            if not doc and f.is_file():
                try:
                    doc = ast.get_docstring(ast.parse(f.read_text())) or ""
                except SyntaxError:
                    doc = ""
        out[d.name] = doc.strip().splitlines()[0] if doc.strip() else ""
    return out


def cmd_museum(args: argparse.Namespace) -> int:
    root = museum_dir()
    found = exhibits(root)
    if args.action == "list":
        if not found:
            print(f"no exhibits found in {root}")
        for name, doc in found.items():
            print(f"{name:<32} {doc}")
        return 0
    if not args.name:
        raise CLIError("synaptica museum run NAME [args...]; `synaptica museum list` shows the names")
    if args.name not in found:
        close = difflib.get_close_matches(args.name, list(found), n=3)
        hint = f" Did you mean {', '.join(close)}?" if close else ""
        raise CLIError(f"no exhibit '{args.name}' in {root}.{hint} Exhibits: {', '.join(found) or 'none'}")
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(root.resolve().parent), env.get("PYTHONPATH")) if p)
    cmd = [sys.executable, "-m", f"museum.{args.name}", *args.args]
    print("$ " + " ".join(cmd[1:]).replace(sys.executable, "python"), file=sys.stderr, flush=True)
    return subprocess.call(cmd, env=env)


# -- entry point -------------------------------------------------------------------------------------------
def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="synaptica", description="Run, inspect and validate synaptica models.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="{run,inspect,validate,types,museum}")

    def model_parser(name: str, help: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help, description=help)
        p.add_argument("model", help="the YAML model file")
        p.add_argument("--set", action="append", metavar="KEY=VALUE",
                       help="override a parameter (W.A_plus=2e-2) or top-level key (steps=500); repeatable")
        return p

    run = model_parser("run", "run a model and save the records (.npz) and a summary (.json)")
    run.add_argument("--steps", type=int, help="number of time steps (default: the file's `steps`)")
    run.add_argument("--commands", help="comma-separated commands per step (default: all but reset)")
    run.add_argument("--data", help=".npz of per-step inputs keyed by compartment (z0.inputs)")
    run.add_argument("--record", help="comma-separated compartments to record (z1.s,W.weights)")
    run.add_argument("--out", help="output folder (default: runs/<model name>)")
    run.add_argument("--quiet", action="store_true", help="no progress line")
    run.add_argument("--dry-run", action="store_true", help="check and print what would run, run nothing")
    run.add_argument("--no-save-model", action="store_true", help="do not save the final model to OUT/model")
    run.set_defaults(func=cmd_run)
    insp = model_parser("inspect", "print components, compartments, shapes and wires; draw the graph")
    insp.add_argument("--png", type=Path, help="write a picture of the wiring graph")
    insp.add_argument("--dot", action="store_true",
                      help="print only the graph, in Graphviz dot syntax (pipe into `dot -Tpng`)")
    insp.set_defaults(func=cmd_inspect)
    model_parser("validate", "check a model file (schema, types, wires, shapes, orders)").set_defaults(
        func=cmd_validate)
    sub.add_parser("types", help="list the registered component types").set_defaults(func=cmd_types)
    mus = sub.add_parser("museum", help="list or run the museum's exhibits")
    mus.add_argument("action", choices=["list", "run"])
    mus.add_argument("name", nargs="?", help="exhibit name (for run)")
    mus.add_argument("args", nargs=argparse.REMAINDER, help="arguments passed to the exhibit")
    mus.set_defaults(func=cmd_museum)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """``synaptica ...``; returns the exit status."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except SynapticaError as e:
        print(f"synaptica {args.command}: error: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:  # pragma: no cover - interactive
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # pragma: no cover - `synaptica inspect m.yaml | head`
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
