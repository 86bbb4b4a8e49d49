"""The e-prop N-MNIST stand-in (NEST's newer e-prop models on scikit-learn's digits as saccade events):
``--quick`` (one epoch of 1397 training samples) through the command's entry point exits 0, writes
its figure and results, lowers the training loss and classifies well above chance (10 %)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_quick_run_learns(tmp_path):
    env = dict(os.environ, JAX_PLATFORMS="cpu")
    env.pop("XLA_FLAGS", None)
    proc = subprocess.run([sys.executable, "-m", "museum.eprop_nmnist_digits", "--quick", "--out", str(tmp_path)],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-4000:]
    res = json.loads((tmp_path / "results.json").read_text())
    assert (tmp_path / "eprop_nmnist_digits.png").stat().st_size > 10_000
    assert res["epochs"] == 1 and res["n_train"] == 1397 and res["n_test"] == 400
    assert res["steps_per_sample"] == 90 and len(res["test_accuracy_per_epoch"]) == 1
    # measured (seed 0): loss of the first / last group of 100 training samples 0.493 -> 0.370
    assert res["train_loss_last_group"] < 0.85 * res["train_loss_first_group"], res
    # measured (seed 0): 0.435 on the training split, 0.425 on the test split, 0.083 before training
    assert res["train_accuracy_frozen"] > 0.25, res
    assert res["test_accuracy"] > 0.25 > res["test_accuracy_before"], res


def test_resume_continues_training_bit_identically(tmp_path):
    """Two epochs on 100 samples; the second epoch's checkpoint removed (as if killed during it); --resume
    ends with the curves of the uninterrupted run."""
    import shutil

    from contexts.checkpoint import Checkpointer
    from museum.eprop_nmnist_digits.__main__ import main

    argv = ["--out", str(tmp_path), "--epochs", "2", "--n-train", "100", "--n-test", "50"]
    want = main(argv)
    ck = Checkpointer(tmp_path / "checkpoints")
    assert ck.steps() == [1, 2]
    shutil.rmtree(ck.path(2))
    got = main(argv + ["--resume"])
    for key in ("test_accuracy_per_epoch", "test_loss_per_epoch", "train_loss_per_group", "train_accuracy_frozen",
                "test_accuracy"):
        assert got[key] == want[key], key
    assert len(want["test_accuracy_per_epoch"]) == 2
