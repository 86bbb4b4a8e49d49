"""The e-prop sine-wave exhibit: the task, a few training iterations, the command line, and a
shortened ``make demo`` (its entry point, pinned to one core, in a subprocess) whose loss falls as the
exhibit's README reports."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from museum.eprop_sine_waves import Trainer, build, make_task
from museum.eprop_sine_waves.__main__ import main


def test_task_follows_the_tutorial():
    x, y = make_task(seed=3)
    assert x.shape == (1000, 100) and y.shape == (1000, 1)
    assert x[0].sum() == 0 and abs(x.mean() - 0.05) < 0.005
    assert y[0, 0] == 0.0 and np.isclose(np.abs(y).max(), 1.0)


ROOT = Path(__file__).resolve().parents[2]
# museum/eprop_sine_waves/README.md, "Measured": seed 0, float32, loss at these iterations
README_LOSS_AT = {1: 128.0, 100: 56.9, 200: 33.9, 300: 29.3}


def test_cli_quick_run_writes_results_and_figure(tmp_path, capsys):
    affinity = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else None
    res = main(["--quick", "--demo", "--out", str(tmp_path), "--seed", "1"])  # --demo: and the next steps
    if affinity is not None:  # main() never pins its caller; only the command's entry point does
        assert os.sched_getaffinity(0) == affinity
    assert res["iterations"] == 3
    data = json.loads((tmp_path / "results.json").read_text())
    assert len(data["first_losses"]) == 3 and np.all(np.isfinite(data["first_losses"]))
    assert 20.0 < data["loss_first"] < 500.0  # an untrained network: loss of order 100
    assert (tmp_path / "eprop_sine_waves.png").stat().st_size > 10_000
    out = capsys.readouterr().out
    assert f"figure:   {tmp_path / 'eprop_sine_waves.png'}" in out
    assert "synaptica museum list" in out and "model.yaml" in out and "README.md" in out
    assert "first_below_5: n/a" in out and "0000" not in out  # rounded numbers, n/a for "not reached"


def test_trainer_batch_shapes_and_learning():
    ctx = build(seed=2, batch_size=2)
    x, y = make_task(seed=2, T=200)
    tr = Trainer(ctx, x, y)
    w0 = np.asarray(ctx.get("W_rec.weights"))
    _, losses = tr.train(4)
    assert losses.shape == (4, 2) and np.all(np.isfinite(losses))
    np.testing.assert_allclose(losses[:, 0], losses[:, 1], rtol=1e-5)  # same input for both members
    w1 = np.asarray(ctx.get("W_rec.weights"))
    assert np.all(np.isfinite(w1)) and np.abs(w1 - w0).max() > 0 and np.all(np.diag(w1) == 0)


def test_entry_point_pins_itself_and_the_loss_falls_as_the_readme_says(tmp_path):
    """``python -m museum.eprop_sine_waves`` as ``make demo`` runs it, shortened to 300 iterations."""
    env = dict(os.environ, JAX_PLATFORMS="cpu")
    env.pop("XLA_FLAGS", None)
    proc = subprocess.run([sys.executable, "-m", "museum.eprop_sine_waves", "--iterations", "300",
                           "--out", str(tmp_path)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-4000:]
    data = json.loads((tmp_path / "results.json").read_text())
    if hasattr(os, "sched_setaffinity"):
        assert data["cpu_cores"] == 1  # a 100-neuron network runs on one pinned core
    got = {int(k): v for k, v in data["loss_at"].items()}
    assert sorted(got) == sorted(README_LOSS_AT)
    assert got[1] == pytest.approx(README_LOSS_AT[1], rel=1e-3)  # before any update: no chaos yet
    # later iterations: float32 spiking is chaotic, so another CPU's rounding may shift them a little
    for it in (100, 200, 300):
        assert got[it] == pytest.approx(README_LOSS_AT[it], rel=0.15), (it, got)
    assert got[1] > got[100] > got[200] > got[300]
    assert "e-prop" in proc.stderr and "300/300" in proc.stderr  # the progress bar reached the end


def test_resume_continues_training_with_the_same_losses(tmp_path):
    """A run killed after 4 of 6 iterations (a checkpoint every 2) and started again with --resume ends
    with the losses, weights and results of an uninterrupted run."""
    import shutil

    from contexts.checkpoint import Checkpointer

    argv = ["--iterations", "6", "--chunk", "2", "--out", str(tmp_path)]
    want = main(argv)
    w_want = np.load(Checkpointer(tmp_path / "checkpoints").load()["model"] / "state.npz")
    w_want = {k: w_want[k] for k in w_want.files}
    ck = Checkpointer(tmp_path / "checkpoints")
    assert ck.steps() == [4, 6]
    shutil.rmtree(ck.path(6))  # as if killed in the last two iterations
    got = main(argv + ["--resume"])
    for res in (want, got):
        res.pop("train_seconds")
    assert got == want
    w_got = np.load(ck.load()["model"] / "state.npz")
    for k in w_want:
        np.testing.assert_array_equal(w_got[k], w_want[k], err_msg=k)
