"""Sparse vs dense e-prop on a sparsely connected recurrent network: state memory and time per iteration.

N recurrent LIF neurons, each receiving ``k`` recurrent synapses (fixed in-degree) and 10 of 100 inputs;
both projections are EpropSynapses, once in ``layout="dense"`` (the network as a mask: traces for all
N x N pairs) and once in ``layout="edges"`` (traces for the N k existing synapses only). The learning
signal is fed in from outside (random), so only the synapses' cost differs.

Reported: the bytes of the recurrent projection's compartments in the Context's state (weights, mask or
pre_index, ebar, grad, sum_e, optimiser state, ...), and the wall time of one iteration (``T`` steps of
advance + accumulate, then evolve), median of interleaved repeats.

    python -m benchmarks.eprop_sparse                    # N = 1000, 2000; k = 100; T = 50; batch 1
    python -m benchmarks.eprop_sparse --N 1000 --k 100 --T 20
Writes benchmarks/results/local/eprop_sparse.json (``--publish``: benchmarks/results/).
"""

from __future__ import annotations

import argparse

import jax
import numpy as np

try:
    from benchmarks.common import add_publish_flag, time_interleaved, write_json
except ImportError:  # run as a script (python benchmarks/eprop_sparse.py): its folder is on sys.path
    from common import add_publish_flag, time_interleaved, write_json

N_INPUTS, INPUT_DEGREE = 100, 10


def build(layout: str, n: int, k: int, batch: int):
    from components.cells import EpropLIFCell
    from components.synapses import EpropSynapse
    from contexts import Context

    syn = dict(layout=layout, eta=1e-4, optim_type="adam", weight_init={"dist": "gaussian", "sigma": 0.1})
    with Context(f"eprop_{layout}", batch_size=batch, seed=0) as ctx:
        W_in = EpropSynapse("W_in", (N_INPUTS, n), connectivity={"rule": "fixed_in_degree", "k": INPUT_DEGREE,
                                                                  "seed": 1}, **syn)
        W_rec = EpropSynapse("W_rec", (n, n), connectivity={"rule": "fixed_in_degree", "k": k, "seed": 2},
                             no_autapses=True, **syn)
        rec = EpropLIFCell("rec", n)
    W_rec.inputs << rec.s.prev
    rec.j << W_in.outputs + W_rec.outputs
    for s in (W_in, W_rec):   # the learning signal comes from outside (iteration's inputs)
        s.post_psi << rec.psi
    ctx.command("advance", [W_in, W_rec, rec])
    ctx.command("accumulate", [W_in, W_rec])
    ctx.command("evolve", [W_in, W_rec])
    return ctx


def state_bytes(ctx, name: str) -> int:
    return int(sum(np.asarray(v).nbytes for v in jax.tree_util.tree_leaves(ctx.state["values"][name])))


def iteration(ctx, xs, L):
    state0 = ctx.state

    def go():
        ctx.state = state0
        ctx.run(["advance", "accumulate"], steps=xs.shape[0], inputs={"W_in.inputs": xs, "W_in.signal": L,
                                                                       "W_rec.signal": L})
        ctx.run("evolve")
        return ctx.state

    return go


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--N", type=int, nargs="+", default=[1000, 2000])
    parser.add_argument("--k", type=int, default=100)
    parser.add_argument("--T", type=int, default=50)
    parser.add_argument("--batch", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=3)
    add_publish_flag(parser)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    rows = []
    print(f"{'N':>6} {'k':>5} {'dense W_rec state (MiB)':>24} {'edges (MiB)':>12} {'ratio':>7} "
          f"{'dense ms/iter':>14} {'edges ms/iter':>14} {'speed-up':>9}")
    for n in args.N:
        xs = (rng.random((args.T, args.batch, N_INPUTS)) < 0.05).astype(np.float32)
        L = rng.normal(size=(args.T, args.batch, n)).astype(np.float32)
        ctxs = {layout: build(layout, n, args.k, args.batch) for layout in ("dense", "edges")}
        mem = {layout: state_bytes(c, "W_rec") for layout, c in ctxs.items()}
        t = time_interleaved({layout: iteration(c, xs, L) for layout, c in ctxs.items()}, repeats=args.repeats)
        row = {"N": n, "k": args.k, "T": args.T, "batch": args.batch, "state_bytes": mem,
               "seconds_per_iteration": {k: v["median"] for k, v in t.items()},
               "min_seconds": {k: v["min"] for k, v in t.items()}}
        rows.append(row)
        d, e = row["seconds_per_iteration"]["dense"], row["seconds_per_iteration"]["edges"]
        print(f"{n:>6} {args.k:>5} {mem['dense'] / 2**20:>24.2f} {mem['edges'] / 2**20:>12.2f} "
              f"{mem['dense'] / mem['edges']:>7.1f} {d * 1e3:>14.1f} {e * 1e3:>14.1f} {d / e:>9.1f}", flush=True)
    path = write_json("eprop_sparse", {"rows": rows}, args.publish)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
