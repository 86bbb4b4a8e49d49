"""The Hodgkin-Huxley squid axon: action potential, f-I curve and refractoriness.

Hodgkin & Huxley (1952), J. Physiol. 117:500: four conductance-based equations (sodium activation m,
inactivation h, potassium activation n) reproduce the squid giant axon's action potential. This
exhibit drives :class:`~components.cells.HodgkinHuxleyCell` (HH's parameters, 6.3 degrees C) with

1. a 1 ms current pulse: the action potential's shape (peak, half-width, after-hyperpolarisation)
   and the smallest pulse that fires;
2. current steps from rest: the f-I curve and where repetitive firing starts (class 2: it starts at a
   non-zero rate);
3. pairs of 1 ms pulses: the smallest second pulse that fires, against the interval (absolute and
   relative refractory periods).

    python -m museum.hodgkin_huxley [--quick] [--out DIR] [--publish]
"""

from __future__ import annotations

import sys
from typing import Sequence

import numpy as np

from museum import _common as mc

NAME = "hodgkin_huxley"
PULSE_MS, PULSE_AT = 1.0, 5.0


def run(args: object, J: np.ndarray, record: tuple = ("v", "s"), dt: float = 0.01) -> dict:
    """One neuron per column of ``J`` (steps, n): the recorded compartments, (steps, n) each."""
    ctx = mc.load_exhibit_model(__file__, overrides={"axon.n_units": J.shape[1], "dt": dt}, args=args)
    axon = ctx.components["axon"]
    rec = ctx.run("advance", steps=len(J), inputs={axon.j: J[:, None, :].astype(np.float32)},
                  record=[getattr(axon, r) for r in record])
    return {r: np.asarray(rec[getattr(axon, r)])[:, 0, :] for r in record} | {"dt": ctx.dt}


def pulses(dt: float, duration: float, amplitudes: np.ndarray, start: np.ndarray) -> np.ndarray:
    """(steps, n): a 1 ms pulse of ``amplitudes[i]`` (uA/cm^2) starting at ``start[i]`` ms, for each column."""
    t = np.arange(int(round(duration / dt)))[:, None] * dt
    on = (t >= start - 1e-9) & (t < start + PULSE_MS - 1e-9)
    return np.where(on, amplitudes, 0.0)


def action_potentials(v: np.ndarray, level: float = 0.0, rearm: float = -40.0) -> np.ndarray:
    """(steps, n) 0/1: upward crossings of ``level`` by a v that has fallen below ``rearm`` since the last
    one (a strong pulse on the falling phase of a spike lifts v back over 0 mV without a new spike)."""
    armed = np.ones(v.shape[1], bool)
    out = np.zeros_like(v)
    for k in range(1, len(v)):
        up = armed & (v[k - 1] < level) & (v[k] >= level)
        out[k] = up
        armed = (armed & ~up) | (v[k] < rearm)
    return out


def thresholds(args: object, first: np.ndarray, second_at: np.ndarray, hi: float = 400.0,
               dt: float = 0.01, rounds: int = 3) -> np.ndarray:
    """For each case i, the smallest amplitude of a 1 ms pulse at ``second_at[i]`` ms that fires a spike
    after it, with a first pulse of ``first[i]`` at PULSE_AT (``first = 0``: a single pulse); inf where
    ``hi`` uA/cm^2 does not. Bisection on 16 amplitudes per case, all cases side by side: the bracket
    shrinks 15-fold per round (3 rounds: hi / 3375, 0.12 uA/cm^2)."""
    n = len(second_at)
    lo, top = np.zeros(n), np.full(n, hi)
    found = np.ones(n, bool)
    duration = float(second_at.max()) + 25.0
    for _ in range(rounds):
        amps = np.linspace(lo, top, 16, axis=1).ravel()             # case-major: 16 amplitudes per case
        at = np.repeat(second_at, 16)
        J = pulses(dt, duration, np.repeat(first, 16), np.full(n * 16, PULSE_AT)) + pulses(dt, duration, amps, at)
        s = action_potentials(run(args, J, ("v",), dt)["v"])
        after = (np.arange(len(s))[:, None] * dt) >= at             # spikes after the second pulse starts
        fired = ((s * after).sum(0) >= 1).reshape(n, 16)
        found &= fired.any(1)
        k = np.where(fired.any(1), np.argmax(fired, 1), 15)
        grid = amps.reshape(n, 16)
        lo, top = grid[np.arange(n), np.maximum(k - 1, 0)], grid[np.arange(n), k]
    return np.where(found, top, np.inf)


def action_potential(args: object) -> dict:
    """Shape of the spike fired by a 1 ms pulse of 20 uA/cm^2, and the single-pulse threshold."""
    out = run(args, pulses(0.01, 30.0, np.array([20.0]), np.array([PULSE_AT])), ("v", "m", "h", "n", "s"))
    dt, v = out["dt"], out["v"][:, 0]
    t = (np.arange(len(v)) + 1) * dt
    k = int(np.argmax(v))
    above = np.nonzero(v > -65.0 + 0.5 * (v[k] + 65.0))[0]
    ahp = int(k + np.argmin(v[k:]))
    threshold = float(thresholds(args, np.zeros(1), np.array([PULSE_AT]))[0])
    return {"t": t, "v": v, "m": out["m"][:, 0], "h": out["h"][:, 0], "n": out["n"][:, 0],
            "peak_mv": float(v[k]), "amplitude_mv": float(v[k] + 65.0), "time_to_peak_ms": float(t[k] - PULSE_AT),
            "half_width_ms": float((above[-1] - above[0] + 1) * dt), "ahp_mv": float(v[ahp]),
            "ahp_after_peak_ms": float((ahp - k) * dt), "pulse_threshold": threshold}


def fi_curve(args: object, currents: np.ndarray, duration: float, dt: float = 0.025) -> np.ndarray:
    """Firing rate (Hz) in the second half of a step of each current from rest: cycles of v whose
    amplitude exceeds 10 mV (at large currents the spikes shrink and no longer reach 0 mV before the
    oscillation stops: depolarisation block)."""
    J = np.broadcast_to(currents, (int(round(duration / dt)), len(currents)))
    v = run(args, np.asarray(J, np.float64), ("v",), dt)["v"]
    late = v[len(v) // 2:]
    lo, hi = late.min(0), late.max(0)
    mid = (lo + hi) / 2
    cycles = action_potentials(late - mid, level=0.0, rearm=-(hi - lo) / 4).sum(0)
    return np.where(hi - lo > 10.0, cycles, 0) / (duration / 2000.0)


def refractoriness(args: object, intervals: np.ndarray, threshold: float, rounds: int = 3) -> np.ndarray:
    """Threshold of a second 1 ms pulse ``interval`` ms after a first one of twice the threshold, / threshold."""
    return thresholds(args, np.full(len(intervals), 2.0 * threshold), PULSE_AT + intervals, rounds=rounds) / threshold


def main(argv: Sequence[str] | None = None) -> dict:
    args = mc.parse_args(NAME, __doc__, argv)
    ap = action_potential(args)
    mc.progress(NAME, f"action potential: peak {ap['peak_mv']:.1f} mV, half-width {ap['half_width_ms']:.2f} ms, "
                      f"after-hyperpolarisation {ap['ahp_mv']:.1f} mV; 1 ms pulse threshold "
                      f"{ap['pulse_threshold']:.2f} uA/cm^2")
    if args.quick:
        currents, duration = np.array([2.0, 6.0, 6.5, 10.0, 20.0, 50.0]), 120.0
        intervals = np.array([3.0, 8.0, 20.0])
    else:
        currents = np.concatenate([np.arange(0.0, 6.0, 1.0), np.arange(6.0, 7.0, 0.1), np.arange(7.0, 12.0, 1.0),
                                   np.arange(12.0, 40.0, 4.0), np.arange(40.0, 141.0, 20.0),
                                   np.arange(145.0, 166.0, 5.0), [180.0, 200.0]])
        duration = 400.0
        intervals = np.array([2.0, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0, 12.0, 15.0, 20.0, 25.0, 30.0])
    rates = fi_curve(args, currents, duration)
    firing = rates > 0
    onset = float(currents[np.argmax(firing)]) if firing.any() else None
    below = float(currents[np.argmax(firing) - 1]) if firing.any() and np.argmax(firing) > 0 else None
    block = float(currents[firing].max()) if firing.any() else None
    mc.progress(NAME, f"f-I: repetitive firing from {mc.fmt(onset, '.2f')} uA/cm^2 (none at {mc.fmt(below, '.2f')}) "
                      f"at {mc.fmt(float(rates[np.argmax(firing)]) if firing.any() else None, '.0f')} Hz")
    ratio = refractoriness(args, intervals, ap["pulse_threshold"], rounds=2 if args.quick else 3)
    absolute = float(intervals[np.isinf(ratio)].max()) if np.isinf(ratio).any() else None
    relative = float(intervals[ratio > 1.1].max()) if (ratio > 1.1).any() else None
    mc.progress(NAME, f"second pulse threshold / single: {mc.numbers(ratio, '.2f')} at {mc.numbers(intervals, 'g')} ms")
    results = {k: ap[k] for k in ("peak_mv", "amplitude_mv", "time_to_peak_ms", "half_width_ms", "ahp_mv",
                                  "ahp_after_peak_ms")}
    results |= {"pulse_threshold_uA": ap["pulse_threshold"], "repetitive_onset_uA": onset, "no_firing_at_uA": below,
                "onset_rate_hz": float(rates[np.argmax(firing)]) if firing.any() else None,
                "rate_at_20_hz": float(np.interp(20.0, currents, rates)), "max_rate_hz": float(rates.max()),
                "last_firing_current_uA": block,
                "currents": currents, "rates_hz": rates, "intervals_ms": intervals, "second_threshold_ratio": ratio,
                "absolute_refractory_ms": absolute, "relative_refractory_ms": relative}
    plot(ap, currents, rates, intervals, ratio, args.out)
    mc.save_results(args.out, results)
    mc.publish(args, __file__)
    return results


def plot(ap: dict, currents: np.ndarray, rates: np.ndarray, intervals: np.ndarray, ratio: np.ndarray, out) -> None:
    from synaptica import plots

    fig, ax = plots.figure(1, 3, size=(14, 3.8))
    dt = float(ap["t"][1] - ap["t"][0])
    t0 = float(ap["t"][0]) - dt  # the traces' times are t0 + (step + 1) dt
    plots.traces(ap["v"][:, None], ax[0], dt=dt, t0=t0, colors=["k"],
                 title=f"action potential: peak {ap['peak_mv']:.1f} mV, width {ap['half_width_ms']:.2f} ms")
    ax[0].axhline(-65.0, color="0.7", lw=0.8, ls=":")
    gates = ax[0].twinx()
    plots.traces(np.stack([ap["m"], ap["h"], ap["n"]], axis=1), gates, dt=dt, t0=t0, neurons=[0, 1, 2],
                 labels=["m", "h", "n"], colors=["tab:red", "tab:blue", "tab:green"], lw=0.9, ylabel="gate")
    gates.set_ylim(0, 1.05)
    gates.legend(fontsize=7, loc="center right")
    ax[1].plot(currents, rates, "o-", ms=3)
    ax[1].set(xlabel="step current (uA/cm^2)", ylabel="rate (Hz)", title="f-I curve (from rest)")
    finite = np.isfinite(ratio)
    ax[2].plot(intervals[finite], ratio[finite], "o-", ms=3)
    for gap in intervals[~finite]:
        ax[2].axvline(gap, color="tab:red", alpha=0.3, lw=4)
    ax[2].axhline(1.0, color="0.6", ls=":")
    ax[2].set(xlabel="interval between 1 ms pulses (ms)", ylabel="2nd-pulse threshold / single-pulse threshold",
              title="refractoriness (red: no spike up to 400 uA/cm^2)")
    fig.tight_layout()
    mc.save_figure(fig, out / "hodgkin_huxley.png")


if __name__ == "__main__":
    mc.pin_to_one_core()
    sys.exit(mc.run_main(main, NAME))
