"""Inhibitory plasticity restores the detailed balance of excitation and inhibition (Vogels et al. 2011).

Vogels, Sprekeler, Zenke, Clopath & Gerstner (2011), "Inhibitory plasticity balances excitation and
inhibition in sensory pathways and memory networks", Science 334:1569, Fig. 1, for four LIF neurons
at once: each receives the same 8 channels of 100 excitatory and 25 inhibitory Poisson afferents;
every channel follows its own time-varying rate. The excitatory weights are tuned, neuron ``n`` to
channel ``2n + 1``; the inhibitory weights start flat. iSTDP (``ISTDPSynapse``: a near-coincidence
potentiates, each presynaptic spike depresses by ``alpha = 2 rho0 tau``) drives the output rate to
``rho0 = 5 Hz`` and, because each inhibitory afferent is correlated with the excitation of its own
channel, shapes each neuron's inhibitory tuning like its excitatory one: excitatory and inhibitory
currents come to track each other in time. Synapses are conductance-based and exponential (an
``ExpSynapse`` for excitation, the plastic synapse's output low-passed by a ``VarTrace`` for
inhibition) into the LIF cell's ``g_e``, ``g_i`` inputs.

Measured before and after learning (learning off during both probes): the Pearson correlation of
the E and I input currents over time, the correlation of the E and I tuning curves (mean weight per
channel), each averaged over the neurons, and the output rate. The tuning correlation of a neuron's
excitation with the *other* neurons' inhibition shows that the balance is detailed (neuron by
neuron), not global.

    python -m museum.inhibitory_plasticity [--quick] [--seed N] [--out DIR] [--publish]
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Sequence

import numpy as np

from museum import _common as mc

NAME = "inhibitory_plasticity"
N_CHANNELS = 8
BIN_MS = 10.0  # bin of the binned current correlation (ms)
QUICK_ETA = 1e-3  # --quick learns 10x faster (2 s instead of 120 s)
E_SCALE = 0.02  # excitatory conductance per unit of tuning (in units of the leak conductance)
E_E, E_I = 0.0, -80.0  # reversal potentials (mV), as in model.yaml


def channel_rates(steps: int, dt: float, rng: np.random.Generator, tau: float = 50.0, base: float = 2.0,
                  gain: float = 25.0) -> np.ndarray:
    """``(steps, 8)`` rates in Hz: ``base + gain * max(0, u)``, ``u`` an exact unit-variance Ornstein-Uhlenbeck
    process per channel with correlation time ``tau`` ms (mean about ``base + 0.4 gain``)."""
    a = np.exp(-dt / tau)
    noise = rng.normal(size=(steps, N_CHANNELS)) * np.sqrt(1 - a * a)
    u, out = rng.normal(size=N_CHANNELS), np.empty((steps, N_CHANNELS), np.float32)
    for k in range(steps):
        u = a * u + noise[k]
        out[k] = u
    return (base + gain * np.maximum(out, 0.0)).astype(np.float32)


def membership(n_per: int) -> np.ndarray:
    """``(8, 8 * n_per)`` 0/1 matrix: afferent ``i`` belongs to channel ``i // n_per``."""
    return np.repeat(np.eye(N_CHANNELS, dtype=np.float32), n_per, axis=1)


def preferred(n_post: int) -> np.ndarray:
    """The preferred channel of each output neuron, spread over the 8 channels (``2n + 1`` for 4 neurons)."""
    return (np.arange(n_post) * N_CHANNELS // n_post + N_CHANNELS // (2 * n_post)) % N_CHANNELS


def excitatory_tuning(n_post: int, low: float = 0.1, high: float = 1.2, width: float = 1.0) -> np.ndarray:
    """``(8, n_post)`` excitatory weight of each channel onto each neuron: a bump on the neuron's preferred
    channel, channels on a ring."""
    d = np.abs(np.arange(N_CHANNELS)[:, None] - preferred(n_post)[None, :])
    d = np.minimum(d, N_CHANNELS - d)
    return (low + (high - low) * np.exp(-0.5 * (d / width) ** 2)).astype(np.float32)


def pearson(a: np.ndarray, b: np.ndarray) -> float:
    a, b = np.ravel(a) - np.mean(a), np.ravel(b) - np.mean(b)
    return float(np.sum(a * b) / np.sqrt(np.sum(a * a) * np.sum(b * b) + 1e-30))


def per_channel(w: np.ndarray, n_per: int) -> np.ndarray:
    """``(8, n_post)`` mean weight of each channel's afferents onto each neuron."""
    w = np.asarray(w)
    return w.reshape(N_CHANNELS, n_per, w.shape[-1]).mean(1)


def tuning_corr(tune_e: np.ndarray, tune_i: np.ndarray) -> tuple[float, float]:
    """Mean over neurons of corr(E tuning of n, I tuning of n) (matched) and of n != m (mismatched)."""
    n = tune_e.shape[1]
    c = np.array([[pearson(tune_e[:, a], tune_i[:, b]) for b in range(n)] for a in range(n)])
    off = c[~np.eye(n, dtype=bool)]
    return float(np.mean(np.diag(c))), float(np.mean(off)) if off.size else 0.0


def probe(ctx, rates: np.ndarray) -> dict:
    """Run with learning off; E and I currents (per neuron, ``g (E_rev - v)`` times R_m, in mV; the
    inhibitory one sign-flipped) and the mean output rate."""
    rec = ctx.run("advance", steps=len(rates), inputs={"rate.inputs": rates[:, None, :]},
                  record=["gE.outputs", "gI.outputs", "post.v", "post.s"])
    v = np.asarray(rec["post.v"])[:, 0]
    ie = np.asarray(rec["gE.outputs"])[:, 0] * (E_E - v)          # (steps, n_post)
    ii = np.asarray(rec["gI.outputs"])[:, 0] * (v - E_I)          # -g_i (E_i - v) >= 0
    n = ie.shape[1]
    rate = float(np.asarray(rec["post.s"]).sum() / n / (len(rates) * ctx.dt / 1000.0))
    corr = np.mean([pearson(ie[:, k], ii[:, k]) for k in range(n)])
    corr_b = np.mean([pearson(binned(ie[:, k], ctx.dt), binned(ii[:, k], ctx.dt)) for k in range(n)])
    return {"IE": ie, "II": ii, "corr": float(corr), "corr_binned": float(corr_b), "rate": rate}


def binned(x: np.ndarray, dt: float, bin_ms: float = BIN_MS) -> np.ndarray:
    """Means over consecutive ``bin_ms`` bins (removes most of the shot noise of single spikes)."""
    k = max(1, int(round(bin_ms / dt)))
    return x[: len(x) // k * k].reshape(-1, k).mean(1)


def build(args) -> tuple:
    overrides = {"seed": args.seed, **({"WI.eta": QUICK_ETA} if args.quick else {})}
    ctx = mc.load_exhibit_model(__file__, overrides=overrides, args=args)
    n_e, n_i = ctx.components["gE"].shape[0] // N_CHANNELS, ctx.components["WI"].shape[0] // N_CHANNELS
    n_post = ctx.components["gE"].shape[1]
    ctx.clamp(ctx.components["fanE"].weights, membership(n_e))
    ctx.clamp(ctx.components["fanI"].weights, membership(n_i))
    ctx.clamp(ctx.components["gE"].weights, E_SCALE * np.repeat(excitatory_tuning(n_post), n_e, axis=0))
    ctx.clamp(ctx.components["post"].j, np.zeros((1, n_post), np.float32))   # no current input: conductances only
    return ctx, n_e, n_i


def main(argv: Sequence[str] | None = None) -> dict:
    args = mc.parse_args(NAME, __doc__, argv)
    ctx, n_e, n_i = build(args)
    dt = ctx.dt
    probe_ms, learn_s, chunk_ms = (500.0, 2.0, 500.0) if args.quick else (5000.0, 120.0, 4000.0)
    rng = np.random.default_rng(args.seed)
    n_chunks = int(round(learn_s * 1000 / chunk_ms))
    n_post = ctx.components["gE"].shape[1]
    mc.progress(NAME, f"{n_post} LIF neurons, {N_CHANNELS} channels x ({n_e} E + {n_i} I) afferents; "
                      f"probe {probe_ms / 1000:g} s, learn {learn_s:g} s, dt {dt} ms")
    wi = ctx.components["WI"]
    w_i0 = np.asarray(wi.weights.value).copy()
    before = probe(ctx, channel_rates(int(probe_ms / dt), dt, rng))
    mc.progress(NAME, f"before: rate {before['rate']:.1f} Hz, corr(E, I currents) {before['corr']:.3f}")
    rates_t, tuning_t = [], []
    for c in range(n_chunks):
        rec = ctx.run(["advance", "evolve"], steps=int(chunk_ms / dt), record=["post.s"],
                      inputs={"rate.inputs": channel_rates(int(chunk_ms / dt), dt, rng)[:, None, :]})
        rates_t.append(float(np.asarray(rec["post.s"]).sum() / n_post / (chunk_ms / 1000.0)))
        tuning_t.append(per_channel(np.asarray(wi.weights.value), n_i))
        if not args.quick and (c + 1) % 5 == 0:
            mc.progress(NAME, f"{(c + 1) * chunk_ms / 1000:g} s: rate {rates_t[-1]:.1f} Hz")
    after = probe(ctx, channel_rates(int(probe_ms / dt), dt, rng))
    mc.progress(NAME, f"after: rate {after['rate']:.1f} Hz, corr(E, I currents) {after['corr']:.3f}")
    tune_e = E_SCALE * excitatory_tuning(n_post)
    tune_i0, tune_i1 = per_channel(w_i0, n_i), tuning_t[-1]
    matched0, _ = tuning_corr(tune_e, tune_i0)
    matched1, mismatched1 = tuning_corr(tune_e, tune_i1)
    results = {"learn_s": learn_s, "n_neurons": n_post, "rate_before_hz": before["rate"],
               "rate_after_hz": after["rate"], "rate_last_chunk_hz": rates_t[-1], "target_rate_hz": wi.rho0,
               "current_corr_before": before["corr"], "current_corr_after": after["corr"],
               "current_corr_binned_before": before["corr_binned"], "current_corr_binned_after": after["corr_binned"],
               "tuning_corr_before": matched0, "tuning_corr_after": matched1,
               "tuning_corr_after_other_neurons": mismatched1,
               "preferred_channel": preferred(n_post).tolist(),
               "inhibitory_preferred_channel": tune_i1.argmax(0).tolist()}
    plot(before, after, dt, tune_e, tune_i0, tune_i1, np.asarray(rates_t), chunk_ms, wi.rho0, args.out)
    mc.save_results(args.out, results)
    mc.publish(args, __file__)
    return results


def plot(before: dict, after: dict, dt: float, tune_e, tune_i0, tune_i1, rates_t, chunk_ms, rho0, out: Path) -> None:
    import matplotlib.pyplot as plt

    from synaptica import plots

    fig, ax = plots.figure(1, 4, size=(17, 3.6), gridspec_kw={"width_ratios": [1.6, 1.6, 1, 1]})
    n = min(len(before["IE"]), int(1000 / dt))
    for a, probe_, title in ((ax[0], before, "before learning"), (ax[1], after, "after learning")):
        for comp, label, colour in (("IE", "excitatory", "tab:red"), ("II", "inhibitory", "tab:blue")):
            plots.traces(probe_[comp][:n], a, dt=dt, t0=-dt, labels=[label], colors=[colour], lw=0.8,
                         ylabel="|input current| x R_m (mV)",
                         title=f"neuron 0, {title}: corr {pearson(probe_['IE'][:, 0], probe_['II'][:, 0]):.2f}")
        a.legend(fontsize=7)
    k = np.arange(N_CHANNELS)
    colours = plt.get_cmap("tab10")
    for m in range(tune_e.shape[1]):
        ax[2].plot(k, tune_e[:, m], "o--", color=colours(m), lw=1, ms=3)
        ax[2].plot(k, tune_i1[:, m], "s-", color=colours(m), label=f"neuron {m}")
    ax[2].plot(k, tune_i0[:, 0], ":", color="gray", label="inhibitory, before")
    ax[2].set(xlabel="channel", ylabel="mean weight (leak conductances)", title="tuning: E dashed, I solid (after)")
    ax[2].legend(fontsize=7)
    plots.rates(((np.arange(len(rates_t)) + 1) * chunk_ms / 1000, rates_t), ax=ax[3], labels=["mean output rate"],
                ylabel="mean output rate (Hz)", title="output rate while learning")
    ax[3].lines[0].set(color="k", marker=".")
    ax[3].axhline(rho0, color="gray", ls="--", label="rho0")
    ax[3].set(xlabel="time (s)")
    ax[3].legend(fontsize=7)
    fig.tight_layout()
    mc.save_figure(fig, out / "inhibitory_plasticity.png")


if __name__ == "__main__":
    mc.pin_to_one_core()
    sys.exit(mc.run_main(main, NAME))
