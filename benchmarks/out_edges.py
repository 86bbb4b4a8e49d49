"""The events layout's two paths on the microcircuit's largest projection, checked and timed.

The excitatory -> excitatory out-edge arrays of ``museum.microcircuit`` at ``--scale`` (at 1: 61,843
rows of 3,334 slots, 206 M slots), one input vector per spike fraction. For each, ``out_edge_forward``
on its fast path (``capacity = n_in``: the rows of the spiking neurons, 16 at a time) and on the
path a step takes when it has more events than ``capacity`` (``capacity = 1``: every row), each
against a float64 NumPy sum over the active rows. One call each after a compiling one, so on a
loaded machine the times are rough; the differences are exact.

    python -m benchmarks.out_edges --scale 1 --fractions 0.0005 0.2
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np

from benchmarks.common import add_publish_flag, load_average, table, write_json


def main(argv: list[str] | None = None) -> dict:
    import jax
    import jax.numpy as jnp

    from components.rules.out_edges import out_edge_forward
    from museum.microcircuit import network as nw

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=0.1)
    parser.add_argument("--fractions", type=float, nargs="+", default=[0.0005, 0.2])
    add_publish_flag(parser)
    args = parser.parse_args(argv)
    s = nw.sizes(args.scale)
    post_index, weights = nw.out_edge_arrays(s, "exc", "exc", np.random.default_rng(0), nw.charge_factor(0.1))
    n_in, k = post_index.shape
    n_out = nw.cell_offsets(s["n"], "exc")["size"]
    pi, w = jnp.asarray(post_index), jnp.asarray(weights)
    forward = jax.jit(out_edge_forward, static_argnums=(3, 4))
    rows = []
    for frac in args.fractions:
        x = (np.random.default_rng(1).random((1, n_in)) < frac).astype(np.float32)
        active = np.nonzero(x[0])[0]
        ref = np.zeros(n_out)
        np.add.at(ref, post_index[active].ravel(), weights[active].ravel().astype(np.float64))
        out = {}
        for name, cap in (("fast", n_in), ("every row", 1)):
            np.asarray(forward(x, w, pi, n_out, cap))                     # compile
            t0 = time.perf_counter()
            out[name] = np.asarray(forward(x, w, pi, n_out, cap))[0]
            out[name + " s"] = time.perf_counter() - t0
        rows.append({"fraction": frac, "events": int(len(active)), "fast_s": out["fast s"],
                     "every_row_s": out["every row s"],
                     "fast_vs_every_row": float(np.abs(out["fast"] - out["every row"]).max()),
                     "fast_vs_float64": float(np.abs(out["fast"] - ref).max()),
                     "largest_current": float(np.abs(ref).max())})
    print(f"ee at scale {args.scale:g}: {n_in} rows x {k} slots")
    print(table(["spike fraction", "events", "fast path s", "every row s", "max |fast - every row|",
                 "max |fast - float64|", "largest |current|"],
                [[r["fraction"], r["events"], r["fast_s"], r["every_row_s"], r["fast_vs_every_row"],
                  r["fast_vs_float64"], r["largest_current"]] for r in rows]))
    payload = {"scale": args.scale, "rows_x_slots": [n_in, k], "results": rows, "load_average": load_average(),
               "command": " ".join(["python -m benchmarks.out_edges", *(argv if argv is not None else sys.argv[1:])])}
    write_json("out_edges", payload, args.publish)
    return payload


if __name__ == "__main__":
    main()
