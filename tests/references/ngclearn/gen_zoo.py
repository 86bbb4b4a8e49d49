"""Record ngc-learn 3.2.1's IzhikevichCell, AdExCell, IFCell and GaussianErrorCell trajectories for
the tests under tests/components/cells/spiking/ and tests/components/cells/graded/.

Run with a Python that has ngc-learn (not the project's environment)::

    python3 -m venv /tmp/ngc && /tmp/ngc/bin/pip install ngclearn==3.2.1
    JAX_PLATFORMS=cpu /tmp/ngc/bin/python tests/references/ngclearn/gen_zoo.py

Each case drives one cell (batch 1) for ``T`` steps of ``dt`` ms with inputs drawn from a seeded
generator, calling ``advance_state(t=k dt, dt)`` at step ``k``, and stores per step the inputs and,
after the step, the compartments named in ``record``. The case's keyword arguments (ngc-learn's
names) are stored as JSON.
"""

from __future__ import annotations

import json
import pathlib

import jax.numpy as jnp
import ngclearn
import numpy as np
from ngclearn import Context, MethodProcess
from ngclearn.components.neurons.graded.gaussianErrorCell import GaussianErrorCell
from ngclearn.components.neurons.spiking.adExCell import AdExCell
from ngclearn.components.neurons.spiking.IFCell import IFCell
from ngclearn.components.neurons.spiking.izhikevichCell import IzhikevichCell

N, T = 4, 400
# name: (class, dt, {input: (low, high)}, kwargs, recorded compartments)
CASES = {
    "izhikevich_rs": (IzhikevichCell, 0.25, {"j": (0.0, 15.0)}, {}, ("v", "w", "s", "tols")),
    "izhikevich_fs_const": (IzhikevichCell, 0.25, {"j": (10.0, 10.0)}, dict(tau_w=10.0, w_reset=2.0),
                            ("v", "w", "s", "tols")),
    "adex_defaults": (AdExCell, 0.1, {"j": (0.0, 40.0)}, {}, ("v", "w", "s", "tols")),
    "adex_custom": (AdExCell, 0.05, {"j": (10.0, 60.0)},
                    dict(tau_m=10.0, resist_m=2.0, tau_w=100.0, v_sharpness=1.5, intrinsic_mem_thr=-50.0, thr=0.0,
                         v_rest=-70.0, v_reset=-65.0, a=0.5, b=2.0, v0=-70.0, w0=1.0), ("v", "w", "s", "tols")),
    "if_clamped": (IFCell, 0.5, {"j": (-4.0, 12.0)}, dict(tau_m=10.0, refract_time=1.0), ("v", "s", "tols")),
    "gaussian": (GaussianErrorCell, 1.0, {"mu": (-2.0, 2.0), "target": (-2.0, 2.0), "modulator": (0.5, 2.0)},
                 dict(sigma=2.25), ("dmu", "dtarget", "L")),
}


def run(name: str, cls: type, dt: float, inputs: dict, kw: dict, record: tuple, seed: int) -> dict:
    rng = np.random.default_rng(seed)
    drive = {k: rng.uniform(lo, hi, size=(T, 1, N)).astype(np.float32) for k, (lo, hi) in inputs.items()}
    with Context(f"ref_{name}"):
        z = cls("z", N, **kw)
        advance = MethodProcess(name="advance") >> z.advance_state
        reset = MethodProcess(name="reset") >> z.reset
    reset.run()
    out = {k: [] for k in record}
    for k in range(T):
        for key, val in drive.items():
            getattr(z, key).set(jnp.asarray(val[k]))
        advance.run(t=k * dt, dt=dt)
        for key in out:
            out[key].append(np.asarray(getattr(z, key).get(), np.float32))
    rec = {key: np.stack(val) for key, val in out.items()}
    rec.update(drive)
    return rec


def main() -> None:
    arrays = {"version": np.array(ngclearn.__version__)}
    for seed, (name, (cls, dt, inputs, kw, record)) in enumerate(CASES.items()):
        rec = run(name, cls, dt, inputs, kw, record, seed)
        arrays[f"{name}/kw"] = np.array(json.dumps(kw, sort_keys=True))
        arrays[f"{name}/dt"] = np.array(dt)
        for key, val in rec.items():
            arrays[f"{name}/{key}"] = val
        spikes = int(rec["s"].sum()) if "s" in rec else None
        ranges = ", ".join(f"{k} in [{v.min():.3g}, {v.max():.3g}]" for k, v in rec.items())
        print(f"{name}: spikes {spikes}, {ranges}")
    path = pathlib.Path(__file__).with_name("zoo.npz")
    np.savez_compressed(path, **arrays)
    print(f"wrote {path} ({path.stat().st_size} bytes), ngc-learn {ngclearn.__version__}")


if __name__ == "__main__":
    main()
