"""Third-factor gating: plasticity of pop2 -> pop3 gated by pop1's rate, and reward-modulated STDP.

Part 1 (an ANNarchy forum question): three leaky integrators; the weight of the
pop2 -> pop3 projection follows ``dw/dt = lr * r1 * r2`` where r1 is the rate of pop1, a population
the projection does not connect. In synaptica the third factor is one wire,
``W.modulator << pop1.outputs``; the simulated trajectory is compared with the closed form.

Part 2: a reward-modulated STDP neuron (Izhikevich 2007) learns to fire for the rewarded pattern.

    python -m museum.third_factor_gating [--quick] [--seed N] [--out DIR] [--publish]
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

import numpy as np

from museum import _common as mc

NAME = "third_factor_gating"
R_IN1, R_IN2 = 10.0, 5.0  # Hz: the seed's input populations
LOW, PUNISH = 0.1, 3.0  # R-STDP: background intensity of the other half; value of a spike in B


def analytic_weight(t: np.ndarray, w0: float, lr: float, tau: float) -> np.ndarray:
    """w(t) = w0 + lr * integral_0^t r1 r2 ds with r_i(s) = R_i (1 - exp(-s / tau)) (rates start at 0)."""
    e1, e2 = np.exp(-t / tau), np.exp(-2.0 * t / tau)
    integral = t - 2.0 * tau * (1.0 - e1) + 0.5 * tau * (1.0 - e2)
    return w0 + lr * R_IN1 * R_IN2 * integral


def discrete_weight(n_steps: int, dt: float, w0: float, lr: float, tau: float) -> np.ndarray:
    """The same in discrete time (Euler rates, one weight update per step after the rates)."""
    r1 = r2 = 0.0
    w, out = w0, np.empty(n_steps)
    for i in range(n_steps):
        r1 += dt / tau * (R_IN1 - r1)
        r2 += dt / tau * (R_IN2 - r2)
        w += lr * dt * r1 * r2
        out[i] = w
    return out


def run_gating(args: Any, t_ms: float) -> dict:
    ctx = mc.load_exhibit_model(__file__, overrides={"seed": args.seed})
    steps = int(round(t_ms / ctx.dt))
    ones = np.ones((steps, 1, 1), np.float32)
    rec = ctx.run(["advance", "evolve"], steps=steps, record=["W.weights", "pop1.outputs", "pop2.outputs"],
                  inputs={"in1.inputs": R_IN1 * ones, "in2.inputs": R_IN2 * ones})
    w = np.asarray(rec["W.weights"])[:, 0, 0]
    W, pop1 = ctx.components["W"], ctx.components["pop1"]
    lr, tau, w0 = float(W.eta), float(pop1.tau_m), 1.0
    t = ctx.dt * np.arange(1, steps + 1)
    w_exact = analytic_weight(t, w0, lr, tau)
    w_disc = discrete_weight(steps, ctx.dt, w0, lr, tau)
    return {"t": t, "w": w, "w_exact": w_exact, "w_disc": w_disc, "lr": lr, "dt": ctx.dt,
            "r1": np.asarray(rec["pop1.outputs"])[:, 0, 0], "r2": np.asarray(rec["pop2.outputs"])[:, 0, 0],
            "rel_err_analytic": float(np.max(np.abs(w - w_exact) / np.abs(w_exact))),
            "rel_err_discrete": float(np.max(np.abs(w - w_disc) / np.abs(w_disc)))}


def rstdp_schedule(rng: np.random.Generator, n_trials: int, trial_ms: int, n_in: int, low: float,
                   punish: float = 1.0) -> tuple:
    """Per-step Poisson intensities and spike values (+1 in pattern A, -punish in B), trial_ms each."""
    half = n_in // 2
    labels = rng.integers(0, 2, n_trials)  # 0 = A (rewarded), 1 = B
    pat = np.full((2, n_in), low, np.float32)
    pat[0, :half] = 1.0
    pat[1, half:] = 1.0
    x = np.repeat(pat[labels], trial_ms, axis=0)[:, None, :]
    reward = np.repeat(np.where(labels == 0, 1.0, -punish).astype(np.float32), trial_ms)[:, None, None]
    return labels, x, reward


def run_rstdp(args: Any, n_trials: int, trial_ms: int = 100, n_test: int = 40) -> dict:
    """Test (plasticity off), train, test again; rates per trial in Hz."""
    ctx = mc.load_exhibit_model(__file__, overrides={"seed": args.seed}, filename="model_rstdp.yaml",
                                args=args)
    n_in = ctx.components["x"].compartments["inputs"].shape[0]
    rng = np.random.default_rng(args.seed)

    def block(n: int, learn: bool) -> tuple:
        labels, x, reward = rstdp_schedule(rng, n, trial_ms, n_in, low=LOW, punish=PUNISH)
        rec = ctx.run(["advance", "evolve"] if learn else ["advance"], steps=n * trial_ms,
                      record=["z.s", "W.weights"], inputs={"x.inputs": x, "DA.reward": reward})
        rate = np.asarray(rec["z.s"])[:, 0, 0].reshape(n, trial_ms).sum(1) * 1000.0 / trial_ms
        return labels, rate, np.asarray(rec["W.weights"])[trial_ms - 1::trial_ms, :, 0]

    def mean_rates(labels: np.ndarray, rate: np.ndarray) -> tuple:
        return float(rate[labels == 0].mean()), float(rate[labels == 1].mean())

    before = mean_rates(*block(n_test, learn=False)[:2])
    labels, rate, w = block(n_trials, learn=True)
    after = mean_rates(*block(n_test, learn=False)[:2])
    half = n_in // 2
    return {"labels": labels, "rate": rate, "wA": w[:, :half].mean(1), "wB": w[:, half:].mean(1),
            "rate_A_before": before[0], "rate_B_before": before[1],
            "rate_A_after": after[0], "rate_B_after": after[1]}


def plot(g: dict, r: dict, out: Path) -> None:
    from synaptica import plots

    fig, ax = plots.figure(1, 3, size=(13, 3.6))
    plots.rates((g["t"], g["r1"]), (g["t"], g["r2"]), ax=ax[0], title="rates",
                labels=["pop1 rate r1 (modulator)", "pop2 rate r2 (pre)"])
    stride = max(1, len(g["t"]) // 25)
    ax[1].plot(g["t"], g["w_exact"], "k-", lw=1, label="analytic: w0 + lr ∫ r1 r2 dt")
    ax[1].plot(g["t"][::stride], g["w"][::stride], "o", ms=4, mfc="none", label="simulated W")
    ax[1].set(xlabel="time (ms)", ylabel="w (pop2 -> pop3)",
              title=f"dw/dt = lr r1 r2  (max rel. err {g['rel_err_analytic']:.1e})")
    ax[1].legend(fontsize=8)
    trial = np.arange(len(r["rate"]))
    for lab, name, color in ((0, "A (rewarded)", "tab:green"), (1, "B (punished)", "tab:red")):
        sel = r["labels"] == lab
        if not np.any(sel):
            continue
        ax[2].plot(trial[sel], r["rate"][sel], ".", ms=3, color=color, alpha=0.5)
        width = min(9, int(sel.sum()))  # a short run (--quick) may show a pattern fewer than 9 times
        kernel = np.ones(width) / width
        norm = np.convolve(np.ones(sel.sum()), kernel, mode="same")  # no droop at the ends
        smooth = np.convolve(r["rate"][sel], kernel, mode="same") / norm
        ax[2].plot(trial[sel], smooth, "-", color=color, label=f"response to {name}")
    ax[2].set(xlabel="trial (100 ms each)", ylabel="output rate (Hz)", title="reward-modulated STDP")
    ax[2].legend(fontsize=8)
    fig.tight_layout()
    mc.save_figure(fig, out / "third_factor_gating.png")


def main(argv: Sequence[str] | None = None) -> dict:
    args = mc.parse_args(NAME, __doc__, argv)
    mc.progress(NAME, "part 1: rate network, pop2 -> pop3 gated by pop1")
    g = run_gating(args, t_ms=20.0 if args.quick else 100.0)
    mc.progress(NAME, f"max relative deviation from the closed form {g['rel_err_analytic']:.2e} "
                      f"(Euler dt = {g['dt']} ms), from the discrete-time sum {g['rel_err_discrete']:.2e}")
    mc.progress(NAME, "part 2: reward-modulated STDP")
    r = run_rstdp(args, n_trials=20 if args.quick else 400, n_test=4 if args.quick else 40)
    mc.progress(NAME, f"rate to A {r['rate_A_before']:.1f} -> {r['rate_A_after']:.1f} Hz, "
                      f"to B {r['rate_B_before']:.1f} -> {r['rate_B_after']:.1f} Hz (plasticity off)")
    plot(g, r, args.out)
    results = {"w_final": float(g["w"][-1]), "w_final_analytic": float(g["w_exact"][-1]),
               "max_rel_err_vs_analytic": g["rel_err_analytic"], "max_rel_err_vs_discrete": g["rel_err_discrete"],
               **{k: r[k] for k in ("rate_A_before", "rate_B_before", "rate_A_after", "rate_B_after")},
               "wA_final": float(r["wA"][-1]), "wB_final": float(r["wB"][-1])}
    mc.save_results(args.out, results)
    mc.publish(args, __file__)
    return results


if __name__ == "__main__":
    main()
