"""Online e-prop sine-wave pattern generation with NEST's newer e-prop models (Bellec et al. 2020, Fig. 2;
NEST tutorial eprop_supervised_regression_sine-waves: eprop_iaf, eprop_readout, eprop_synapse).

100 frozen Poisson inputs drive 100 recurrent LIF neurons whose leaky readout learns to draw a sum of
four sines over 1000 ms. The sequence repeats without reset and every weight learns at every time
step. By default the run starts from NEST's initial weights, input and target (nest_init.npz) and its
losses are compared with NEST's own run of the tutorial (nest_losses.json).

    python -m museum.eprop_sine_waves_online                      # 200 iterations, as NEST's tutorial
    python -m museum.eprop_sine_waves_online --quick              # the first 100 of them
    python -m museum.eprop_sine_waves_online --float64            # the same in float64
    python -m museum.eprop_sine_waves_online --own-init --seed 3  # weights, input and target from seed 3
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from museum import _common as mc

NAME = "eprop_sine_waves_online"
CHECKPOINTS = (1, 10, 20, 50, 100, 150, 200, 500, 1000, 1500, 2000)  # iterations whose loss results.json keeps


def _extra(parser: Any) -> None:
    parser.add_argument("--iterations", type=int, default=200,
                        help="training iterations, one 1000-step sequence each (default: %(default)s)")
    parser.add_argument("--own-init", action="store_true",
                        help="draw weights, input and target from --seed instead of starting from NEST's")
    parser.add_argument("--float64", action="store_true", help="compute in float64 (enables jax_enable_x64)")
    parser.add_argument("--chunk", type=int, default=20,
                        help="iterations per compiled call (the progress bar moves once per call)")


def main(argv: Any = None) -> dict:
    args = mc.parse_args(NAME, __doc__, argv, extra=_extra)
    if args.quick:
        args.iterations = min(args.iterations, 100)
    if args.float64:
        import jax

        jax.config.update("jax_enable_x64", True)
    from museum.eprop_sine_waves_online import NEST_INIT, NEST_LOSSES, Trainer, build, load_init, make_task

    ctx = build(seed=args.seed, dtype="float64" if args.float64 else "float32", overrides=args.overrides)
    nest = None
    if args.own_init:
        x, y = make_task(args.seed)
    else:
        x, y = load_init(ctx, NEST_INIT)
        nest = np.asarray(json.loads(NEST_LOSSES.read_text())["loss"])
        mc.progress(NAME, f"NEST's initial state from {NEST_INIT.name}")
    tr = Trainer(ctx, x, y, record=("out.y", "rec.s"))
    mc.progress(NAME, f"training {args.iterations} iterations of {tr.T} steps (the first call compiles)")
    losses: list = []
    t_train, recs0 = 0.0, None
    with tqdm(total=args.iterations, unit="it", desc="e-prop", file=sys.stderr, dynamic_ncols=True) as bar:
        while len(losses) < args.iterations:
            n = min(args.chunk, args.iterations - len(losses))
            t0 = time.perf_counter()
            losses.extend(tr.train(n).tolist())
            t_train += time.perf_counter() - t0
            recs0 = tr.records_first if recs0 is None else recs0
            bar.set_postfix(loss=f"{losses[-1]:.2f}", refresh=False)
            bar.update(n)
    loss = np.asarray(losses)
    recs = tr.records_last
    results = {"iterations": int(args.iterations), "seed": args.seed,
               "init": "own seed" if args.own_init else "NEST", "dtype": ctx.dtype,
               "loss_first": float(loss[0]), "loss_last": float(loss[-1]),
               "loss_ratio_first_to_last": float(loss[0] / loss[-1]), "loss_min": float(loss.min()),
               "rate_hz_last": float(np.asarray(recs["rec.s"]).mean() * 1000.0),
               "loss_at": {str(i): float(loss[i - 1]) for i in CHECKPOINTS if i <= len(loss)},
               "train_seconds": t_train,
               "loss_at_full_precision": {str(i): repr(float(loss[i - 1])) for i in CHECKPOINTS if i <= len(loss)},
               "first_losses_full_precision": [repr(float(v)) for v in loss[:10]]}
    if nest is not None:
        k = min(len(nest), len(loss))
        rel = np.abs(loss[:k] / nest[:k] - 1.0)
        results.update({"nest_loss_first": float(nest[0]), "nest_loss_last": float(nest[k - 1]),
                        "nest_loss_at": {str(i): float(nest[i - 1]) for i in CHECKPOINTS if i <= k},
                        "nest_loss_ratio_first_to_last": float(nest[0] / nest[k - 1]),
                        "max_rel_diff_vs_nest": float(rel.max()),
                        "first_iteration_rel_diff_above_1e-6": int(np.argmax(rel > 1e-6)) + 1
                        if np.any(rel > 1e-6) else None})
    _figure(args.out, loss, nest, np.asarray(y), recs0, recs)
    mc.save_results(args.out, results)
    mc.publish(args, __file__)
    return results


def _figure(out: Path, loss: np.ndarray, nest: np.ndarray | None, y: np.ndarray, recs0: dict, recs: dict) -> Path:
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(2, 2, figsize=(11, 7))
    it = np.arange(1, len(loss) + 1)
    if nest is not None:
        k = min(len(nest), len(loss))
        ax[0, 0].semilogy(np.arange(1, len(nest) + 1), nest, color="k", lw=2.5, alpha=0.35,
                          label=f"NEST 3.10: {nest[0]:.2f} -> {nest[k - 1]:.2f}")
    ax[0, 0].semilogy(it, loss, color="tab:red", lw=1.2, label=f"ours: {loss[0]:.2f} -> {loss[-1]:.2f}")
    ax[0, 0].set(xlabel="iteration", ylabel="loss (0.5 sum of err^2 per sequence)", title="online e-prop training loss")
    ax[0, 0].legend(fontsize=8)
    t = np.arange(len(y))
    ax[0, 1].plot(t, y[:, 0], "k", lw=2, label="target y*")
    ax[0, 1].plot(t, np.asarray(recs0["out.y"])[:, 0, 0], color="tab:grey", lw=1, label="iteration 1")
    ax[0, 1].plot(t, np.asarray(recs["out.y"])[:, 0, 0], color="tab:red", lw=1.5, label=f"iteration {len(loss)}")
    ax[0, 1].set(xlabel="time in the sequence (ms)", ylabel="readout", title="target vs readout")
    ax[0, 1].legend(loc="lower left", fontsize=8)
    s = np.asarray(recs["rec.s"])[:, 0, :]
    ti, ni = np.nonzero(s)
    ax[1, 0].plot(ti, ni, "|", ms=3, color="k")
    ax[1, 0].set(xlabel="time in the sequence (ms)", ylabel="recurrent neuron", xlim=(0, len(s)),
                 title=f"spikes, iteration {len(loss)} ({s.mean() * 1000:.1f} Hz)")
    if nest is not None:
        k = min(len(nest), len(loss))
        rel = np.maximum(np.abs(loss[:k] / nest[:k] - 1.0), 1e-17)
        ax[1, 1].semilogy(it[:k], rel, ".", ms=3, color="tab:blue")
        ax[1, 1].set(xlabel="iteration", ylabel="|ours / NEST - 1|", title="relative difference of the losses")
    else:
        ax[1, 1].axis("off")
        ax[1, 1].text(0.5, 0.5, "own initial state:\nno NEST run to compare with", ha="center", va="center")
    fig.tight_layout()
    path = mc.save_figure(fig, out / "eprop_sine_waves_online.png")
    mc.progress(NAME, f"figure: {path}")
    return path


if __name__ == "__main__":
    mc.pin_to_one_core()  # batch 1, 100 neurons: one core is faster than XLA's thread pool
    sys.exit(mc.run_main(main, NAME))
