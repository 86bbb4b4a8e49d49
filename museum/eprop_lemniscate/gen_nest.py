"""Run NEST 3.10's tutorial ``eprop_supervised_regression_lemniscate_bsshslm_2020.py`` as shipped and keep its
numbers.

Run with a Python that has NEST (never the project's environment); it is not run by the tests::

    MPLBACKEND=Agg /work/venvs/nest/bin/python museum/eprop_lemniscate/gen_nest.py

The tutorial file is executed unmodified from NEST's installed documentation (``runpy``), with its own
number of iterations (``n_iter = 200``); only ``IPython.display.Image``, which it imports to show a
schematic in notebooks, is stubbed where IPython is missing. Afterwards the script's own variables (and
the recurrent neurons' membrane time constants, which NEST draws per neuron) are read back. Writes, next
to this file:

- ``nest_losses.json``: NEST's loss per iteration (the tutorial's ``loss``, the mean over the two readouts of
  ``0.5 sum_t (y - y*)^2``), its run time and settings;
- ``nest_init.npz``: NEST's initial weights as the tutorial draws them (``W_in``, ``W_rec``, ``W_out``
  stored [pre, post]; ``B`` [n_rec, n_out]), the recurrent neurons' ``tau_m`` (n_rec,), the frozen input
  ``x`` (T, n_in, uint8), the target ``y_star`` (T, 2) and NEST's readout of the last iteration
  ``y_last`` (T, 2).
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
TUTORIAL = tutorial_path("eprop_supervised_regression_lemniscate_bsshslm_2020.py")




def main() -> dict:
    g, seconds = run_tutorial(TUTORIAL)
    w = g["weights_pre_train"]
    loss = np.asarray(g["loss"], np.float64)
    seq = int(g["steps"]["sequence"])
    rec = g["params_nrn_rec"]
    tau_m = np.asarray(g["nrns_rec"].get("tau_m"), np.float64)
    np.savez_compressed(
        HERE / "nest_init.npz",
        W_in=w["in_rec"]["weight_matrix"].T.astype(np.float32),     # NEST's matrices are [post, pre]
        W_rec=w["rec_rec"]["weight_matrix"].T.astype(np.float32),
        W_out=w["rec_out"]["weight_matrix"].T.astype(np.float32),
        B=np.asarray(g["weights_out_rec"], np.float32),              # [n_rec, n_out]
        tau_m=tau_m,
        x=np.asarray(g["input_spike_bools"]).T.astype(np.uint8),     # (T, n_in)
        y_star=np.stack([np.asarray(p["amplitude_values"][:seq], np.float64)
                         for p in g["params_gen_rate_target"]], axis=1),
        y_last=np.asarray(g["readout_signal"][:, -1, 0, :], np.float32).T)
    out = {"nest_version": nest.__version__, "tutorial": TUTORIAL.name, "neuron_model": g["nrns_rec"].get("model")[0]
           if not isinstance(g["nrns_rec"].get("model"), str) else g["nrns_rec"].get("model"),
           "n_iter": int(g["n_iter"]), "sequence_steps": seq, "n_rec": int(g["n_rec"]), "n_out": int(g["n_out"]),
           "seconds_total": round(seconds, 1),
           "command": "MPLBACKEND=Agg /work/venvs/nest/bin/python museum/eprop_lemniscate/gen_nest.py",
           "params_rec": {k: v for k, v in rec.items() if isinstance(v, (int, float, str))},
           "tau_m_mean": float(tau_m.mean()), "tau_m_std": float(tau_m.std()),
           "optimizer": {k: v for k, v in g["params_common_syn_eprop"]["optimizer"].items()
                         if isinstance(v, (int, float, str))},
           "loss": [float(v) for v in loss]}
    (HERE / "nest_losses.json").write_text(json.dumps(out, indent=1) + "\n")
    return out


if __name__ == "__main__":
    res = main()
    print(f"NEST {res['nest_version']}: {res['n_iter']} iterations in {res['seconds_total']} s, "
          f"loss {res['loss'][0]:.4f} -> {res['loss'][-1]:.4f}")
