"""COBA / CUBA (Vogels & Abbott 2005; Brette et al. 2007) in Brian2, as its own example scripts write
them; run by Brian2's interpreter from benchmarks/coba_cuba.py. Prints ``RESULT {json}``.

    python brian2_coba_cuba.py --kind coba --n 4000 --p 0.02 --duration 1000 --mode runtime
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from stats import network_parser, peak_rss_mb, spike_stats  # noqa: E402


def main() -> None:
    ap = network_parser()
    ap.add_argument("--mode", default="runtime", choices=["runtime", "cpp_standalone"])
    a = ap.parse_args()

    t0 = time.perf_counter()
    import brian2 as b2
    from brian2 import Hz, NeuronGroup, SpikeMonitor, Synapses, defaultclock, ms, mV, prefs  # noqa: F401

    workdir = tempfile.mkdtemp(prefix="b2_")
    if a.mode == "cpp_standalone":
        b2.set_device("cpp_standalone", directory=workdir, build_on_run=False)
        prefs.devices.cpp_standalone.openmp_threads = 0
    else:
        prefs.codegen.target = "cython"
    b2.seed(a.seed)
    defaultclock.dt = a.dt * ms
    taum, taue, taui, Vt, Vr = 20 * ms, 5 * ms, 10 * ms, -50 * mV, -60 * mV  # noqa: F841 (read by Brian2)
    n_e = int(round(0.8 * a.n))
    if a.kind == "coba":
        El, Ee, Ei, I_drive = -60 * mV, 0 * mV, -80 * mV, 20 * mV  # noqa: F841 (used by the equations)
        eqs = """dv/dt = (ge*(Ee-v) + gi*(Ei-v) - (v-El) + I_drive)*(1./taum) : volt (unless refractory)
                 dge/dt = -ge/taue : 1
                 dgi/dt = -gi/taui : 1"""
        P = NeuronGroup(a.n, eqs, threshold="v>Vt", reset="v = Vr", refractory=5 * ms, method="euler")
        P.v = "randn()*5*mV - 55*mV"
        we, wi = "ge += 0.6", "gi += 6.7"
    else:
        El = -49 * mV  # noqa: F841
        eqs = """dv/dt = (ge+gi-(v-El))/taum : volt (unless refractory)
                 dge/dt = -ge/taue : volt
                 dgi/dt = -gi/taui : volt"""
        P = NeuronGroup(a.n, eqs, threshold="v>Vt", reset="v = Vr", refractory=5 * ms, method="exact")
        P.v = "Vr + rand() * (Vt - Vr)"
        we, wi = "ge += 1.62*mV", "gi += -9*mV"
    Ce = Synapses(P[:n_e], P, on_pre=we)
    Ci = Synapses(P[n_e:], P, on_pre=wi)
    Ce.connect(p=a.p)
    Ci.connect(p=a.p)
    mon = SpikeMonitor(P)
    net = b2.Network(P, Ce, Ci, mon)
    t_build = time.perf_counter() - t0
    if a.mode == "cpp_standalone":
        net.run(a.duration * ms)
        t1 = time.perf_counter()
        b2.device.build(directory=workdir, compile=True, run=True, debug=False)
        total = time.perf_counter() - t1
        sim, sim_cpu = float(b2.device._last_run_time), None
        compile_s, syn_count = total - sim, int(len(Ce) + len(Ci))
    else:
        t1 = time.perf_counter()
        net.run(1 * ms)                       # code generation + compilation happen in the first run
        compile_s = time.perf_counter() - t1
        t2, c2 = time.perf_counter(), time.process_time()
        net.run(a.duration * ms)
        sim, sim_cpu = time.perf_counter() - t2, time.process_time() - c2
        syn_count = int(len(Ce) + len(Ci))
    idx, times = mon.i[:], mon.t[:] / ms
    start = 0.0 if a.mode == "cpp_standalone" else 1.0
    keep = times >= start
    e = idx < n_e
    res = {"simulator": "brian2", "version": b2.__version__, "mode": a.mode, "kind": a.kind, "n": a.n, "p": a.p,
           "dt": a.dt, "duration_ms": a.duration, "build_s": t_build, "compile_s": compile_s,
           "sim_s": sim, "sim_cpu_s": sim_cpu,
           "synapses": syn_count, "peak_rss_mb": peak_rss_mb(),
           "E": spike_stats(idx[keep & e], times[keep & e], n_e, a.duration),
           "I": spike_stats(idx[keep & ~e] - n_e, times[keep & ~e], a.n - n_e, a.duration)}
    print("RESULT " + json.dumps(res), flush=True)


if __name__ == "__main__":
    main()
