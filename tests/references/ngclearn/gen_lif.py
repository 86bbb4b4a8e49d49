"""Record ngc-learn 3.2.1's LIFCell trajectories for tests/components/cells/test_lif.py.

Run with a Python that has ngc-learn (not the project's environment)::

    python3 -m venv /tmp/ngc && /tmp/ngc/bin/pip install ngclearn==3.2.1
    JAX_PLATFORMS=cpu /tmp/ngc/bin/python tests/references/ngclearn/gen_lif.py

Each case drives one LIFCell (batch 1, ngc-learn's only batch size) with integer input currents
(exact in float32 and int8; a constant current where ``low = high``) for ``T`` steps of ``dt`` ms,
calling ``advance_state(t=k dt, dt)`` at step ``k`` (ngc-learn stamps ``tols`` with the ``t`` it
is given; this passes the start-of-step time), and stores per step the input ``j`` and, after the
step, ``v``, ``s``, ``thr_theta`` and ``tols``. The case's keyword arguments (ngc-learn's names) are stored as JSON.
"""

from __future__ import annotations

import json
import pathlib

import jax.numpy as jnp
import ngclearn
import numpy as np
from ngclearn import Context, MethodProcess
from ngclearn.components.neurons.spiking.LIFCell import LIFCell

N, T = 6, 300  # units and steps of a case unless it says otherwise
# ngc-learn's own defaults except tau_m (required there), then one feature per case
CASES = {
    "defaults": dict(dt=0.5, low=-10, high=40, kw=dict(tau_m=10.0)),
    "v_min_rk2": dict(dt=0.5, low=-30, high=45, kw=dict(tau_m=8.0, resist_m=1.5, v_min=-70.0,
                                                          integration_type="rk2", refract_time=2.0)),
    "leak_midpoint": dict(dt=1.0, low=-10, high=30, kw=dict(tau_m=20.0, conduct_leak=0.4, theta_plus=0.5,
                                                               tau_theta=60.0, integration_type="midpoint")),
    "pure_if": dict(dt=0.25, low=-2, high=10, kw=dict(tau_m=10.0, conduct_leak=0.0, refract_time=0.0,
                                                       theta_plus=0.2, tau_theta=100.0)),
    "max_one_spike": dict(dt=0.5, low=0, high=60, kw=dict(tau_m=5.0, max_one_spike=True, theta_plus=0.3,
                                                            tau_theta=80.0, refract_time=1.0)),
    "tau_theta_zero": dict(dt=0.5, low=-10, high=50, kw=dict(tau_m=10.0, tau_theta=0.0, theta_plus=0.5,
                                                               refract_time=1.5)),
    # a documented difference, not a match: ngc-learn accumulates the time since a spike in float32,
    # so 50 steps of 0.1 ms fall short of 5 ms and it gates one extra step (51); we gate ceil(5/0.1) = 50
    "refract_float": dict(dt=0.1, low=40, high=40, n=1, T=400, kw=dict(tau_m=10.0, theta_plus=0.0)),
}


def run(name: str, dt: float, low: int, high: int, kw: dict, seed: int, n: int = N, T: int = T) -> dict:
    J = np.random.default_rng(seed).integers(low, high + 1, size=(T, 1, n)).astype(np.int8)
    with Context(f"ref_{name}"):
        z = LIFCell("z", n, **kw)
        advance = MethodProcess(name="advance") >> z.advance_state
        reset = MethodProcess(name="reset") >> z.reset
    reset.run()
    out = {k: [] for k in ("v", "s", "thr_theta", "tols")}
    for k in range(T):
        z.j.set(jnp.asarray(J[k], jnp.float32))
        advance.run(t=k * dt, dt=dt)
        for key in out:
            out[key].append(np.asarray(getattr(z, key).get(), np.float32))
    rec = {key: np.stack(val) for key, val in out.items()}
    rec["s"] = rec["s"].astype(np.uint8)
    rec["j"] = J
    return rec


def main() -> None:
    arrays = {"version": np.array(ngclearn.__version__)}
    for seed, (name, case) in enumerate(CASES.items()):
        rec = run(name, seed=seed, **case)
        arrays[f"{name}/kw"] = np.array(json.dumps(case["kw"], sort_keys=True))
        arrays[f"{name}/dt"] = np.array(case["dt"])
        for key, val in rec.items():
            arrays[f"{name}/{key}"] = val
        print(f"{name}: {int(rec['s'].sum())} spikes, v in [{rec['v'].min():.2f}, {rec['v'].max():.2f}], "
              f"max thr_theta {rec['thr_theta'].max():.3f}")
    path = pathlib.Path(__file__).with_name("lif.npz")
    np.savez_compressed(path, **arrays)
    print(f"wrote {path} ({path.stat().st_size} bytes), ngc-learn {ngclearn.__version__}")


if __name__ == "__main__":
    main()
