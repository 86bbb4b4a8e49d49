"""The COBA and CUBA benchmark networks (Vogels & Abbott 2005; Brette et al. 2007) side by side:
synaptica vs Brian2 (cython runtime and C++ standalone) vs NEST vs BrainPy, each in its own interpreter.

Every simulator runs the same network (80 % E / 20 % I LIF neurons, connection probability ``p`` or
``--syn-per-neuron`` inputs on average, dt = 0.1 ms, COBA: conductance jumps 0.6 / 6.7 in units of
g_L and a 20 mV drive, initial v ~ N(-55, 5) mV; CUBA: 1.62 / -9 mV current jumps, v ~ U(-60, -50))
from a script in ``benchmarks/peers/`` started with that simulator's own Python (``--brian2-python``,
``--nest-python``, ``--brainpy-python``; synaptica: this interpreter, ``--synaptica-root`` = a tree with
``museum/coba_cuba/network.py``, projections in ``layout="events"``: out-edge lists, propagated from
the spikes only). ``synaptica-edges``: the same network with its projections in the in-edge
``layout="edges"`` (every stored edge visited every step). Each reports build, compile and
simulation time separately, peak memory (its process and children) and the spikes' statistics:
mean rate and ISI CV of E and I.

The statistics are checked first (rates within ``--rate-tol`` relative of the peers' median, CVs within
``--cv-tol``); a column whose statistics disagree is marked and left out of the time ratios. Times:
wall seconds per simulated second (and CPU seconds where the simulator runs in-process), and the
ratio to the fastest peer of the same network in the same run. Runs one configuration at a time
(never two simulators at once). A missing interpreter or builder is reported as such.

    python -m benchmarks.coba_cuba --kinds coba --sizes 4000 --duration 1000
    python -m benchmarks.coba_cuba --sizes 40000 --syn-per-neuron 80 --duration 1000 --skip brian2-runtime
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

from benchmarks.common import add_publish_flag, load_average, table, write_json

ROOT = Path(__file__).resolve().parents[1]
PEERS = Path(__file__).resolve().parent / "peers"
SIMULATORS = ("synaptica", "synaptica-edges", "brian2-standalone", "brian2-runtime", "nest", "brainpy")


def command(sim: str, args: argparse.Namespace, kind: str, n: int, p: float) -> tuple[list, dict]:
    common = ["--kind", kind, "--n", str(n), "--p", repr(p), "--duration", repr(args.duration),
              "--seed", str(args.seed)]
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    if sim.startswith("synaptica"):
        env["PYTHONPATH"] = str(Path(args.synaptica_root).resolve())
        env.setdefault("JAX_PLATFORMS", "cpu")
        layout = ["--layout", "edges"] if sim == "synaptica-edges" else []
        pin = ["taskset", "-c", ",".join(map(str, range(args.synaptica_cores)))] if args.synaptica_cores else []
        return [*pin, sys.executable, str(PEERS / "synaptica_coba_cuba.py"), *common, *layout], env
    if sim.startswith("brian2"):
        mode = "cpp_standalone" if sim == "brian2-standalone" else "runtime"
        return [args.brian2_python, str(PEERS / "brian2_coba_cuba.py"), *common, "--mode", mode], env
    if sim == "brainpy":
        env.setdefault("JAX_PLATFORMS", "cpu")
        return [args.brainpy_python, str(PEERS / "brainpy_coba_cuba.py"), *common], env
    return [args.nest_python, str(PEERS / "nest_coba_cuba.py"), *common, "--threads", str(args.nest_threads)], env


def run_one(sim: str, args: argparse.Namespace, kind: str, n: int, p: float) -> dict:
    cmd, env = command(sim, args, kind, n, p)
    if not Path(cmd[3] if cmd[0] == "taskset" else cmd[0]).exists():
        flag = {"brainpy": "--brainpy-python", "nest": "--nest-python"}.get(sim, "--brian2-python")
        return {"simulator": sim, "error": f"interpreter {cmd[0]} not found: skipped (give {flag})"}
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=args.timeout, env=env, cwd="/tmp")
    except subprocess.TimeoutExpired:
        return {"simulator": sim, "error": f"timed out after {args.timeout} s"}
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")]
    if proc.returncode != 0 or not lines:
        tail = (proc.stderr.strip().splitlines() or ["?"])[-1][:300]
        return {"simulator": sim, "error": f"failed (rc {proc.returncode}): {tail}"}
    res = json.loads(lines[-1][7:])
    res["column"] = sim
    return res


def check_stats(rows: list, rate_tol: float, cv_tol: float) -> None:
    """Mark each row ``stats_ok`` against the median over the rows (all simulators) of E/I rate and CV."""
    ok = [r for r in rows if "error" not in r]
    if not ok:
        return
    med = {(pop, key): statistics.median(r[pop][key] for r in ok)
           for pop in ("E", "I") for key in ("rate_hz", "cv_isi")}
    for r in ok:
        bad = []
        for pop in ("E", "I"):
            if abs(r[pop]["rate_hz"] - med[pop, "rate_hz"]) > rate_tol * med[pop, "rate_hz"]:
                bad.append(f"{pop} rate {r[pop]['rate_hz']:.1f} vs median {med[pop, 'rate_hz']:.1f} Hz")
            if abs(r[pop]["cv_isi"] - med[pop, "cv_isi"]) > cv_tol:
                bad.append(f"{pop} CV {r[pop]['cv_isi']:.2f} vs median {med[pop, 'cv_isi']:.2f}")
        r["stats_ok"], r["stats_problems"] = not bad, bad


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--kinds", nargs="+", default=["coba", "cuba"], choices=["coba", "cuba"])
    ap.add_argument("--sizes", type=int, nargs="+", default=[4000])
    ap.add_argument("--p", type=float, default=0.02)
    ap.add_argument("--syn-per-neuron", type=float, default=None, help="p = this / N (e.g. 80 at N = 40,000)")
    ap.add_argument("--duration", type=float, default=1000.0, help="simulated ms")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--skip", nargs="*", default=[], choices=SIMULATORS)
    ap.add_argument("--synaptica-cores", type=int, default=None,
                    help="pin synaptica to this many cores (taskset; 1 is fastest for networks of this size)")
    ap.add_argument("--synaptica-root", default=str(ROOT), help="tree holding museum/coba_cuba/network.py")
    ap.add_argument("--brian2-python", default=os.environ.get("SYNAPTICA_BRIAN2_PYTHON",
                                                              "/work/venvs/brian2/bin/python"))
    ap.add_argument("--nest-python", default=os.environ.get("SYNAPTICA_NEST_PYTHON", "/work/venvs/nest/bin/python"))
    ap.add_argument("--nest-threads", type=int, default=2)
    ap.add_argument("--brainpy-python", default=os.environ.get("SYNAPTICA_BRAINPY_PYTHON",
                                                               "/work/venvs/brainpy/bin/python"),
                    help="an interpreter with brainpy (and numba, for its event-driven CPU operators)")
    ap.add_argument("--rate-tol", type=float, default=0.2, help="relative tolerance of the rates")
    ap.add_argument("--cv-tol", type=float, default=0.2, help="absolute tolerance of the ISI CVs")
    ap.add_argument("--timeout", type=int, default=3600)
    ap.add_argument("--tag", default="")
    add_publish_flag(ap)
    args = ap.parse_args(argv)

    head = ["network", "simulator", "E rate Hz", "I rate Hz", "E CV", "stats", "build s", "compile s",
            "wall s / sim s", "CPU s / sim s", "peak MB", "x fastest peer"]
    configs, lines = [], []
    for kind in args.kinds:
        for n in args.sizes:
            p = args.syn_per_neuron / n if args.syn_per_neuron else args.p
            load0 = load_average()
            rows = []
            for sim in SIMULATORS:
                if sim in args.skip:
                    continue
                r = run_one(sim, args, kind, n, p)
                r.setdefault("column", sim)
                rows.append(r)
                print(f"{kind} N={n} {sim}: " + (r["error"] if "error" in r else
                      f"{r['sim_s'] / (args.duration / 1000):.3g} s per simulated s"), flush=True)
            check_stats(rows, args.rate_tol, args.cv_tol)
            peers = [r for r in rows if "error" not in r and not r["column"].startswith("synaptica")
                     and r.get("stats_ok")]
            fastest = min((r["sim_s"] for r in peers), default=None)
            for r in rows:
                label = f"{kind} N={n:,} p={p:.3g}"
                if "error" in r:
                    lines.append([label, r["column"], None, None, None, r["error"], None, None, None, None, None, None])
                    continue
                per = r["sim_s"] / (args.duration / 1000)
                cpu = r["sim_cpu_s"] / (args.duration / 1000) if r.get("sim_cpu_s") is not None else None
                r["wall_per_sim_s"], r["x_fastest_peer"] = per, (r["sim_s"] / fastest if fastest and
                                                                 r.get("stats_ok") else None)
                lines.append([label, f"{r['column']} {r['version']}", r["E"]["rate_hz"], r["I"]["rate_hz"],
                              r["E"]["cv_isi"], "ok" if r["stats_ok"] else "; ".join(r["stats_problems"]),
                              r["build_s"], r["compile_s"], per, cpu, r["peak_rss_mb"], r["x_fastest_peer"]])
            configs.append({"kind": kind, "n": n, "p": p, "rows": rows, "load_average_start": load0,
                            "load_average_end": load_average()})
            print(table(head, lines[-len(rows):]), flush=True)
    print()
    print(table(head, lines))
    name = "coba_cuba" + (f"_{args.tag}" if args.tag else "")
    path = write_json(name, {"duration_ms": args.duration, "seed": args.seed, "configs": configs}, args.publish)
    print(f"wrote {path}")


if __name__ == "__main__":
    main(sys.argv[1:])
