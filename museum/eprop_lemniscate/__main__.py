"""e-prop pattern generation: a lemniscate (Bellec et al. 2020; NEST tutorial
eprop_supervised_regression_lemniscate_bsshslm_2020).

100 frozen Poisson inputs drive 200 adaptive LIF neurons whose two leaky readouts learn to draw a
figure eight, x = sin(2 pi s) and y = sin(4 pi s) over one 1258 ms sequence. One iteration = one
sequence + one e-prop weight update (NEST's Adam, eta = 5e-3; firing-rate regularisation c_reg = 150
towards 20 Hz). By default the run starts from NEST's initial state (nest_init.npz: weights, the
neurons' membrane time constants, input, target) and its losses are compared with NEST's own run of
the tutorial (nest_losses.json).

    python -m museum.eprop_lemniscate                      # 200 iterations, as NEST's tutorial
    python -m museum.eprop_lemniscate --quick              # the first 20 of them
    python -m museum.eprop_lemniscate --iterations 5 --float64   # float64: NEST's losses to rounding
    python -m museum.eprop_lemniscate --own-init --seed 3  # weights, time constants, input from seed 3

The loss is NEST's: the mean over the two readouts of 0.5 sum_t (y_k - y*_k)^2.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from museum import _common as mc

NAME = "eprop_lemniscate"
CHECKPOINTS = (1, 5, 10, 20, 50, 100, 150, 200, 500, 1000, 2000, 5000)  # iterations whose loss results.json keeps


def _extra(parser: Any) -> None:
    parser.add_argument("--iterations", type=int, default=200,
                        help="training iterations, one 1258-step sequence each (default: %(default)s)")
    parser.add_argument("--own-init", action="store_true",
                        help="draw weights, time constants, input and target from --seed instead of NEST's")
    parser.add_argument("--float64", action="store_true", help="compute in float64 (enables jax_enable_x64)")
    parser.add_argument("--chunk", type=int, default=20,
                        help="iterations per compiled call (the progress bar moves once per call)")


def main(argv: Any = None) -> dict:
    args = mc.parse_args(NAME, __doc__, argv, extra=_extra)
    if args.quick:
        args.iterations = min(args.iterations, 20)
    if args.float64:
        import jax

        jax.config.update("jax_enable_x64", True)
    from museum import eprop_lemniscate as lem
    from museum.eprop_sine_waves import Trainer

    dtype = "float64" if args.float64 else "float32"
    nest, nest_y = None, None
    if args.own_init:
        ctx = lem.build(seed=args.seed, dtype=dtype, tau_m=lem.draw_tau_m(args.seed), overrides=args.overrides)
        x, y = lem.make_task(args.seed)
    else:
        ctx = lem.build(seed=args.seed, dtype=dtype, tau_m=lem.nest_tau_m(), overrides=args.overrides)
        x, y = lem.load_init(ctx, lem.NEST_INIT)
        nest = np.asarray(json.loads(lem.NEST_LOSSES.read_text())["loss"])
        nest_y = np.load(lem.NEST_INIT)["y_last"]
        mc.progress(NAME, f"NEST's initial state from {lem.NEST_INIT.name}")
    tr = Trainer(ctx, x, y, record=("out.y", "rec.s"))
    mc.progress(NAME, f"training {args.iterations} iterations of {tr.T} steps (the first call compiles)")
    losses: list = []
    t_train, t_first, recs0 = 0.0, None, None
    with tqdm(total=args.iterations, unit="it", desc="e-prop", file=sys.stderr, dynamic_ncols=True) as bar:
        while len(losses) < args.iterations:
            n = min(args.chunk, args.iterations - len(losses))
            t0 = time.perf_counter()
            _, chunk = tr.train(n)
            t_train += time.perf_counter() - t0
            t_first = t_train if t_first is None else t_first
            losses.extend((chunk[:, 0] / lem.N_OUT).tolist())
            recs0 = tr.records_first if recs0 is None else recs0
            bar.set_postfix(loss=f"{losses[-1]:.2f}", refresh=False)
            bar.update(n)
    loss = np.asarray(losses)
    recs = tr.records_last
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    results = {"iterations": int(args.iterations), "seed": args.seed,
               "init": "own seed" if args.own_init else "NEST", "dtype": ctx.dtype,
               "loss_first": float(loss[0]), "loss_last": float(loss[-1]), "loss_min": float(loss.min()),
               "rate_hz_last": float(np.asarray(recs["rec.s"]).mean() * 1000.0),
               "loss_at": {str(i): float(loss[i - 1]) for i in CHECKPOINTS if i <= len(loss)},
               "train_seconds": t_train, "first_call_seconds": t_first, "cpu_cores": cores,
               "first_losses_full_precision": [repr(float(v)) for v in loss[:20]]}
    if nest is not None:
        k = min(len(nest), len(loss))
        rel = np.abs(loss[:k] / nest[:k] - 1.0)
        results.update({"nest_loss_first": float(nest[0]), "nest_loss_last": float(nest[k - 1]),
                        "nest_loss_at": {str(i): float(nest[i - 1]) for i in CHECKPOINTS if i <= k},
                        "compared_iterations": int(k), "max_rel_diff_vs_nest": float(rel.max()),
                        "first_iteration_rel_diff_above_1e-6": int(np.argmax(rel > 1e-6)) + 1
                        if np.any(rel > 1e-6) else None})
    _figure(args.out, loss, nest, np.asarray(y), recs0, recs,
            nest_y if nest is not None and len(loss) == len(nest) else None)
    mc.save_results(args.out, results)
    mc.publish(args, __file__)
    return results


def _figure(out: Path, loss: np.ndarray, nest: np.ndarray | None, y: np.ndarray, recs0: dict, recs: dict,
            nest_y: np.ndarray | None) -> Path:
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(2, 2, figsize=(11, 8))
    it = np.arange(1, len(loss) + 1)
    if nest is not None:
        k = min(len(nest), len(loss))
        ax[0, 0].semilogy(np.arange(1, k + 1), nest[:k], color="k", lw=3, alpha=0.35,
                          label=f"NEST 3.10: {nest[0]:.2f} -> {nest[k - 1]:.2f}")
    ax[0, 0].semilogy(it, loss, color="tab:red", lw=1.2, label=f"ours: {loss[0]:.2f} -> {loss[-1]:.2f}")
    ax[0, 0].set(xlabel="iteration", ylabel="loss (mean over x, y of 0.5 sum err^2)", title="e-prop training loss")
    ax[0, 0].legend(fontsize=8)
    y0, y1 = np.asarray(recs0["out.y"])[:, 0, :], np.asarray(recs["out.y"])[:, 0, :]
    ax[0, 1].plot(y[:, 0], y[:, 1], "k", lw=2.5, label="target")
    ax[0, 1].plot(y0[:, 0], y0[:, 1], color="tab:grey", lw=1, label="iteration 1")
    if nest_y is not None:
        ax[0, 1].plot(nest_y[:, 0], nest_y[:, 1], color="tab:blue", lw=1, ls="--",
                      label=f"NEST, iteration {len(loss)}")
    ax[0, 1].plot(y1[:, 0], y1[:, 1], color="tab:red", lw=1.5, label=f"ours, iteration {len(loss)}")
    ax[0, 1].set(xlabel="readout 1 (x)", ylabel="readout 2 (y)", title="target vs readout trajectory")
    ax[0, 1].set_aspect("equal", adjustable="datalim")
    ax[0, 1].legend(fontsize=8, loc="lower right")
    s = np.asarray(recs["rec.s"])[:, 0, :]
    ti, ni = np.nonzero(s)
    ax[1, 0].plot(ti, ni, "|", ms=2, color="k")
    ax[1, 0].set(xlabel="time in the sequence (ms)", ylabel="recurrent neuron", xlim=(0, len(s)),
                 title=f"spikes, iteration {len(loss)} ({s.mean() * 1000:.1f} Hz)")
    t = np.arange(len(y))
    for k, c in ((0, "tab:red"), (1, "tab:green")):
        ax[1, 1].plot(t, y[:, k], color="k", lw=2, alpha=0.5)
        ax[1, 1].plot(t, y1[:, k], color=c, lw=1.2, label=f"readout {k + 1} ({'xy'[k]}), iteration {len(loss)}")
    ax[1, 1].set(xlabel="time in the sequence (ms)", ylabel="readout", title="readouts over time (grey: targets)")
    ax[1, 1].legend(fontsize=8, loc="lower left")
    fig.tight_layout()
    path = mc.save_figure(fig, out / "eprop_lemniscate.png")
    mc.progress(NAME, f"figure: {path}")
    return path


if __name__ == "__main__":
    mc.pin_to_one_core()  # batch 1, 200 neurons: one core is faster than XLA's thread pool
    sys.exit(mc.run_main(main, NAME))
