"""e-prop evidence accumulation (Bellec et al. 2020, Fig. 3; NEST tutorial
eprop_supervised_classification_evidence-accumulation_bsshslm_2020).

40 Poisson inputs (left/right cues, recall, noise) drive 50 LIF + 50 ALIF recurrent neurons; two leaky
readouts must report, in the 150-ms recall window at the end of a 2250-ms sequence, which side showed
more of the 7 cues. e-prop with random feedback, NEST's Adam (lr 5e-3), one update per batch of sequences.

    python -m museum.eprop_evidence_accumulation --quick                       # smoke run, seconds
    python -m museum.eprop_evidence_accumulation --iterations 1000 --batch-size 32
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

import jax
import numpy as np

from museum import _common as mc

NAME = "eprop_evidence_accumulation"


def _extra(parser: Any) -> None:
    parser.add_argument("--iterations", type=int, default=1000, help="training iterations (default: %(default)s)")
    parser.add_argument("--batch-size", type=int, default=32, help="sequences per update (default: %(default)s)")
    parser.add_argument("--chunk", type=int, default=10, help="iterations per compiled chunk (progress)")


def main(argv: Any = None) -> dict:
    args = mc.parse_args(NAME, __doc__, argv, extra=_extra, resumable=True)
    from museum.eprop_evidence_accumulation import PLASTIC, QUICK, TaskConfig, Trainer, build

    cfg = QUICK if args.quick else TaskConfig()
    if args.quick:
        args.iterations, args.batch_size, args.chunk = min(args.iterations, 4), min(args.batch_size, 4), 2
    ctx = build(seed=args.seed, batch_size=args.batch_size, cfg=cfg, overrides=args.overrides)
    tr = Trainer(ctx, cfg)
    key = jax.random.PRNGKey(args.seed + 1000)
    k_show, key = jax.random.split(key)
    record = ("rec.s", "rec.thr")
    w_before = {k: np.asarray(ctx.get(f"{k}.weights")) for k in PLASTIC}
    _, _, recs_before = tr.sequence(ctx.state, k_show, record)
    mc.progress(NAME, f"training {args.iterations} iterations x {args.batch_size} sequences of {cfg.steps} steps "
                      "(compiling first)")
    curve: dict = {"accuracy": [], "loss": [], "rate_hz": []}
    done, t_train = 0, 0.0
    back = mc.resume(args, ctx)
    if back:
        done, key, curve, t_train = back["done"], jax.numpy.asarray(back["key"]), back["curve"], back["t_train"]
    while done < args.iterations:
        n = min(args.chunk, args.iterations - done)
        key, k = jax.random.split(key)
        t0 = time.perf_counter()
        m = tr.train(n, k)
        t_train += time.perf_counter() - t0
        for name in curve:
            curve[name].extend(np.asarray(m[name]).tolist())
        done += n
        acc10 = float(np.mean(curve["accuracy"][-10:]))
        mc.progress(NAME, f"iteration {done}/{args.iterations}: accuracy {curve['accuracy'][-1]:.3f} "
                          f"(last 10: {acc10:.3f}), loss {curve['loss'][-1]:.4f}, rate {curve['rate_hz'][-1]:.1f} Hz, "
                          f"{t_train / done:.2f} s/iteration")
        (args.out / "curve.json").write_text(json.dumps(curve))
        mc.checkpoint(args, done, ctx, done=done, key=key, curve=curve, t_train=t_train)
    _, after, recs_after = tr.sequence(ctx.state, k_show, record)
    acc = np.asarray(curve["accuracy"])
    smooth = np.convolve(acc, np.ones(10) / 10, mode="valid") if len(acc) >= 10 else np.zeros(0)
    results = {"iterations": args.iterations, "batch_size": args.batch_size, "seed": args.seed,
               "steps_per_sequence": cfg.steps, "accuracy_first_10": float(acc[:10].mean()),
               "accuracy_last_10": float(acc[-10:].mean()),
               "accuracy_max_10_avg": float(smooth.max()) if len(smooth) else None,
               "first_iteration_10_avg_above_0.9": (int(np.argmax(smooth > 0.9)) + 10 if np.any(smooth > 0.9)
                                                    else None),
               "loss_first": curve["loss"][0], "loss_last": curve["loss"][-1],
               "heldout_accuracy_after": float(after["accuracy"]), "rate_hz_last": curve["rate_hz"][-1],
               "seconds_per_iteration": t_train / max(done, 1)}
    _figures(args.out, curve, cfg, recs_before, recs_after, w_before, ctx)
    mc.save_results(args.out, results)
    mc.publish(args, __file__)
    return results


def _raster(ax: Any, recs: dict, cfg: Any, title: str) -> None:
    x = np.asarray(recs["x"])[:, 0, :]
    s = np.asarray(recs["rec.s"])[:, 0, :]
    from synaptica import plots

    plots.raster(x, ax, size=2, color="tab:blue")
    t, i = plots.spike_times(s)
    plots.raster((t, i + x.shape[1] + 5), ax, size=2, color="k", ylabel="inputs (blue) | LIF, ALIF (black)",
                 title=title)
    ax.axvspan(cfg.steps - cfg.recall, cfg.steps, color="tab:orange", alpha=0.2)
    ax.set(xlim=(0, cfg.steps))


def _figures(out: Path, curve: dict, cfg: Any, before: dict, after: dict, w_before: dict, ctx: Any) -> None:
    import matplotlib.pyplot as plt

    from synaptica import plots

    fig, ax = plt.subplots(3, 2, figsize=(12, 10))
    it = np.arange(1, len(curve["accuracy"]) + 1)
    acc = np.asarray(curve["accuracy"])
    ax[0, 0].plot(it, acc, color="tab:grey", lw=0.7, label="per batch")
    if len(acc) >= 10:
        ax[0, 0].plot(it[9:], np.convolve(acc, np.ones(10) / 10, mode="valid"), color="tab:red", label="10-avg")
    ax[0, 0].axhline(0.9, color="k", ls=":", lw=1)
    ax[0, 0].set(xlabel="iteration", ylabel="recall accuracy", ylim=(0, 1.02), title="e-prop: accuracy")
    ax[0, 0].legend(fontsize=8)
    ax[0, 1].plot(it, curve["loss"], label="cross-entropy / recall step")
    ax2 = ax[0, 1].twinx()
    ax2.plot(it, curve["rate_hz"], color="tab:green", lw=0.8)
    ax2.set_ylabel("mean rate (Hz)", color="tab:green")
    ax[0, 1].set(xlabel="iteration", ylabel="loss", title="loss and firing rate")
    _raster(ax[1, 0], before, cfg, f"before training (label {int(before['labels'][0])})")
    _raster(ax[1, 1], after, cfg, f"after training (label {int(after['labels'][0])})")
    for a, recs, name in ((ax[2, 0], before, "before"), (ax[2, 1], after, "after")):
        plots.traces(np.asarray(recs["out.pred"])[:, 0, :], a, t0=-1.0, neurons=[0, 1], lw=1.5,
                     labels=["pi left", "pi right"], ylabel="softmax readout", title=f"readout {name} training")
        a.axvspan(cfg.steps - cfg.recall, cfg.steps, color="tab:orange", alpha=0.2)
        a.set(ylim=(0, 1))
        a.legend(fontsize=8, loc="upper left")
    fig.tight_layout()
    mc.save_figure(fig, out / "eprop_evidence_accumulation.png")
    fig, ax = plt.subplots(1, 3, figsize=(12, 3))
    for a, k in zip(ax, w_before):
        b, f = w_before[k].ravel(), np.asarray(ctx.get(f"{k}.weights")).ravel()
        bins = np.linspace(min(b.min(), f.min()), max(b.max(), f.max()), 40)
        a.hist(b, bins, histtype="step", ls="--", label="before")
        a.hist(f, bins, histtype="step", label="after")
        a.set(title=k, xlabel="weight")
        a.legend(fontsize=7)
    fig.tight_layout()
    mc.save_figure(fig, out / "weights.png")


if __name__ == "__main__":
    main(sys.argv[1:])
