"""Our sine-wave exhibit against NEST's own 2000-iteration run, in float64 (writes sine_long_run.json).

Run with the project's environment (the NEST numbers come from ``gen_bsshslm.py regression 2000``)::

    JAX_ENABLE_X64=1 JAX_PLATFORMS=cpu python tests/references/nest/sine_long_run.py

Two runs from NEST's initial state (``museum/eprop_sine_waves/nest_init.npz``): the per-step maths
(``late_signal`` off) and NEST's event-driven timing (``W_in.late_signal: true``). For each: the largest
relative difference to NEST's per-iteration losses, the first iteration where it exceeds 1e-6, and the
mean loss of the last 100 iterations.
"""

from __future__ import annotations

import json
import pathlib
import sys

import jax
import numpy as np

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parents[2]
sys.path.insert(0, str(ROOT))

from museum.eprop_sine_waves import Trainer, build, load_init  # noqa: E402


def main() -> dict:
    assert jax.config.jax_enable_x64, "run with JAX_ENABLE_X64=1"
    nest = np.load(HERE / "bsshslm_regression_2000.npz")["loss"]
    const = {"dist": "constant", "value": 0.0}
    init = {f"{k}.weight_init": const for k in ("W_in", "W_rec", "W_out", "B")}
    out = {"nest_last100_mean": float(nest[-100:].mean()), "iterations": len(nest)}
    for name, late in (("per_step", False), ("late_signal", True)):
        ctx = build(dtype="float64", overrides={**init, "W_in.late_signal": late})
        x, y = load_init(ctx, ROOT / "museum" / "eprop_sine_waves" / "nest_init.npz")
        losses = Trainer(ctx, x, y).train(len(nest))[1][:, 0]
        rel = np.abs(losses / nest - 1.0)
        out[name] = {"max_rel_diff": float(rel.max()),
                     "first_iteration_above_1e-6": int(np.argmax(rel > 1e-6)) + 1 if np.any(rel > 1e-6) else None,
                     "last100_mean": float(losses[-100:].mean()), "loss_9": float(losses[8]),
                     "loss_2000": float(losses[-1])}
    out["nest_loss_9"], out["nest_loss_2000"] = float(nest[8]), float(nest[-1])
    (HERE / "sine_long_run.json").write_text(json.dumps(out, indent=1) + "\n")
    return out


if __name__ == "__main__":
    print(json.dumps(main(), indent=1))
