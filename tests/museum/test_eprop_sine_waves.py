"""Smoke test of the e-prop sine-wave exhibit: the task, a few training iterations, the command line."""

from __future__ import annotations

import json

import numpy as np

from museum.eprop_sine_waves import Trainer, build, make_task
from museum.eprop_sine_waves.__main__ import main


def test_task_follows_the_tutorial():
    x, y = make_task(seed=3)
    assert x.shape == (1000, 100) and y.shape == (1000, 1)
    assert x[0].sum() == 0 and abs(x.mean() - 0.05) < 0.005
    assert y[0, 0] == 0.0 and np.isclose(np.abs(y).max(), 1.0)


def test_cli_quick_run_writes_results_and_figure(tmp_path):
    res = main(["--quick", "--out", str(tmp_path), "--seed", "1"])
    assert res["iterations"] == 3
    data = json.loads((tmp_path / "results.json").read_text())
    assert len(data["first_losses"]) == 3 and np.all(np.isfinite(data["first_losses"]))
    assert 20.0 < data["loss_first"] < 500.0  # an untrained network: loss of order 100
    assert (tmp_path / "eprop_sine_waves.png").stat().st_size > 10_000


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
