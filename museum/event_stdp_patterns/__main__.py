"""Event-driven STDP finds a repeating spike pattern hidden in noise (after Masquelier et al. 2008).

Masquelier, Guyonneau & Thorpe (2008), "Spike timing dependent plasticity finds the start of
repeating patterns in continuous spike trains", PLoS ONE 3:e1377. 200 afferents fire Poisson spike
trains; in a quarter of the 50 ms windows, half of the afferents replay one frozen 50 ms pattern
(drawn from the same Poisson process, so firing rates do not reveal it), and every afferent adds
spontaneous noise spikes throughout. One LIF neuron with event-driven STDP (Tavanaei, Masquelier &
Maida 2018) becomes a pattern detector: it fires when the pattern is shown (hit rate -> 1), stays
silent otherwise (false alarms -> 0), and fires earlier and earlier into the pattern (latency drops).

    python -m museum.event_stdp_patterns [--quick] [--seed N] [--out DIR] [--publish] [--seconds S]
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

import numpy as np

from museum import _common as mc

NAME = "event_stdp_patterns"
WIN = 50              # ms: pattern length and window of the schedule
RATE = 25.0           # Hz: Poisson rate of every afferent
NOISE = 5.0           # Hz: spontaneous spikes added everywhere (also inside the pattern)
P_PATTERN = 0.25      # fraction of windows that show the pattern (never twice in a row)


def make_pattern(rng: np.random.Generator, n_in: int, dt: float) -> np.ndarray:
    """The frozen pattern: ``(WIN, n_in)`` 0/1 spikes; only the first half of the afferents take part."""
    pat = (rng.random((int(WIN / dt), n_in)) < RATE * dt / 1000.0).astype(np.float32)
    pat[:, n_in // 2:] = np.nan  # nan: not part of the pattern, keeps its own Poisson spikes
    return pat


def make_chunk(rng: np.random.Generator, pattern: np.ndarray, n_windows: int, dt: float,
               prev_shown: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """``n_windows`` windows of spikes ``(n_windows * WIN, n_in)`` and which windows show the pattern."""
    steps, n_in = pattern.shape
    shown = np.zeros(n_windows, bool)
    for k in range(n_windows):
        before = shown[k - 1] if k else prev_shown
        shown[k] = (not before) and rng.random() < P_PATTERN / (1.0 - P_PATTERN)
    spikes = (rng.random((n_windows, steps, n_in)) < RATE * dt / 1000.0).astype(np.float32)
    part = ~np.isnan(pattern)
    spikes[shown] = np.where(part, np.nan_to_num(pattern), spikes[shown])
    spikes = np.maximum(spikes, rng.random(spikes.shape) < NOISE * dt / 1000.0)
    return spikes.reshape(n_windows * steps, n_in), shown


def score(post: np.ndarray, shown: np.ndarray, dt: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per window: hit (a spike in a pattern window), latency of the first spike (ms, nan if none),
    false alarms (spikes in a window without the pattern)."""
    per = post.reshape(len(shown), -1)
    fired = per.sum(1) > 0
    latency = np.where(fired, per.argmax(1) * dt + dt, np.nan)
    return fired & shown, np.where(shown, latency, np.nan), np.where(~shown, per.sum(1), 0.0)


def main(argv: Sequence[str] | None = None) -> dict:
    def extra(parser: Any) -> None:
        parser.add_argument("--seconds", type=float, default=None, help="simulated seconds (default 150)")

    args = mc.parse_args(NAME, __doc__, argv, extra=extra)
    ctx = mc.load_exhibit_model(__file__, overrides={"seed": args.seed}, args=args)
    n_in = ctx.components["W"].shape[0]
    seconds = args.seconds or (2.0 if args.quick else 150.0)
    rng = np.random.default_rng(args.seed)
    pattern = make_pattern(rng, n_in, ctx.dt)
    windows_per_chunk = 200  # 10 s
    n_chunks = max(1, int(round(seconds * 1000 / (WIN * windows_per_chunk))))
    if args.quick:
        windows_per_chunk = int(seconds * 1000 / WIN)
    mc.progress(NAME, f"{n_in} afferents, {RATE:g} Hz + {NOISE:g} Hz noise, pattern in {P_PATTERN:.0%} of "
                      f"{WIN} ms windows, {n_chunks * windows_per_chunk * WIN / 1000:g} s simulated")
    hits, lats, fas, shown_all, prev = [], [], [], [], False
    for c in range(n_chunks):
        spikes, shown = make_chunk(rng, pattern, windows_per_chunk, ctx.dt, prev)
        prev = bool(shown[-1])
        rec = ctx.run(["advance", "evolve"], steps=len(spikes), record=["z.s"],
                      inputs={"x.inputs": spikes[:, None, :]})
        h, lat, fa = score(np.asarray(rec["z.s"])[:, 0, 0], shown, ctx.dt)
        hits.append(h)
        lats.append(lat)
        fas.append(fa)
        shown_all.append(shown)
        sel = shown
        mc.progress(NAME, f"{(c + 1) * windows_per_chunk * WIN / 1000:6.1f} s: "
                          f"hit rate {mc.fmt(mc.mean(h[sel]))}, "
                          f"median latency {mc.fmt(mc.median(np.where(h, lat, np.nan)[sel]), '.1f')} ms, "
                          f"false alarms {fa[~sel].sum() / max(np.sum(~sel) * WIN / 1000, 1e-9):.2f} Hz")
    hit, lat, fa, shown = (np.concatenate(a) for a in (hits, lats, fas, shown_all))
    w = np.asarray(ctx.get("W.weights"))[:, 0]
    last = slice(int(len(shown) * 0.9), None)  # the last 10% of the run
    results = {"seconds": len(shown) * WIN / 1000, "pattern_presentations": int(shown.sum()),
               "hit_rate_last10pct": mc.mean(hit[last][shown[last]]),  # None: no pattern shown there
               "median_latency_ms_last10pct": mc.median(np.where(hit, lat, np.nan)[last]),  # None: no hit
               "median_latency_ms_first_hits": mc.median(np.where(hit, lat, np.nan)[:200]),
               "false_alarm_hz_last10pct": float(fa[last][~shown[last]].sum()
                                                 / (np.sum(~shown[last]) * WIN / 1000)),
               "mean_w_pattern_afferents": float(w[: n_in // 2].mean()),
               "mean_w_other_afferents": float(w[n_in // 2:].mean()),
               "strong_synapses_pattern_vs_other": [int((w[: n_in // 2] > 0.5).sum()),
                                                    int((w[n_in // 2:] > 0.5).sum())]}
    plot(hit, lat, fa, shown, w, pattern, args.out)
    mc.save_results(args.out, results)
    mc.publish(args, __file__)
    return results


def plot(hit: np.ndarray, lat: np.ndarray, fa: np.ndarray, shown: np.ndarray, w: np.ndarray, pattern: np.ndarray,
         out: Path) -> None:
    import matplotlib.pyplot as plt

    from synaptica import plots

    t = np.arange(len(shown)) * WIN / 1000
    fig, ax = plt.subplots(1, 3, figsize=(14, 3.6))
    ts = t[shown]
    ax[0].plot(ts, np.where(hit[shown], lat[shown], np.nan), ".", ms=2, color="tab:blue")
    ax[0].set(xlabel="time (s)", ylabel="latency in the pattern (ms)", ylim=(0, WIN),
              title="postsynaptic latency (pattern shown)")
    k = max(1, int(shown.sum() // 40))
    n_blocks = int(shown.sum()) // k
    hr = hit[shown][: n_blocks * k].reshape(n_blocks, k).mean(1)
    tb = ts[: n_blocks * k].reshape(n_blocks, k).mean(1)
    no = ~shown
    m = max(1, int(no.sum() // 40))
    nb = int(no.sum()) // m
    far = fa[no][: nb * m].reshape(nb, m).sum(1) / (m * WIN / 1000)
    tf = t[no][: nb * m].reshape(nb, m).mean(1)
    ax[1].plot(tb, hr, "-o", ms=3, label="hit rate (pattern windows)")
    ax1b = ax[1].twinx()
    ax1b.plot(tf, far, "-", color="tab:red", label="false alarms (Hz)")
    ax[1].set(xlabel="time (s)", ylabel="hit rate", ylim=(-0.02, 1.02), title="hits and false alarms")
    ax1b.set_ylabel("false alarms (Hz)", color="tab:red")
    ax[1].legend(fontsize=8, loc="center right")
    n_in = len(w)
    pat = np.nan_to_num(pattern[:, : n_in // 2])
    t_sp, aff = np.nonzero(pat)
    order = np.argsort(w[: n_in // 2])  # afferents sorted by final weight (strongest on top)
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    plots.raster((t_sp, aff), ax=ax[2], order=rank, values=w, vmin=0, vmax=1, size=6,
                 xlabel="time in the pattern (ms)", ylabel="pattern afferent (sorted by final weight)",
                 title="the pattern; colour = final weight")
    late = np.where(hit, lat, np.nan)[int(len(hit) * 0.9):]
    if np.any(np.isfinite(late)):
        ax[2].axvline(np.nanmedian(late), color="tab:red", lw=1, label="median latency, end of run")
        ax[2].legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    mc.save_figure(fig, out / "event_stdp_patterns.png")


if __name__ == "__main__":
    main()
