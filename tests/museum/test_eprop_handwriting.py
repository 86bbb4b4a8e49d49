"""The e-prop handwriting exhibit: ``--quick`` exits 0, writes its figure and results and the loss falls;
from NEST's initial state a few float64 iterations equal NEST's losses (the committed run of NEST's
tutorial on our generated word) to 1e-6 relative; a run interrupted after a checkpoint and resumed
ends as the uninterrupted one."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np

from museum.eprop_handwriting import pen
from museum.eprop_handwriting.__main__ import main

ROOT = Path(__file__).resolve().parents[2]
HERE = ROOT / "museum" / "eprop_handwriting"
NEST = np.asarray(json.loads((HERE / "nest_losses.json").read_text())["loss"])


def _run(out: Path, *args: str) -> dict:
    """The command in a subprocess (float64 stays out of this test process)."""
    env = dict(os.environ, JAX_PLATFORMS="cpu")
    env.pop("XLA_FLAGS", None)
    proc = subprocess.run([sys.executable, "-m", "museum.eprop_handwriting", *args, "--out", str(out)],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-4000:]
    return json.loads((out / "results.json").read_text())


def test_nest_reference_is_the_tutorial_run_on_our_word():
    data = json.loads((HERE / "nest_losses.json").read_text())
    assert data["tutorial"] == "eprop_supervised_regression_handwriting_bsshslm_2020.py"
    assert data["sequence_steps"] == 1824 and len(NEST) == data["n_iter"]
    init = np.load(HERE / "nest_init.npz")
    assert init["x"].shape == (1824, 100) and init["W_rec"].shape == (200, 200) and init["tau_m"].shape == (200,)
    assert np.all(np.diag(init["W_rec"]) == 0)
    np.testing.assert_allclose(init["y_star"], pen.targets(pen.pen_velocities()), atol=1e-12)  # our word


def test_quick_run_writes_results_and_the_loss_falls(tmp_path):
    res = main(["--quick", "--out", str(tmp_path)])
    assert res["iterations"] == 3 and res["dtype"] == "float32"
    data = json.loads((tmp_path / "results.json").read_text())
    losses = [float(v) for v in data["first_losses_full_precision"]]
    assert len(losses) == 3 and np.all(np.isfinite(losses))
    assert losses[0] > losses[1] > losses[2]
    assert (tmp_path / "eprop_handwriting.png").stat().st_size > 10_000


def test_float64_equals_nest_and_resume_equals_uninterrupted(tmp_path):
    argv = ("--nest", "--float64", "--iterations", "4", "--chunk", "2")
    want = _run(tmp_path, *argv)
    got = np.asarray([float(v) for v in want["first_losses_full_precision"]])
    np.testing.assert_allclose(got, NEST[:4], rtol=1e-6)
    assert want["max_rel_diff_vs_nest"] <= 1e-6 and NEST[3] < NEST[0]
    shutil.rmtree(tmp_path / "checkpoints" / sorted(os.listdir(tmp_path / "checkpoints"))[-1])  # killed late
    again = _run(tmp_path, *argv, "--resume")
    for res in (want, again):
        for k in ("train_seconds", "seconds_per_iteration"):
            res.pop(k)
    assert again == want
