"""Brunel (2000): a sparse network of excitatory and inhibitory LIF neurons in its four regimes.

Brunel, N. (2000) Dynamics of sparsely connected networks of excitatory and inhibitory spiking
neurons. J. Comput. Neurosci. 8:183-208, model A and Fig. 8. Depending on the relative strength of
inhibition ``g`` and the external rate ``nu_ext`` (in units of ``nu_thr = theta / (J C_E tau)``,
the rate that brings the mean input to threshold), the network settles in one of four states:

    SR        synchronous regular:          g = 3,   nu_ext / nu_thr = 2    (Fig. 8A)
    SI fast   synchronous irregular, fast:  g = 6,   nu_ext / nu_thr = 4    (Fig. 8B)
    AI        asynchronous irregular:       g = 5,   nu_ext / nu_thr = 2    (Fig. 8C)
    SI slow   synchronous irregular, slow:  g = 4.5, nu_ext / nu_thr = 0.9  (Fig. 8D)

For each, the exhibit measures the mean rate, the CV of the interspike intervals (regular ~ 0,
Poisson 1), a synchrony index (Golomb's chi: the standard deviation of the population rate over
the mean standard deviation of single neurons' rates, in 1 ms bins; ~ 1/sqrt(N) when asynchronous,
-> 1 when synchronous) and the frequency of the population rate's largest spectral peak. One
network is built and compiled once; each regime sets its inhibitory weights and external rate.

    python -m museum.brunel [--quick] [--seed N] [--out DIR] [--ms T] [--publish] [--resume]

The full run takes minutes: a checkpoint is written after each regime, and ``--resume`` continues
an interrupted run with the next one.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from contexts.monitors import RateMonitor, SpikeMonitor
from museum import _common as mc

NAME = "brunel"
# regime -> (g, nu_ext / nu_thr), Brunel (2000) Fig. 8
REGIMES = {"SR": (3.0, 2.0), "SI fast": (6.0, 4.0), "AI": (5.0, 2.0), "SI slow": (4.5, 0.9)}
TAU, THETA = 20.0, 20.0      # ms, mV
MEAN_INPUT = 100.0           # C_E J (mV), as in the paper (C_E = 1000, J = 0.1 mV)
EPS, GAMMA = 0.1, 0.25       # connection probability, N_I / N_E
PLOT_MS = 200.0              # the figure shows the first 200 ms of each measurement


def sizes(n_e: int) -> dict:
    """``N_E``, ``N_I``, ``C_E``, ``C_I`` and ``J`` (mV) of a network of ``n_e`` excitatory neurons with
    ``C_E J = 100 mV`` (so ``nu_thr = 10 Hz`` at every size)."""
    n_i = int(round(GAMMA * n_e))
    c_e, c_i = int(round(EPS * n_e)), int(round(EPS * n_i))
    return {"N_E": n_e, "N_I": n_i, "C_E": c_e, "C_I": c_i, "J": MEAN_INPUT / c_e}


def overrides(n_e: int) -> dict:
    """Model-file overrides for a network of ``n_e`` excitatory neurons."""
    s = sizes(n_e)
    n_i, c_e, c_i, j = s["N_I"], s["C_E"], s["C_I"], s["J"]
    out: dict[str, Any] = {"E.n_units": n_e, "I.n_units": n_i, "extE.n_units": n_e, "extI.n_units": n_i,
                           "extE.weight": j, "extI.weight": j}
    for name, shape, k, autapses in (("EE", (n_e, n_e), c_e, False), ("EI", (n_e, n_i), c_e, True),
                                     ("IE", (n_i, n_e), c_i, True), ("II", (n_i, n_i), c_i, False)):
        out[f"{name}.shape"] = list(shape)
        out[f"{name}.connectivity"] = {"rule": "fixed_in_degree", "k": k, **({} if autapses else {"autapses": False})}
        out[f"{name}.weight_init"] = {"dist": "constant", "value": j}
    return out


def nu_thr(j: float, c_e: int) -> float:
    """The external rate (Hz, per input) that brings the mean input to threshold: ``theta / (J C_E tau)``."""
    return THETA / (j * c_e * TAU / 1000.0)


def set_regime(ctx: Any, g: float, eta: float) -> None:
    """Inhibitory weights ``-g J`` and external rate ``eta nu_thr`` per input (``C_E`` inputs)."""
    j, c_e = ctx.components["extE"].weight, ctx.components["EE"].connectivity["k"]
    for name in ("IE", "II"):
        w = ctx.get(f"{name}.weights")
        ctx.clamp(f"{name}.weights", np.where(np.asarray(w) != 0, -g * j, 0.0))
    for name in ("extE", "extI"):
        ctx.clamp(f"{name}.rate", np.full(ctx.get(f"{name}.rate").shape, eta * nu_thr(j, c_e) * c_e))


def siegert(mu: float, sigma: float, tau_rp: float = 2.0, v_r: float = 10.0) -> float:
    """Rate (Hz) of an LIF neuron driven by white noise of mean ``mu`` and s.d. ``sigma`` (mV), Brunel's
    Eq. 21: ``1 / nu = tau_rp + tau sqrt(pi) int_{(V_r - mu)/sigma}^{(theta - mu)/sigma} e^{u^2} (1 + erf u) du``."""
    u = np.linspace((v_r - mu) / sigma, (THETA - mu) / sigma, 4001)
    f = np.array([_erfcx(-x) for x in u])
    integral = float(np.sum((f[1:] + f[:-1]) * np.diff(u)) / 2)
    return 1000.0 / (tau_rp + TAU * math.sqrt(math.pi) * integral)


def _erfcx(x: float) -> float:
    """``exp(x^2) erfc(x)`` without overflow (its asymptotic series for x > 5)."""
    if x < 5.0:
        return math.exp(x * x) * math.erfc(x)
    y = 1.0 / (2.0 * x * x)
    return (1.0 - y + 3.0 * y * y - 15.0 * y ** 3 + 105.0 * y ** 4) / (x * math.sqrt(math.pi))


def mean_field_rate(g: float, eta: float, j: float, c_e: int) -> float:
    """The stationary rate (Hz) of the paper's mean-field theory (Eqs. 4-5 and 21): the ``nu`` with
    ``nu = siegert(mu(nu), sigma(nu))``, ``mu = C_E J tau (nu_ext + nu (1 - g gamma))``,
    ``sigma^2 = C_E J^2 tau (nu_ext + nu (1 + g^2 gamma))`` (found by bisection)."""
    nu_ext = eta * nu_thr(j, c_e)
    tau_s = TAU / 1000.0

    def gap(nu: float) -> float:
        mu = c_e * j * tau_s * (nu_ext + nu * (1 - g * GAMMA))
        sigma = math.sqrt(c_e * j * j * tau_s * (nu_ext + nu * (1 + g * g * GAMMA)))
        return siegert(mu, sigma) - nu

    lo, hi = 0.0, 499.0
    for _ in range(60):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if gap(mid) > 0 else (lo, mid)
    return (lo + hi) / 2


def isi_cv(i: np.ndarray, t: np.ndarray, n: int) -> float:
    """Mean CV of the interspike intervals over the neurons with at least 3 spikes (nan if none)."""
    order = np.lexsort((t, i))
    i, t = i[order], t[order]
    cvs = []
    for k in np.unique(i):
        isi = np.diff(t[i == k])
        if len(isi) >= 2 and isi.mean() > 0:
            cvs.append(isi.std() / isi.mean())
    return float(np.mean(cvs)) if cvs else float("nan")


def synchrony(i: np.ndarray, step: np.ndarray, n: int, steps: int, bin_steps: int) -> float:
    """Golomb's chi over ``n`` neurons, spike counts in bins of ``bin_steps`` steps."""
    n_bins = steps // bin_steps
    counts = np.zeros((n_bins, n))
    keep = step < n_bins * bin_steps
    np.add.at(counts, (step[keep] // bin_steps, i[keep]), 1.0)
    single = counts.var(axis=0).mean()
    return float(np.sqrt(counts.mean(axis=1).var() / single)) if single > 0 else float("nan")


def peak_frequency(rate: np.ndarray, dt: float, bin_ms: float = 1.0) -> float:
    """Frequency (Hz) of the largest peak of the power spectrum of the population rate (in bins of
    ``bin_ms``) between 5 and 400 Hz."""
    k = max(1, int(round(bin_ms / dt)))
    x = rate[: len(rate) // k * k].reshape(-1, k).mean(axis=1)
    power = np.abs(np.fft.rfft(x - x.mean())) ** 2
    freq = np.fft.rfftfreq(len(x), k * dt / 1000.0)
    band = (freq >= 5.0) & (freq <= 400.0)
    return float(freq[band][np.argmax(power[band])])


def measure(ctx: Any, steps: int, skip: int) -> dict:
    """Run ``skip + steps`` steps; the statistics of the E population over the last ``steps``."""
    n_e = ctx.components["E"].n_units
    ctx.run("advance", steps=skip)
    dt = ctx.dt
    spikes, rate = SpikeMonitor("E.s"), RateMonitor("E.s", bin=int(round(0.5 / dt)))
    ctx.run("advance", steps=steps, monitors=[spikes, rate])
    return {"rate_hz": spikes.count / (n_e * steps * dt / 1000.0),
            "cv_isi": isi_cv(spikes.i, spikes.t, n_e),
            "synchrony": synchrony(spikes.i, spikes.step, n_e, steps, int(round(1.0 / dt))),
            "peak_hz": peak_frequency(rate.rate[:, 0], dt * rate.bin),
            "spikes": spikes, "rate": rate}


def extra_args(parser: Any) -> None:
    parser.add_argument("--n-e", type=int, default=None,
                        help="excitatory neurons (default 4000; --quick: 400); N_I = N_E / 4, C = N / 10")
    parser.add_argument("--ms", type=float, default=None, help="measured time per regime in ms (default 300; "
                                                               "--quick: 150), after 100 ms of settling")


def main(argv: Sequence[str] | None = None) -> dict:
    args = mc.parse_args(NAME, __doc__, argv, extra=extra_args, resumable=True)
    n_e = args.n_e or (400 if args.quick else 4000)
    t_ms = args.ms or (150.0 if args.quick else 300.0)
    ctx = mc.load_exhibit_model(__file__, overrides={"seed": args.seed, **overrides(n_e)}, args=args)
    s = sizes(n_e)
    steps, skip = int(round(t_ms / ctx.dt)), int(round(100.0 / ctx.dt))
    mc.progress(NAME, f"N_E = {s['N_E']}, N_I = {s['N_I']}, C_E = {s['C_E']}, C_I = {s['C_I']}, J = {s['J']:.3g} mV, "
                      f"D = 1.5 ms, dt = {ctx.dt} ms; {t_ms:g} ms per regime")
    start = ctx.state
    results: dict[str, Any] = {"N_E": n_e, "C_E": s["C_E"], "J_mV": s["J"], "ms_per_regime": t_ms}
    measured: dict[str, dict] = {}
    back = mc.resume(args)  # each regime starts from the same state: a checkpoint holds the finished ones
    if back:
        measured = {regime: unpack(back, regime) for regime in back["done"]}
    for k, (regime, (g, eta)) in enumerate(REGIMES.items()):
        if regime in measured:
            m = measured[regime]
        else:
            ctx.state = start
            set_regime(ctx, g, eta)
            m = pack(measure(ctx, steps, skip), ctx.dt, min(t_ms, PLOT_MS))
            m["mean_field_hz"] = mean_field_rate(g, eta, s["J"], s["C_E"])
            measured[regime] = m
            mc.checkpoint(args, k + 1, done=list(measured), **{f"{r}/{q}": v for r, mr in measured.items()
                                                               for q, v in mr.items()})
        mc.progress(NAME, f"{regime:8s} g = {g}, nu_ext/nu_thr = {eta}: rate {m['rate_hz']:.1f} Hz, CV "
                          f"{m['cv_isi']:.2f}, synchrony {m['synchrony']:.2f}, peak {m['peak_hz']:.0f} Hz (theory: "
                          f"stationary rate {m['mean_field_hz']:.1f} Hz)")
        key = regime.replace(" ", "_")
        for q in ("rate_hz", "mean_field_hz", "cv_isi", "synchrony", "peak_hz"):
            results[f"{key}_{q}"] = m[q]
    irregular = ("SI fast", "AI", "SI slow")
    results["SR_most_regular_and_synchronous"] = all(measured["SR"]["cv_isi"] < measured[r]["cv_isi"] and
                                                     measured["SR"]["synchrony"] > measured[r]["synchrony"]
                                                     for r in irregular)
    results["AI_least_synchronous"] = all(measured["AI"]["synchrony"] < measured[r]["synchrony"] for r in REGIMES
                                          if r != "AI")
    results["SI_fast_peak_above_SI_slow"] = measured["SI fast"]["peak_hz"] > 2 * measured["SI slow"]["peak_hz"]
    plot(measured, args.out)
    mc.save_results(args.out, results)
    mc.publish(args, __file__)
    return results


def pack(m: dict, dt: float, window: float) -> dict:
    """A regime's statistics and what its figure panels show (the first 50 neurons' spikes and the
    population rate over the first ``window`` ms of the measurement), as plain numbers and arrays."""
    sp, r = m["spikes"], m["rate"]
    t0 = sp.t.min() - (sp.step.min() + 1) * dt if len(sp.t) else 0.0
    keep = (sp.i < 50) & (sp.t - t0 <= window)
    n = int(round(window / (dt * r.bin)))
    out = {q: float(m[q]) for q in ("rate_hz", "cv_isi", "synchrony", "peak_hz")}
    return {**out, "raster_t": np.asarray(sp.t[keep] - t0), "raster_i": np.asarray(sp.i[keep]),
            "rate_t": np.asarray(r.t[:n] - t0), "rate": np.asarray(r.rate[:n, 0])}


def unpack(extra: dict, regime: str) -> dict:
    """A regime's :func:`pack`ed values from a checkpoint's extra values."""
    prefix = f"{regime}/"
    return {k[len(prefix):]: v for k, v in extra.items() if k.startswith(prefix)}


def plot(measured: dict, out: Path) -> None:
    from synaptica import plots

    fig, axes = plots.figure(2, 4, size=(16, 5.6), gridspec_kw={"height_ratios": [2.2, 1]}, sharex="col")
    for col, (regime, m) in enumerate(measured.items()):
        g, eta = REGIMES[regime]
        plots.raster((m["raster_t"], m["raster_i"]), ax=axes[0, col], size=3, xlabel="",
                     title=f"{regime} (g = {g}, $\\nu_{{ext}}/\\nu_{{thr}}$ = {eta})\n{m['rate_hz']:.1f} Hz, CV "
                           f"{m['cv_isi']:.2f}, $\\chi$ = {m['synchrony']:.2f}")
        plots.rates((m["rate_t"], m["rate"]), ax=axes[1, col], ylabel="E rate (Hz)" if col == 0 else "")
    fig.tight_layout()
    mc.save_figure(fig, out / "brunel.png")


if __name__ == "__main__":
    sys.exit(mc.run_main(main, NAME))
