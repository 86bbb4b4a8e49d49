"""COBA / CUBA in synaptica (``museum.coba_cuba.network.build_network``), timed like the peers: build,
compile (ahead of time) and simulate separately; statistics from a second, recorded run of the same
steps (recording is left out of the timed run). Prints ``RESULT {json}``; ``RESULT {"error": ...}``
when the network builder is not available in this tree.

    python benchmarks/peers/synaptica_coba_cuba.py --kind coba --n 4000 --p 0.02 --duration 1000
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
    ap.add_argument("--connectivity", default="bernoulli")
    ap.add_argument("--chunk", type=int, default=1000, help="steps per recorded chunk of the statistics run")
    ap.add_argument("--layout", default=None, choices=["events", "edges"],
                    help="the projections' layout (default: the exhibit's YAML, events)")
    a = ap.parse_args()
    t0 = time.perf_counter()
    try:
        from museum.coba_cuba.network import build_network
    except ImportError as e:
        print("RESULT " + json.dumps({"simulator": "synaptica", "error": f"not built ({e})"}), flush=True)
        return
    import jax
    import numpy as np

    steps = int(round(a.duration / a.dt))
    extra = {f"{p}.layout": a.layout for p in ("EE", "EI", "IE", "II")} if a.layout else None
    ctx = build_network(a.kind, n=a.n, p=a.p, dt=a.dt, seed=a.seed, connectivity=a.connectivity, extra=extra)
    state0 = ctx.state
    jax.block_until_ready(state0)
    t_build = time.perf_counter() - t0
    t1 = time.perf_counter()
    exe = ctx.compile_run("advance", steps).lower(state0, {}).compile()
    compile_s = time.perf_counter() - t1
    t2, c2 = time.perf_counter(), time.process_time()
    out = exe(state0, {})
    jax.block_until_ready(out)
    sim, sim_cpu = time.perf_counter() - t2, time.process_time() - c2
    # statistics: the same steps again from the same state, spikes recorded chunk by chunk
    ctx.state = state0
    n_e = ctx.components["E"].n_units
    idx_e, t_e, idx_i, t_i, done = [], [], [], [], 0
    while done < steps:
        k = min(a.chunk, steps - done)
        rec = ctx.run("advance", steps=k, record=["E.s", "I.s"])
        for name, idx, tt in (("E.s", idx_e, t_e), ("I.s", idx_i, t_i)):
            s = np.asarray(rec[name])[:, 0]
            step, neuron = np.nonzero(s)
            idx.append(neuron)
            tt.append((done + step + 1) * a.dt)
        done += k
    n_syn = sum(int(np.count_nonzero(np.asarray(ctx.get(f"{p}.weights")))) for p in ("EE", "EI", "IE", "II"))
    # the most spikes in one step and the fast path's capacity (steps above it visit every row)
    events = {p: [int(np.max(np.asarray(ctx.get(f"{p}.max_events")))), ctx.components[p].capacity]
              for p in ("EE", "EI", "IE", "II") if ctx.components[p].layout == "events"}
    layout = ctx.components["EE"].layout
    mode = f"jax {jax.__version__} {jax.default_backend()}, {layout}, {len(os.sched_getaffinity(0))} core(s)"
    res = {"simulator": "synaptica", "version": "dev", "mode": mode,
           "kind": a.kind, "n": a.n, "p": a.p, "dt": a.dt, "duration_ms": a.duration, "build_s": t_build,
           "compile_s": compile_s, "sim_s": sim, "sim_cpu_s": sim_cpu, "synapses": n_syn, "peak_rss_mb": peak_rss_mb(),
           "max_events_capacity": events,
           "E": spike_stats(np.concatenate(idx_e), np.concatenate(t_e), n_e, a.duration),
           "I": spike_stats(np.concatenate(idx_i), np.concatenate(t_i), a.n - n_e, a.duration)}
    print("RESULT " + json.dumps(res), flush=True)


if __name__ == "__main__":
    main()
