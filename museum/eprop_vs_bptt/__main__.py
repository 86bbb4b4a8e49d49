"""e-prop vs BPTT on the evidence-accumulation network (Bellec et al. 2020, Fig. 3 and Eq. (1)).

1. Gradient alignment: on the same weights and the same batch, the e-prop gradient computed online by
   the components (EpropSynapse + LearningSignalConnection, ``model.yaml`` of
   ``eprop_evidence_accumulation``) is compared with the BPTT surrogate gradient of the same network
   (``bptt.py``: ``jax.grad`` through one ``lax.scan``). Cosine similarity per weight matrix for
   e-prop with random feedback (the exhibit's setting), e-prop with symmetric feedback, and truncated
   BPTT (which symmetric e-prop equals exactly).
2. Memory as T grows: XLA's compiled memory analysis of one e-prop sequence (the Context's compiled
   scan) and of one BPTT gradient, for T = 250 ... 4000 steps.

    python -m museum.eprop_vs_bptt --quick
    python -m museum.eprop_vs_bptt                      # batch 32, 5 batches, T up to 4000
"""

from __future__ import annotations

import sys
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from museum import _common as mc

NAME = "eprop_vs_bptt"
MATRICES = ("W_in", "W_rec", "W_out")


def _extra(parser: Any) -> None:
    parser.add_argument("--batch-size", type=int, default=32, help="sequences per batch (default: %(default)s)")
    parser.add_argument("--batches", type=int, default=5, help="batches to compare on (default: %(default)s)")
    parser.add_argument("--lengths", type=str, default="250,500,1000,2000,4000",
                        help="sequence lengths T for the memory analysis (default: %(default)s)")


def eprop_context(seed: int, batch_size: int, cfg: Any, feedback: str) -> Any:
    """The exhibit's network with plain gradient descent at eta = 1, so that ``-dWeights`` after
    ``evolve`` is exactly the e-prop gradient; ``feedback`` "random" or "symmetric"."""
    from contexts.graph import build_wire
    from museum.eprop_evidence_accumulation import PLASTIC, build

    sgd = {f"{c}.{k}": v for c in PLASTIC for k, v in (("optim_type", "sgd"), ("eta", 1.0))}
    ctx = build(seed=seed, batch_size=batch_size, cfg=cfg, overrides={**sgd, "B.feedback": feedback})
    if feedback == "symmetric":
        build_wire(ctx, "B.w_out << W_out.weights")
    return ctx


def eprop_gradient(ctx: Any, batch: Any, cfg: Any) -> dict:
    """One batch through the components (reset, T x [advance, accumulate], evolve); returns the batch-mean
    e-prop gradient per matrix, leaving the Context's state untouched."""
    from museum.eprop_evidence_accumulation import INPUTS, step_inputs

    state0 = ctx.state
    reset = ctx.compile_run(["reset"], 1)
    seq = ctx.compile_run(["advance", "accumulate"], cfg.steps, (), INPUTS)
    evolve = ctx.compile_run(["evolve"], 1)
    s, _, _ = reset(state0, {})
    s, _, _ = seq(s, step_inputs(batch, cfg, dtype=jnp.dtype(ctx.dtype)))
    s, _, _ = evolve(s, {})
    return {k: -s["values"][k]["dWeights"] for k in MATRICES}


def network_weights(ctx: Any) -> dict:
    """The Context's weights in ``bptt``'s layout (B as [n_rec, n_out])."""
    w = {k: ctx.get(f"{k}.weights") for k in MATRICES}
    w["B"] = ctx.get("B.weights").T
    return w


def alignment(seed: int, batch_size: int, n_batches: int, cfg: Any, args: Any = None) -> dict:
    from museum.eprop_evidence_accumulation import make_batch
    from museum.eprop_vs_bptt import bptt

    net = bptt.NetConfig()
    ctxs = {fb: eprop_context(seed, batch_size, cfg, fb) for fb in ("random", "symmetric")}
    W = network_weights(ctxs["random"])
    mask = cfg.recall_mask()
    rows: dict = {f"{a} vs {b}": {k: [] for k in MATRICES} for a, b in
                  (("eprop_random", "bptt"), ("eprop_symmetric", "bptt"), ("truncated_bptt", "bptt"),
                   ("eprop_symmetric", "truncated_bptt"))}
    back = mc.resume(args) if args else None  # the gradients leave the models' states untouched
    rows = back["rows"] if back else rows
    for i in range(len(next(iter(rows.values()))["W_in"]) if back else 0, n_batches):
        batch = make_batch(jax.random.PRNGKey(10_000 + i), batch_size, cfg)
        g = {"bptt": bptt.bptt_grad(W, batch.x, batch.labels, mask, net)[0],
             "truncated_bptt": bptt.bptt_grad(W, batch.x, batch.labels, mask, net, truncated=True)[0],
             "eprop_random": eprop_gradient(ctxs["random"], batch, cfg),
             "eprop_symmetric": eprop_gradient(ctxs["symmetric"], batch, cfg)}
        for name, per in rows.items():
            a, b = name.split(" vs ")
            for k in MATRICES:
                per[k].append(bptt.cosine(g[a][k], g[b][k]))
        mc.progress(NAME, f"batch {i + 1}/{n_batches}: cos(e-prop random, BPTT) = "
                          + ", ".join(f"{k} {rows['eprop_random vs bptt'][k][-1]:.3f}" for k in MATRICES))
        if args is not None:
            mc.checkpoint(args, i + 1, rows=rows)
    return rows


def memory(lengths: list, batch_size: int, seed: int) -> dict:
    """Compiled memory analysis (bytes) of one e-prop sequence and one BPTT gradient, per T."""
    import dataclasses

    from museum.eprop_evidence_accumulation import INPUTS, TaskConfig, make_batch, step_inputs
    from museum.eprop_vs_bptt import bptt

    out: dict = {"T": [], "eprop_temp": [], "eprop_args": [], "bptt_temp": [], "bptt_args": []}
    ctx = eprop_context(seed, batch_size, TaskConfig(), "random")
    W = network_weights(ctx)
    for T in lengths:
        cfg = dataclasses.replace(TaskConfig(), bg_noise=T - 7 * 150 - 150) if T >= 1200 else \
            dataclasses.replace(TaskConfig(), n_cues=1, bg_noise=T - 150 - 150)
        batch = make_batch(jax.random.PRNGKey(0), batch_size, cfg)
        xs = step_inputs(batch, cfg)
        seq = ctx.compile_run(["advance", "accumulate"], cfg.steps, (), INPUTS)
        m_e = seq.lower(ctx.state, xs).compile().memory_analysis()
        args = (W, batch.x, batch.labels, cfg.recall_mask(), bptt.NetConfig())
        m_b = bptt.bptt_grad.lower(*args).compile().memory_analysis()
        out["T"].append(cfg.steps)
        out["eprop_temp"].append(int(m_e.temp_size_in_bytes))
        out["eprop_args"].append(int(m_e.argument_size_in_bytes))
        out["bptt_temp"].append(int(m_b.temp_size_in_bytes))
        out["bptt_args"].append(int(m_b.argument_size_in_bytes))
        mc.progress(NAME, f"T = {cfg.steps}: e-prop temp {m_e.temp_size_in_bytes / 2**20:.2f} MiB, "
                          f"BPTT temp {m_b.temp_size_in_bytes / 2**20:.2f} MiB")
    return out


def main(argv: Any = None) -> dict:
    args = mc.parse_args(NAME, __doc__, argv, extra=_extra, resumable=True)
    from museum.eprop_evidence_accumulation import QUICK, TaskConfig

    cfg = QUICK if args.quick else TaskConfig()
    lengths = [int(t) for t in args.lengths.split(",")]
    if args.quick:
        args.batch_size, args.batches, lengths = min(args.batch_size, 4), 1, [500, 1000]
    rows = alignment(args.seed, args.batch_size, args.batches, cfg, args)
    mem = memory(lengths, args.batch_size, args.seed)
    results = {"batch_size": args.batch_size, "batches": args.batches, "steps": cfg.steps,
               "cosine_mean": {n: {k: float(np.mean(v)) for k, v in per.items()} for n, per in rows.items()},
               "cosine_std": {n: {k: float(np.std(v)) for k, v in per.items()} for n, per in rows.items()},
               "memory_bytes": mem}
    _figures(args.out, rows, mem)
    mc.save_results(args.out, results)
    for n, per in results["cosine_mean"].items():
        print(f"  cos({n}): " + ", ".join(f"{k} {v:.4f}" for k, v in per.items()))
    mc.publish(args, __file__)
    return results


def _figures(out: Any, rows: dict, mem: dict) -> None:
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(1, 2, figsize=(12, 4))
    width = 0.8 / len(rows)
    for i, (name, per) in enumerate(rows.items()):
        means = [np.mean(per[k]) for k in MATRICES]
        stds = [np.std(per[k]) for k in MATRICES]
        ax[0].bar(np.arange(3) + i * width, means, width, yerr=stds, label=name)
    ax[0].set_xticks(np.arange(3) + 0.4 - width / 2, MATRICES)
    ax[0].axhline(0, color="k", lw=0.5)
    ax[0].set(ylabel="cosine similarity", ylim=(-0.2, 1.05), title="gradient alignment (same weights, same batch)")
    ax[0].legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.15), ncol=2)
    T = np.asarray(mem["T"])
    ax[1].plot(T, np.asarray(mem["bptt_temp"]) / 2**20, "o-", label="BPTT (jax.grad through the scan)")
    ax[1].plot(T, np.asarray(mem["eprop_temp"]) / 2**20, "s-", label="e-prop (components, online)")
    ax[1].set(xlabel="sequence length T (steps)", ylabel="compiled temp memory (MiB)",
              title="working memory beyond inputs and state")
    ax[1].legend(fontsize=8)
    fig.tight_layout()
    mc.save_figure(fig, out / "eprop_vs_bptt.png")


if __name__ == "__main__":
    main(sys.argv[1:])
