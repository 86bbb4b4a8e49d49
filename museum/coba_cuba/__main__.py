"""COBA and CUBA: the standard sparse E/I benchmark networks of Vogels & Abbott (2005), as specified
for the simulator review of Brette et al. (2007) (benchmarks 1 and 2).

4000 LIF neurons (80 % excitatory), each receiving 2 % of the population through exponential
synapses: conductances with reversal potentials (COBA, ``model.yaml``) or currents (CUBA,
``cuba.yaml``); dt = 0.1 ms. Measures the firing rates and the coefficients of variation (CV) of the
inter-spike intervals, draws a raster and reports the wall time per simulated second.

    python -m museum.coba_cuba [--quick] [--seed N] [--out DIR] [--publish] [--n N] [--duration MS]
                               [--connectivity bernoulli|fixed_indegree] [--resume]

The full run takes minutes: each network runs in pieces of 100 ms with a checkpoint after each, and
``--resume`` continues an interrupted run from the last one (with the same spikes).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from museum import _common as mc
from museum.coba_cuba.network import build_network

NAME = "coba_cuba"
TRANSIENT_MS = 100.0  # statistics leave out the start (random initial potentials)
CHUNK_STEPS = 1000    # steps between checkpoints (100 ms)
KINDS = ("coba", "cuba")


def options(parser: Any) -> None:
    parser.add_argument("--n", type=int, default=None, help="neurons (default 4000; 1000 with --quick)")
    parser.add_argument("--duration", type=float, default=None, help="simulated ms (default 1000; 200 with --quick)")
    parser.add_argument("--connectivity", choices=("bernoulli", "fixed_indegree"), default="bernoulli",
                        help="Bernoulli(p) pairs (as Brian2) or a fixed in-degree (default: %(default)s)")


def spike_stats(spikes: np.ndarray, dt: float, skip_ms: float = TRANSIENT_MS) -> dict:
    """Rate (Hz, mean over neurons) and ISI CV (mean over neurons with >= 3 spikes) of a (T, n) 0/1 array,
    leaving out the first ``skip_ms``."""
    s = spikes[int(round(skip_ms / dt)):]
    duration_s = len(s) * dt / 1000.0
    rate = float(s.sum() / (s.shape[1] * duration_s)) if duration_s > 0 else 0.0
    cvs = []
    for i in np.flatnonzero(s.sum(0) >= 3):
        isi = np.diff(np.flatnonzero(s[:, i])) * dt
        cvs.append(isi.std() / isi.mean())
    return {"rate_hz": rate, "cv_isi": mc.mean(cvs), "neurons_with_3_spikes": len(cvs)}


def run_kind(kind: str, n: int, steps: int, seed: int, connectivity: str = "bernoulli", args: Any = None,
             back: dict | None = None, saved: dict | None = None) -> dict:
    """Build and run one network for ``steps`` steps, in pieces of :data:`CHUNK_STEPS`. With ``args``
    a checkpoint follows each piece (holding ``saved``, the finished networks' values, too); ``back``,
    a checkpoint's values, continues this network where it stopped."""
    t0 = time.perf_counter()
    ctx = build_network(kind, n=n, p=min(1.0, 0.02 * 4000 / n), seed=seed, connectivity=connectivity)
    build_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    ctx.run("advance", steps=1)  # compiles the step (timed apart from the run)
    compile_s = time.perf_counter() - t0
    done, wall, cpu = 0, 0.0, 0.0
    events = {pop: (np.zeros(0, np.int64), np.zeros(0, np.int64)) for pop in ("E", "I")}
    if back is not None and back.get("kind") == kind:
        mc.resume(args, ctx)  # the newest checkpoint is this network's
        done, wall, cpu = back["done"], back["wall"], back["cpu"]
        events = {pop: (back[f"{kind}/{pop}_step"], back[f"{kind}/{pop}_i"]) for pop in ("E", "I")}
    while done < steps:
        k = min(CHUNK_STEPS, steps - done)
        t0, c0 = time.perf_counter(), time.process_time()
        rec = ctx.run("advance", steps=k, record=["E.s", "I.s"])
        dense = {pop: np.asarray(rec[f"{pop}.s"])[:, 0] for pop in ("E", "I")}  # waits for the result
        wall, cpu = wall + time.perf_counter() - t0, cpu + time.process_time() - c0
        for pop, s in dense.items():
            step, i = np.nonzero(s)
            events[pop] = (np.concatenate([events[pop][0], step + done]), np.concatenate([events[pop][1], i]))
        done += k
        if args is not None:
            mc.checkpoint(args, KINDS.index(kind) * steps + done, ctx, kind=kind, done=done, wall=wall, cpu=cpu,
                          **(saved or {}), **{f"{kind}/{pop}_{q}": e for pop, ev in events.items()
                                              for q, e in zip(("step", "i"), ev)})
    dt = ctx.dt
    s_e, s_i = (dense_spikes(events[pop], steps, ctx.components[pop].n_units) for pop in ("E", "I"))
    sim_s = steps * dt / 1000.0
    e, i = spike_stats(s_e, dt), spike_stats(s_i, dt)
    mc.progress(NAME, f"{kind}: E {e['rate_hz']:.1f} Hz (CV {mc.fmt(e['cv_isi'])}), I {i['rate_hz']:.1f} Hz "
                      f"(CV {mc.fmt(i['cv_isi'])}); {wall / sim_s:.2f} s wall ({cpu / sim_s:.2f} s CPU) per sim. s")
    return {"E": e, "I": i, "s_e": s_e, "s_i": s_i, "dt": dt, "build_s": build_s, "compile_s": compile_s,
            "wall_per_sim_s": wall / sim_s, "cpu_per_sim_s": cpu / sim_s, "events": events}


def dense_spikes(events: tuple, steps: int, n: int) -> np.ndarray:
    """The ``(steps, n)`` 0/1 record (float32) of spike events ``(step, neuron)``."""
    s = np.zeros((steps, n), np.float32)
    s[events[0], events[1]] = 1.0
    return s


def main(argv: Sequence[str] | None = None) -> dict:
    args = mc.parse_args(NAME, __doc__, argv, extra=options, resumable=True)
    n = args.n or (1000 if args.quick else 4000)
    duration = args.duration or (200.0 if args.quick else 1000.0)
    steps = int(round(duration / 0.1))
    mc.progress(NAME, f"{n} neurons, in-degree {round(0.02 * 4000 * 0.8)} E + {round(0.02 * 4000 * 0.2)} I, "
                      f"{duration:g} ms")
    back = mc.resume(args)  # the network it stopped in resumes its state in run_kind
    runs, saved = {}, {}
    for kind in KINDS:
        if back is not None and f"{kind}/summary" in back:  # finished before the interruption
            runs[kind] = {**back[f"{kind}/summary"], "s_e": dense_spikes((back[f"{kind}/E_step"], back[f"{kind}/E_i"]),
                                                                         steps, back[f"{kind}/n_e"]),
                          "s_i": dense_spikes((back[f"{kind}/I_step"], back[f"{kind}/I_i"]), steps,
                                              n - back[f"{kind}/n_e"])}
            saved.update({k: v for k, v in back.items() if k.startswith(f"{kind}/")})
            continue
        r = run_kind(kind, n, steps, args.seed, args.connectivity, args=args, back=back, saved=saved)
        runs[kind] = r
        saved[f"{kind}/summary"] = {k: v for k, v in r.items() if k not in ("s_e", "s_i", "events")}
        saved[f"{kind}/n_e"] = r["s_e"].shape[1]
        saved.update({f"{kind}/{pop}_{q}": e for pop, ev in r["events"].items() for q, e in zip(("step", "i"), ev)})
        mc.checkpoint(args, (KINDS.index(kind) + 1) * steps, kind="", done=0, **saved)
    plot(runs, args.out)
    results: dict[str, Any] = {"n": n, "duration_ms": duration, "connectivity": args.connectivity}
    for kind, r in runs.items():
        for pop in ("E", "I"):
            results[f"{kind}_{pop}_rate_hz"] = r[pop]["rate_hz"]
            results[f"{kind}_{pop}_cv_isi"] = r[pop]["cv_isi"]
        results[f"{kind}_wall_s_per_sim_s"] = r["wall_per_sim_s"]
        results[f"{kind}_cpu_s_per_sim_s"] = r["cpu_per_sim_s"]
        results[f"{kind}_build_s"] = r["build_s"]
        results[f"{kind}_compile_s"] = r["compile_s"]
    mc.save_results(args.out, results)
    mc.publish(args, __file__)
    return results


def plot(runs: dict, out: Path) -> None:
    from synaptica import plots

    fig, ax = plots.figure(2, 2, size=(13, 6), gridspec_kw={"height_ratios": [3, 1]}, sharex=True)
    for col, (kind, r) in enumerate(runs.items()):
        dt, s_e, s_i = r["dt"], r["s_e"], r["s_i"]
        t_e, i_e = plots.spike_times(s_e[:, :400], dt)
        t_i, i_i = plots.spike_times(s_i[:, :100], dt)
        title = (f"{kind.upper()}: E {r['E']['rate_hz']:.1f} Hz, CV {mc.fmt(r['E']['cv_isi'])}; "
                 f"I {r['I']['rate_hz']:.1f} Hz, CV {mc.fmt(r['I']['cv_isi'])}")
        plots.raster((t_e, i_e), ax=ax[0, col], size=1, color="tab:red", xlabel="")
        plots.raster((t_i, i_i + 400), ax=ax[0, col], size=1, color="tab:blue", xlabel="",
                     ylabel="neuron (400 E, 100 I)", title=title)
        both = np.concatenate([s_e, s_i], axis=1)
        bin_steps = int(round(5.0 / dt))
        usable = len(both) // bin_steps * bin_steps
        rate = both[:usable].reshape(-1, bin_steps, both.shape[1]).mean(axis=(1, 2)) * 1000.0 / dt
        plots.rates(((np.arange(len(rate)) + 0.5) * bin_steps * dt, rate), ax=ax[1, col],
                    ylabel="rate (Hz, 5 ms bins)")
    mc.save_figure(fig, out / "coba_cuba.png")


if __name__ == "__main__":
    sys.exit(mc.run_main(main, NAME))
