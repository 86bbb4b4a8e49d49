"""Record ngc-learn 3.2.1's Hodgkin-Huxley, FitzHugh-Nagumo, resonate-and-fire, sLIF, WTAS and
spike-response-model trajectories for the tests under tests/components/cells/spiking/.

Run with a Python that has ngc-learn (not the project's environment)::

    python3 -m venv /tmp/ngc && /tmp/ngc/bin/pip install ngclearn==3.2.1
    JAX_PLATFORMS=cpu /tmp/ngc/bin/python tests/references/ngclearn/gen_spiking.py

Each case drives one cell (batch 1) for ``T`` steps of ``dt`` ms with inputs drawn from a seeded
generator (each value held for ``hold`` steps), calling ``advance_state(t=k dt, dt)`` at step ``k``,
and stores per step the inputs and, after the step, the compartments named in ``record``. The case's
keyword arguments (ngc-learn's names) are stored as JSON; random parameters the cell draws itself
(sLIF's lateral-inhibition matrix) are stored as ``<case>/<name>``.
"""

from __future__ import annotations

import json
import pathlib

import jax.numpy as jnp
import ngclearn
import numpy as np
from ngclearn import Context, MethodProcess
from ngclearn.components.neurons.spiking import (
    LIFSRM,
    RAFSRM,
    FitzhughNagumoCell,
    HodgkinHuxleyCell,
    RAFCell,
    SLIFCell,
    WTASCell,
)

N = 3
# name: (class, dt, steps, hold, {input: (low, high)}, kwargs, recorded compartments)
CASES = {
    "hh_euler": (HodgkinHuxleyCell, 0.01, 1500, 150, {"j": (0.0, 30.0)}, dict(tau_v=1.0), ("v", "m", "h", "n", "s")),
    "hh_rk4": (HodgkinHuxleyCell, 0.01, 1500, 150, {"j": (0.0, 30.0)},
               dict(tau_v=1.0, integration_type="rk4"), ("v", "m", "h", "n", "s")),
    "fhn_euler": (FitzhughNagumoCell, 0.1, 1000, 100, {"j": (0.0, 1.5)}, {}, ("v", "w", "s")),
    "fhn_rk2": (FitzhughNagumoCell, 0.1, 1000, 100, {"j": (0.0, 1.5)},
                dict(integration_type="midpoint", tau_m=2.0, resist_m=1.5, gamma=2.5), ("v", "w", "s")),
    "raf_euler": (RAFCell, 0.01, 1000, 100, {"j": (0.0, 30.0)}, {}, ("v", "w", "s")),
    "raf_rk2": (RAFCell, 0.01, 1000, 100, {"j": (0.0, 30.0)},
                dict(integration_type="midpoint", tau_v=1.5, omega=8.0, dampen_factor=-0.5, v_reset=-0.2),
                ("v", "w", "s")),
    "slif_adaptive": (SLIFCell, 1.0, 400, 1, {"j": (0.0, 0.6)},
                      dict(tau_m=20.0, resist_m=1.0, thr=0.3, thr_gain=0.01, thr_leak=0.002, refract_time=3.0,
                           sticky_spikes=True, thr_jitter=0.0), ("v", "s", "thr", "rfr", "surrogate")),
    "slif_inhibited": (SLIFCell, 1.0, 400, 1, {"j": (-0.2, 0.8)},
                       dict(tau_m=10.0, resist_m=1.5, thr=0.4, resist_inh=0.2, rho_b=0.001, thr_jitter=0.0),
                       ("v", "s", "thr", "rfr", "surrogate")),
    "wtas": (WTASCell, 1.0, 400, 1, {"j": (0.0, 3.0)}, dict(tau_m=20.0, refract_time=2.0, thr_jitter=0.0),
             ("v", "s", "thr", "rfr")),
    "lifsrm": (LIFSRM, 0.5, 400, 40, {"current_j": (0.0, 30.0)}, dict(tau_m=10.0), ("v", "s", "j_lowpass")),
    "rafsrm": (RAFSRM, 0.01, 1000, 100, {"current_j": (0.0, 30.0)}, dict(v_reset=-0.5, w_reset=0.2),
               ("v", "s", "j_v", "j_w")),
}


def run(name: str, cls: type, dt: float, T: int, hold: int, inputs: dict, kw: dict, record: tuple,
        seed: int) -> tuple[dict, dict]:
    rng = np.random.default_rng(seed)
    drive = {k: np.repeat(rng.uniform(lo, hi, size=(-(-T // hold), 1, N)), hold, axis=0)[:T].astype(np.float32)
             for k, (lo, hi) in inputs.items()}
    with Context(f"ref_{name}"):
        z = cls("z", N, **kw)
        advance = MethodProcess(name="advance") >> z.advance_state
        reset = MethodProcess(name="reset") >> z.reset
    reset.run()
    extra = {}
    if hasattr(z, "inh_weights"):
        extra["inh_weights"] = np.asarray(z.inh_weights, np.float32)
    start = {f"{key}0": np.asarray(getattr(z, key).get(), np.float32) for key in record}
    out = {k: [] for k in record}
    for k in range(T):
        for key, val in drive.items():
            getattr(z, key).set(jnp.asarray(val[k]))
        advance.run(t=k * dt, dt=dt)
        for key in out:
            out[key].append(np.asarray(getattr(z, key).get(), np.float32))
    rec = {key: np.stack(val) for key, val in out.items()}
    rec.update(drive)
    rec.update(start)
    return rec, extra


def main() -> None:
    arrays = {"version": np.array(ngclearn.__version__)}
    for seed, (name, (cls, dt, T, hold, inputs, kw, record)) in enumerate(CASES.items()):
        rec, extra = run(name, cls, dt, T, hold, inputs, kw, record, seed)
        arrays[f"{name}/kw"] = np.array(json.dumps(kw, sort_keys=True))
        arrays[f"{name}/dt"] = np.array(dt)
        for key, val in {**rec, **extra}.items():
            arrays[f"{name}/{key}"] = val
        spikes = int(rec["s"].sum())
        ranges = ", ".join(f"{k} in [{v.min():.3g}, {v.max():.3g}]" for k, v in rec.items() if v.ndim == 3)
        print(f"{name}: spikes {spikes}, {ranges}")
    path = pathlib.Path(__file__).with_name("spiking.npz")
    np.savez_compressed(path, **arrays)
    print(f"wrote {path} ({path.stat().st_size} bytes), ngc-learn {ngclearn.__version__}")


if __name__ == "__main__":
    main()
