"""Timing helpers shared by the benchmarks: warm-up, ``block_until_ready``, median of repeats,
JSON results, and plain-text tables.

Results go to ``benchmarks/results/local/`` (not tracked by git), or with ``--publish`` to
``benchmarks/results/`` (the numbers benchmarks/README.md quotes)."""

from __future__ import annotations

import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path
from typing import Any, Callable, Sequence

RESULTS = Path(__file__).resolve().parent / "results"      # published numbers (tracked)
LOCAL_RESULTS = RESULTS / "local"                            # everyday runs (gitignored)


def add_publish_flag(parser: Any) -> None:
    """``--publish``: write into ``benchmarks/results/`` instead of ``benchmarks/results/local/``."""
    parser.add_argument("--publish", action="store_true",
                        help="write the results into benchmarks/results/ (the published numbers) instead of "
                             "benchmarks/results/local/")


def results_dir(publish: bool = False) -> Path:
    """Where a benchmark writes its JSON and figures (created if missing)."""
    path = RESULTS if publish else LOCAL_RESULTS
    path.mkdir(parents=True, exist_ok=True)
    return path


def block(x: Any) -> Any:
    """Wait for every array in the pytree ``x`` to be computed (JAX dispatches asynchronously)."""
    import jax

    return jax.block_until_ready(x)


def run_from_start(ctx: Any, steps: int, commands: Sequence[str] = ("advance", "evolve")) -> Callable[[], Any]:
    """A function that puts ``ctx`` back in its current state and runs ``steps`` steps of ``commands``
    (every timed call does the same work from the same state); returns the final state."""
    state0 = ctx.state

    def go() -> Any:
        ctx.state = state0
        ctx.run(list(commands), steps=steps)
        return ctx.state

    return go


def time_fn(fn: Callable[[], Any], repeats: int = 3, warmup: int = 1) -> dict:
    """Call ``fn`` ``warmup`` times (compilation), then ``repeats`` times; wall seconds per call.

    ``fn``'s result is blocked on, so asynchronous dispatch does not hide the work. Returns
    ``{"median": s, "min": s, "times": [...]}``.
    """
    for _ in range(warmup):
        block(fn())
    times, cpu = [], []
    for _ in range(repeats):
        start, start_cpu = time.perf_counter(), time.process_time()
        block(fn())
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return {"median": statistics.median(times), "min": min(times), "times": times,
            "cpu_median": statistics.median(cpu), "cpu": cpu}


def time_interleaved(fns: dict[str, Callable[[], Any]], repeats: int = 5, warmup: int = 1) -> dict:
    """Like :func:`time_fn` for several functions, timed in turn (a, b, a, b, ...).

    On a machine shared with other jobs, interleaving exposes each candidate to the same load;
    report ratios of medians (and of minima, the least disturbed run). Also records the CPU time
    of this process (all its threads, ``time.process_time``), which other jobs disturb far less
    than wall time: ``cpu_median``.
    """
    for fn in fns.values():
        for _ in range(warmup):
            block(fn())
    times: dict[str, list] = {k: [] for k in fns}
    cpu: dict[str, list] = {k: [] for k in fns}
    for _ in range(repeats):
        for k, fn in fns.items():
            start, start_cpu = time.perf_counter(), time.process_time()
            block(fn())
            times[k].append(time.perf_counter() - start)
            cpu[k].append(time.process_time() - start_cpu)
    return {k: {"median": statistics.median(v), "min": min(v), "times": v, "cpu_median": statistics.median(cpu[k]),
                "cpu": cpu[k]} for k, v in times.items()}


def load_average() -> float | None:
    """The 1-minute load average (other jobs on the machine disturb timings)."""
    try:
        return os.getloadavg()[0]
    except OSError:  # pragma: no cover
        return None


def machine() -> dict:
    """What the numbers were measured on."""
    info = {"platform": platform.platform(), "python": sys.version.split()[0], "cpus": os.cpu_count(),
            "load_average_1min": load_average()}
    try:
        import jax

        info["jax"] = jax.__version__
        info["devices"] = [str(d) for d in jax.devices()]
        info["backend"] = jax.default_backend()
    except Exception as exc:  # pragma: no cover - jax missing
        info["jax"] = f"unavailable: {exc}"
    try:
        with open("/proc/cpuinfo") as f:
            names = [ln.split(":", 1)[1].strip() for ln in f if ln.startswith("model name")]
        if names:
            info["cpu"] = names[0]
    except OSError:
        pass
    return info


def write_json(name: str, payload: dict, publish: bool = False) -> Path:
    """Write ``payload`` (plus the machine and the command line) to ``<results_dir(publish)>/<name>.json``."""
    path = results_dir(publish) / f"{name}.json"
    command = " ".join([Path(sys.executable).name, "-m", f"benchmarks.{name}"] + sys.argv[1:])
    doc = {"benchmark": name, "command": command,
           "when": time.strftime("%Y-%m-%d %H:%M:%S %Z"), "machine": machine(), **payload}
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(doc, indent=2, default=float))
    tmp.replace(path)
    return path


def fmt(x: Any) -> str:
    if x is None:
        return "-"
    if isinstance(x, float):
        if x != x:
            return "nan"
        if abs(x) >= 100:
            return f"{x:,.0f}"
        if abs(x) >= 1:
            return f"{x:.2f}"
        return f"{x:.3g}"
    return str(x)


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A Markdown table (also readable in a terminal)."""
    cells = [[fmt(c) for c in r] for r in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) if cells else len(h) for i, h in enumerate(headers)]
    line = "| " + " | ".join(h.ljust(w) for h, w in zip(headers, widths)) + " |"
    sep = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    body = ["| " + " | ".join(c.rjust(w) for c, w in zip(r, widths)) + " |" for r in cells]
    return "\n".join([line, sep, *body])


def memory_bandwidth_gbs(n_bytes: int = 256 << 20, repeats: int = 5) -> float:
    """This machine's copy bandwidth (GB/s) by a NumPy array copy: read + write of ``n_bytes``."""
    import numpy as np

    src = np.ones(n_bytes // 8, np.float64)
    dst = np.empty_like(src)
    np.copyto(dst, src)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        np.copyto(dst, src)
        times.append(time.perf_counter() - start)
    return 2 * n_bytes / min(times) / 1e9
