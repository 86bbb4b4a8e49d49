"""Sparse e-prop: a Brunel-type E/I network learns the sine-wave task with Dale's law kept.

N = 1000 recurrent LIF neurons (800 excitatory, 200 inhibitory, inhibitory weights g = 5 times
stronger), each receiving exactly k = 100 recurrent synapses (fixed in-degree, 10%), learn with e-prop
(Adam) to draw the sum of four sines of ``museum.eprop_sine_waves`` from 100 frozen Poisson inputs.
The recurrent projection keeps traces for its 100,000 synapses only (``layout="edges"``) and every
weight keeps its presynaptic neuron's sign. After training, the same network in the dense layout
(traces for all N x N pairs, the connectivity as a mask) is built from the same initial weights and
both are timed, interleaved, on the same input.

    python -m museum.eprop_sparse                       # the full run (400 iterations, about 3-5 minutes)
    python -m museum.eprop_sparse --quick               # N = 500, k = 50, 30 iterations (seconds)
    python -m museum.eprop_sparse --n 2000 --k 200      # a larger network

A checkpoint is written after every ``--chunk`` iterations; ``--resume`` continues an interrupted run.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from museum import _common as mc

NAME = "eprop_sparse"


def _extra(parser: Any) -> None:
    parser.add_argument("--iterations", type=int, default=400, help="training iterations (default: %(default)s)")
    parser.add_argument("--n", type=int, default=1000, help="recurrent neurons, 80%% excitatory (default: %(default)s)")
    parser.add_argument("--k", type=int, default=100, help="recurrent synapses per neuron (default: %(default)s)")
    parser.add_argument("--g", type=float, default=5.0, help="relative inhibitory strength (default: %(default)s)")
    parser.add_argument("--timing-repeats", type=int, default=3,
                        help="timed iterations of each layout, interleaved (default: %(default)s)")
    parser.add_argument("--chunk", type=int, default=20, help="iterations per compiled call (default: %(default)s)")


def main(argv: Any = None) -> dict:
    args = mc.parse_args(NAME, __doc__, argv, extra=_extra, resumable=True)
    if args.quick:
        args.iterations = min(args.iterations, 30)
        args.n, args.k, args.timing_repeats = min(args.n, 500), min(args.k, 50), min(args.timing_repeats, 2)
    from museum.eprop_sparse import Trainer, build, make_task, recurrent_weights, sign_check

    def network(layout: str) -> Any:
        return build(n=args.n, k=args.k, g=args.g, layout=layout, seed=args.seed, overrides=args.overrides)

    ctx = network("edges")
    x, y = make_task(args.seed)
    tr = Trainer(ctx, x, y, record=("out.y", "rec.s"))
    w0 = np.asarray(ctx.get("W_rec.weights"))
    w0_dense = recurrent_weights(ctx)
    mc.progress(NAME, f"N = {args.n} ({ctx.components['W_rec'].n_exc} excitatory), in-degree {args.k}: "
                      f"training {args.iterations} iterations (the first call compiles)")
    losses, done, t_train, recs0, recs = [], 0, 0.0, None, None
    back = mc.resume(args, ctx)
    if back:
        losses, done, t_train = list(back["losses"]), back["done"], back["t_train"]
        w0, w0_dense = back["w0"], back["w0_dense"]
        recs0, recs = ({k: back[f"{which}/{k}"] for k in tr.record} for which in ("first", "last"))
    with tqdm(total=args.iterations, initial=done, unit="it", desc="e-prop", file=sys.stderr,
              dynamic_ncols=True) as bar:
        while done < args.iterations:
            n = min(args.chunk, args.iterations - done)
            t0 = time.perf_counter()
            _, chunk = tr.train(n)
            t_train += time.perf_counter() - t0
            losses.extend(chunk[:, 0].tolist())
            recs0 = tr.records_first if recs0 is None else recs0
            recs = tr.records_last
            done += n
            bar.set_postfix(loss=f"{losses[-1]:.2f}", refresh=False)
            bar.update(n)
            mc.checkpoint(args, done, ctx, done=done, losses=losses, t_train=t_train, w0=w0, w0_dense=w0_dense,
                          **{f"{which}/{k}": np.asarray(r[k]) for which, r in (("first", recs0), ("last", recs))
                             for k in tr.record})
    losses = np.asarray(losses)
    dale = sign_check(ctx, w0)
    mc.progress(NAME, f"loss {losses[0]:.1f} -> {losses[-1]:.2f}; sign flips {dale['sign_flips']}, "
                      f"{100 * dale['pinned_at_zero']:.1f}% of the synapses at 0")
    cost = compare_layouts(network, w0_dense, x, y, args.timing_repeats)
    mc.progress(NAME, "W_rec state: dense {:.1f} MiB, edges {:.2f} MiB; ms / iteration: dense {:.0f}, edges {:.0f}"
                .format(cost["state_bytes"]["dense"] / 2**20, cost["state_bytes"]["edges"] / 2**20,
                        1e3 * cost["seconds_per_iteration"]["dense"], 1e3 * cost["seconds_per_iteration"]["edges"]))
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    spikes = np.asarray(recs["rec.s"])[:, 0, :]
    n_exc = ctx.components["W_rec"].n_exc
    results = {"n": args.n, "n_exc": n_exc, "k": args.k, "g": args.g, "iterations": int(args.iterations),
               "seed": args.seed, "loss_first": float(losses[0]), "loss_last": float(losses[-1]),
               "loss_mean_last_10": float(losses[-10:].mean()), "loss_factor": float(losses[0] / losses[-1]),
               "rate_hz_exc_after": float(spikes[:, :n_exc].mean() * 1000.0),
               "rate_hz_inh_after": float(spikes[:, n_exc:].mean() * 1000.0),
               "sign_flips": dale["sign_flips"], "wrong_sign": dale["wrong_sign"],
               "pinned_at_zero": dale["pinned_at_zero"], "synapses": dale["synapses"],
               "state_bytes_edges": cost["state_bytes"]["edges"], "state_bytes_dense": cost["state_bytes"]["dense"],
               "memory_ratio": cost["state_bytes"]["dense"] / cost["state_bytes"]["edges"],
               "ms_per_iteration_edges": 1e3 * cost["seconds_per_iteration"]["edges"],
               "ms_per_iteration_dense": 1e3 * cost["seconds_per_iteration"]["dense"],
               "speedup": cost["seconds_per_iteration"]["dense"] / cost["seconds_per_iteration"]["edges"],
               "first_loss_dense_vs_edges_rel": cost["first_loss_rel_diff"],
               "train_seconds": t_train, "cpu_cores": cores,
               "state_bytes_by_compartment": cost["by_compartment"],
               "losses_every_10": losses[::10].tolist()}
    _figures(args.out, losses, np.asarray(y), recs0, recs, w0, ctx, dale, cost, n_exc)
    mc.save_results(args.out, results)
    mc.publish(args, __file__)
    return results


def compare_layouts(network: Any, w0_dense: np.ndarray, x: np.ndarray, y: np.ndarray, repeats: int) -> dict:
    """Both layouts of the same network from the same initial weights: bytes of W_rec's state
    (every compartment) and seconds per training iteration (one sequence + one update), the median of
    ``repeats`` interleaved timed iterations after one that compiles."""
    from museum.eprop_sparse import Trainer, state_bytes

    ctxs = {"edges": network("edges"), "dense": network("dense")}
    ctxs["dense"].clamp("W_rec.weights", w0_dense)
    assert np.array_equal(np.asarray(ctxs["dense"].get("W_rec.mask")) != 0, w0_dense != 0)
    trainers = {layout: Trainer(c, x, y) for layout, c in ctxs.items()}
    first = {layout: float(t.train(1)[1][0, 0]) for layout, t in trainers.items()}  # compiles
    times: dict = {layout: [] for layout in ctxs}
    for _ in range(repeats):
        for layout, t in trainers.items():
            t0 = time.perf_counter()
            t.train(1)
            times[layout].append(time.perf_counter() - t0)
    by = {layout: {k: int(np.asarray(v).nbytes) for k, v in c.state["values"]["W_rec"].items()}
          for layout, c in ctxs.items()}
    return {"state_bytes": {layout: state_bytes(c) for layout, c in ctxs.items()},
            "seconds_per_iteration": {layout: float(np.median(v)) for layout, v in times.items()},
            "first_loss_rel_diff": abs(first["dense"] - first["edges"]) / abs(first["dense"]),
            "by_compartment": by}


def _figures(out: Path, losses: np.ndarray, y: np.ndarray, recs0: dict, recs: dict, w0: np.ndarray, ctx: Any,
             dale: dict, cost: dict, n_exc: int) -> Path:
    import matplotlib.pyplot as plt

    from museum.eprop_sparse import pre_neurons

    fig, ax = plt.subplots(2, 3, figsize=(15, 7.5))
    ax[0, 0].semilogy(np.arange(1, len(losses) + 1), losses)
    ax[0, 0].set(xlabel="iteration", ylabel="loss (sum of 0.5 err^2)",
                 title=f"e-prop training loss: {losses[0]:.1f} -> {losses[-1]:.2f}")
    t = np.arange(len(y))
    ax[0, 1].plot(t, y[:, 0], "k", lw=2, label="target y*")
    ax[0, 1].plot(t, np.asarray(recs0["out.y"])[:, 0, 0], color="tab:grey", lw=1, label="iteration 1")
    ax[0, 1].plot(t, np.asarray(recs["out.y"])[:, 0, 0], color="tab:red", lw=1.5,
                  label=f"iteration {len(losses)} (loss {losses[-1]:.2f})")
    ax[0, 1].set(xlabel="time (ms)", ylabel="readout", title="target vs readout")
    ax[0, 1].legend(loc="lower left", fontsize=8)
    s = np.asarray(recs["rec.s"])[:, 0, :]
    n = s.shape[1]
    show = np.r_[0:min(200, n_exc), n_exc:min(n_exc + 50, n)]  # 200 excitatory, 50 inhibitory neurons
    for group, color, label in ((show[show < n_exc], "tab:blue", "excitatory"),
                                (show[show >= n_exc], "tab:red", "inhibitory")):
        tt, ii = np.nonzero(s[:, group])
        rows = np.searchsorted(show, group)[ii]
        rate = s[:, n_exc:].mean() if label == "inhibitory" else s[:, :n_exc].mean()
        ax[0, 2].scatter(tt, rows, s=2, color=color, linewidths=0, label=f"{label} ({rate * 1000:.1f} Hz)")
    ax[0, 2].set(xlim=(0, len(s)), ylim=(-1, len(show)), xlabel="time (ms)", ylabel="neuron (200 E, 50 I shown)",
                 title=f"spikes, iteration {len(losses)}")
    ax[0, 2].legend(loc="upper right", fontsize=8, markerscale=4)
    w = np.asarray(ctx.get("W_rec.weights"))
    exc = pre_neurons(ctx) < n_exc
    bins = np.linspace(min(w0.min(), w.min()), max(w0.max(), w.max()), 60)
    for sel, color, label in ((exc, "tab:blue", "from excitatory"), (~exc, "tab:red", "from inhibitory")):
        ax[1, 0].hist(w0[sel], bins, histtype="step", color=color, ls="--")
        ax[1, 0].hist(w[sel], bins, histtype="step", color=color, label=f"{label} after (dashed: before)")
    ax[1, 0].axvline(0, color="k", lw=0.8)
    ax[1, 0].set_yscale("log")
    ax[1, 0].set(xlabel="recurrent weight", ylabel="synapses",
                 title=f"Dale's law: {dale['sign_flips']} sign flips, {100 * dale['pinned_at_zero']:.1f}% at 0")
    ax[1, 0].legend(fontsize=8)
    layouts = ("dense", "edges")
    colors = ("tab:grey", "tab:green")
    mib = [cost["state_bytes"][k] / 2**20 for k in layouts]
    ax[1, 1].bar(layouts, mib, color=colors)
    for i, v in enumerate(mib):
        ax[1, 1].text(i, v, f"{v:.1f} MiB", ha="center", va="bottom")
    ax[1, 1].set_ylim(0, 1.15 * max(mib))
    ax[1, 1].set(ylabel="MiB", title=f"W_rec state (all compartments): {mib[0] / mib[1]:.1f}x less")
    ms = [1e3 * cost["seconds_per_iteration"][k] for k in layouts]
    ax[1, 2].bar(layouts, ms, color=colors)
    for i, v in enumerate(ms):
        ax[1, 2].text(i, v, f"{v:.0f} ms", ha="center", va="bottom")
    ax[1, 2].set_ylim(0, 1.15 * max(ms))
    ax[1, 2].set(ylabel="ms / iteration", title=f"time per iteration: {ms[0] / ms[1]:.1f}x faster")
    fig.suptitle(f"sparse e-prop: N = {n} LIF ({n_exc} E, {n - n_exc} I), in-degree {w.shape[0]}, Dale's law kept")
    fig.tight_layout()
    path = mc.save_figure(fig, out / "eprop_sparse.png")
    mc.progress(NAME, f"figure: {path}")
    return path


if __name__ == "__main__":
    sys.exit(mc.run_main(main, NAME))
