"""Time e-prop training of the sine-wave task (museum/eprop_sine_waves): one iteration and 2000.

One iteration = reset + 1000 steps of advance/accumulate (one scan) + one weight update; the loop over
iterations is itself one compiled scan. Reference: NEST 3.10 needs about 140 ms per iteration on this
machine (2000 iterations in ~283 s on 2 cores).

    python benchmarks/eprop_iteration.py                       # batch 1 and 32, 2000 iterations for batch 1
    python benchmarks/eprop_iteration.py --full-iterations 300 # extrapolate 2000 from 300
    python benchmarks/eprop_iteration.py --cores 1             # pinned to one core (fastest for batch 1)
    python benchmarks/eprop_iteration.py --cores 1 --forms online factored --full-iterations 0

``--forms`` times the eligibility computations of ``EpropSynapse`` side by side (interleaved repeats, so
the ratios hold on a loaded machine): ``online`` (the default: e, ebar and g updated every step, n_in x
n_out work per step), ``factored`` (``eligibility="factored"``: vectors stored per step, ``g = Zbar^T
(Psi * Lf)`` once per sequence; ``keep_traces=False``, exact here since every iteration starts with a
reset) and ``factored_keep`` (the same, also computing ebar at the end of the sequence).

A 100-neuron network is far too small to feed XLA's CPU thread pool: at batch 1 each of the
1000 steps is a few 100 x 100 products, and handing them to a second thread costs more than it
saves, so one pinned core is ~2x faster than two (10.3 vs 21.3 ms; benchmarks/README.md section 6).

Prints a table and writes benchmarks/results/local/eprop_iteration.json (``--publish``:
benchmarks/results/; ``--tag T``: eprop_iteration_T.json). The load average at the start and end is
recorded next to the numbers.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

import jax
import numpy as np

try:
    from benchmarks.common import add_publish_flag, results_dir
except ImportError:  # run as a script (python benchmarks/eprop_iteration.py): its folder is on sys.path
    from common import add_publish_flag, results_dir

NEST_MS_PER_ITERATION = 140.0


def _load() -> float:
    try:
        return os.getloadavg()[0]
    except OSError:  # pragma: no cover
        return float("nan")


FORMS = {"online": {}, "factored": {"eligibility": "factored", "keep_traces": False},
         "factored_keep": {"eligibility": "factored", "keep_traces": True}}


def overrides(form: str, steps: int = 1000) -> dict:
    """YAML overrides selecting an eligibility form for the three plastic synapses."""
    extra = dict(FORMS[form], max_steps=steps) if FORMS[form] else {}
    return {f"{syn}.{k}": v for syn in ("W_in", "W_rec", "W_out") for k, v in extra.items()}


def bench_forms(batch_size: int, repeats: int, chunk: int, forms: list) -> list:
    """ms per iteration of each form, timed interleaved (a, b, a, b, ...), from the same initial weights."""
    from museum.eprop_sine_waves import Trainer, build, make_task

    x, y = make_task(0)
    trainers, first, losses = {}, {}, {}
    for form in forms:
        t0 = time.perf_counter()
        tr = Trainer(build(seed=0, batch_size=batch_size, overrides=overrides(form)), x, y)
        state, loss = tr.train(chunk)
        jax.block_until_ready(state)
        trainers[form], first[form], losses[form] = tr, time.perf_counter() - t0, np.asarray(loss)[:, 0]
    times: dict = {f: [] for f in forms}
    cpu: dict = {f: [] for f in forms}
    for _ in range(repeats):
        for form in forms:
            t1, c1 = time.perf_counter(), time.process_time()
            state, _ = trainers[form].train(chunk)
            jax.block_until_ready(state)
            times[form].append((time.perf_counter() - t1) / chunk)
            cpu[form].append((time.process_time() - c1) / chunk)
    ref = forms[0]
    rows = []
    for form in forms:
        med = float(np.median(times[form]))
        rows.append({"form": form, "batch_size": batch_size, "ms_per_iteration_median": med * 1e3,
                     "ms_per_iteration_best": min(times[form]) * 1e3,
                     "cpu_ms_per_iteration_median": float(np.median(cpu[form])) * 1e3,
                     "ms_per_sequence_median": med * 1e3 / batch_size,
                     f"{ref}_over_this_median": float(np.median(times[ref])) / med,
                     f"{ref}_over_this_cpu": float(np.median(cpu[ref])) / float(np.median(cpu[form])),
                     "build_compile_first_chunk_s": first[form], "chunk": chunk, "repeats": repeats,
                     "max_rel_loss_diff_vs_" + ref: float(np.max(np.abs(losses[form] - losses[ref])
                                                                 / np.maximum(np.abs(losses[ref]), 1e-12)))})
    return rows


def bench(batch_size: int, repeats: int, chunk: int) -> dict:
    from museum.eprop_sine_waves import Trainer, build, make_task

    t0 = time.perf_counter()
    ctx = build(seed=0, batch_size=batch_size)
    x, y = make_task(0)
    tr = Trainer(ctx, x, y)
    state, losses = tr.train(chunk)  # compile + first chunk
    jax.block_until_ready(state)
    t_first = time.perf_counter() - t0
    times, cpu = [], []
    for _ in range(repeats):
        t1, c1 = time.perf_counter(), time.process_time()
        state, losses = tr.train(chunk)
        jax.block_until_ready(state)
        times.append((time.perf_counter() - t1) / chunk)
        cpu.append((time.process_time() - c1) / chunk)
    best, median = min(times), float(np.median(times))
    return {"batch_size": batch_size, "ms_per_iteration_best": best * 1e3, "ms_per_iteration_median": median * 1e3,
            "cpu_ms_per_iteration_median": float(np.median(cpu)) * 1e3,
            "ms_per_sequence_median": median * 1e3 / batch_size, "build_compile_first_chunk_s": t_first,
            "chunk": chunk, "repeats": repeats, "loss_last": float(losses[-1, 0])}


def full_run(iterations: int, measured: int) -> dict:
    """Build, compile and train ``measured`` iterations end to end (batch 1); extrapolate to ``iterations``."""
    from museum.eprop_sine_waves import Trainer, build, make_task

    t0, c0 = time.perf_counter(), time.process_time()
    ctx = build(seed=0)
    x, y = make_task(0)
    tr = Trainer(ctx, x, y)
    state, losses = tr.train(measured)
    jax.block_until_ready(state)
    total, cpu = time.perf_counter() - t0, time.process_time() - c0
    return {"iterations_run": measured, "seconds_end_to_end": total, "cpu_seconds_end_to_end": cpu,
            "seconds_for_2000": total if measured == iterations else total / measured * iterations,
            "extrapolated": measured != iterations, "loss_first": float(losses[0, 0]),
            "loss_last": float(losses[-1, 0])}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--batch", type=int, nargs="+", default=[1, 32])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--chunk", type=int, default=20, help="iterations per timed call")
    parser.add_argument("--full-iterations", type=int, default=2000,
                        help="iterations actually run for the end-to-end figure (extrapolated to 2000)")
    parser.add_argument("--out", type=Path, default=None,
                        help="JSON file (default: benchmarks/results/local/eprop_iteration[_TAG].json)")
    parser.add_argument("--tag", default="", help="suffix of the JSON file name (several runs side by side)")
    add_publish_flag(parser)
    parser.add_argument("--forms", nargs="+", choices=list(FORMS), default=None,
                        help="time these eligibility forms side by side instead (the first is the reference)")
    parser.add_argument("--cores", type=int, default=0,
                        help="pin the process to this many cores before JAX starts (0: leave as is)")
    args = parser.parse_args()
    if args.cores > 0:  # must precede the first JAX computation: XLA sizes its thread pool then
        os.sched_setaffinity(0, sorted(os.sched_getaffinity(0))[:args.cores])
    load0 = _load()
    if args.forms:
        return forms_main(args, load0)
    rows = [bench(b, args.repeats, args.chunk if b < 8 else max(2, args.chunk // 8)) for b in args.batch]
    full = full_run(2000, args.full_iterations) if args.full_iterations > 0 else None
    load1 = _load()
    print(f"\ne-prop sine-wave iteration (1000 steps, 100 in / 100 LIF / 1 out), {jax.default_backend()}, "
          f"load average {load0:.1f} -> {load1:.1f}")
    print(f"{'batch':>6} {'ms/iter (best)':>15} {'ms/iter (median)':>17} {'CPU ms/iter':>12} {'ms/sequence':>12} "
          f"{'vs NEST 140 ms':>15}")
    for r in rows:
        r["speedup_vs_nest_per_sequence"] = NEST_MS_PER_ITERATION / r["ms_per_sequence_median"]
        print(f"{r['batch_size']:>6} {r['ms_per_iteration_best']:>15.1f} {r['ms_per_iteration_median']:>17.1f} "
              f"{r['cpu_ms_per_iteration_median']:>12.1f} {r['ms_per_sequence_median']:>12.2f} "
              f"{r['speedup_vs_nest_per_sequence']:>14.1f}x")
    if full:
        tag = f"extrapolated from {full['iterations_run']}" if full["extrapolated"] else "measured"
        print(f"2000 iterations end to end (build + compile + train, batch 1): {full['seconds_for_2000']:.1f} s "
              f"({tag}); NEST ~283 s -> {283.0 / full['seconds_for_2000']:.1f}x")
    out = {"benchmark": "eprop_iteration", "backend": jax.default_backend(), "jax": jax.__version__,
           "machine": platform.platform(), "cpu_count": os.cpu_count(), "load_average_start": load0,
           "load_average_end": load1, "nest_ms_per_iteration": NEST_MS_PER_ITERATION, "rows": rows,
           "end_to_end": full}
    out["cpu_affinity"] = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    if args.out is None:
        args.out = results_dir(args.publish) / ("eprop_iteration" + (f"_{args.tag}" if args.tag else "") + ".json")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out, indent=2) + "\n")
    print(f"wrote {args.out}")


def forms_main(args: argparse.Namespace, load0: float) -> None:
    rows = [r for b in args.batch
            for r in bench_forms(b, args.repeats, args.chunk if b < 8 else max(2, args.chunk // 8), args.forms)]
    load1 = _load()
    ref = args.forms[0]
    print(f"\ne-prop sine-wave iteration by eligibility form, {jax.default_backend()}, "
          f"{len(os.sched_getaffinity(0))} core(s), load average {load0:.1f} -> {load1:.1f}; interleaved repeats")
    print(f"{'form':>14} {'batch':>6} {'ms/iter (median)':>17} {'ms/iter (best)':>15} {'CPU ms/iter':>12} "
          f"{'ms/sequence':>12} {ref + '/this':>14} {'(CPU)':>7} {'vs NEST 140 ms':>15} {'loss rel. diff':>15}")
    for r in rows:
        r["speedup_vs_nest_per_sequence"] = NEST_MS_PER_ITERATION / r["ms_per_sequence_median"]
        print(f"{r['form']:>14} {r['batch_size']:>6} {r['ms_per_iteration_median']:>17.2f} "
              f"{r['ms_per_iteration_best']:>15.2f} {r['cpu_ms_per_iteration_median']:>12.2f} "
              f"{r['ms_per_sequence_median']:>12.2f} {r[ref + '_over_this_median']:>14.2f} "
              f"{r[ref + '_over_this_cpu']:>7.2f} {r['speedup_vs_nest_per_sequence']:>14.1f}x "
              f"{r['max_rel_loss_diff_vs_' + ref]:>15.1e}")
    out = {"benchmark": "eprop_iteration_forms", "backend": jax.default_backend(), "jax": jax.__version__,
           "machine": platform.platform(), "cpu_count": os.cpu_count(), "load_average_start": load0,
           "load_average_end": load1, "nest_ms_per_iteration": NEST_MS_PER_ITERATION, "forms": args.forms,
           "rows": rows, "cpu_affinity": sorted(os.sched_getaffinity(0))}
    if args.out is None:
        args.out = results_dir(args.publish) / ("eprop_iteration_forms" + (f"_{args.tag}" if args.tag else "")
                                                + ".json")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out, indent=2) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
