"""Record ngc-learn 3.2.1's plasticity trajectories for tests/components/synapses/test_{istdp,mstdpet}.py.

Run with a Python that has ngc-learn (not the project's environment)::

    python3 -m venv /tmp/ngc && /tmp/ngc/bin/pip install ngclearn==3.2.1
    JAX_PLATFORMS=cpu /tmp/ngc/bin/python tests/references/ngclearn/gen_plasticity.py

Each case builds one synapse (batch 1, ngc-learn's only batch size), sets its weights to a fixed
uniform draw, feeds it random 0/1 spike trains (and for MSTDP-ET traces and a modulator) for ``T``
steps of ``dt = 1`` ms, calls ``evolve`` once a step and stores, per step, the inputs and, after the
step, the weights and the compartments the test needs. The keyword arguments are stored as JSON.
"""

from __future__ import annotations

import json
import pathlib

import jax.numpy as jnp
import ngclearn
import numpy as np
from ngclearn import Context, MethodProcess
from ngclearn.components.synapses.hebbian.inhibitorySTDPSynapse import InhibitorySTDPSynapse
from ngclearn.components.synapses.modulated.MSTDPETSynapse import MSTDPETSynapse

T, N_IN, N_OUT, DT = 200, 5, 4, 1.0


def spikes(rng: np.random.Generator, p: float, n: int) -> np.ndarray:
    return (rng.random((T, 1, n)) < p).astype(np.float32)


def istdp(seed: int, kw: dict) -> dict:
    rng = np.random.default_rng(seed)
    W0 = rng.uniform(0.1, 0.9, (N_IN, N_OUT)).astype(np.float32)
    s_pre, s_post = spikes(rng, 0.2, N_IN), spikes(rng, 0.3, N_OUT)
    with Context(f"istdp_{seed}"):
        syn = InhibitorySTDPSynapse("W", (N_IN, N_OUT), **kw)
        evolve = MethodProcess(name="evolve") >> syn.evolve
        reset = MethodProcess(name="reset") >> syn.reset
    reset.run()
    syn.weights.set(jnp.asarray(W0))
    out = {"W": [], "x_pre": [], "x_post": []}
    for k in range(T):
        syn.s_pre.set(jnp.asarray(s_pre[k]))
        syn.s_post.set(jnp.asarray(s_post[k]))
        evolve.run(t=k * DT, dt=DT)
        out["W"].append(np.asarray(syn.weights.get(), np.float32))
        out["x_pre"].append(np.asarray(syn.x_pre.get(), np.float32))
        out["x_post"].append(np.asarray(syn.x_post.get(), np.float32))
    return {"W0": W0, "s_pre": s_pre, "s_post": s_post, **{k: np.stack(v) for k, v in out.items()}}


def mstdpet(seed: int, kw: dict) -> dict:
    rng = np.random.default_rng(seed)
    W0 = rng.uniform(0.1, 0.9, (N_IN, N_OUT)).astype(np.float32)
    s_pre, s_post = spikes(rng, 0.2, N_IN), spikes(rng, 0.25, N_OUT)
    x_pre, y_post = np.zeros_like(s_pre), np.zeros_like(s_post)
    x, y = np.zeros((1, N_IN)), np.zeros((1, N_OUT))
    for k in range(T):  # exponential traces with tau 10 ms (pre) and 15 ms (post), computed here
        x, y = x * np.exp(-DT / 10.0) + s_pre[k], y * np.exp(-DT / 15.0) + s_post[k]
        x_pre[k], y_post[k] = x, y
    reward = rng.choice([-1.0, 0.0, 0.0, 1.0], size=(T, 1, 1)).astype(np.float32)
    with Context(f"mstdpet_{seed}"):
        syn = MSTDPETSynapse("W", (N_IN, N_OUT), **kw)
        evolve = MethodProcess(name="evolve") >> syn.evolve
        reset = MethodProcess(name="reset") >> syn.reset
    reset.run()
    syn.weights.set(jnp.asarray(W0))
    out = {"W": [], "eligibility": [], "dWeights": []}
    for k in range(T):
        syn.preSpike.set(jnp.asarray(s_pre[k]))
        syn.postSpike.set(jnp.asarray(s_post[k]))
        syn.preTrace.set(jnp.asarray(x_pre[k]))
        syn.postTrace.set(jnp.asarray(y_post[k]))
        syn.modulator.set(jnp.asarray(reward[k]))
        evolve.run(t=k * DT, dt=DT)
        out["W"].append(np.asarray(syn.weights.get(), np.float32))
        out["eligibility"].append(np.asarray(syn.eligibility.get(), np.float32))
        out["dWeights"].append(np.asarray(syn.dWeights.get(), np.float32))
    return {"W0": W0, "s_pre": s_pre, "s_post": s_post, "x_pre": x_pre, "x_post": y_post, "reward": reward,
            **{k: np.stack(v) for k, v in out.items()}}


CASES = {
    "istdp_soft": (istdp, dict(eta=0.05, rho=0.2, Aplus=1.0, Aminus=1.0, tau_x_pre=20.0, tau_x_post=20.0,
                               use_soft_bounds=True, w_max=1.0, w_min=0.0)),
    "istdp_hard": (istdp, dict(eta=0.02, rho=0.1, Aplus=0.8, Aminus=1.5, tau_x_pre=10.0, tau_x_post=25.0,
                               use_soft_bounds=False, w_max=1.0, w_min=0.0)),
    "mstdpet": (mstdpet, dict(A_plus=0.02, A_minus=0.015, eta=1.0, tau_elg=25.0, w_bound=1.0)),
    "mstdp": (mstdpet, dict(A_plus=0.02, A_minus=0.015, eta=1.0, tau_elg=0.0, w_bound=1.0)),
}


def main() -> None:
    arrays = {"version": np.array(ngclearn.__version__)}
    for seed, (name, (fn, kw)) in enumerate(CASES.items()):
        rec = fn(seed, kw)
        arrays[f"{name}/kw"] = np.array(json.dumps(kw, sort_keys=True))
        for key, val in rec.items():
            arrays[f"{name}/{key}"] = val
        print(f"{name}: W in [{rec['W'].min():.3f}, {rec['W'].max():.3f}], "
              f"max |W - W0| {np.abs(rec['W'][-1] - rec['W0']).max():.3f}")
    path = pathlib.Path(__file__).with_name("plasticity.npz")
    np.savez_compressed(path, **arrays)
    print(f"wrote {path} ({path.stat().st_size} bytes), ngc-learn {ngclearn.__version__}")


if __name__ == "__main__":
    main()
