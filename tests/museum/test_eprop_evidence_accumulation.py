"""The evidence-accumulation exhibit: task statistics, and the YAML network's e-prop gradient.

- task: shapes, no spikes in step 0, cue groups fire only inside their cue windows at p = 0.04,
  recall group only in the last 150 steps, noise group at p = 0.01, label = majority of the cues,
  cue sides drawn with p_right in {0.3, 0.7}, a pure function of the key.
- network: one compiled training iteration of the exhibit's model.yaml (shrunk, plain gradient
  descent with eta = 1 so that -dWeights is the gradient) gives finite metrics, and its gradient
  equals the independent step-by-step e-prop reference (tests/museum/eprop_reference.py) on the
  same batch, for W_in, W_rec and W_out.
"""

from __future__ import annotations

import dataclasses

import jax
import jax.numpy as jnp
import numpy as np

from museum.eprop_evidence_accumulation import PLASTIC, QUICK, TaskConfig, Trainer, build, make_batch
from tests.museum.eprop_reference import eprop_grad


def test_task_timing_and_statistics():
    cfg = TaskConfig()
    assert cfg.steps == 2250
    b = make_batch(jax.random.PRNGKey(3), 32, cfg)
    x, cues, labels = np.asarray(b.x), np.asarray(b.cues), np.asarray(b.labels)
    assert x.shape == (2250, 32, 40) and set(np.unique(x)) <= {0.0, 1.0}
    assert np.all(x[0] == 0)
    np.testing.assert_array_equal(labels, (cues.sum(1) > 3).astype(int))
    np.testing.assert_allclose(np.unique(np.asarray(b.p_right)), [0.3, 0.7])
    g = [slice(0, 10), slice(10, 20), slice(20, 30), slice(30, 40)]
    cue_on = np.zeros((2250, 32, 2), bool)
    for k in range(7):
        start, stop = cfg.cue_window(k)
        assert (start, stop) == (k * 150 + 50, k * 150 + 150)
        for side in (0, 1):
            cue_on[start:stop, :, side] = cues[:, k] == side
    for side in (0, 1):
        counts = x[:, :, g[side]].sum(-1)                                   # (T, batch)
        assert np.all(counts[~cue_on[:, :, side]] == 0)                     # silent outside its cues
        rate = counts[cue_on[:, :, side]].mean() / 10
        assert abs(rate - 0.04) < 0.004, rate
    recall = x[:, :, g[2]].sum(-1)
    assert np.all(recall[:2100] == 0) and abs(recall[2100:].mean() / 10 - 0.04) < 0.004
    assert abs(x[1:, :, g[3]].mean() - 0.01) < 0.001
    mask = np.asarray(cfg.recall_mask())
    assert mask.sum() == 150 and mask[-150:].all()
    # cue sides follow the sequence's p_right
    p = np.asarray(b.p_right)
    for value in (0.3, 0.7):
        sel = p == value
        if sel.sum() >= 10:
            assert abs(cues[sel].mean() - value) < 0.12
    # a pure function of the key
    np.testing.assert_array_equal(np.asarray(make_batch(jax.random.PRNGKey(3), 32, cfg).x), x)
    assert not np.array_equal(np.asarray(make_batch(jax.random.PRNGKey(4), 32, cfg).x), x)


N_IN, N_REC, TAU_A, V_TH = 8, 12, 200.0, 0.3


def _small_context():
    beta = 1.7 * (1 - np.exp(-1 / TAU_A)) / (1 - np.exp(-1 / 20.0))
    over = {"W_in.shape": [N_IN, N_REC], "W_rec.shape": [N_REC, N_REC], "W_out.shape": [N_REC, 2],
            "B.shape": [2, N_REC], "rec.n_units": N_REC, "rec.v_th": V_TH, "rec.tau_a": TAU_A,
            "rec.beta": [0.0] * (N_REC // 2) + [float(beta)] * (N_REC // 2),
            "W_in.tau_a": TAU_A, "W_rec.tau_a": TAU_A}
    over.update({f"{c}.{k}": v for c in PLASTIC for k, v in (("optim_type", "sgd"), ("eta", 1.0))})
    cfg = dataclasses.replace(QUICK, n_in=N_IN)
    ctx = build(seed=2, batch_size=3, cfg=cfg, overrides=over)
    ctx.clamp("W_in.weights", ctx.get("W_in.weights") * 4.0)   # enough activity on the 150-step toy task
    p = dict(alpha=float(np.exp(-1 / 20.0)), kappa=float(np.exp(-1 / 20.0)), rho=float(np.exp(-1 / TAU_A)),
             beta=jnp.asarray([0.0] * (N_REC // 2) + [beta] * (N_REC // 2), jnp.float32), v_th=V_TH, gamma=0.3,
             t_ref=5, c_reg=300.0, f_target=0.01)
    return ctx, cfg, p


def test_network_iteration_equals_reference_eprop():
    ctx, cfg, p = _small_context()
    W = {k: ctx.get(f"{k}.weights") for k in PLASTIC}
    W["B"] = ctx.get("B.weights").T
    tr = Trainer(ctx, cfg)
    key = jax.random.PRNGKey(7)
    metrics = tr.train(1, key)
    for name in ("loss", "accuracy", "rate_hz"):
        assert metrics[name].shape == (1,) and np.all(np.isfinite(metrics[name])), name
    assert 0.0 < float(metrics["rate_hz"][0]) < 300.0
    batch = make_batch(jax.random.split(key, 1)[0], 3, cfg)
    ref = eprop_grad(W, batch.x, batch.labels, cfg.recall_mask(), p)
    for k in PLASTIC:
        got = -np.asarray(ctx.get(f"{k}.dWeights"))
        want = np.asarray(ref[k])
        assert np.abs(want).max() > 0, k
        np.testing.assert_allclose(got, want, rtol=2e-4, atol=2e-4 * np.abs(want).max())
        np.testing.assert_allclose(np.asarray(ctx.get(f"{k}.weights")), np.asarray(W[k]) - want,
                                   rtol=1e-5, atol=1e-5)
