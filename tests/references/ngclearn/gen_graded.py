"""Record ngc-learn 3.2.1's RateCell, RewardErrorCell, LeakyNoiseCell, LatencyCell, TTFSCell and
RetinalGanglionCell outputs for the tests under tests/components/cells/ (graded/, encoders/, test_rate.py).

Run with a Python that has ngc-learn (not the project's environment)::

    python3 -m venv /tmp/ngc && /tmp/ngc/bin/pip install ngclearn==3.2.1
    JAX_PLATFORMS=cpu /tmp/ngc/bin/python tests/references/ngclearn/gen_graded.py

Each case drives one cell (batch 1 unless stated) for ``T`` steps of ``dt`` ms with inputs drawn from a
seeded generator (held constant when ``const``), calling ``advance_state(t=k dt, dt)`` at step ``k``
(and ``evolve`` every ``evolve_every`` steps), and stores per step the inputs and, after the step, the
compartments named in ``record``. The case's keyword arguments (ngc-learn's names) are stored as JSON.
"""

from __future__ import annotations

import json
import pathlib

import jax.numpy as jnp
import ngclearn
import numpy as np
from ngclearn import Context, MethodProcess
from ngclearn.components.input_encoders.ganglionCell import RetinalGanglionCell
from ngclearn.components.input_encoders.latencyCell import LatencyCell
from ngclearn.components.input_encoders.TTFSCell import TTFSCell
from ngclearn.components.neurons.graded.leakyNoiseCell import LeakyNoiseCell
from ngclearn.components.neurons.graded.rateCell import RateCell
from ngclearn.components.neurons.graded.rewardErrorCell import RewardErrorCell

N, T = 5, 300
RATE = ("z", "zF")
# name: (class, dt, {input: (low, high)}, kwargs, recorded compartments, options)
CASES = {
    "rate_ngc_defaults": (RateCell, 1.0, {"j": (-1.0, 1.0), "j_td": (-0.5, 0.5)}, dict(tau_m=10.0), RATE, {}),
    "rate_relu_gauss": (RateCell, 1.0, {"j": (-1.0, 2.0), "j_td": (-1.0, 1.0)},
                        dict(tau_m=20.0, prior=("gaussian", 0.5), act_fx="relu", output_scale=2.0,
                             resist_scale=1.5), RATE, {}),
    "rate_tanh_laplace_midpoint": (RateCell, 0.5, {"j": (-2.0, 2.0), "j_td": (-1.0, 1.0)},
                                   dict(tau_m=10.0, prior=("laplacian", 0.2), act_fx="tanh",
                                        integration_type="midpoint"), RATE, {}),
    "rate_sigmoid_cauchy_soft": (RateCell, 1.0, {"j": (-1.0, 3.0), "j_td": (-1.0, 1.0)},
                                 dict(tau_m=5.0, prior=("cauchy", 0.3), act_fx="sigmoid",
                                      threshold=("soft_threshold", 0.05)), RATE, {}),
    "rate_lrelu_exp_rk2": (RateCell, 1.0, {"j": (-2.0, 2.0), "j_td": (-1.0, 1.0)},
                           dict(tau_m=8.0, prior=("exp", 0.4), act_fx="lrelu", integration_type="rk2"), RATE, {}),
    "rate_stateless": (RateCell, 1.0, {"j": (-1.0, 1.0), "j_td": (-1.0, 1.0)},
                       dict(tau_m=0.0, act_fx="softplus", output_scale=0.5), RATE, {}),
    "reward": (RewardErrorCell, 1.0, {"reward": (-1.0, 2.0)}, dict(alpha=0.1, ema_window_len=8),
               ("mu", "rpe", "accum_reward", "n_ep_steps"), {"evolve_every": 25}),
    "reward_no_predictor": (RewardErrorCell, 1.0, {"reward": (0.0, 1.0)},
                            dict(alpha=0.1, use_online_predictor=False), ("mu", "rpe", "accum_reward"), {}),
    "leaky_noise_relu": (LeakyNoiseCell, 1.0, {"j_input": (-1.0, 2.0), "j_recurrent": (-1.0, 1.0)},
                         dict(tau_x=10.0, sigma_pre=0.0, sigma_post=0.0), ("x", "r", "r_prime"), {}),
    "leaky_noise_tanh_rk2": (LeakyNoiseCell, 0.5, {"j_input": (-2.0, 2.0), "j_recurrent": (-1.0, 1.0)},
                             dict(tau_x=4.0, act_fx="tanh", integration_type="rk2", leak_scale=0.7,
                                  sigma_pre=0.0, sigma_post=0.0), ("x", "r", "r_prime"), {}),
    # ngc-learn passes num_steps as its private eps: num_steps=1e-7 gives the documented latency code
    "latency_rc": (LatencyCell, 1.0, {"inputs": (0.0, 1.0)},
                   dict(tau=20.0, threshold=0.1, num_steps=1e-7), ("outputs", "tols", "targ_sp_times"),
                   {"const": True, "calc": True, "n": 12}),
    "latency_rc_clip": (LatencyCell, 1.0, {"inputs": (0.0, 1.0)},
                        dict(tau=10.0, threshold=0.2, first_spike_time=3.0, clip_spikes=True, num_steps=1e-7),
                        ("outputs", "tols", "targ_sp_times"), {"const": True, "calc": True, "n": 12}),
    "latency_linear_norm": (LatencyCell, 1.0, {"inputs": (0.0, 1.0)},
                            dict(linearize=True, normalize=True, num_steps=40.0, threshold=0.05,
                                 first_spike_time=2.0), ("outputs", "tols", "targ_sp_times"),
                            {"const": True, "calc": True, "n": 12}),
    "latency_linear": (LatencyCell, 1.0, {"inputs": (0.0, 1.0)},
                       dict(linearize=True, tau=25.0, threshold=0.2), ("outputs", "tols", "targ_sp_times"),
                       {"const": True, "calc": True, "n": 12}),
    "latency_ngc_default": (LatencyCell, 1.0, {"inputs": (0.0, 1.0)}, dict(tau=20.0, threshold=0.1),
                            ("outputs", "targ_sp_times"), {"const": True, "calc": True, "n": 12, "T": 10}),
    "ttfs_exponential": (TTFSCell, 1.0, {"inputs": (0.0, 1.0)}, dict(num_steps=40),
                         ("outputs", "tols"), {"const": True, "n": 12, "T": 45}),
    "ttfs_logarithmic": (TTFSCell, 1.0, {"inputs": (0.0, 1.0)}, dict(num_steps=40, latency_mode="logarithmic"),
                         ("outputs", "tols"), {"const": True, "n": 12, "T": 45}),
}


def run(name: str, cls: type, dt: float, inputs: dict, kw: dict, record: tuple, opts: dict, seed: int) -> dict:
    rng = np.random.default_rng(seed)
    n, steps = opts.get("n", N), opts.get("T", T)
    shape = (1, 1, n) if opts.get("const") else (steps, 1, n)
    drive = {k: rng.uniform(lo, hi, size=shape).astype(np.float32) for k, (lo, hi) in inputs.items()}
    drive = {k: np.broadcast_to(v, (steps, 1, n)).copy() for k, v in drive.items()}
    with Context(f"ref_{name}"):
        z = cls("z", n, **kw)
        advance = MethodProcess(name="advance") >> z.advance_state
        reset = MethodProcess(name="reset") >> z.reset
        evolve = (MethodProcess(name="evolve") >> z.evolve) if hasattr(z, "evolve") else None
        calc = (MethodProcess(name="calc") >> z.calc_spike_times) if opts.get("calc") else None
    reset.run()
    out = {k: [] for k in record}
    for k in range(steps):
        for key, val in drive.items():
            getattr(z, key).set(jnp.asarray(val[k]))
        if calc is not None and k == 0:
            calc.run()
        advance.run(t=k * dt, dt=dt)
        if opts.get("evolve_every") and (k + 1) % opts["evolve_every"] == 0:
            evolve.run(t=k * dt, dt=dt)
        for key in out:
            out[key].append(np.asarray(getattr(z, key).get(), np.float32))
    rec = {key: np.stack(val) for key, val in out.items()}
    rec.update(drive)
    return rec


def ganglion() -> dict:
    """Filters and outputs of RetinalGanglionCell on one 12 x 12 image, 6 x 6 patches, stride 3."""
    rng = np.random.default_rng(99)
    img = rng.uniform(0, 1, (1, 12, 12)).astype(np.float32)
    out = {"ganglion/image": img}
    for ftype in ("gaussian", "DoG"):
        with Context(f"ref_ganglion_{ftype}"):
            g = RetinalGanglionCell("g", filter_type=ftype, area_shape=(12, 12), n_cells=9, patch_shape=(6, 6),
                                    step_shape=(3, 3), sigma=1.2)
            advance = MethodProcess(name="advance") >> g.advance_state
        g.inputs.set(jnp.asarray(img))
        advance.run(t=0.0, dt=1.0)
        out[f"ganglion/{ftype}/filter"] = np.asarray(g.filter.get(), np.float32)
        out[f"ganglion/{ftype}/outputs"] = np.asarray(g.outputs.get(), np.float32)
    return out


def main() -> None:
    arrays = {"version": np.array(ngclearn.__version__)}
    for seed, (name, (cls, dt, inputs, kw, record, opts)) in enumerate(CASES.items()):
        rec = run(name, cls, dt, inputs, kw, record, opts, seed)
        arrays[f"{name}/kw"] = np.array(json.dumps(kw, sort_keys=True))
        arrays[f"{name}/dt"] = np.array(dt)
        for key, val in rec.items():
            arrays[f"{name}/{key}"] = val
        ranges = ", ".join(f"{k} in [{v.min():.3g}, {v.max():.3g}]" for k, v in rec.items())
        print(f"{name}: {ranges}")
    arrays.update(ganglion())
    path = pathlib.Path(__file__).with_name("graded.npz")
    np.savez_compressed(path, **arrays)
    print(f"wrote {path} ({path.stat().st_size} bytes), ngc-learn {ngclearn.__version__}")


if __name__ == "__main__":
    main()
