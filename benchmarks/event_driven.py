"""Event-driven vs dense propagation of spikes: ``EventDrivenSynapse`` vs ``DenseSynapse(layout="dense")``.

One ``N x N`` static projection driven by Bernoulli spikes (a fraction ``p`` of the presynaptic neurons
spike in each step; at dt = 0.1 ms, p = 0.001 is 10 Hz), ``ctx.run("advance", steps=T)`` with the
spikes fed per step, batch 1. Both are timed interleaved (a, b, a, b, ...) in the same process and
the table gives the ratio of medians (and of CPU times), so it holds on a loaded machine. The
outputs of the two are checked equal (to float rounding) in every run. The event synapse's
``capacity`` is set from the largest count of spikes in one step of the drawn input (x 1.25, at
least 16), as a user would size it from ``max_events``.

    python -m benchmarks.event_driven                                  # N 1000 4000 8000, p 0.001 ... 0.05
    python -m benchmarks.event_driven --sizes 4000 --rates 0.001 0.01 --steps 200
"""

from __future__ import annotations

import argparse
import sys

import numpy as np

from benchmarks.common import add_publish_flag, load_average, table, time_interleaved, write_json


def build(kind: str, n: int, capacity: int, seed: int = 0):
    from components.synapses import DenseSynapse, EventDrivenSynapse
    from contexts import Context

    w = {"dist": "gaussian", "mu": 0.0, "sigma": 1.0 / np.sqrt(n)}
    with Context(f"{kind}_{n}", batch_size=1, seed=seed) as ctx:
        if kind == "dense":
            syn = DenseSynapse("W", (n, n), weight_init=w, layout="dense")
        else:
            syn = EventDrivenSynapse("W", (n, n), weight_init=w, capacity=capacity)
        ctx.command("advance", [syn])
    return ctx, syn


def measure(n: int, p: float, steps: int, repeats: int, seed: int = 0) -> dict:
    xs = (np.random.default_rng(seed).random((steps, 1, n)) < p).astype(np.float32)
    need = int(xs.sum(-1).max())
    capacity = max(16, int(np.ceil(need * 1.25)))
    runs, outs = {}, {}
    for kind in ("dense", "event"):
        ctx, syn = build(kind, n, capacity, seed)
        state0 = ctx.state

        def go(ctx=ctx, syn=syn, state0=state0, kind=kind):
            ctx.state = state0
            outs[kind] = ctx.run("advance", steps=steps, record=[syn.outputs], inputs={syn.inputs: xs})
            return outs[kind][syn.outputs]
        runs[kind] = go
    t = time_interleaved(runs, repeats=repeats)
    diff = float(np.max(np.abs(np.asarray(outs["dense"]["W.outputs"]) - np.asarray(outs["event"]["W.outputs"]))))
    us = {k: v["median"] / steps * 1e6 for k, v in t.items()}
    return {"N": n, "p_spike_per_step": p, "hz_at_dt_0.1ms": p / 1e-4, "spikes_per_step_mean": float(xs.sum(-1).mean()),
            "spikes_per_step_max": need, "capacity": capacity, "us_per_step": us,
            "us_per_step_best": {k: v["min"] / steps * 1e6 for k, v in t.items()},
            "dense_over_event_median": t["dense"]["median"] / t["event"]["median"],
            "dense_over_event_cpu": t["dense"]["cpu_median"] / t["event"]["cpu_median"],
            "max_abs_diff": diff, "load_average_1min": load_average()}


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 4000, 8000])
    ap.add_argument("--rates", type=float, nargs="+", default=[0.001, 0.005, 0.02, 0.05],
                    help="fraction of presynaptic neurons spiking per step")
    ap.add_argument("--steps", type=int, default=200)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--tag", default="")
    add_publish_flag(ap)
    args = ap.parse_args(argv)
    head = ["N", "p/step", "Hz at dt=0.1 ms", "spikes/step (max)", "capacity", "dense us/step", "event us/step",
            "dense/event (median)", "dense/event (CPU)", "max|diff|"]
    rows, results = [], []
    for n in args.sizes:
        for p in args.rates:
            r = measure(n, p, args.steps, args.repeats)
            results.append(r)
            rows.append([n, p, r["hz_at_dt_0.1ms"], f"{r['spikes_per_step_mean']:.1f} ({r['spikes_per_step_max']})",
                         r["capacity"], r["us_per_step"]["dense"], r["us_per_step"]["event"],
                         r["dense_over_event_median"], r["dense_over_event_cpu"], f"{r['max_abs_diff']:.1e}"])
            print(table(head, rows[-1:]), flush=True)
    print()
    print(table(head, rows))
    name = "event_driven" + (f"_{args.tag}" if args.tag else "")
    print(f"wrote {write_json(name, {'steps': args.steps, 'repeats': args.repeats, 'rows': results}, args.publish)}")


if __name__ == "__main__":
    main(sys.argv[1:])
