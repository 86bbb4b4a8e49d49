"""Potjans & Diesmann (2014): the cortical microcircuit, at a reduced scale, against the paper's rates.

Potjans, T. C. & Diesmann, M. (2014) The cell-type specific cortical microcircuit: relating structure
and activity in a full-scale spiking network model. Cereb. Cortex 24:785-806. Eight populations
(excitatory and inhibitory in layers 2/3, 4, 5 and 6; 77,169 neurons and about 0.3e9 synapses at
full scale) of current-based LIF neurons with exponential synaptic currents, connected with the
paper's layer- and type-specific probabilities and driven by Poisson background input. The network
is built in Python from the tables (:mod:`museum.microcircuit.network`).

``--scale`` multiplies the number of neurons and, unless ``--k-scale`` says otherwise, the in-degrees;
weights are divided by ``sqrt(k_scale)`` and the mean input lost is given back as a constant current
(van Albada et al. 2015). After ``--settle`` ms (not measured, default 100), the exhibit records
every spike for ``--ms`` ms and reports per population the rate and the CV of the interspike
intervals against the full-scale rates of NEST's example, and the build, compile and run times and
peak memory.

    python -m museum.microcircuit [--quick] [--scale 0.1] [--k-scale K] [--ms 1000] [--layout events|edges]
                                  [--delay-groups G] [--seed N] [--out DIR]
"""

from __future__ import annotations

import math
import resource
import sys
import time
from typing import Any, Sequence

import numpy as np

from contexts.monitors import SpikeMonitor
from museum import _common as mc
from museum.microcircuit import network as nw

NAME = "microcircuit"
CHUNK_MS = 50.0
MAX_RATE_HZ = 250.0      # spike-buffer size per chunk: every neuron at this rate (full scale: 62 Hz seen)
CHECKPOINT_EVERY = 4     # chunks (200 ms) between checkpoints
RASTER_MS = 200.0        # the raster shows the last 200 ms


def extra_args(parser: Any) -> None:
    parser.add_argument("--scale", type=float, default=None,
                        help="fraction of the 77,169 neurons (default 0.1; --quick: 0.02)")
    parser.add_argument("--k-scale", type=float, default=None, help="fraction of the in-degrees (default: --scale)")
    parser.add_argument("--ms", type=float, default=None, help="measured time in ms (default 1000; --quick: 200)")
    parser.add_argument("--settle", type=float, default=100.0, help="unmeasured time first, ms (default 100)")
    parser.add_argument("--drive", choices=("poisson", "dc"), default="poisson",
                        help="external input: K_ext Poisson inputs of 8 Hz (default) or their mean current")
    parser.add_argument("--delay-groups", type=int, default=1,
                        help="1: one delay per source type (default); G > 1: the paper's distributed delays, "
                             "N(d, d/2), as G equally likely values, one projection each")
    parser.add_argument("--layout", choices=("events", "edges"), default="events",
                        help="synapse storage: out-edge lists, cost ~ spikes x out-degree (default), or in-edge "
                             "lists, cost ~ neurons x in-degree")


def isi_cvs(i: np.ndarray, t: np.ndarray) -> np.ndarray:
    """The CV of the interspike intervals of each neuron with at least 3 spikes."""
    order = np.lexsort((t, i))
    i, t = i[order], t[order]
    cvs = []
    for k in np.unique(i):
        isi = np.diff(t[i == k])
        if len(isi) >= 2 and isi.mean() > 0:
            cvs.append(isi.std() / isi.mean())
    return np.asarray(cvs)


def simulate(ctx: Any, info: dict, settle_ms: float, t_ms: float, args: Any = None) -> dict:
    """Run ``settle_ms`` then ``t_ms`` in chunks of 50 ms (one compiled scan, reused); the spikes of the
    measured part as global neuron indices and times (ms from its start), and the timings: the compile
    time is that of a one-step run (the same step function), undone before the simulation starts. With
    ``args`` a checkpoint is written every :data:`CHECKPOINT_EVERY` chunks and ``--resume`` continues there."""
    dt = ctx.dt
    chunk = int(round(CHUNK_MS / dt))
    mons = {t: SpikeMonitor(f"{t}.s", capacity=int(len(g) * MAX_RATE_HZ * CHUNK_MS / 1000.0) + 1024)
            for t, g in info["cells"].items()}
    n_settle, n_measure = int(math.ceil(settle_ms / CHUNK_MS)), int(math.ceil(t_ms / CHUNK_MS))
    saved = ctx.state                         # compile the step once on its own, timed, then go back
    t0 = time.perf_counter()
    ctx.run("advance", steps=1, monitors=list(mons.values()))
    compile_s = time.perf_counter() - t0
    ctx.state = saved
    times, ii, tt = [], [], []
    t_start, first = None, 0
    back = mc.resume(args, ctx) if args is not None else None
    if back is not None:
        first, times = int(back["done"]), list(back["times"])
        t_start = None if back["t_start"] < 0 else float(back["t_start"])
        ii, tt = [np.asarray(back["spike_i"])], [np.asarray(back["spike_t"])]
    for c in range(first, n_settle + n_measure):
        if c == n_settle:                     # the most events per step is counted over the measured part
            for name in info["synapses"]:
                if info["layout"] == "events":
                    ctx.clamp(f"{name}.max_events", 0)
        t0 = time.perf_counter()
        ctx.run("advance", steps=chunk, monitors=list(mons.values()))
        times.append(time.perf_counter() - t0)
        if c == n_settle:
            t_start = float(ctx.state["clock"]["t"]) - chunk * dt
        if c >= n_settle:
            for t, mon in mons.items():
                ii.append(info["cells"][t][np.asarray(mon.i)])
                tt.append(np.asarray(mon.t))
        done = (c + 1) * CHUNK_MS
        n_spikes = sum(mon.count for mon in mons.values())
        mc.progress(NAME, f"{done:6.0f} / {(n_settle + n_measure) * CHUNK_MS:.0f} ms "
                          f"{'(settling)' if c < n_settle else ''} {times[-1]:.1f} s, {n_spikes} spikes")
        if args is not None and (c + 1) % CHECKPOINT_EVERY == 0 and c + 1 < n_settle + n_measure:
            mc.checkpoint(args, c + 1, ctx, done=c + 1, times=times, t_start=-1.0 if t_start is None else t_start,
                          spike_i=np.concatenate(ii) if ii else np.zeros(0, np.int32),
                          spike_t=np.concatenate(tt) if tt else np.zeros(0, np.float32))
    steady = float(np.median(times[1:])) if len(times) > 1 else times[0]
    return {"i": np.concatenate(ii), "t": np.concatenate(tt) - t_start, "ms": n_measure * CHUNK_MS,
            "compile_s": compile_s, "wall_per_bio_s": steady * 1000.0 / CHUNK_MS,
            "run_s": float(sum(times))}


def population_stats(info: dict, i: np.ndarray, t: np.ndarray, t_ms: float) -> list[dict]:
    """Rate (Hz) and mean CV of ISIs of each population."""
    off = info["offsets"]
    pop = np.searchsorted(off, i, side="right") - 1
    out = []
    for a in range(8):
        sel = pop == a
        cvs = isi_cvs(i[sel], t[sel])
        out.append({"rate_hz": float(sel.sum() / (info["n"][a] * t_ms / 1000.0)),
                    "cv_isi": float(cvs.mean()) if len(cvs) else float("nan"), "n_cv": int(len(cvs))})
    return out


def main(argv: Sequence[str] | None = None) -> dict:
    args = mc.parse_args(NAME, __doc__, argv, extra=extra_args, resumable=True)
    if args.overrides:
        raise SystemExit(f"python -m museum.{NAME}: error: --set needs a YAML model; this network is built in "
                         f"Python (museum/microcircuit/network.py): use --scale, --k-scale, --drive")
    scale = args.scale or (0.02 if args.quick else 0.1)
    t_ms = args.ms or (200.0 if args.quick else 1000.0)
    t0 = time.perf_counter()
    if args.delay_groups < 1:
        raise SystemExit(f"python -m museum.{NAME}: error: --delay-groups must be >= 1, got {args.delay_groups}")
    ctx, info = nw.build_network(scale, args.k_scale, seed=args.seed, drive=args.drive, layout=args.layout,
                                 delay_groups=args.delay_groups)
    build_s = time.perf_counter() - t0
    n_total = int(info["n"].sum())
    mc.progress(NAME, f"scale {scale:g} (in-degrees x {info['k_scale']:g}): {n_total} neurons, "
                      f"{info['n_synapses']:,} synapses in {info['slots']:,} {args.layout} slots, {args.drive} drive; "
                      f"built in {build_s:.1f} s")
    sim = simulate(ctx, info, args.settle, t_ms, args)
    max_events = {name: int(np.max(ctx.get(f"{name}.max_events"))) for name in info["synapses"]
                  if args.layout == "events"}
    if max_events:
        mc.progress(NAME, "most presynaptic events in one step (measured part): " + ", ".join(
            f"{k} {v} (capacity {info['capacity'][k]})" for k, v in max_events.items()))
    stats = population_stats(info, sim["i"], sim["t"], sim["ms"])
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    results: dict[str, Any] = {"scale": scale, "k_scale": info["k_scale"], "drive": args.drive,
                               "layout": args.layout, "delay_groups": args.delay_groups, "n_neurons": n_total,
                               "n_synapses": info["n_synapses"],
                               "edge_slots": info["slots"], "max_events_per_step": max_events,
                               "capacity": info["capacity"] if max_events else {},
                               "measured_ms": sim["ms"], "build_s": build_s, "compile_s": sim["compile_s"],
                               "wall_s_per_bio_s": sim["wall_per_bio_s"], "peak_rss_mib": peak_mib}
    for label, pop, st, ref in zip(nw.LABELS, nw.POPS, stats, nw.FULL_RATES):
        mc.progress(NAME, f"{label:6s} {st['rate_hz']:6.2f} Hz (full scale, NEST: {ref:.2f} Hz), "
                          f"CV of ISIs {st['cv_isi']:.2f} ({st['n_cv']} neurons with 3+ spikes)")
        results[f"{pop}_rate_hz"] = st["rate_hz"]
        results[f"{pop}_cv_isi"] = st["cv_isi"]
    rates = np.array([st["rate_hz"] for st in stats])
    results["all_populations_fire"] = bool(np.all(rates > 0))
    results["L23e_below_L5e"] = bool(rates[0] < rates[4])
    results["mean_abs_rel_error"] = float(np.mean(np.abs(rates - nw.FULL_RATES) / nw.FULL_RATES))
    plot(info, sim, rates, args.out, scale)
    mc.save_results(args.out, results)
    mc.publish(args, __file__)
    return results


def plot(info: dict, sim: dict, rates: np.ndarray, out: Any, scale: float) -> None:
    """Raster of the last 200 ms (a sample of each population, L2/3 on top) and rates against NEST's."""
    from synaptica import plots

    fig, (ax_r, ax_b) = plots.figure(1, 2, size=(13, 5.2), gridspec_kw={"width_ratios": [1.6, 1]})
    off, n = info["offsets"], info["n"]
    frac = min(1.0, 600.0 / n.sum())
    t_end = sim["ms"]
    keep_t = sim["t"] >= t_end - RASTER_MS
    colors = ["#b2182b", "#2166ac"] * 4
    row, ticks = 0, []
    for a in range(7, -1, -1):                      # L6i at the bottom, L2/3e on top
        m = max(1, int(round(n[a] * frac)))
        sel = keep_t & (sim["i"] >= off[a]) & (sim["i"] < off[a] + m)
        plots.raster((sim["t"][sel], sim["i"][sel] - off[a] + row), ax=ax_r, color=colors[a], size=2.0,
                     ylabel="", xlabel="time (ms)")
        ticks.append(row + m / 2)
        row += m
        ax_r.axhline(row, color="0.85", lw=0.6)
    ax_r.set_yticks(ticks, list(nw.LABELS[::-1]))
    ax_r.set_xlim(t_end - RASTER_MS, t_end)
    ax_r.set_title(f"{int(n.sum())} neurons (scale {scale:g}); {frac:.0%} of each population shown")
    x = np.arange(8)
    ax_b.bar(x - 0.2, rates, 0.4, color=colors, label="measured")
    ax_b.bar(x + 0.2, nw.FULL_RATES, 0.4, color="0.7", label="full scale (NEST example)")
    ax_b.set_xticks(x, list(nw.LABELS), rotation=45)
    ax_b.set(ylabel="rate (Hz)", title=f"rates over {sim['ms']:.0f} ms")
    ax_b.legend(frameon=False)
    fig.tight_layout()
    mc.save_figure(fig, out / "microcircuit.png")


if __name__ == "__main__":
    sys.exit(mc.run_main(main, NAME))
