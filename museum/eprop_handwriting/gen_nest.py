"""Run NEST 3.10's tutorial ``eprop_supervised_regression_handwriting_bsshslm_2020.py`` on our own word.

Run with a Python that has NEST (never the project's environment); it is not run by the tests::

    MPLBACKEND=Agg /work/venvs/nest/bin/python museum/eprop_handwriting/gen_nest.py

The tutorial reads its pen trajectory from ``chaos_handwriting.txt`` in the working directory. This
script writes our generated word (:mod:`museum.eprop_handwriting.pen`) under that name into a
temporary folder, makes it the working directory and executes the tutorial file unmodified from NEST's
installed documentation (``runpy``; only ``IPython.display.Image``, which the tutorial imports to show a
schematic in notebooks, is stubbed where IPython is missing). Afterwards the script's own variables are
read back. Writes, next to this file:

- ``nest_losses.json``: NEST's loss per iteration (the tutorial's ``loss``, the mean over the two
  readouts of 0.5 sum_t err^2) and per readout, its run time and settings;
- ``nest_init.npz``: NEST's initial state: weights ``W_in``, ``W_rec``, ``W_out`` [pre, post], ``B``
  [n_rec, n_out], the recurrent neurons' membrane time constants ``tau_m`` (drawn by NEST), the frozen
  input ``x`` (T, n_in, uint8) and the target ``y_star`` (T, 2).
"""

from __future__ import annotations

import importlib.util
import json
import os
import pathlib
import sys
import tempfile
import types

import nest
import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2]))
from museum._nest_tutorial import run_tutorial, tutorial_path  # noqa: E402

HERE = pathlib.Path(__file__).resolve().parent
TUTORIAL = tutorial_path("eprop_supervised_regression_handwriting_bsshslm_2020.py")


def _pen() -> types.ModuleType:
    """pen.py by path: this Python has NEST but not the project."""
    spec = importlib.util.spec_from_file_location("pen", HERE / "pen.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod




def main() -> dict:
    pen = _pen()
    cwd = os.getcwd()
    with tempfile.TemporaryDirectory() as tmp:
        pen.write(pathlib.Path(tmp) / "chaos_handwriting.txt")  # the name the tutorial reads; our word
        os.chdir(tmp)
        try:
            g, seconds = run_tutorial(TUTORIAL)
        finally:
            os.chdir(cwd)
    w = g["weights_pre_train"]
    seq = int(g["steps"]["sequence"])
    y_star = np.stack([np.asarray(p["amplitude_values"][:seq], np.float64) for p in g["params_gen_rate_target"]],
                      axis=1)
    diff = np.abs(y_star - pen.targets(pen.pen_velocities())).max()
    print(f"NEST's target vs pen.targets(): max difference {diff:.1e}")
    np.savez_compressed(
        HERE / "nest_init.npz",
        W_in=w["in_rec"]["weight_matrix"].T.astype(np.float32),     # NEST's matrices are [post, pre]
        W_rec=w["rec_rec"]["weight_matrix"].T.astype(np.float32),
        W_out=w["rec_out"]["weight_matrix"].T.astype(np.float32),
        B=np.asarray(g["weights_out_rec"], np.float32),              # [n_rec, n_out]
        tau_m=np.asarray(g["nrns_rec"].get("tau_m"), np.float64),
        x=np.asarray(g["input_spike_bools"]).T.astype(np.uint8),     # (T, n_in)
        y_star=y_star)
    rec = g["params_nrn_rec"]
    out = {"nest_version": nest.__version__, "tutorial": TUTORIAL.name, "data": "pen.py's 'spike' (not NEST's file)",
           "n_iter": int(g["n_iter"]), "sequence_steps": seq, "seconds_total": round(seconds, 1),
           "command": "MPLBACKEND=Agg /work/venvs/nest/bin/python museum/eprop_handwriting/gen_nest.py",
           "params_rec": {k: v for k, v in rec.items() if isinstance(v, (int, float, str))},
           "eta": float(g["params_common_syn_eprop"]["optimizer"]["eta"]),
           "loss": [float(v) for v in np.asarray(g["loss"], np.float64)],
           "loss_per_readout": [[float(v) for v in lo] for lo in g["loss_list"]]}
    (HERE / "nest_losses.json").write_text(json.dumps(out, indent=1) + "\n")
    return out


if __name__ == "__main__":
    res = main()
    print(f"NEST {res['nest_version']}: {res['n_iter']} iterations in {res['seconds_total']} s, "
          f"loss {res['loss'][0]:.4f} -> {res['loss'][-1]:.4f}")
