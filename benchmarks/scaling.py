"""Scaling of a plastic dense network: cost vs N (dense: ~N^2) and vs T (linear). PNG plots.

The network is square so that the dense work grows as N^2::

    z0 PoissonCell(N) -> W TraceSTDPSynapse((N, N)) -> z1 LIFCell(N); tr0, tr1 VarTrace
    per step: advance [z0, W, z1, tr0, tr1], evolve [W]   (batch 1, dt = 1 ms)

    python -m benchmarks.scaling                                 # N sweep at T = 200, T sweep at N = 1000
    python -m benchmarks.scaling --sizes 250 500 1000 2000 4000 --steps 200 --t-sweep 100 200 400 800 1600

Writes ``benchmarks/results/scaling.json``, ``scaling_vs_N.png``, ``scaling_vs_T.png``, and prints the
fitted log-log slopes (2 for N^2, 1 for T).
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

import numpy as np

from benchmarks.common import add_publish_flag, results_dir, run_from_start, table, time_fn, write_json


def build_square(n: int, seed: int = 0, p_conn: float = 1.0, layout: str = "auto", capacity: int | None = None,
                 max_input: float = 1.0) -> tuple:
    """The square plastic network of the module docstring; returns ``(ctx, W)``. ``p_conn``, ``layout``
    and ``capacity`` go to the TraceSTDPSynapse (used by ``benchmarks.sparse --engine``); the Poisson
    inputs are drawn from U(0, max_input) (rates up to ``max_input`` x 63.75 Hz)."""
    from components.cells import LIFCell, PoissonCell, VarTrace
    from components.synapses.stdp import TraceSTDPSynapse
    from contexts import Context

    with Context("square", dt=1.0, batch_size=1, seed=seed) as ctx:
        z0 = PoissonCell("z0", n)
        W = TraceSTDPSynapse("W", (n, n), A_plus=1e-4, A_minus=1e-6, p_conn=p_conn, layout=layout, capacity=capacity,
                             weight_init={"dist": "uniform", "low": 0.0, "high": 0.3})
        z1 = LIFCell("z1", n, tau_m=100.0, refract_time=5.0, thr_theta_plus=0.05)
        tr0, tr1 = VarTrace("tr0", n), VarTrace("tr1", n)
        W.inputs << z0.outputs
        z1.j << W.outputs
        tr0.inputs << z0.outputs
        tr1.inputs << z1.s
        W.preSpike << z0.outputs
        W.postSpike << z1.s
        W.preTrace << tr0.trace
        W.postTrace << tr1.trace
        ctx.command("advance", [z0, W, z1, tr0, tr1])
        ctx.command("evolve", [W])
    ctx.clamp(z0.inputs, np.random.default_rng(seed).uniform(0.0, max_input, (1, n)).astype(np.float32))
    return ctx, W


def seconds_per_run(n: int, steps: int, repeats: int) -> dict:
    ctx, _ = build_square(n)
    return time_fn(run_from_start(ctx, steps), repeats=repeats)


def slope(x: list, y: list) -> float:
    """Least-squares slope of log y against log x."""
    return float(np.polyfit(np.log(np.asarray(x, float)), np.log(np.asarray(y, float)), 1)[0])


def plot(x: list, y: list, xlabel: str, title: str, path: Any, ref_power: float) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5, 4))
    ax.loglog(x, y, "o-", label="measured")
    ref = [y[-1] * (xi / x[-1]) ** ref_power for xi in x]
    ax.loglog(x, ref, "--", color="gray", label=f"~{xlabel}^{ref_power:g}")
    ax.set_xlabel(xlabel)
    ax.set_ylabel("seconds per step" if xlabel == "N" else "seconds per run")
    ax.set_title(title, fontsize=9)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[250, 500, 1000, 2000, 4000])
    ap.add_argument("--steps", type=int, default=200)
    ap.add_argument("--t-sweep", type=int, nargs="+", default=[100, 200, 400, 800, 1600])
    ap.add_argument("--t-size", type=int, default=1000)
    ap.add_argument("--repeats", type=int, default=3)
    add_publish_flag(ap)
    args = ap.parse_args(argv)
    out_dir = results_dir(args.publish)

    per_step = []
    for n in args.sizes:
        t = seconds_per_run(n, args.steps, args.repeats)
        per_step.append(t["min"] / args.steps)
        print(f"N={n:6d}  {1e6 * per_step[-1]:10.1f} us/step  ({1 / per_step[-1]:,.0f} steps/s)", flush=True)
    # fit where W (4 N^2 bytes) no longer fits in the CPU caches (> 8 MB): below, the cost per byte drops
    big = [i for i, n in enumerate(args.sizes) if 4 * n * n > 8e6]
    big = big if len(big) >= 2 else list(range(len(args.sizes)))
    s_n = slope([args.sizes[i] for i in big], [per_step[i] for i in big])
    n0 = args.sizes[big[0]]
    plot(args.sizes, per_step, "N", f"square STDP network, T={args.steps}: slope {s_n:.2f} (N>={n0})",
         out_dir / "scaling_vs_N.png", 2.0)

    per_run = []
    for steps in args.t_sweep:
        t = seconds_per_run(args.t_size, steps, args.repeats)
        per_run.append(t["min"])
        print(f"T={steps:6d}  {per_run[-1]:8.3f} s  ({steps / per_run[-1]:,.0f} steps/s)", flush=True)
    s_t = slope(args.t_sweep, per_run)
    plot(args.t_sweep, per_run, "T", f"square STDP network, N={args.t_size}: slope {s_t:.2f}",
         out_dir / "scaling_vs_T.png", 1.0)

    print()
    print(table(["N", "us/step", "steps/s"], [[n, 1e6 * s, 1 / s] for n, s in zip(args.sizes, per_step)]))
    print(f"log-log slope vs N (N >= {n0}, W > 8 MB): {s_n:.2f}  (dense: 2)")
    print(table(["T", "s/run", "steps/s"], [[t, s, t / s] for t, s in zip(args.t_sweep, per_run)]))
    print(f"log-log slope vs T: {s_t:.2f}  (linear: 1)")
    print("wrote", write_json("scaling", {"steps": args.steps, "t_size": args.t_size, "sizes": args.sizes,
                                          "s_per_step": per_step, "slope_N": s_n, "t_sweep": args.t_sweep,
                                          "s_per_run": per_run, "slope_T": s_t}, args.publish))


if __name__ == "__main__":
    main(sys.argv[1:])
