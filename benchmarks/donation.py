"""Does donating the state to the compiled run help?  ``jax.jit(run)`` vs ``jax.jit(run, donate_argnums=0)``.

The run function is the engine's own (``contexts.compile.build_run``) for the stdp_throughput
network. Inside one ``lax.scan`` the carry is updated in place anyway; what donation can save is
the copy of the state into the scan at each call (XLA may not overwrite a caller's buffer it was
not given). So it matters when a run is short (ngc-learn style: one call per step) and the state
is large. Measured: ``total`` steps as ``total / chunk`` calls of ``chunk`` steps, chaining the state.

    python -m benchmarks.donation                 # N = 1000 6400, chunks 1 10 100 1000
"""

from __future__ import annotations

import argparse
import sys

import jax

from benchmarks.common import add_publish_flag, table, time_interleaved, write_json
from benchmarks.stdp_throughput import build_synaptica
from contexts.compile import build_run


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 6400])
    ap.add_argument("--chunks", type=int, nargs="+", default=[1, 10, 100, 1000])
    ap.add_argument("--total", type=int, default=1000)
    ap.add_argument("--repeats", type=int, default=3)
    add_publish_flag(ap)
    args = ap.parse_args(argv)
    rows, results = [], []
    for n in args.sizes:
        ctx, _ = build_synaptica(n)
        state_bytes = sum(x.nbytes for x in jax.tree_util.tree_leaves(ctx.state))
        for chunk in args.chunks:
            raw = build_run(ctx, ("advance", "evolve"), chunk, (), (), False)
            plain, donated = jax.jit(raw), jax.jit(raw, donate_argnums=0)
            calls = max(1, args.total // chunk)

            def loop(fn, ctx=ctx, calls=calls):
                def go():
                    state = jax.tree_util.tree_map(lambda a: a.copy(), ctx.state)  # fresh buffers to donate
                    for _ in range(calls):
                        state = fn(state, {})[0]
                    return state
                return go

            t = time_interleaved({"plain": loop(plain), "donated": loop(donated)}, repeats=args.repeats)
            sps = {k: calls * chunk / v["min"] for k, v in t.items()}
            results.append({"N": n, "chunk": chunk, "state_MB": state_bytes / 1e6, "steps_per_s_best": sps,
                            "steps_per_s_median": {k: calls * chunk / v["median"] for k, v in t.items()}})
            rows.append([n, chunk, state_bytes / 1e6, sps["plain"], sps["donated"], sps["donated"] / sps["plain"]])
            print(table(["N", "steps per call", "state MB", "plain steps/s", "donated steps/s", "donated/plain"],
                        rows[-1:]), flush=True)
    print()
    print(table(["N", "steps per call", "state MB", "plain steps/s", "donated steps/s", "donated/plain"], rows))
    print("wrote", write_json("donation", {"total": args.total, "rows": results}, args.publish))


if __name__ == "__main__":
    main(sys.argv[1:])
