"""Where a step of the COBA / CUBA network goes: the whole step against the same step with every
projection's propagation replaced by zeros (cells, synaptic decays and the engine only), each in a
fresh process, ``--steps`` steps in one compiled scan, best of ``--repeats``. Pin it (``taskset -c 0``)
to compare with ``benchmarks/coba_cuba.py --synaptica-cores 1``.

    taskset -c 0 python -m benchmarks.coba_breakdown --kind coba --sizes 4000 40000
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time

from benchmarks.common import add_publish_flag, load_average, table, write_json


def measure(kind: str, n: int, steps: int, repeats: int, no_transmit: bool) -> float:
    """Microseconds per step of the network (in this process)."""
    import jax
    import jax.numpy as jnp

    from components.synapses.dense import DenseSynapse
    from museum.coba_cuba.network import build_network

    if no_transmit:
        def zeros(self, c, inputs=None):
            return jnp.zeros((c.inputs.shape[0], self.shape[1]), jnp.float32)
        DenseSynapse.transmit = zeros
    ctx = build_network(kind, n=n, p=80.0 / n)
    exe = ctx.compile_run("advance", steps).lower(ctx.state, {}).compile()
    best = float("inf")
    for _ in range(repeats):
        t = time.perf_counter()
        jax.block_until_ready(exe(ctx.state, {}))
        best = min(best, time.perf_counter() - t)
    return best / steps * 1e6


def main(argv: list[str] | None = None) -> list:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kind", default="coba", choices=["coba", "cuba"])
    parser.add_argument("--sizes", type=int, nargs="+", default=[4000])
    parser.add_argument("--steps", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--one", nargs=2, help=argparse.SUPPRESS)   # internal: "n no_transmit" in this process
    add_publish_flag(parser)
    args = parser.parse_args(argv)
    if args.one:
        print("US " + json.dumps(measure(args.kind, int(args.one[0]), args.steps, args.repeats, args.one[1] == "1")))
        return []
    rows = []
    for n in args.sizes:
        us = {}
        for label, flag in (("whole step", "0"), ("without propagation", "1")):
            out = subprocess.run([sys.executable, "-m", "benchmarks.coba_breakdown", "--kind", args.kind,
                                  "--steps", str(args.steps), "--repeats", str(args.repeats), "--one", str(n), flag],
                                 capture_output=True, text=True, check=True).stdout
            us[label] = json.loads([ln for ln in out.splitlines() if ln.startswith("US ")][-1][3:])
        rows.append({"kind": args.kind, "n": n, "us_per_step": us,
                     "propagation_us": us["whole step"] - us["without propagation"]})
    print(table(["network", "N", "whole step us", "without propagation us", "propagation us", "propagation share"],
                [[r["kind"], r["n"], r["us_per_step"]["whole step"], r["us_per_step"]["without propagation"],
                  r["propagation_us"], f"{r['propagation_us'] / r['us_per_step']['whole step']:.0%}"] for r in rows]))
    write_json("coba_breakdown", {"load_average": load_average(), "rows": rows}, publish=args.publish)
    return rows


if __name__ == "__main__":
    main()
