"""COBA / CUBA (Vogels & Abbott 2005; Brette et al. 2007) in NEST 3 (iaf_cond_exp / iaf_psc_exp), the
parameters of benchmarks/peers/brian2_coba_cuba.py in NEST's units (g_L = 10 nS, C_m = 200 pF, so
tau_m = 20 ms); run by NEST's interpreter from benchmarks/coba_cuba.py. Prints ``RESULT {json}``.

    python nest_coba_cuba.py --kind coba --n 4000 --p 0.02 --duration 1000 --threads 2
"""

from __future__ import annotations

import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from stats import network_parser, peak_rss_mb, spike_stats  # noqa: E402


def main() -> None:
    ap = network_parser()
    ap.add_argument("--threads", type=int, default=1)
    a = ap.parse_args()

    t0 = time.perf_counter()
    import nest
    import numpy as np

    nest.set_verbosity("M_ERROR")
    nest.ResetKernel()
    nest.SetKernelStatus({"resolution": a.dt, "local_num_threads": a.threads, "rng_seed": a.seed + 1})
    n_e = int(round(0.8 * a.n))
    g_L, C_m = 10.0, 200.0                                   # nS, pF: tau_m = 20 ms
    common = {"C_m": C_m, "V_th": -50.0, "V_reset": -60.0, "t_ref": 5.0, "tau_syn_ex": 5.0, "tau_syn_in": 10.0}
    rng = np.random.default_rng(a.seed)
    if a.kind == "coba":
        model = "iaf_cond_exp"
        params = dict(common, g_L=g_L, E_L=-60.0, E_ex=0.0, E_in=-80.0, I_e=20.0 * g_L)   # I = 20 mV
        w_e, w_i = 0.6 * g_L, -6.7 * g_L                     # nS (negative: NEST's inhibitory sign)
        v0 = rng.normal(-55.0, 5.0, a.n)
    else:
        model = "iaf_psc_exp"
        params = dict(common, E_L=-49.0, tau_m=20.0, I_e=0.0)
        w_e, w_i = 1.62 * C_m / 20.0, -9.0 * C_m / 20.0      # pA: a jump of 1.62 / -9 mV of drive
        v0 = rng.uniform(-60.0, -50.0, a.n)
    pop = nest.Create(model, a.n, params=params)
    pop.V_m = v0.tolist()
    E, I = pop[:n_e], pop[n_e:]
    rule = {"rule": "pairwise_bernoulli", "p": a.p, "allow_autapses": False}
    nest.Connect(E, pop, rule, {"synapse_model": "static_synapse", "weight": w_e, "delay": a.dt})
    nest.Connect(I, pop, rule, {"synapse_model": "static_synapse", "weight": w_i, "delay": a.dt})
    rec = nest.Create("spike_recorder")
    nest.Connect(pop, rec)
    t_build = time.perf_counter() - t0
    t1 = time.perf_counter()
    nest.Simulate(1.0)                                       # calibration / preparation
    compile_s = time.perf_counter() - t1
    t2, c2 = time.perf_counter(), time.process_time()
    nest.Simulate(a.duration)
    sim, sim_cpu = time.perf_counter() - t2, time.process_time() - c2
    ev = rec.get("events")
    idx = np.asarray(ev["senders"]) - pop[0].global_id
    times = np.asarray(ev["times"])
    keep = times > 1.0
    e = idx < n_e
    res = {"simulator": "nest", "version": nest.__version__, "mode": f"{a.threads} thread(s)", "kind": a.kind,
           "n": a.n, "p": a.p, "dt": a.dt, "duration_ms": a.duration, "build_s": t_build, "compile_s": compile_s,
           "sim_s": sim, "sim_cpu_s": sim_cpu, "synapses": int(nest.GetKernelStatus("num_connections")),
           "peak_rss_mb": peak_rss_mb(),
           "E": spike_stats(idx[keep & e], times[keep & e], n_e, a.duration),
           "I": spike_stats(idx[keep & ~e] - n_e, times[keep & ~e], a.n - n_e, a.duration)}
    print("RESULT " + json.dumps(res), flush=True)


if __name__ == "__main__":
    main()
