"""COBA / CUBA (Vogels & Abbott 2005; Brette et al. 2007) in BrainPy 2.x, written the way BrainPy's own
benchmarks write them: ``bp.dyn.LifRef`` E and I populations, four ``bp.dyn.ProjAlignPostMg2``
projections (E->E, E->I, I->E, I->I) with event-driven CSR connectivity (``bp.dnn.EventCSRLinear`` over
``bp.conn.FixedProb``, homogeneous weights), exponential synapses (``bp.dyn.Expon``, tau_E = 5 ms,
tau_I = 10 ms) and ``bp.dyn.COBA`` (reversal potentials 0 / -80 mV) or ``bp.dyn.CUBA`` outputs. The
parameters are those of benchmarks/peers/brian2_coba_cuba.py (tau_m = 20 ms, threshold -50 mV, reset
-60 mV, 5 ms refractory; COBA: leak -60 mV, drive 20 mV, jumps 0.6 / 6.7 in units of g_L,
v ~ N(-55, 5) mV; CUBA: rest -49 mV, jumps 1.62 / -9 mV, v ~ U(-60, -50) mV). Run by BrainPy's
interpreter from benchmarks/coba_cuba.py. Prints ``RESULT {json}``.

The simulation runs in jitted chunks of ``--chunk`` ms (a ``bm.for_loop`` over the steps, returning the
E and I spikes of each step, turned into spike indices on the host after each chunk). Compile: the
first call of the chunk function (it compiles and simulates one chunk) minus the mean time of a chunk
in the timed run; every state variable of the network is then restored to its value before that
call, so the timed run starts from the initial state. Spikes of the first millisecond are left out of
the statistics, as in the other peer scripts.

    python brainpy_coba_cuba.py --kind coba --n 4000 --p 0.02 --duration 1000
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
    ap.add_argument("--chunk", type=float, default=100.0, help="ms simulated per jitted call")
    ap.add_argument("--method", default="exp_auto", help="LifRef's integrator (BrainPy's default: exp_auto)")
    a = ap.parse_args()

    t0 = time.perf_counter()
    import brainevent
    import brainpy as bp
    import brainpy.math as bm
    import jax
    import numpy as np

    bm.set_platform("cpu")
    bm.set_dt(a.dt)
    bm.random.seed(a.seed)
    n_e = int(round(0.8 * a.n))
    n_i = a.n - n_e
    if a.kind == "coba":
        neuron = dict(V_rest=-60.0, V_th=-50.0, V_reset=-60.0, tau=20.0, tau_ref=5.0, method=a.method,
                      V_initializer=bp.init.Normal(-55.0, 5.0))
        drive, w_e, w_i = 20.0, 0.6, 6.7

        def out(exc):
            return bp.dyn.COBA.desc(E=0.0 if exc else -80.0)
    else:
        neuron = dict(V_rest=-49.0, V_th=-50.0, V_reset=-60.0, tau=20.0, tau_ref=5.0, method=a.method,
                      V_initializer=bp.init.Uniform(-60.0, -50.0))
        drive, w_e, w_i = 0.0, 1.62, -9.0

        def out(exc):
            return bp.dyn.CUBA.desc()

    class EINet(bp.DynSysGroup):
        def __init__(self):
            super().__init__()
            self.E = bp.dyn.LifRef(n_e, **neuron)
            self.I = bp.dyn.LifRef(n_i, **neuron)
            seeds = iter(range(4 * a.seed + 1, 4 * a.seed + 5))

            def proj(pre, post, w, tau, exc):
                conn = bp.conn.FixedProb(a.p, pre=pre.num, post=post.num, seed=next(seeds))
                return bp.dyn.ProjAlignPostMg2(pre=pre, delay=None, comm=bp.dnn.EventCSRLinear(conn, w),
                                               syn=bp.dyn.Expon.desc(post.varshape, tau=tau),
                                               out=out(exc), post=post)

            self.E2E = proj(self.E, self.E, w_e, 5.0, True)
            self.E2I = proj(self.E, self.I, w_e, 5.0, True)
            self.I2E = proj(self.I, self.E, w_i, 10.0, False)
            self.I2I = proj(self.I, self.I, w_i, 10.0, False)

        def update(self, inp):
            self.E2E()
            self.E2I()
            self.I2E()
            self.I2I()
            self.E(inp)
            self.I(inp)
            return self.E.spike.value, self.I.spike.value

    net = EINet()
    n_syn = int(sum(p.comm.indices.size for p in (net.E2E, net.E2I, net.I2E, net.I2I)))
    steps = int(round(a.chunk / a.dt))
    n_chunks = int(round(a.duration / a.chunk))

    @bm.jit
    def run_chunk(idx):
        return bm.for_loop(lambda i: net.step_run(i, drive), idx)

    states = net.vars().unique()
    saved = {k: np.asarray(v.value).copy() for k, v in states.items()}
    t_build = time.perf_counter() - t0

    t1 = time.perf_counter()
    jax.block_until_ready(run_chunk(bm.arange(steps)))
    first = time.perf_counter() - t1
    for k, v in states.items():
        v.value = bm.asarray(saved[k]).value

    idx_parts, t_parts = [], []
    t2, c2 = time.perf_counter(), time.process_time()
    for c in range(n_chunks):
        spk_e, spk_i = run_chunk(bm.arange(c * steps, (c + 1) * steps))
        spk = np.concatenate([np.asarray(spk_e), np.asarray(spk_i)], axis=1)
        step, neu = np.nonzero(spk)
        idx_parts.append(neu)
        t_parts.append((step + c * steps) * a.dt)
    sim, sim_cpu = time.perf_counter() - t2, time.process_time() - c2
    compile_s = first - sim / n_chunks

    idx, times = np.concatenate(idx_parts), np.concatenate(t_parts)
    keep = times >= 1.0
    e = idx < n_e
    dur = n_chunks * a.chunk
    from brainevent._csr.binary import binary_csrmv_p
    backend = binary_csrmv_p.get_default("cpu")
    res = {"simulator": "brainpy", "version": bp.__version__,
           "mode": f"jax {jax.__version__} cpu, brainevent {brainevent.__version__} {backend}, {a.method}",
           "kind": a.kind, "n": a.n, "p": a.p, "dt": a.dt, "duration_ms": dur, "build_s": t_build,
           "compile_s": compile_s, "sim_s": sim, "sim_cpu_s": sim_cpu, "synapses": n_syn,
           "peak_rss_mb": peak_rss_mb(),
           "E": spike_stats(idx[keep & e], times[keep & e], n_e, dur - 1.0),
           "I": spike_stats(idx[keep & ~e] - n_e, times[keep & ~e], n_i, dur - 1.0)}
    print("RESULT " + json.dumps(res), flush=True)


if __name__ == "__main__":
    main()
