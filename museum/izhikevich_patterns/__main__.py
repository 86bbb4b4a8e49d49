"""The 20 neuro-computational features of Izhikevich (2004), each from its named parameter set.

Izhikevich (2004), "Which model to use for cortical spiking neurons?", IEEE Trans. Neural Netw.
15(5):1063, Fig. 1: one two-variable neuron, ``dv/dt = 0.04 v^2 + 5 v + 140 - u + I``,
``du/dt = a (b v - u)``, reset ``v <- c``, ``u <- u + d`` at 30 mV, shows tonic and phasic spiking and
bursting, adaptation, class 1 and 2 excitability, latency, resonance, integration, rebound,
bistability, accommodation and inhibition-induced firing, depending on ``(a, b, c, d)`` and the
stimulus. Each panel here runs :class:`~components.cells.IzhikevichCell` with the stimulus, step
and initial state of the paper's own script (figure1.m), measures the property the panel is about
and checks it against the paper's description.

    python -m museum.izhikevich_patterns [--quick] [--out DIR] [--publish]
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from typing import Callable, Sequence

import numpy as np

from museum import _common as mc

NAME = "izhikevich_patterns"

# Class 1 excitability and the integrator use dv/dt = 0.04 v^2 + 4.1 v + 108 - u + I. With V = x + 11.25
# and u = w + 11.25 b that is the cell's 0.04 x^2 + 5 x + 140 - w + (I + 19.1875 - 11.25 b): exact, with
# the threshold, reset and start shifted by -11.25 mV (plotted back in the paper's V).
SHIFT = 11.25
# Accommodation uses du/dt = 0.02 (v + 65), no decay of u: run as a (b v - w) with a = 5e-4, b = 40
# and w = u - (1.3 / a - 16), which is 0.02 (v + 65) - a (u + 16): exact at rest (u = -16), 0.05% of u's
# excursion per ms otherwise.
ACC_A = 5e-4
ACC_K = 0.02 * 65.0 / ACC_A - 16.0


def pulses(*windows: tuple[float, float], level: float, base: float = 0.0) -> Callable[[np.ndarray], np.ndarray]:
    """``level`` inside any ``(start, stop)`` window (open interval, as figure1.m's ``t > T1 & t < T2``)."""
    def stim(t: np.ndarray) -> np.ndarray:
        on = np.zeros_like(t, bool)
        for lo, hi in windows:
            on |= (t > lo) & (t < hi)
        return np.where(on, level, base)
    return stim


def step(after: float, level: float, base: float = 0.0) -> Callable[[np.ndarray], np.ndarray]:
    return lambda t: np.where(t > after, level, base)


@dataclass
class Panel:
    """One panel of Fig. 1: the cell's parameters, figure1.m's step, duration, start and stimulus."""
    letter: str
    name: str
    dt: float
    duration: float
    v0: float
    stimulus: Callable[[np.ndarray], np.ndarray]
    cell: dict = field(default_factory=dict)      # IzhikevichCell overrides (preset or a, b, c, d, v_thr)
    offset: float = 0.0                           # added to I (the exact changes of variables above)
    v_shift: float = 0.0                          # paper's v = cell's v + v_shift


PANELS = [
    Panel("A", "tonic_spiking", 0.25, 100, -70, step(10, 14)),
    Panel("B", "phasic_spiking", 0.25, 200, -64, step(20, 0.5)),
    Panel("C", "tonic_bursting", 0.25, 220, -70, step(22, 15)),
    Panel("D", "phasic_bursting", 0.2, 200, -64, step(20, 0.6)),
    Panel("E", "mixed_mode", 0.25, 160, -70, step(16, 10)),
    Panel("F", "spike_frequency_adaptation", 0.25, 85, -70, step(8.5, 30)),
    Panel("G", "class_1_excitable", 0.25, 300, -60 - SHIFT, lambda t: np.where(t > 30, 0.075 * (t - 30), 0.0),
          dict(a=0.02, b=-0.1, c=-55 - SHIFT, d=6, v_thr=30 - SHIFT), 19.1875 + 0.1 * SHIFT, SHIFT),
    Panel("H", "class_2_excitable", 0.25, 300, -64, lambda t: np.where(t > 30, -0.5 + 0.015 * (t - 30), -0.5)),
    Panel("I", "spike_latency", 0.2, 100, -70, pulses((10, 13), level=7.04)),
    Panel("J", "subthreshold_oscillations", 0.25, 200, -62, pulses((20, 25), level=2)),
    Panel("K", "resonator_2004", 0.25, 400, -62, pulses((40, 44), (60, 64), (280, 284), (320, 324), level=0.65)),
    Panel("L", "integrator", 0.25, 100, -60 - SHIFT,
          pulses((100 / 11, 100 / 11 + 2), (100 / 11 + 5, 100 / 11 + 7), (70, 72), (80, 82), level=9),
          dict(a=0.02, b=-0.1, c=-55 - SHIFT, d=6, v_thr=30 - SHIFT), 19.1875 + 0.1 * SHIFT, SHIFT),
    Panel("M", "rebound_spike", 0.2, 200, -64, pulses((20, 25), level=-15)),
    Panel("N", "rebound_burst", 0.2, 200, -64, pulses((20, 25), level=-15)),
    Panel("O", "threshold_variability", 0.25, 100, -64,
          lambda t: np.where(((t > 10) & (t < 15)) | ((t > 80) & (t < 85)), 1.0,
                             np.where((t > 70) & (t < 75), -6.0, 0.0))),
    Panel("P", "bistability", 0.25, 300, -61, pulses((37.5, 42.5), (216, 221), level=1.24, base=0.24)),
    Panel("Q", "depolarizing_after_potential", 0.1, 50, -70, lambda t: np.where(np.abs(t - 10) < 1, 20.0, 0.0)),
    Panel("R", "accommodation", 0.5, 400, -65,
          lambda t: np.where(t < 200, t / 25, np.where(t < 300, 0.0, np.where(t < 312.5, (t - 300) / 12.5 * 4, 0.0))),
          dict(a=ACC_A, b=0.02 / ACC_A, c=-55, d=4, w0=-16 - ACC_K), -ACC_K),
    Panel("S", "inhibition_induced_spiking", 0.5, 350, -63.8, pulses((50, 250), level=75, base=80)),
    Panel("T", "inhibition_induced_bursting", 0.5, 350, -63.8, pulses((50, 250), level=77, base=80)),
]
QUICK = ("A", "F", "K", "S")


def simulate(panel: Panel, args: object | None = None, order: str = "v_first") -> dict:
    """Run one panel through the exhibit's YAML model; v in the paper's variable, I the paper's stimulus.
    ``order="simultaneous"``: IzhikevichCell's own Euler step instead of figure1.m's."""
    steps = int(round(panel.duration / panel.dt)) + 1
    t = np.arange(steps) * panel.dt            # figure1.m: I(t) at t = 0, tau, 2 tau, ... drives the step
    current = panel.stimulus(t).astype(np.float64)
    cell = panel.cell or {"preset": panel.name}
    overrides = {"dt": panel.dt, "neuron.v0": float(panel.v0), "neuron.order": order}
    overrides.update({f"neuron.{k}": v if k == "preset" else float(v) for k, v in cell.items()})
    ctx = mc.load_exhibit_model(__file__, overrides=overrides, args=args)
    z = ctx.components["neuron"]
    J = (current + panel.offset).astype(np.float32)[:, None, None]
    rec = ctx.run("advance", steps=steps, inputs={z.j: J}, record=[z.v, z.s])
    v = np.asarray(rec[z.v])[:, 0, 0] + panel.v_shift
    s = np.asarray(rec[z.s])[:, 0, 0]
    # state after step k is at (k + 1) dt; "v_plot" draws each spike up to 30 mV, as figure1.m does
    return {"t": t + panel.dt, "v": v, "s": s, "I": current, "v_plot": np.where(s > 0, 30.0, v)}


def spike_times(run: dict) -> np.ndarray:
    return run["t"][run["s"] > 0]


def bursts(times: np.ndarray, gap: float = 15.0) -> list[np.ndarray]:
    """Spikes grouped into bursts: a new burst starts after an interval longer than ``gap`` ms."""
    if len(times) == 0:
        return []
    cuts = np.nonzero(np.diff(times) > gap)[0] + 1
    return np.split(times, cuts)


def count(times: np.ndarray, lo: float, hi: float) -> int:
    return int(((times > lo) & (times <= hi)).sum())


def measure(panel: Panel, run: dict) -> tuple[str, dict, bool]:
    """The property the panel shows: a line for the figure, the numbers, and whether it is the paper's."""
    ts = spike_times(run)
    isi = np.diff(ts)
    L = panel.letter
    if L == "A":
        rate = 1000.0 / isi[-1]
        change = abs(isi[-1] - isi[-2]) / isi[-1]   # after the onset transient the train is regular
        return f"tonic {rate:.0f} Hz (last ISIs {isi[-2]:.1f}, {isi[-1]:.1f} ms)", \
            {"rate_hz": rate, "last_isi_change": change, "spikes": len(ts)}, len(ts) >= 4 and change < 0.05
    if L == "B":
        return f"{len(ts)} spike at onset", {"spikes": len(ts), "first_ms": ts[0] if len(ts) else None}, \
            len(ts) == 1 and ts[0] > 20
    if L in ("C", "N", "T"):
        window = {"C": (22, 220), "N": (25, 200), "T": (50, 255)}[L]
        bs = [b for b in bursts(ts, 10.0 if L != "T" else 15.0) if window[0] < b[0] <= window[1]]
        sizes = [len(b) for b in bs]
        text = f"{len(bs)} burst{'s' * (len(bs) != 1)} of {'-'.join(map(str, sorted(set(sizes))))} spikes"
        ok = {"C": len(bs) >= 3 and min(sizes) >= 2, "N": len(bs) == 1 and sizes[0] >= 2 and ts[0] > 25,
              "T": len(bs) >= 2 and min(sizes) >= 2 and count(ts, 0, 50) + count(ts, 260, 350) == 0}[L]
        return text, {"bursts": len(bs), "spikes_per_burst": sizes}, ok
    if L == "D":
        bs = bursts(ts, 10.0)
        return f"1 burst of {len(bs[0]) if bs else 0} spikes, then quiet", \
            {"bursts": len(bs), "spikes": len(ts)}, len(bs) == 1 and len(ts) >= 2
    if L == "E":
        ratio = isi[-1] / isi[0]
        return f"burst, then tonic: ISI {isi[0]:.1f} -> {isi[-1]:.1f} ms", \
            {"first_isi_ms": isi[0], "last_isi_ms": isi[-1]}, ratio > 3 and len(bursts(ts, 10.0)) >= 2
    if L == "F":
        ratio = isi[-1] / isi[0]
        return f"adaptation ratio {ratio:.1f} (last/first ISI)", {"adaptation_ratio": ratio, "spikes": len(ts)}, \
            ratio > 2 and np.all(np.diff(isi) >= -1e-6)
    if L in ("G", "H"):
        first_rate = 1000.0 / isi[0] if len(isi) else 0.0
        at = run["I"][np.searchsorted(run["t"], ts[0])] if len(ts) else None
        last_rate = 1000.0 / isi[-1] if len(isi) else 0.0
        # class 1: starts slow and speeds up with the current; class 2: starts at a high rate
        ok = (first_rate < 30 and last_rate > 2 * first_rate) if L == "G" else (first_rate > 40 and len(ts) >= 3)
        return f"first at I={at:.2f}: {first_rate:.0f} -> {last_rate:.0f} Hz", \
            {"first_spike_current": at, "first_rate_hz": first_rate, "last_rate_hz": last_rate, "spikes": len(ts)}, ok
    if L == "I":
        latency = ts[0] - 10.0 if len(ts) else None
        return f"latency {latency:.1f} ms after a 3 ms pulse", {"latency_ms": latency}, \
            len(ts) == 1 and latency > 5
    if L == "J":
        after = (run["t"] > ts[0] + 10) if len(ts) else run["t"] > 30
        seg = run["v"][after]
        peaks = np.nonzero((seg[1:-1] > seg[:-2]) & (seg[1:-1] > seg[2:]))[0]
        period = np.diff(run["t"][after][1:-1][peaks]).mean() if len(peaks) > 1 else None
        freq = 1000.0 / period if period else None
        text = f"{len(ts)} spike, then {mc.fmt(freq, '.0f')} Hz damped ringing"
        return text, {"spikes": len(ts), "ringing_hz": freq}, len(ts) == 1 and freq is not None and 10 < freq < 200
    if L == "K":
        per = [count(ts, lo, lo + 30) for lo in (60, 320)]  # after the second pulse of each doublet
        return f"doublet 20 ms apart: {per[0]}, 40 ms apart: {per[1]} spikes", {"spikes_per_doublet": per}, \
            per == [0, 1]
    if L == "L":
        per = [count(ts, lo, lo + 15) for lo in (100 / 11 + 5, 80)]
        return f"pulses 5 ms apart: {per[0]}, 10 ms apart: {per[1]} spikes", {"spikes_per_doublet": per}, per == [1, 0]
    if L == "M":
        return f"{len(ts)} spike, {ts[0] - 25:.1f} ms after release" if len(ts) else "no spike", \
            {"spikes": len(ts), "after_release_ms": ts[0] - 25 if len(ts) else None}, len(ts) == 1 and ts[0] > 25
    if L == "O":
        per = [count(ts, 10, 30), count(ts, 80, 100)]
        return f"same pulse: {per[0]} spike alone, {per[1]} after inhibition", {"spikes_per_pulse": per}, \
            per == [0, 1]
    if L == "P":
        per = [count(ts, 42.5, 216), count(ts, 225, 300)]
        return f"{per[0]} spikes after pulse 1, {per[1]} after pulse 2", {"spikes_on": per[0], "spikes_off": per[1]}, \
            per[0] >= 5 and per[1] == 0
    if L == "Q":
        k = np.searchsorted(run["t"], ts[0]) if len(ts) else 0
        seg = run["v"][k + 2:k + int(10 / panel.dt)]
        dap = seg.max() - run["v"][0]
        return f"{len(ts)} spike{'s' * (len(ts) != 1)}, after-potential {dap:.1f} mV above rest", \
            {"spikes": len(ts), "dap_mv": dap}, len(ts) == 1 and dap > 5
    if L == "R":
        per = [count(ts, 0, 200), count(ts, 300, 400)]
        return f"slow ramp: {per[0]}, fast ramp: {per[1]} spikes", {"spikes_slow_fast": per}, per == [0, 1]
    if L == "S":
        inside, outside = count(ts, 50, 255), count(ts, 0, 50) + count(ts, 255, 350)
        return f"{inside} spikes while lowered, {outside} outside", {"spikes_in": inside, "spikes_out": outside}, \
            inside >= 3 and outside == 0
    raise KeyError(L)


def main(argv: Sequence[str] | None = None) -> dict:
    args = mc.parse_args(NAME, __doc__, argv)
    panels = [p for p in PANELS if not args.quick or p.letter in QUICK]
    results: dict = {"panels": len(panels)}
    runs, lines = [], []
    for panel in panels:
        run = simulate(panel, args)
        text, numbers, ok = measure(panel, run)
        other_text, _, other_ok = measure(panel, simulate(panel, args, order="simultaneous"))
        runs.append(run)
        lines.append(text)
        results[f"{panel.letter}_{panel.name}"] = {**numbers, "as_in_paper": bool(ok),
                                                   "simultaneous_euler_as_in_paper": bool(other_ok)}
        mc.progress(NAME, f"({panel.letter}) {panel.name}: {text}{'' if ok else '  <- differs from the paper'}"
                          + ("" if other_ok else f"  [IzhikevichCell's simultaneous Euler: {other_text}]"))
    per_panel = [r for r in results.values() if isinstance(r, dict)]
    results["as_in_paper"] = sum(r["as_in_paper"] for r in per_panel)
    results["simultaneous_euler_as_in_paper"] = sum(r["simultaneous_euler_as_in_paper"] for r in per_panel)
    plot(panels, runs, lines, args.out)
    mc.save_results(args.out, results)
    mc.publish(args, __file__)
    return results


def plot(panels: list[Panel], runs: list[dict], lines: list[str], out) -> None:
    from synaptica import plots

    cols = 5 if len(panels) > 4 else len(panels)
    rows = -(-len(panels) // cols)
    fig, axes = plots.figure(rows, cols, size=(3.3 * cols, 2.3 * rows), squeeze=False)
    for ax, panel, run, text in zip(axes.ravel(), panels, runs, lines):
        plots.traces(run["v_plot"][:, None], ax, dt=panel.dt, colors=["k"], lw=0.7, xlabel="", ylabel="")
        stim = run["I"]
        span = stim.max() - stim.min()
        ax.plot(run["t"], -95 + 12 * (stim - stim.min()) / (span if span > 0 else 1.0), "tab:blue", lw=0.8)
        ax.set_ylim(-100, 40)
        ax.set_title(f"({panel.letter}) {panel.name.replace('_', ' ').replace(' 2004', '')}", fontsize=8)
        ax.text(0.02, 0.97, text, transform=ax.transAxes, fontsize=6.5, va="top")
        ax.tick_params(labelsize=6)
    for ax in axes.ravel()[len(panels):]:
        ax.axis("off")
    fig.supxlabel("time (ms)", fontsize=8)
    fig.supylabel("v (mV); stimulus (blue, scaled)", fontsize=8)
    fig.tight_layout()
    mc.save_figure(fig, out / "izhikevich_patterns.png")


if __name__ == "__main__":
    mc.pin_to_one_core()
    sys.exit(mc.run_main(main, NAME))
