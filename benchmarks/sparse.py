"""Sparse connectivity (``p_conn``): dense masked matrix vs sparse forms, per step.

For an ``N x N`` projection with connection probability ``p``, batch 1, presynaptic Poisson-like
spikes (5% per step), three forms of the same step run as a ``lax.scan`` of ``--steps`` steps:

* ``dense``:   ``y = s @ W`` with absent entries held at 0 (what ``DenseSynapse(p_conn=p)`` does);
* ``bcoo``:    ``y = s @ W_bcoo``, ``jax.experimental.sparse.BCOO`` with ``nse = p N^2`` entries;
* ``segment``: an edge list ``(pre, post, w)``: ``y = segment_sum(s[pre] * w, post, N)``;
* ``edges``:   the library's ``layout="edges"`` (:mod:`components.rules.edges`): a fixed in-degree
  ``(k, N)`` table, ``y = sum_s s[pre_index] * w`` (a gather, no scatter).

Connectivity is fixed in-degree (``k = p N`` partners per post neuron) in every form, so all four
give the same outputs (checked).

``--plastic`` adds the trace-STDP update each step (dense: two outer products and the clip, on
all ``N^2`` entries; sparse: the same rule gathered on the ``p N^2`` edges only).

    python -m benchmarks.sparse                      # N in 1000 3200 6400, p in 0.1 0.01
    python -m benchmarks.sparse --plastic
    python -m benchmarks.sparse --engine             # the whole STDP network through the engine:
                                                     # TraceSTDPSynapse(layout="dense") vs "edges"
    python -m benchmarks.sparse --engine --layouts edges events --max-input 0.2   # plastic, event-driven
"""

from __future__ import annotations

import argparse
import sys

import jax
import jax.numpy as jnp
import numpy as np
from jax.experimental import sparse as jsparse

from benchmarks.common import add_publish_flag, table, time_interleaved, write_json
from components.rules.edges import edge_forward, edge_outer, in_degree

A_PLUS, A_MINUS, DECAY = 1e-4, 1e-6, float(np.exp(-1.0 / 20.0))


def make(n: int, p: float, steps: int, batch: int = 1, seed: int = 0) -> dict:
    rng = np.random.default_rng(seed)
    k = in_degree(p, n)
    idx = np.sort(np.stack([rng.choice(n, k, replace=False) for _ in range(n)], axis=1), axis=0)  # (k, n)
    mask = np.zeros((n, n), bool)
    mask[idx, np.arange(n)] = True
    w = (rng.uniform(0.0, 0.3, (n, n)) * mask).astype(np.float32)
    pre, post = np.nonzero(mask)
    xs = (rng.random((steps, batch, n)) < 0.05).astype(np.float32)
    return {"W": jnp.asarray(w), "M": jnp.asarray(mask.astype(np.float32)), "pre": jnp.asarray(pre, jnp.int32),
            "post": jnp.asarray(post, jnp.int32), "w": jnp.asarray(w[pre, post]), "xs": jnp.asarray(xs), "n": n,
            "batch": batch, "idx": jnp.asarray(idx, jnp.int32), "w_edges": jnp.asarray(w[idx, np.arange(n)])}


def runners(d: dict, plastic: bool) -> dict:
    n, pre, post = d["n"], d["pre"], d["post"]
    # the BCOO matrix is kept in the carry so that, like the weights, it is data not a constant
    bcoo = jsparse.BCOO((d["w"], jnp.stack([pre, post], 1)), shape=(n, n))

    def dense_step(c, s):
        w, x0, x1 = c
        y = s @ w
        if plastic:
            s1 = (y > 0.5).astype(y.dtype)
            x0, x1 = x0 * DECAY + s, x1 * DECAY + s1
            w = jnp.clip(w + A_PLUS * (x0.T @ s1) - A_MINUS * (s.T @ x1), 0.0, 1.0) * d["M"]
        return (w, x0, x1), y[:, :8]

    def bcoo_step(c, s):
        m, x0, x1 = c
        y = s @ m
        if plastic:   # the rule on the stored entries only, then back into the same sparsity pattern
            s1 = (y > 0.5).astype(y.dtype)
            x0, x1 = x0 * DECAY + s, x1 * DECAY + s1
            dw = A_PLUS * x0[0, pre] * s1[0, post] - A_MINUS * s[0, pre] * x1[0, post]
            m = jsparse.BCOO((jnp.clip(m.data + dw, 0.0, 1.0), m.indices), shape=m.shape)
        return (m, x0, x1), y[:, :8]

    def segment_step(c, s):
        w, x0, x1 = c
        y = jax.ops.segment_sum(s[0, pre] * w, post, num_segments=n)[None, :]
        if plastic:
            s1 = (y > 0.5).astype(y.dtype)
            x0, x1 = x0 * DECAY + s, x1 * DECAY + s1
            w = jnp.clip(w + A_PLUS * x0[0, pre] * s1[0, post] - A_MINUS * s[0, pre] * x1[0, post], 0.0, 1.0)
        return (w, x0, x1), y[:, :8]

    def edges_step(c, s):
        w, x0, x1 = c
        y = edge_forward(s, w, d["idx"])
        if plastic:
            s1 = (y > 0.5).astype(y.dtype)
            x0, x1 = x0 * DECAY + s, x1 * DECAY + s1
            w = jnp.clip(w + A_PLUS * edge_outer(x0, s1, d["idx"]) - A_MINUS * edge_outer(s, x1, d["idx"]), 0.0, 1.0)
        return (w, x0, x1), y[:, :8]

    z = jnp.zeros((d["batch"], n), jnp.float32)
    out = {}
    forms = (("dense", dense_step, d["W"]), ("bcoo", bcoo_step, bcoo), ("segment", segment_step, d["w"]),
             ("edges", edges_step, d["w_edges"]))
    if d["batch"] > 1:  # the BCOO and segment steps above are written for batch 1
        forms = (forms[0], forms[3])
    for name, step, w0 in forms:
        fn = jax.jit(lambda c, xs, step=step: jax.lax.scan(step, c, xs))
        out[name] = (lambda fn=fn, w0=w0: fn((w0, z, z), d["xs"]))
    return out


HEADER = ["N", "p_conn", "dense us/step", "BCOO us/step", "segment_sum us/step", "edges us/step", "fastest",
          "dense/edges", "same outputs"]


def engine_rows(args: argparse.Namespace) -> list:
    """Poisson(N) -> TraceSTDPSynapse(N x N, p_conn) -> LIF(N) with traces (``benchmarks.scaling``),
    ``ctx.run`` of ``advance`` + ``evolve``, the synapse in each of ``args.layouts``: steps per second.

    The Poisson rates are U(0, ``--max-input``) x 63.75 Hz at dt = 1 ms; the events layout gets a
    ``capacity`` of 2.5x the mean presynaptic events per step (+16), and its largest count is reported."""
    from benchmarks.common import run_from_start
    from benchmarks.scaling import build_square

    rows = []
    layouts = args.layouts
    for n in args.sizes:
        for p in args.p:
            capacity = int(2.5 * n * args.max_input * 0.5 * 63.75e-3) + 16
            built = {layout: build_square(n, p_conn=p, layout=layout, capacity=capacity, max_input=args.max_input)
                     for layout in layouts}
            fns = {layout: run_from_start(ctx, args.steps) for layout, (ctx, _) in built.items()}
            t = time_interleaved(fns, repeats=args.repeats)
            rate = {k: args.steps / v["min"] for k, v in t.items()}
            row = {"N": n, "p_conn": p, "max_input": args.max_input, "steps_per_s_best": rate}
            if "events" in built:
                ctx = built["events"][0]
                row["capacity"], row["max_events"] = capacity, int(np.max(ctx.get("W.max_events")))
            rows.append(row)
            header = ["N", "p_conn"] + [f"{k} steps/s" for k in layouts] + [f"{k}/{layouts[0]}" for k in layouts[1:]]
            cells = [n, p] + [rate[k] for k in layouts] + [rate[k] / rate[layouts[0]] for k in layouts[1:]]
            print(table(header, [cells]), flush=True)
    return rows


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 3200, 6400])
    ap.add_argument("--p", type=float, nargs="+", default=[0.1, 0.01])
    ap.add_argument("--steps", type=int, default=50)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--plastic", action="store_true")
    ap.add_argument("--batch", type=int, default=1, help="batch size (> 1: dense and edges only)")
    ap.add_argument("--engine", action="store_true", help="the STDP network through the engine, per layout")
    ap.add_argument("--layouts", nargs="+", default=["dense", "edges"], choices=["dense", "edges", "events"],
                    help="--engine: the synapse's layouts to compare (the first is the reference)")
    ap.add_argument("--max-input", type=float, default=1.0,
                    help="--engine: Poisson rates U(0, max_input) x 63.75 Hz (at dt = 1 ms)")
    add_publish_flag(ap)
    args = ap.parse_args(argv)
    if args.engine:
        rows = engine_rows(args)
        name = "sparse_engine" if args.layouts == ["dense", "edges"] else "sparse_engine_" + "_".join(args.layouts)
        print("wrote", write_json(name, {"steps": args.steps, "layouts": args.layouts, "rows": rows}, args.publish))
        return
    rows, results = [], []
    for n in args.sizes:
        for p in args.p:
            d = make(n, p, args.steps, args.batch)
            fns = runners(d, args.plastic)
            ys = {k: np.asarray(f()[1]) for k, f in fns.items()}
            agree = all(np.allclose(ys["dense"], v, rtol=1e-4, atol=1e-4) for v in ys.values())
            t = time_interleaved(fns, repeats=args.repeats)
            us = {k: 1e6 * v["min"] / args.steps for k, v in t.items()}
            best = min(us, key=us.get)
            results.append({"N": n, "p_conn": p, "us_per_step_best": us,
                            "us_per_step_median": {k: 1e6 * v["median"] / args.steps for k, v in t.items()},
                            "fastest": best, "outputs_agree": agree})
            rows.append([n, p, us["dense"], us.get("bcoo", float("nan")), us.get("segment", float("nan")), us["edges"],
                         best, us["dense"] / us["edges"], agree])
            print(table(HEADER, rows[-1:]), flush=True)
    print()
    print(f"plastic={args.plastic}, batch={args.batch}; us per step, best of {args.repeats} interleaved repeats")
    print(table(HEADER, rows))
    name = ("sparse_plastic" if args.plastic else "sparse") + (f"_batch{args.batch}" if args.batch > 1 else "")
    print("wrote", write_json(name, {"plastic": args.plastic, "batch": args.batch, "steps": args.steps,
                                     "rows": results}, args.publish))


if __name__ == "__main__":
    main(sys.argv[1:])
