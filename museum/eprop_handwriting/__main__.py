"""e-prop learns to write the word "spike" (Bellec et al. 2020; NEST's
eprop_supervised_regression_handwriting_bsshslm_2020 tutorial, with a pen trajectory of our own).

100 frozen Poisson inputs drive 200 recurrent adaptive LIF neurons (each with its own membrane time
constant); two leaky readouts learn to draw the pen's x and y over 1824 ms. One iteration = one sequence
+ one e-prop weight update (NEST's Adam, eta = 5e-3; firing-rate regularisation c_reg = 150 towards 20 Hz).

    python -m museum.eprop_handwriting                          # 500 iterations from our own seed
    python -m museum.eprop_handwriting --nest --float64 --iterations 5
                                                                # NEST's initial state: its losses

A checkpoint is written after every ``--chunk`` iterations; ``--resume`` continues an interrupted run
from the last one (with the same losses).
"""

from __future__ import annotations

import json
import os
import sys
import time
from typing import Any

import numpy as np
from tqdm import tqdm

from museum import _common as mc

NAME = "eprop_handwriting"
CHECKPOINTS = (1, 50, 100, 200, 500, 1000, 2000, 5000)  # iterations whose loss results.json keeps


def _extra(parser: Any) -> None:
    parser.add_argument("--iterations", type=int, default=500, help="training iterations (default: %(default)s)")
    parser.add_argument("--nest", action="store_true",
                        help="start from NEST's initial state (nest_init.npz: weights, tau_m, input, target; "
                             "W_in with NEST's late_signal timing) and compare with NEST's losses")
    parser.add_argument("--float64", action="store_true", help="compute in float64 (enables jax_enable_x64)")
    parser.add_argument("--chunk", type=int, default=50,
                        help="iterations per compiled call (the progress bar moves once per call)")


def main(argv: Any = None) -> dict:
    args = mc.parse_args(NAME, __doc__, argv, extra=_extra, resumable=True)
    if args.quick:
        args.iterations = min(args.iterations, 3)
    if args.float64:
        import jax

        jax.config.update("jax_enable_x64", True)
    from museum.eprop_handwriting import NEST_INIT, NEST_LOSSES, Trainer, build, load_init, make_task, nest_loss

    dtype = "float64" if args.float64 else "float32"
    if args.nest:
        ctx, x, y = load_init(NEST_INIT, dtype=dtype, overrides={"W_in.late_signal": True, **args.overrides})
        mc.progress(NAME, f"initial state from {NEST_INIT.name}")
    else:
        ctx = build(seed=args.seed, dtype=dtype, overrides=args.overrides)
        x, y = make_task(args.seed)
    tr = Trainer(ctx, x, y, record=("out.y", "rec.s"))
    mc.progress(NAME, f"training {args.iterations} iterations (the first call compiles)")
    losses, done, t_train, recs0, recs = [], 0, 0.0, None, None
    back = mc.resume(args, ctx)
    if back:
        losses, done, t_train = list(back["losses"]), back["done"], back["t_train"]
        recs0, recs = ({k: back[f"{which}/{k}"] for k in tr.record} for which in ("first", "last"))
    with tqdm(total=args.iterations, initial=done, unit="it", desc="e-prop", file=sys.stderr,
              dynamic_ncols=True) as bar:
        while done < args.iterations:
            n = min(args.chunk, args.iterations - done)
            t0 = time.perf_counter()
            _, chunk = tr.train(n)
            t_train += time.perf_counter() - t0
            losses.extend(nest_loss(chunk[:, 0]).tolist())
            recs0 = tr.records_first if recs0 is None else recs0
            recs = tr.records_last  # the last sequence (its update follows it)
            done += n
            bar.set_postfix(loss=f"{losses[-1]:.3f}", refresh=False)
            bar.update(n)
            mc.checkpoint(args, done, ctx, done=done, losses=losses, t_train=t_train,
                          **{f"{which}/{k}": np.asarray(r[k]) for which, r in (("first", recs0), ("last", recs))
                             for k in tr.record})
    losses = np.asarray(losses, np.float64)
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    results = {"iterations": int(args.iterations), "seed": args.seed,
               "init": "NEST's (nest_init.npz)" if args.nest else "own seed", "dtype": ctx.dtype,
               "loss_first": float(losses[0]), "loss_last": float(losses[-1]), "loss_min": float(losses.min()),
               "loss_mean_last_10": float(losses[-10:].mean()),
               "rate_hz_after": float(np.asarray(recs["rec.s"]).mean() * 1000.0),
               "loss_at": {str(i): float(losses[i - 1]) for i in CHECKPOINTS if i <= len(losses)},
               "train_seconds": t_train, "seconds_per_iteration": t_train / args.iterations,
               "cpu_cores": cores, "first_losses_full_precision": [repr(float(v)) for v in losses[:10]]}
    nest = None
    if args.nest:
        nest = np.asarray(json.loads(NEST_LOSSES.read_text())["loss"], np.float64)
        n = min(len(nest), len(losses))
        rel = np.abs(losses[:n] - nest[:n]) / np.abs(nest[:n])
        results.update({"nest_iterations_compared": int(n), "max_rel_diff_vs_nest": float(rel.max()),
                        "iterations_within_1e-6_of_nest": int(np.argmax(rel > 1e-6)) if np.any(rel > 1e-6) else n,
                        "nest_loss_last": float(nest[n - 1])})
    figure = _figures(args.out, losses, nest, np.asarray(y), recs0, recs)
    results["figure"] = str(figure)
    mc.save_results(args.out, results)
    mc.publish(args, __file__)
    return results


def _figures(out: Any, losses: np.ndarray, nest: np.ndarray | None, y: np.ndarray, recs0: dict,
             recs: dict) -> Any:
    import matplotlib.pyplot as plt

    from synaptica import plots

    fig = plt.figure(figsize=(12, 7.5))
    gs = fig.add_gridspec(2, 2, height_ratios=[1, 1])
    ax_loss, ax_word, ax_raster, ax_xy = (fig.add_subplot(gs[0, 0]), fig.add_subplot(gs[0, 1]),
                                          fig.add_subplot(gs[1, 0]), fig.add_subplot(gs[1, 1]))
    it = np.arange(1, len(losses) + 1)
    ax_loss.semilogy(it, losses, color="tab:red", lw=1.5, label="ours")
    if nest is not None:
        ax_loss.semilogy(np.arange(1, len(nest) + 1), nest, "k--", lw=1, label="NEST 3.10")
    ax_loss.set(xlabel="iteration", ylabel="loss (0.5 sum_t err^2, mean of x and y)",
                title=f"e-prop training loss: {losses[0]:.2f} -> {losses[-1]:.3f}")
    ax_loss.legend(fontsize=8)
    y_first, y_last = np.asarray(recs0["out.y"])[:, 0, :], np.asarray(recs["out.y"])[:, 0, :]
    ax_word.plot(y[:, 0], -y[:, 1], color="k", lw=2.5, alpha=0.35, label="target (pen)")
    ax_word.plot(y_first[:, 0], -y_first[:, 1], color="tab:grey", lw=0.8, label="readout, iteration 1")
    ax_word.plot(y_last[:, 0], -y_last[:, 1], color="tab:red", lw=1.2, label=f"readout, iteration {len(losses)}")
    ax_word.set(xlabel="readout 0 (x)", ylabel="readout 1 (-y)", title="the written word")
    ax_word.set_aspect("equal", adjustable="datalim")
    ax_word.legend(fontsize=7, loc="lower right")
    s = np.asarray(recs["rec.s"])[:, 0, :]
    plots.raster(s, ax_raster, dt=1.0, size=2, ylabel="recurrent neuron",
                 title=f"spikes, iteration {len(losses)} ({s.mean() * 1000:.1f} Hz; target 20 Hz)")
    ax_raster.set(xlim=(0, len(s)))
    t = np.arange(len(y))
    for k, (c, lab) in enumerate((("tab:blue", "x"), ("tab:green", "y"))):
        ax_xy.plot(t, y[:, k], color=c, lw=2.5, alpha=0.35, label=f"target {lab}")
        ax_xy.plot(t, y_last[:, k], color=c, lw=1, label=f"readout {lab}")
    ax_xy.set(xlabel="time (ms)", ylabel="pen position (normalised)", title="readouts over time, last iteration")
    ax_xy.legend(fontsize=7, ncol=2)
    fig.tight_layout()
    path = mc.save_figure(fig, out / "eprop_handwriting.png")
    mc.progress(NAME, f"figure: {path}")
    return path


if __name__ == "__main__":
    mc.pin_to_one_core()  # batch 1, 200 neurons: one core beats XLA's thread pool on two
    sys.exit(mc.run_main(main, NAME))
