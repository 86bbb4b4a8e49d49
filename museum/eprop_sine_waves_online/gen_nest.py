"""Run NEST 3.10's tutorial ``eprop_supervised_regression_sine-waves.py`` as shipped and keep its numbers.

Run with a Python that has NEST (never the project's environment); it is not run by the tests::

    MPLBACKEND=Agg /work/venvs/nest/bin/python museum/eprop_sine_waves_online/gen_nest.py

The tutorial file is executed unmodified from NEST's installed documentation (``runpy``); only
``IPython.display.Image``, which it imports to show a schematic in notebooks, is stubbed where IPython
is missing. Afterwards the script's own variables are read back. Writes, next to this file:

- ``nest_losses.json``: NEST's loss per iteration (the tutorial's ``loss``), its run time and settings;
- ``nest_init.npz``: NEST's initial weights as the tutorial draws them (``W_in``, ``W_rec``, ``W_out``
  stored [pre, post]; ``B`` [n_rec, n_out]), the frozen input ``x`` (T, n_in, uint8) and the target
  ``y_star`` (T,), so that our network can start from NEST's state.
"""

from __future__ import annotations

import json
import pathlib
import sys

import nest
import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2]))
from museum._nest_tutorial import run_tutorial, tutorial_path  # noqa: E402

HERE = pathlib.Path(__file__).resolve().parent
TUTORIAL = tutorial_path("eprop_supervised_regression_sine-waves.py")


def main() -> dict:
    g, seconds = run_tutorial(TUTORIAL)
    w = g["weights_pre_train"]
    loss = np.asarray(g["loss"], np.float64)
    seq = int(g["steps"]["sequence"])
    rec = g["params_nrn_rec"]
    np.savez_compressed(
        HERE / "nest_init.npz",
        W_in=w["in_rec"]["weight_matrix"].T.astype(np.float32),     # NEST's matrices are [post, pre]
        W_rec=w["rec_rec"]["weight_matrix"].T.astype(np.float32),
        W_out=w["rec_out"]["weight_matrix"].T.astype(np.float32),
        B=np.asarray(g["weights_out_rec"], np.float32),              # [n_rec, n_out]
        x=np.asarray(g["input_spike_bools"]).T.astype(np.uint8),     # (T, n_in)
        y_star=np.asarray(g["params_gen_rate_target"]["amplitude_values"][:seq], np.float64))
    out = {"nest_version": nest.__version__, "tutorial": TUTORIAL.name, "neuron_model": g["model_nrn_rec"],
           "n_iter": int(g["n_iter"]), "sequence_steps": seq, "seconds_total": round(seconds, 1),
           "command": "MPLBACKEND=Agg /work/venvs/nest/bin/python museum/eprop_sine_waves_online/gen_nest.py",
           "params_rec": {k: v for k, v in rec.items() if isinstance(v, (int, float, str))},
           "eta": float(g["params_common_syn_eprop"]["optimizer"]["eta"]),
           "loss": [float(v) for v in loss]}
    (HERE / "nest_losses.json").write_text(json.dumps(out, indent=1) + "\n")
    return out


if __name__ == "__main__":
    res = main()
    print(f"NEST {res['nest_version']}: {res['n_iter']} iterations in {res['seconds_total']} s, "
          f"loss {res['loss'][0]:.4f} -> {res['loss'][-1]:.4f}")
