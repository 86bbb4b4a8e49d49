"""Checkpoint and resume: a run killed mid-way (kill -9) and resumed equals an uninterrupted run, bit for bit."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

from contexts import load_model_string
from contexts.checkpoint import Checkpointer, CheckpointError

ROOT = Path(__file__).resolve().parents[2]

MODEL = """
name: ck
dt: 1.0
seed: 3
batch_size: 2
components:
  x: {type: PoissonCell, n_units: 6, target_freq: 200.0}
  W: {type: HebbianSynapse, shape: [6, 4], eta: 0.01, optim_type: adam, w_bound: 0.0,
      weight_init: {dist: uniform, low: 0.0, high: 0.5}}
  z: {type: LIFCell, n_units: 4, tau_m: 5.0, R_m: 10.0, thr: -64.0, v_rest: -65.0, v_reset: -65.0}
wires:
  - "W.inputs << x.outputs"
  - "z.j << W.outputs"
  - "W.pre << x.outputs"
  - "W.post << z.s"
commands:
  advance: [x, W, z]
  evolve: [W]
"""
STEPS, EVERY = 60, 10


def build():
    return load_model_string(MODEL)


def data():
    return np.random.default_rng(0).uniform(0.0, 1.0, (STEPS, 2, 6)).astype(np.float32)


def run(ctx, directory, resume=False):
    return ctx.run(["advance", "evolve"], steps=STEPS, record=["z.s", "W.weights"], inputs={"x.inputs": data()},
                   checkpoint_every=EVERY, checkpoint_dir=directory, resume=resume)


def test_checkpointed_run_equals_one_scan(tmp_path):
    plain = build()
    ref = plain.run(["advance", "evolve"], steps=STEPS, record=["z.s", "W.weights"], inputs={"x.inputs": data()})
    ctx = build()
    recs = run(ctx, tmp_path / "ck")
    assert float(np.asarray(ref["z.s"]).sum()) > 0  # the network spikes: the comparison is not of zeros
    for k in ref:
        np.testing.assert_array_equal(np.asarray(recs[k]), np.asarray(ref[k]))
    for comp, values in plain.state["values"].items():
        for name, v in values.items():
            np.testing.assert_array_equal(np.asarray(ctx.state["values"][comp][name]), np.asarray(v))
    np.testing.assert_array_equal(np.asarray(ctx.state["clock"]["key"]), np.asarray(plain.state["clock"]["key"]))
    assert int(ctx.state["clock"]["step"]) == STEPS
    assert Checkpointer(tmp_path / "ck").steps() == [STEPS - EVERY, STEPS]  # the newest two are kept


def test_resume_from_a_middle_checkpoint_is_bit_identical(tmp_path):
    want = run(build(), tmp_path / "a")
    ck = Checkpointer(tmp_path / "a")
    assert ck.steps() == [STEPS - EVERY, STEPS]
    import shutil

    shutil.rmtree(ck.path(STEPS))  # as if the process had died before its last checkpoint
    fresh = build()
    got = run(fresh, tmp_path / "a", resume=True)
    for k in want:
        np.testing.assert_array_equal(np.asarray(got[k]), np.asarray(want[k]))
    assert int(fresh.state["clock"]["step"]) == STEPS
    again = run(build(), tmp_path / "a", resume=True)  # a finished run: its records, nothing run
    np.testing.assert_array_equal(np.asarray(again["z.s"]), np.asarray(want["z.s"]))


CHILD = textwrap.dedent("""
    import sys, time
    sys.path.insert(0, {root!r}); sys.path.insert(0, {here!r})
    import contexts.checkpoint as ck
    import test_checkpoint as t
    _save = ck.Checkpointer.save
    def slow_save(self, *a, **k):
        out = _save(self, *a, **k)
        print("saved", a[0], flush=True)
        time.sleep(0.25)   # time for the parent to kill us between checkpoints
        return out
    ck.Checkpointer.save = slow_save
    ctx = t.build()
    recs = t.run(ctx, {d!r}, resume={resume})
    import numpy as np
    np.savez({out!r}, **{{k: np.asarray(v) for k, v in recs.items()}})
    print("finished", flush=True)
""")


def _child(tmp_path, resume, out):
    code = CHILD.format(root=str(ROOT), here=str(Path(__file__).parent), d=str(tmp_path / "ck"), resume=resume,
                        out=str(out))
    env = dict(os.environ, JAX_PLATFORMS="cpu", PYTHONPATH=str(ROOT))
    return subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=env)


def test_kill_9_mid_run_then_resume(tmp_path):
    want = run(build(), tmp_path / "ref")
    proc = _child(tmp_path, False, tmp_path / "never.npz")
    try:
        deadline = time.time() + 60
        for line in proc.stdout:
            if line.startswith("saved") and int(line.split()[1]) >= 3 * EVERY:
                break
            assert time.time() < deadline, "the child never wrote its checkpoints"
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.communicate(timeout=30)  # reaps the child and closes its pipes
    assert proc.returncode == -signal.SIGKILL
    assert not (tmp_path / "never.npz").exists()
    done = Checkpointer(tmp_path / "ck").latest()
    assert 3 * EVERY <= done < STEPS  # killed mid-way
    proc = _child(tmp_path, True, tmp_path / "resumed.npz")
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    saves = [int(line.split()[1]) for line in out.splitlines() if line.startswith("saved")]
    assert saves[0] == done + EVERY  # continued after the checkpoint, did not start over
    with np.load(tmp_path / "resumed.npz") as got:
        for k in want:
            np.testing.assert_array_equal(got[k], np.asarray(want[k]))


def test_resume_refuses_another_run_or_model(tmp_path):
    run(build(), tmp_path / "ck")
    ctx = build()
    with pytest.raises(CheckpointError, match="another run"):
        ctx.run(["advance", "evolve"], steps=STEPS + 1, record=["z.s", "W.weights"],
                inputs={"x.inputs": np.zeros((STEPS + 1, 2, 6), np.float32)},
                checkpoint_every=EVERY, checkpoint_dir=tmp_path / "ck", resume=True)
    with pytest.raises(CheckpointError, match="another run"):  # same shapes, other data
        ctx.run(["advance", "evolve"], steps=STEPS, record=["z.s", "W.weights"], inputs={"x.inputs": data() * 0.5},
                checkpoint_every=EVERY, checkpoint_dir=tmp_path / "ck", resume=True)
    other = load_model_string(MODEL.replace("eta: 0.01", "eta: 0.02"))
    with pytest.raises(CheckpointError, match="another model graph.*eta"):
        run(other, tmp_path / "ck", resume=True)
    with pytest.raises(CheckpointError, match="need checkpoint_every"):
        ctx.run("advance", steps=3, checkpoint_dir=tmp_path / "x")


def test_checkpointer_for_training_loops(tmp_path):
    ck = Checkpointer(tmp_path / "loop", keep=2)
    assert ck.restore(build()) is None
    ctx = build()
    ctx.run(["advance", "evolve"], steps=5, inputs={"x.inputs": data()[:5]})
    key = np.array([1, 2], np.uint32)
    ck.save(5, ctx, key=key, curve=[0.5, 0.25], done=5)
    # a leftover of a save killed half-way is never taken for a checkpoint
    (tmp_path / "loop" / ".tmp-999999-x").mkdir()
    (tmp_path / "loop" / "step-00000009").mkdir()  # no progress.json: incomplete
    fresh = build()
    step, extra = ck.restore(fresh)
    assert step == 5 and extra["curve"] == [0.5, 0.25] and extra["done"] == 5
    np.testing.assert_array_equal(extra["key"], key)
    assert extra["key"].dtype == np.uint32
    np.testing.assert_array_equal(np.asarray(fresh.get("W.opt_m_weights")), np.asarray(ctx.get("W.opt_m_weights")))
    assert int(fresh.state["clock"]["step"]) == 5
    with pytest.raises(CheckpointError, match="arrays or JSON"):
        ck.save(6, ctx, bad=object())
    json.loads((ck.path(5) / "progress.json").read_text())
