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
read as YAML. ``validate`` checks everything ``run`` would (the same code path): it fails when a run
would. Exit status: 0 on success, 1 for a model or data error, 2 for a bad command line; every
error is one line on stderr that names the problem and the fix.
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
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from .errors import NonFiniteError, SynapticaError, ValidationError


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
    return build(graph, locs, allow_import=args.allow_import or ()), graph


def _compartment(ctx: Any, ref: str, what: str) -> Any:
    """The compartment ``ref`` names (``z1.s``), or an error listing the component's compartments."""
    from .compartment import Compartment

    comp_name, _, name = str(ref).partition(".")
    comp = ctx._components.get(comp_name)
    cpt = comp._compartments.get(name) if comp is not None else None
    if not isinstance(cpt, Compartment):
        if comp is None:
            hint = f"components: {', '.join(ctx._components)}"
        else:
            hint = f"{comp_name} has {', '.join(comp._compartments)}"
        raise CLIError(f"{what}: {ref!r} is not a compartment ({hint}); write component.compartment")
    return cpt


# -- run --------------------------------------------------------------------------------------------------
def _data_inputs(ctx: Any, path: Path, steps: int | None) -> tuple[dict, int | None]:
    """Arrays of an .npz keyed by compartment path: per-step series (steps, [batch,] ...) become run
    inputs; arrays without a time axis are clamped."""
    if not path.exists():
        raise CLIError(f"--data {path}: no such file")
    if not path.is_file():
        raise CLIError(f"--data {path}: not a regular file (a folder, pipe or device); pass an .npz file")
    inputs: dict[str, np.ndarray] = {}
    how = "write it with numpy.savez(path, **{'z0.inputs': xs})"
    try:
        with open(path, "rb") as f:
            magic = f.read(4)
    except OSError as e:
        raise CLIError(f"--data {path}: cannot read it ({e.strerror or e})") from e
    if magic not in (b"PK\x03\x04", b"PK\x05\x06"):
        raise CLIError(f"--data {path}: not an .npz archive (it does not start like a zip file); {how}")
    try:
        with open(path, "rb") as f, np.load(f, allow_pickle=False) as npz:
            arrays = {k: npz[k] for k in npz.files}
    except Exception as e:  # not a zip, truncated, pickled objects, a plain .npy (no `with`)
        raise CLIError(f"--data {path}: not a readable .npz ({type(e).__name__}: {e}); {how}") from e
    if not arrays:
        raise CLIError(f"--data {path}: the .npz holds no arrays; {how}")
    for key, arr in arrays.items():
        if arr.dtype.kind not in "biuf":
            raise CLIError(f"--data {path}: {key} holds {arr.dtype} values; inputs are numbers (bool, int "
                           f"or float arrays)")
        cpt = _compartment(ctx, key.replace("/", "."), f"--data {path}: key {key!r}")
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
        with np.errstate(all="ignore"):  # inf - inf in std: the NaN is reported as null below
            moments = (a.mean(), a.std())
        info.update({k: (v if np.isfinite(v) else None) for k, v in  # JSON has no NaN
                     (("mean", float(moments[0])), ("std", float(moments[1])), ("min", float(a.min())),
                      ("max", float(a.max())))})
        if np.isin(a, (0.0, 1.0)).all():
            info["count"] = int(a.sum())
    return info


@dataclass
class Plan:
    """What ``run`` would do, checked: ``validate`` and ``run --dry-run`` stop here."""

    ctx: Any
    graph: dict
    steps: int
    commands: list[str]
    record: list[str]
    inputs: dict
    out: Path

    def describe(self) -> str:
        return (f"{self.ctx.name}: {self.steps} steps of {', '.join(self.commands)} (dt = {self.ctx.dt:g} ms), "
                f"recording {', '.join(self.record) or 'nothing'}, inputs from {', '.join(self.inputs) or 'nothing'}")


def unfed_inputs(ctx: Any, commands: Sequence[str], fed: Sequence[str]) -> list[tuple[Any, str]]:
    """Every required input that ``commands`` read but nothing feeds (no wire, no clamp, no data)."""
    fed_set = set(fed) | set(ctx._clamped) | set(ctx._wires)
    out: dict[str, tuple[Any, str]] = {}
    for n in commands:
        cmd = ctx._commands[n]
        if cmd.method == "reset":
            continue
        for comp in cmd.components:
            for name in sorted(ctx._step_io(comp, cmd.method).reads):
                cpt = comp._compartments[name]
                if cpt.kind == "input" and cpt.required and cpt.path not in fed_set:
                    out.setdefault(cpt.path, (cpt, n))
    return list(out.values())


def _check_out(out: Path) -> None:
    """The output folder can be created and written (checked before a long run, creating nothing)."""
    probe = out
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    if probe == out and not out.is_dir():
        raise CLIError(f"--out {out}: exists and is not a folder; pass a folder path")
    if probe != out and not probe.is_dir():
        raise CLIError(f"--out {out}: {probe} is a file, so the folder cannot be created; pass another path")
    if not os.access(probe, os.W_OK | os.X_OK):
        raise CLIError(f"--out {out}: {probe} is not writable; pass a folder you can write to")


def plan_run(args: argparse.Namespace) -> Plan:
    """Load the model and check everything a run needs: steps, commands, records, data, fed inputs,
    memory. Shared by ``run``, ``run --dry-run`` and ``validate``."""
    from .graph_yaml import check_memory

    ctx, graph = _load(args)
    defaults = graph.get("run") or {}
    steps = args.steps if args.steps is not None else graph.get("steps", defaults.get("steps"))
    if steps is not None and steps < 1:
        raise CLIError(f"--steps {steps}: the number of steps must be at least 1")
    commands = _split(args.commands) or defaults.get("commands") or [c for c in ctx._commands if c != "reset"]
    if not commands:
        raise CLIError(f"{args.model} declares no commands to run; add `commands: {{advance: [...]}}`")
    for name in commands:
        if name not in ctx._commands:
            raise ValidationError(f"{args.model}: no command '{name}' (from --commands or run.commands); "
                                  f"declared: {', '.join(ctx._commands) or 'none'}")
    record = _split(args.record) or defaults.get("record") or []
    for ref in record:
        _compartment(ctx, ref, "--record / run.record")
    data = args.data or defaults.get("data")
    inputs: dict = {}
    if data:
        data_path = Path(data) if args.data else Path(args.model).parent / data
        inputs, steps = _data_inputs(ctx, data_path, steps)
    if steps is None:
        raise CLIError(f"how many steps? pass --steps N, --set steps=N, or write `steps: N` in {args.model}")
    missing = unfed_inputs(ctx, commands, list(inputs))
    if missing:
        names = "; ".join(f"{cpt.path} ({type(cpt.owner).__name__}, read by '{cmd}')" for cpt, cmd in missing)
        keys = ", ".join(f"'{cpt.path}' of shape (steps, {', '.join(map(str, cpt.shape))})" for cpt, _ in missing)
        raise ValidationError(
            f"{args.model}: {len(missing)} required input(s) never fed, so a run would fail: {names}. Wire each "
            f"in the file (`{missing[0][0].path} << other.outputs`), or pass --data inputs.npz holding {keys} "
            f"(an array without the steps axis is clamped)")
    ctx.validate(commands, fed=inputs)
    cpts = [_compartment(ctx, r, "--record") for r in record]
    record_bytes = int(steps) * sum(int(np.prod(c.full_shape(ctx.batch_size), dtype=object))
                                    * c.resolved_dtype(ctx.dtype).itemsize for c in cpts)
    check_memory(ctx, extra=record_bytes, what=f"records of {steps} steps")
    out = Path(getattr(args, "out", None) or defaults.get("out") or Path("runs") / ctx.name)
    return Plan(ctx, graph, int(steps), list(commands), list(record), inputs, out)


def _write_summary(plan: Plan, args: argparse.Namespace, records: dict, wall: float, error: str | None) -> dict:
    summary = {"model": plan.ctx.name, "file": str(args.model), "overrides": parse_sets(args.set),
               "steps": plan.steps, "commands": plan.commands, "dt_ms": plan.ctx.dt,
               "batch_size": plan.ctx.batch_size, "seed": plan.ctx.seed, "wall_s": round(wall, 3),
               "steps_per_s": round(plan.steps / wall, 1) if wall > 0 else None,
               "records": {k: _describe(v) for k, v in records.items()}}
    if error:
        summary["error"] = error
    return summary


def cmd_run(args: argparse.Namespace) -> int:
    plan = plan_run(args)
    ctx, out = plan.ctx, plan.out
    _check_out(out)
    if args.dry_run:
        print(f"would run {plan.describe()} -> {out}")
        return 0
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise CLIError(f"--out {out}: cannot create the folder ({e.strerror or e}); pass another path") from e
    print(f"running {plan.describe()}", file=sys.stderr)
    start = time.perf_counter()
    error: NonFiniteError | None = None
    try:
        records = ctx.run(plan.commands, steps=plan.steps, record=plan.record, inputs=plan.inputs,
                          progress=not args.quiet)
        records = {k: np.asarray(v) for k, v in records.items()}
    except NonFiniteError as e:  # check_finite: the records of this run are lost, the summary is not
        records, error = {}, e
    wall = time.perf_counter() - start
    if error is None:
        from .persistence import _first_nonfinite, flatten_state

        bad = _first_nonfinite({f"x/{k.replace('.', '/')}": v for k, v in records.items()}) \
            or _first_nonfinite(flatten_state(ctx.state))
        if bad:
            error = NonFiniteError(f"{bad} is NaN/Inf after the run; records and summary are written, the model "
                                   f"is not saved. Common causes: dt too large for a time constant, a learning "
                                   f"rate too high, unbounded weights. Set `check_finite: true` in the file to "
                                   f"stop at the first bad step")
    np.savez(out / "records.npz", **records)
    summary = _write_summary(plan, args, records, wall, str(error) if error else None)
    if not args.no_save_model and error is None:
        ctx.save(out / "model")
        summary["saved_model"] = str(out / "model")
    (out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    if error is not None:
        raise error
    print(f"{plan.steps} steps in {wall:.2f} s; wrote {out / 'records.npz'} and {out / 'summary.json'}")
    for k, info in summary["records"].items():
        stats = ", ".join(f"{n}={info[n]:.4g}" for n in ("mean", "min", "max") if info.get(n) is not None)
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
    plan = plan_run(args)  # the checks of `run`, so OK means the run starts
    ctx = plan.ctx
    print(f"OK {args.model}: '{ctx.name}', {len(ctx._components)} components, {len(ctx._wires)} wires, "
          f"commands: {', '.join(ctx._commands) or 'none'}; would run {plan.describe()}")
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
class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors (the usage block is one `--help` away)."""

    def error(self, message: str) -> Any:
        self.exit(2, f"{self.prog}: error: {' '.join(message.split())}; see `{self.prog} --help`\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="synaptica", description="Run, inspect and validate synaptica models.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="{run,inspect,validate,types,museum}")

    def model_parser(name: str, help: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help, description=help)
        p.add_argument("model", help="the YAML model file")
        p.add_argument("--set", action="append", metavar="KEY=VALUE",
                       help="override a parameter (W.A_plus=2e-2) or top-level key (steps=500); repeatable")
        p.add_argument("--allow-import", action="append", metavar="PACKAGE",
                       help="let `type: 'PACKAGE.module:Class'` import that package (trusted code only); "
                            "repeatable")
        return p

    def plan_options(p: argparse.ArgumentParser) -> None:
        p.add_argument("--steps", type=int, help="number of time steps (default: the file's `steps`)")
        p.add_argument("--commands", help="comma-separated commands per step (default: all but reset)")
        p.add_argument("--data", help=".npz of per-step inputs keyed by compartment (z0.inputs)")
        p.add_argument("--record", help="comma-separated compartments to record (z1.s,W.weights)")

    run = model_parser("run", "run a model and save the records (.npz) and a summary (.json)")
    plan_options(run)
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
    val = model_parser("validate", "check that `run` with these options would start (schema, types, wires, "
                                   "shapes, orders, fed inputs, data, memory)")
    plan_options(val)
    val.set_defaults(func=cmd_validate)
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
        print(f"synaptica {args.command}: error: {' '.join(str(e).split())}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:  # pragma: no cover - interactive
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # pragma: no cover - `synaptica inspect m.yaml | head`
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except MemoryError:
        print(f"synaptica {args.command}: error: out of memory; use smaller sizes, batch_size or steps",
              file=sys.stderr)
        return 1
    except Exception as e:  # a bug of ours: still one line, never a traceback, and say so
        what = " ".join(f"{type(e).__name__}: {e}".split())[:500]
        if "RESOURCE_EXHAUSTED" in what:
            print(f"synaptica {args.command}: error: the accelerator ran out of memory; use smaller sizes, "
                  f"batch_size or steps", file=sys.stderr)
        else:
            print(f"synaptica {args.command}: internal error ({what}); please report it with the model file",
                  file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
