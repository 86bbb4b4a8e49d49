"""The stdp_throughput network in ngc-learn 3.x; run by ``benchmarks.stdp_throughput`` in the
interpreter that has ngclearn installed (never imported by synaptica). Prints ``RESULT {json}``.

ngc-learn's usual loop: a Python loop over time calling its jit-compiled ``advance`` and
``evolve`` processes once per step.
"""

import argparse
import json
import statistics
import time

ap = argparse.ArgumentParser()
ap.add_argument("--n", type=int, required=True)
ap.add_argument("--steps", type=int, default=1000)
ap.add_argument("--repeats", type=int, default=3)
ap.add_argument("--params", required=True)
args = ap.parse_args()
p = json.loads(args.params)

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import ngclearn  # noqa: E402
import numpy as np  # noqa: E402
from ngclearn import Context, MethodProcess  # noqa: E402
from ngclearn.components import LIFCell, PoissonCell, VarTrace  # noqa: E402
from ngclearn.components.synapses import DenseSynapse, TraceSTDPSynapse  # noqa: E402
from ngclearn.utils.distribution_generator import DistributionGenerator as dist  # noqa: E402
from ngcsimlib.operations import Summation  # noqa: E402

N_IN, n, dt = 784, args.n, p["dt"]
keys = jax.random.split(jax.random.PRNGKey(0), 8)
with Context("stdp_bench") as ctx:
    z0 = PoissonCell("z0", N_IN, target_freq=p["target_freq"], key=keys[0])
    W = TraceSTDPSynapse("W", (N_IN, n), A_plus=p["A_plus"], A_minus=p["A_minus"], w_bound=p["w_bound"],
                         weight_init=dist.uniform(p["w_low"], p["w_high"]), key=keys[1])
    Wi = DenseSynapse("Wi", (n, n), weight_init=dist.constant(1.0), resist_scale=-p["inh"], key=keys[2])
    z1 = LIFCell("z1", n, tau_m=p["tau_m"], resist_m=p["R_m"], thr=p["thr"], v_rest=p["v_rest"],
                 v_reset=p["v_reset"], tau_theta=p["tau_theta"], theta_plus=p["thr_theta_plus"],
                 refract_time=p["refract_time"], key=keys[3])
    tr0 = VarTrace("tr0", N_IN, tau_tr=p["tau_tr"], a_delta=1.0, key=keys[4])
    tr1 = VarTrace("tr1", n, tau_tr=p["tau_tr"], a_delta=1.0, key=keys[5])
    Wi.weights.set(jnp.ones((n, n)) - jnp.eye(n))

    z0.outputs >> W.inputs
    z1.s >> Wi.inputs
    Summation(W.outputs, Wi.outputs) >> z1.j
    z0.outputs >> tr0.inputs
    z1.s >> tr1.inputs
    z0.outputs >> W.preSpike
    z1.s >> W.postSpike
    tr0.trace >> W.preTrace
    tr1.trace >> W.postTrace

    advance = (MethodProcess("advance") >> z0.advance_state >> W.advance_state >> Wi.advance_state
               >> z1.advance_state >> tr0.advance_state >> tr1.advance_state)
    evolve = MethodProcess("evolve") >> W.evolve

image = np.random.default_rng(0).uniform(0.0, 1.0, (1, N_IN)).astype(np.float32)
z0.inputs.set(jnp.asarray(image))


def go(steps):
    t = 0.0
    for _ in range(steps):
        t += dt
        advance.run(t=t, dt=dt)
        evolve.run(t=t, dt=dt)
    return W.weights.get().block_until_ready()


go(3)  # compile
times, cpu = [], []
for _ in range(args.repeats):
    start, start_cpu = time.perf_counter(), time.process_time()
    go(args.steps)
    times.append(time.perf_counter() - start)
    cpu.append(time.process_time() - start_cpu)
med = statistics.median(times)
print("RESULT " + json.dumps({"steps_per_s": args.steps / med, "steps_per_s_best": args.steps / min(times),
                              "steps_per_cpu_s": args.steps / statistics.median(cpu), "times": times,
                              "version": ngclearn.__version__,
                              "spikes": float(jnp.sum(z1.s.get()))}))
