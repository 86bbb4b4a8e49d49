"""BCM neurons exposed to several input patterns become selective to one of them.

Bienenstock, Cooper & Munro (1982), J. Neurosci. 2:32-48: with the sliding threshold
``theta = <y^2>``, the only stable fixed points of ``dW ~ x y (y - theta)`` are *selective*: the
neuron answers one pattern (at ``y = 1/p`` for a pattern shown with probability ``p``) and none of
the others. Eight independent rate neurons see a random stream of four overlapping patterns.

    python -m museum.bcm_selectivity [--quick] [--seed N] [--out DIR] [--publish]
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import numpy as np

from museum import _common as mc

NAME = "bcm_selectivity"


def make_patterns(n_patterns: int, n_in: int) -> np.ndarray:
    """Overlapping Gaussian bumps of activity on a line of ``n_in`` inputs, one per pattern."""
    centres = (np.arange(n_patterns) + 0.5) * n_in / n_patterns
    pos = np.arange(n_in)
    return np.exp(-0.5 * ((pos[None, :] - centres[:, None]) / (0.4 * n_in / n_patterns)) ** 2).astype(np.float32)


def selectivity(resp: np.ndarray) -> np.ndarray:
    """1 - mean(other responses) / best response, per neuron (1 = answers a single pattern)."""
    best = resp.max(0)
    others = (resp.sum(0) - best) / (resp.shape[0] - 1)
    return 1.0 - others / np.maximum(best, 1e-9)


def main(argv: Sequence[str] | None = None) -> dict:
    args = mc.parse_args(NAME, __doc__, argv)
    ctx = mc.load_exhibit_model(__file__, overrides={"seed": args.seed}, args=args)
    n_in, n_out = ctx.components["W"].shape
    patterns = make_patterns(4, n_in)
    steps = 2_000 if args.quick else 40_000
    rng = np.random.default_rng(args.seed)
    shown = rng.integers(0, len(patterns), steps)
    mc.progress(NAME, f"{n_out} BCM neurons, {len(patterns)} patterns on {n_in} inputs, {steps} steps of "
                      f"{ctx.dt} ms")
    rec = ctx.run(["advance", "evolve"], steps=steps, record=["W.weights", "W.theta"],
                  inputs={"x.inputs": patterns[shown][:, None, :]}, progress=not args.quick)
    ws = np.asarray(rec["W.weights"])              # (steps, n_in, n_out)
    theta = np.asarray(rec["W.theta"])             # (steps, n_out)
    stride = max(1, steps // 500)
    resp = np.maximum(np.einsum("pi,tio->tpo", patterns, ws[::stride]), 0.0)  # (t, pattern, neuron)
    final = resp[-1]
    sel = selectivity(final)
    preferred = final.argmax(0)
    expected = float(len(patterns))  # y = 1/p at the selective fixed point, p = 1/4
    mc.progress(NAME, f"selectivity per neuron {mc.numbers(sel, '.2f')}, preferred {preferred.tolist()}")
    plot(resp, theta[::stride], ctx.dt * stride * np.arange(len(resp)), final, patterns, args.out)
    results = {"steps": steps, "selectivity_min": float(sel.min()), "selectivity_mean": float(sel.mean()),
               "preferred_pattern": preferred, "best_response_mean": float(final.max(0).mean()),
               "best_response_expected": expected, "theta_final_mean": float(theta[-1].mean()),
               "patterns_claimed": int(len(set(preferred.tolist())))}
    mc.save_results(args.out, results)
    mc.publish(args, __file__)
    return results


def plot(resp: np.ndarray, theta: np.ndarray, t: np.ndarray, final: np.ndarray, patterns: np.ndarray,
         out: Path) -> None:
    from synaptica import plots

    fig, ax = plots.figure(1, 4, size=(16, 3.6), gridspec_kw={"width_ratios": [1, 1.6, 1.6, 1.2]})
    for p, row in enumerate(patterns):
        ax[0].plot(row, label=f"pattern {p}")
    ax[0].set(xlabel="input", ylabel="activity", title="input patterns")
    ax[0].legend(fontsize=7)
    step = float(t[1] - t[0]) / 1000 if len(t) > 1 else 1.0  # s between the samples
    t0 = float(t[0]) / 1000 - step  # the traces' times are t0 + (sample + 1) step
    for neuron, a in ((0, ax[1]), (1, ax[2])):
        plots.traces(resp[:, :, neuron], a, dt=step, t0=t0, neurons=range(resp.shape[1]),
                     labels=[f"response to pattern {p}" for p in range(resp.shape[1])], xlabel="time (s)", ylabel="y")
        plots.traces(theta, a, dt=step, t0=t0, neurons=[neuron], labels=["theta"], colors=["k"], xlabel="time (s)",
                     ylabel="y", title=f"neuron {neuron}")
        a.lines[-1].set_linestyle("--")
        a.legend(fontsize=7)
    plots.weights(final, ax[3], cmap="viridis", symmetric=False, xlabel="neuron", ylabel="pattern",
                  title="final responses")
    fig.tight_layout()
    mc.save_figure(fig, out / "bcm_selectivity.png")


if __name__ == "__main__":
    main()
