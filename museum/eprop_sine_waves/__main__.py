"""e-prop sine-wave pattern generation (Bellec et al. 2020, Fig. 2; NEST's
eprop_supervised_regression_sine-waves_bsshslm_2020 tutorial).

100 frozen Poisson inputs drive 100 recurrent LIF neurons whose leaky readout learns to draw a sum of
four sines over 1000 ms. One iteration = one sequence + one e-prop weight update (plain gradient
descent, eta = 1e-4, firing-rate regularisation c_reg = 300 towards 10 Hz).

    python -m museum.eprop_sine_waves --demo                 # the full run (2000 iterations), figure, next steps
    python -m museum.eprop_sine_waves --iterations 500       # a shorter run
    python -m museum.eprop_sine_waves --init museum/eprop_sine_waves/nest_init.npz --iterations 5 --float64
                                                             # NEST's initial state: its reference losses

A checkpoint is written after every ``--chunk`` iterations; ``--resume`` continues an interrupted run
from the last one (with the same losses).
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

NAME = "eprop_sine_waves"
CHECKPOINTS = (1, 100, 200, 300, 500, 1000, 1500, 2000)  # iterations whose loss results.json keeps
NEST_LOSSES = [101.964356999041, 103.466731126205, 103.340607074771, 103.680244037686, 104.412775748752]


def _extra(parser: Any) -> None:
    parser.add_argument("--iterations", type=int, default=2000, help="training iterations (default: %(default)s)")
    parser.add_argument("--init", type=Path, default=None,
                        help="an .npz with NEST's initial W_in, W_rec, W_out, B, input x and target y_star "
                             "(museum/eprop_sine_waves/nest_init.npz)")
    parser.add_argument("--demo", action="store_true",
                        help="the full training run with its figure, then where to look next (make demo)")
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
    from museum.eprop_sine_waves import Trainer, build, load_init, make_task

    ctx = build(seed=args.seed, dtype="float64" if args.float64 else "float32", overrides=args.overrides)
    if args.init is not None:
        x, y = load_init(ctx, args.init)
        mc.progress(NAME, f"initial state from {args.init}")
    else:
        x, y = make_task(args.seed)
    tr = Trainer(ctx, x, y, record=("out.y", "rec.s"))
    w_before = {k: np.asarray(ctx.get(f"{k}.weights")) for k in ("W_in", "W_rec", "W_out")}
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
            losses.extend(chunk[:, 0].tolist())
            recs0 = tr.records_first if recs0 is None else recs0
            recs = tr.records_last  # the last sequence (its update follows it)
            done += n
            bar.set_postfix(loss=f"{losses[-1]:.2f}", refresh=False)
            bar.update(n)
            mc.checkpoint(args, done, ctx, done=done, losses=losses, t_train=t_train,
                          **{f"{which}/{k}": np.asarray(r[k]) for which, r in (("first", recs0), ("last", recs))
                             for k in tr.record})
    losses = np.asarray(losses)
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    results = {"iterations": int(args.iterations), "seed": args.seed, "init": str(args.init or "own seed"),
               "dtype": ctx.dtype, "loss_first": float(losses[0]), "loss_last": float(losses[-1]),
               "loss_min": float(losses.min()), "loss_mean_last_10": float(losses[-10:].mean()),
               "first_below_5": int(np.argmax(losses < 5.0)) + 1 if np.any(losses < 5.0) else None,
               "rate_hz_after": float(np.asarray(recs["rec.s"]).mean() * 1000.0),
               "loss_at": {str(i): float(losses[i - 1]) for i in CHECKPOINTS if i <= len(losses)},
               "train_seconds": t_train, "cpu_cores": cores, "first_losses": losses[:5].tolist(),
               "first_losses_full_precision": [repr(float(v)) for v in losses[:20]]}
    if args.init is not None and args.iterations >= 5:
        ref = np.asarray(NEST_LOSSES)
        results["max_rel_err_vs_nest_first5"] = float(np.max(np.abs(losses[:5] - ref) / ref))
    figure = _figures(args.out, losses, np.asarray(y), recs0, recs, w_before, ctx)
    mc.save_results(args.out, results)
    mc.publish(args, __file__)
    if args.demo:
        _next_steps(figure, results)
    return results


def _next_steps(figure: Path, results: dict) -> None:
    """What the demo leaves behind and where to go from it (stdout, after the numbers)."""
    here = Path(__file__).resolve().parent

    def rel(p: Path) -> str:
        try:
            return str(p.resolve().relative_to(Path.cwd()))
        except ValueError:
            return str(p.resolve())

    print(f"\ne-prop trained the network for {results['iterations']} iterations: loss "
          f"{results['loss_first']:.1f} -> {results['loss_last']:.2f}"
          + (" (below 5: the readout draws the target)." if results["loss_last"] < 5.0 else "."))
    print(f"  figure:   {rel(figure)}  (loss, target vs readout, spikes, weights)")
    print(f"  model:    {rel(here / 'model.yaml')}  (the network as YAML; change a parameter: --set W_rec.eta=2e-4)")
    print(f"  read:     {rel(here / 'README.md')}  (what it reproduces, the measured numbers)")
    print("  more:     synaptica museum list    (the other exhibits; synaptica museum run NAME --quick)")


def _figures(out: Path, losses: np.ndarray, y: np.ndarray, recs0: dict, recs: dict, w_before: dict,
             ctx: Any) -> Path:
    import matplotlib.pyplot as plt

    from synaptica import plots

    fig, ax = plt.subplots(2, 2, figsize=(11, 7))
    ax[0, 0].semilogy(np.arange(1, len(losses) + 1), losses)
    ax[0, 0].axhline(5.0, color="grey", ls=":", lw=1, label="loss 5")
    ax[0, 0].set(xlabel="iteration", ylabel="loss (sum of 0.5 err^2)",
                 title=f"e-prop training loss: {losses[0]:.1f} -> {losses[-1]:.2f}")
    ax[0, 0].legend(loc="upper right", fontsize=8)
    t = np.arange(len(y))
    ax[0, 1].plot(t, y[:, 0], "k", lw=2, label="target y*")
    ax[0, 1].plot(t, np.asarray(recs0["out.y"])[:, 0, 0], color="tab:grey", lw=1, label="iteration 1")
    ax[0, 1].plot(t, np.asarray(recs["out.y"])[:, 0, 0], color="tab:red", lw=1.5,
                  label=f"iteration {len(losses)} (loss {losses[-1]:.2f})")
    ax[0, 1].set(xlabel="time (ms)", ylabel="readout", title="target vs readout")
    ax[0, 1].legend(loc="lower left", fontsize=8)  # the target keeps the top of the panel
    s = np.asarray(recs["rec.s"])[:, 0, :]
    plots.raster(s, ax[1, 0], dt=1.0, size=3, ylabel="recurrent neuron",
                 title=f"spikes, iteration {len(losses)} ({s.mean() * 1000:.1f} Hz)")
    ax[1, 0].set(xlim=(0, len(s)))
    for k, c in (("W_in", "tab:blue"), ("W_rec", "tab:orange"), ("W_out", "tab:green")):
        before, after = w_before[k].ravel(), np.asarray(ctx.get(f"{k}.weights")).ravel()
        bins = np.linspace(min(before.min(), after.min()), max(before.max(), after.max()), 40)
        ax[1, 1].hist(before, bins, histtype="step", color=c, ls="--", density=True)
        ax[1, 1].hist(after, bins, histtype="step", color=c, density=True, label=f"{k} after (dashed: before)")
    ax[1, 1].set(xlabel="weight", ylabel="density", title="weights before / after")
    ax[1, 1].legend(fontsize=7)
    fig.tight_layout()
    path = mc.save_figure(fig, out / "eprop_sine_waves.png")
    mc.progress(NAME, f"figure: {path}")
    return path


if __name__ == "__main__":
    mc.pin_to_one_core()  # batch 1, 100 neurons: one core is ~2x faster than XLA's thread pool on two
    sys.exit(mc.run_main(main, NAME))
