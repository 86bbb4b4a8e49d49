"""Where ``layout="events"`` beats ``"edges"`` and ``"dense"``: one static ``n x n`` projection with
Bernoulli(``p``) connections, the same weights in each layout, inputs with a given fraction of nonzero
entries (spikes), batch 1 and more. Each layout's step (``x @ W`` as the synapse computes it) runs
``--steps`` times in one compiled scan; outputs are checked against the dense product first.

    python -m benchmarks.layout_crossover --sizes 1000 4000 --p 0.02 0.1 --fractions 0.001 0.01 0.1 0.5 1
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from benchmarks.common import add_publish_flag, load_average, table, write_json


def arrays(n: int, p: float, seed: int = 0) -> dict:
    """The projection in the three layouts: ``dense (n, n)``, in-edges ``(k_in, n)``, out-edges ``(n, k_out)``."""
    from components.rules.out_edges import pairs_to_out_edges

    rng = np.random.default_rng(seed)
    mask = rng.random((n, n)) < p
    w = np.where(mask, rng.uniform(0.5, 1.5, (n, n)), 0.0).astype(np.float32)
    k_in = max(int(mask.sum(0).max()), 1)
    pre_index = np.zeros((k_in, n), np.int32)
    w_in = np.zeros((k_in, n), np.float32)
    for j in range(n):
        rows = np.flatnonzero(mask[:, j])
        pre_index[:len(rows), j] = rows
        w_in[:len(rows), j] = w[rows, j]
    pre, post = np.nonzero(mask)
    post_index, valid, edge = pairs_to_out_edges(pre, post, n)
    w_out = np.where(valid, w[pre[edge], post_index], 0.0).astype(np.float32)
    return {"dense": w, "pre_index": pre_index, "w_in": w_in, "post_index": post_index, "w_out": w_out}


def measure(n: int, p: float, fraction: float, batch: int, steps: int, repeats: int,
            capacity: int | None = None) -> dict:
    import jax
    import jax.numpy as jnp

    from components.rules.edges import edge_forward
    from components.rules.out_edges import default_capacity, out_edge_forward

    a = arrays(n, p)
    capacity = default_capacity(n) if capacity is None else capacity
    rng = np.random.default_rng(1)
    if fraction >= 1.0:
        xs = rng.random((steps, batch, n)).astype(np.float32)      # continuous inputs: every entry nonzero
    else:
        xs = (rng.random((steps, batch, n)) < fraction).astype(np.float32)
    xs = jnp.asarray(xs)
    w, pi, wi, po, wo = (jnp.asarray(a[k]) for k in ("dense", "pre_index", "w_in", "post_index", "w_out"))
    steps_of = {
        "dense": lambda x: x @ w,
        "edges": lambda x: edge_forward(x, wi, pi),
        "events": lambda x: out_edge_forward(x, wo, po, n, capacity),
    }
    ref = np.asarray(xs[0], np.float64) @ a["dense"].astype(np.float64)
    out = {"n": n, "p": p, "fraction": fraction, "batch": batch, "capacity": capacity,
           "events_per_sample": float(np.count_nonzero(np.asarray(xs)) / (steps * batch)), "us_per_step": {},
           "max_rel_error": {}}
    for name, f in steps_of.items():
        got = np.asarray(jax.jit(f)(xs[0]), np.float64)
        out["max_rel_error"][name] = float(np.max(np.abs(got - ref)) / max(np.max(np.abs(ref)), 1e-30))

        def body(acc, x, f=f):
            return acc + f(x), None
        run = jax.jit(lambda xs, f=f, body=body: jax.lax.scan(body, jnp.zeros((batch, n), jnp.float32), xs)[0])
        run(xs).block_until_ready()
        best = np.inf
        for _ in range(repeats):
            t = time.perf_counter()
            run(xs).block_until_ready()
            best = min(best, time.perf_counter() - t)
        out["us_per_step"][name] = best / steps * 1e6
    return out


def main(argv: list[str] | None = None) -> list:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 4000])
    parser.add_argument("--p", type=float, nargs="+", default=[0.02, 0.1])
    parser.add_argument("--fractions", type=float, nargs="+", default=[0.001, 0.01, 0.1, 0.5, 1.0])
    parser.add_argument("--batches", type=int, nargs="+", default=[1, 8])
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--tag", default="")
    add_publish_flag(parser)
    args = parser.parse_args(argv)
    rows = []
    for n in args.sizes:
        for p in args.p:
            for batch in args.batches:
                for fraction in args.fractions:
                    r = measure(n, p, fraction, batch, args.steps, args.repeats)
                    us = r["us_per_step"]
                    r["fastest"] = min(us, key=us.get)
                    rows.append(r)
                    print(f"n={n} p={p} batch={batch} fraction={fraction}: dense {us['dense']:.0f}, edges "
                          f"{us['edges']:.0f}, events {us['events']:.0f} us/step -> {r['fastest']}", flush=True)
    print(table(["n", "p", "batch", "nonzero fraction", "events/sample", "dense us", "edges us", "events us",
                 "edges/events", "fastest"],
                [[r["n"], r["p"], r["batch"], r["fraction"], f"{r['events_per_sample']:.1f}",
                  f"{r['us_per_step']['dense']:.0f}", f"{r['us_per_step']['edges']:.0f}",
                  f"{r['us_per_step']['events']:.0f}",
                  f"{r['us_per_step']['edges'] / r['us_per_step']['events']:.2f}", r["fastest"]] for r in rows]))
    write_json(f"layout_crossover{'_' + args.tag if args.tag else ''}", {"load_average": load_average(),
                                                                         "rows": rows}, publish=args.publish)
    return rows


if __name__ == "__main__":
    main()
