"""Inhibitory plasticity restores the detailed balance of excitation and inhibition (Vogels et al. 2011).

Vogels, Sprekeler, Zenke, Clopath & Gerstner (2011), "Inhibitory plasticity balances excitation and
inhibition in sensory pathways and memory networks", Science 334:1569, Fig. 1. A LIF neuron receives
8 channels of 100 excitatory and 25 inhibitory Poisson afferents; every channel follows its own
time-varying rate. The excitatory weights are tuned (channel 4 preferred), the inhibitory weights
start flat. iSTDP (``ISTDPSynapse``: a near-coincidence potentiates, each presynaptic spike depresses
by ``alpha = 2 rho0 tau``) drives the output rate to ``rho0 = 5 Hz`` and, because each inhibitory
afferent is correlated with the excitation of its own channel, shapes the inhibitory tuning like the
excitatory one: excitatory and inhibitory currents come to track each other in time.

Measured before and after learning (learning off during both probes): the Pearson correlation of
the E and I input currents over time, the correlation of the E and I tuning curves (mean weight per
channel), and the output rate.

    python -m museum.inhibitory_plasticity [--quick] [--seed N] [--out DIR] [--publish]
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Sequence

import numpy as np

from museum import _common as mc

NAME = "inhibitory_plasticity"
N_CHANNELS, PREFERRED = 8, 4
BIN_MS = 10.0  # bin of the binned current correlation (ms)


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


def excitatory_tuning(low: float = 0.1, high: float = 1.2, width: float = 1.0) -> np.ndarray:
    """Excitatory weight of each channel: a bump centred on channel ``PREFERRED``."""
    k = np.arange(N_CHANNELS)
    return (low + (high - low) * np.exp(-0.5 * ((k - PREFERRED) / width) ** 2)).astype(np.float32)


def pearson(a: np.ndarray, b: np.ndarray) -> float:
    a, b = np.ravel(a) - np.mean(a), np.ravel(b) - np.mean(b)
    return float(np.sum(a * b) / np.sqrt(np.sum(a * a) * np.sum(b * b) + 1e-30))


def per_channel(w: np.ndarray, n_per: int) -> np.ndarray:
    """Mean weight of each channel's afferents."""
    return np.asarray(w).reshape(N_CHANNELS, n_per).mean(1)


def probe(ctx, rates: np.ndarray) -> dict:
    """Run with learning off; E and I currents and spikes of the output neuron."""
    rec = ctx.run("advance", steps=len(rates), inputs={"rate.inputs": rates[:, None, :]},
                  record=["IE.outputs", "II.outputs", "post.s"])
    ie, ii = np.asarray(rec["IE.outputs"])[:, 0, 0], np.asarray(rec["II.outputs"])[:, 0, 0]
    rate = float(np.asarray(rec["post.s"]).sum() / (len(rates) * ctx.dt / 1000.0))
    return {"IE": ie, "II": ii, "corr": pearson(ie, ii), "corr_binned": pearson(binned(ie, ctx.dt), binned(ii, ctx.dt)),
            "rate": rate}


def binned(x: np.ndarray, dt: float, bin_ms: float = BIN_MS) -> np.ndarray:
    """Means over consecutive ``bin_ms`` bins (removes most of the shot noise of single spikes)."""
    k = max(1, int(round(bin_ms / dt)))
    return x[: len(x) // k * k].reshape(-1, k).mean(1)


def build(args) -> tuple:
    ctx = mc.load_exhibit_model(__file__, overrides={"seed": args.seed}, args=args)
    n_e, n_i = ctx.components["WE"].shape[0] // N_CHANNELS, ctx.components["WI"].shape[0] // N_CHANNELS
    ctx.clamp(ctx.components["fanE"].weights, membership(n_e))
    ctx.clamp(ctx.components["fanI"].weights, membership(n_i))
    ctx.clamp(ctx.components["WE"].weights, np.repeat(excitatory_tuning(), n_e)[:, None])
    return ctx, n_e, n_i


def main(argv: Sequence[str] | None = None) -> dict:
    args = mc.parse_args(NAME, __doc__, argv)
    ctx, n_e, n_i = build(args)
    dt = ctx.dt
    probe_ms, learn_s, chunk_ms = (500.0, 2.0, 500.0) if args.quick else (5000.0, 120.0, 4000.0)
    rng = np.random.default_rng(args.seed)
    n_chunks = int(round(learn_s * 1000 / chunk_ms))
    mc.progress(NAME, f"1 LIF neuron, {N_CHANNELS} channels x ({n_e} E + {n_i} I) afferents; "
                      f"probe {probe_ms / 1000:g} s, learn {learn_s:g} s, dt {dt} ms")
    wi = ctx.components["WI"]
    w_i0 = np.asarray(wi.weights.value)[:, 0].copy()
    before = probe(ctx, channel_rates(int(probe_ms / dt), dt, rng))
    mc.progress(NAME, f"before: rate {before['rate']:.1f} Hz, corr(E, I currents) {before['corr']:.3f}")
    rates_t, tuning_t = [], []
    for c in range(n_chunks):
        rec = ctx.run(["advance", "evolve"], steps=int(chunk_ms / dt), record=["post.s"],
                      inputs={"rate.inputs": channel_rates(int(chunk_ms / dt), dt, rng)[:, None, :]})
        rates_t.append(float(np.asarray(rec["post.s"]).sum() / (chunk_ms / 1000.0)))
        tuning_t.append(per_channel(np.asarray(wi.weights.value)[:, 0], n_i))
        if not args.quick and (c + 1) % 5 == 0:
            mc.progress(NAME, f"{(c + 1) * chunk_ms / 1000:g} s: rate {rates_t[-1]:.1f} Hz")
    after = probe(ctx, channel_rates(int(probe_ms / dt), dt, rng))
    mc.progress(NAME, f"after: rate {after['rate']:.1f} Hz, corr(E, I currents) {after['corr']:.3f}")
    tune_e = excitatory_tuning()
    tune_i0, tune_i1 = per_channel(w_i0, n_i), tuning_t[-1]
    results = {"learn_s": learn_s, "rate_before_hz": before["rate"], "rate_after_hz": after["rate"],
               "target_rate_hz": wi.rho0, "current_corr_before": before["corr"], "current_corr_after": after["corr"],
               "current_corr_binned_before": before["corr_binned"], "current_corr_binned_after": after["corr_binned"],
               "tuning_corr_before": pearson(tune_e, tune_i0), "tuning_corr_after": pearson(tune_e, tune_i1),
               "inhibitory_tuning_after": tune_i1.round(4).tolist()}
    plot(before, after, dt, tune_e, tune_i0, tune_i1, np.asarray(rates_t), chunk_ms, wi.rho0, args.out)
    mc.save_results(args.out, results)
    mc.publish(args, __file__)
    return results


def plot(before: dict, after: dict, dt: float, tune_e, tune_i0, tune_i1, rates_t, chunk_ms, rho0, out: Path) -> None:
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(1, 4, figsize=(17, 3.6), gridspec_kw={"width_ratios": [1.6, 1.6, 1, 1]})
    n = min(len(before["IE"]), int(1000 / dt))
    t = np.arange(n) * dt
    for a, probe_, title in ((ax[0], before, "before learning"), (ax[1], after, "after learning")):
        a.plot(t, probe_["IE"][:n], color="tab:red", lw=0.8, label="excitatory")
        a.plot(t, probe_["II"][:n], color="tab:blue", lw=0.8, label="inhibitory")
        a.set(xlabel="time (ms)", ylabel="input current", title=f"{title}: corr {probe_['corr']:.2f}")
        a.legend(fontsize=7)
    k = np.arange(N_CHANNELS)
    ax[2].plot(k, tune_e, "o-", color="tab:red", label="excitatory")
    ax[2].plot(k, tune_i0, "s--", color="tab:blue", alpha=0.5, label="inhibitory, before")
    ax[2].plot(k, tune_i1, "s-", color="tab:blue", label="inhibitory, after")
    ax[2].set(xlabel="channel", ylabel="mean weight", title="tuning")
    ax[2].legend(fontsize=7)
    ax[3].plot((np.arange(len(rates_t)) + 1) * chunk_ms / 1000, rates_t, "k.-")
    ax[3].axhline(rho0, color="gray", ls="--", label="rho0")
    ax[3].set(xlabel="time (s)", ylabel="output rate (Hz)", title="output rate while learning")
    ax[3].legend(fontsize=7)
    fig.tight_layout()
    mc.save_figure(fig, out / "inhibitory_plasticity.png")


if __name__ == "__main__":
    mc.pin_to_one_core()
    sys.exit(mc.run_main(main, NAME))
