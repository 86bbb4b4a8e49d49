"""RewardErrorCell against a NumPy loop (advance and end-of-episode evolve), ngc-learn 3.2.1's
trajectories, the moving average it converges to, YAML and bad values."""

import pathlib

import numpy as np
import pytest

from components.cells import RewardErrorCell
from contexts import Context, ValidationError, load_model_string

NGC = pathlib.Path(__file__).parents[3] / "references" / "ngclearn" / "graded.npz"


def reference(R, alpha, L, online=True, evolve_every=None):
    mu, acc, n = np.zeros(R.shape[1:]), np.zeros(R.shape[1:]), np.zeros(R.shape[1:2] + (1,))
    out = {"mu": [], "rpe": [], "accum_reward": [], "n_ep_steps": []}
    for k, r in enumerate(R.astype(np.float64)):
        acc, rpe, n = acc + r, r - mu, n + 1
        if online:
            mu = (1 - alpha) * mu + alpha * r
            if evolve_every and (k + 1) % evolve_every == 0:
                mu = (1 - 1 / L) * mu + acc / n / L
        for key, v in zip(out, (mu, rpe, acc, n)):
            out[key].append(v)
    return {k: np.stack(v) for k, v in out.items()}


def run(R, evolve_every=None, **kw):
    with Context("rpe", dt=1.0, batch_size=R.shape[1]) as ctx:
        z = RewardErrorCell("z", R.shape[2], **kw)
        ctx.command("advance", [z])
        ctx.command("evolve", [z], method="evolve")
    chunk = evolve_every or len(R)
    names = ("mu", "rpe", "accum_reward", "n_ep_steps")
    got = {k: [] for k in names}
    for start in range(0, len(R), chunk):
        rec = ctx.run("advance", steps=chunk, inputs={z.reward: R[start:start + chunk].astype(np.float32)},
                      record=[getattr(z, k) for k in names])
        rec = {k: np.array(rec[getattr(z, k)]) for k in names}
        if evolve_every:
            ctx.run("evolve", steps=1)
            rec["mu"][-1] = np.asarray(ctx.get(z.mu))
        for k in names:
            got[k].append(rec[k])
    return {k: np.concatenate(v) for k, v in got.items()}


@pytest.mark.parametrize("online,every", [(True, None), (True, 20), (False, 20)])
def test_matches_numpy_reference(online, every):
    R = np.random.default_rng(1).normal(0.5, 1.0, (200, 3, 4))
    got = run(R, every, alpha=0.05, ema_window_len=5.0, use_online_predictor=online)
    want = reference(R.astype(np.float32), 0.05, 5.0, online, every)
    for k in want:
        np.testing.assert_allclose(got[k], want[k], rtol=1e-5, atol=1e-4, err_msg=k)
    assert (np.abs(want["mu"]).max() > 0.1) == online


@pytest.mark.parametrize("case,every", [("reward", 25), ("reward_no_predictor", None)])
def test_matches_ngclearn(case, every):
    data = np.load(NGC)
    kw = {"alpha": 0.1, "use_online_predictor": case == "reward"}
    if case == "reward":
        kw["ema_window_len"] = 8.0
    got = run(data[f"{case}/reward"], every, **kw)
    for k in ("mu", "rpe", "accum_reward", "n_ep_steps"):
        if f"{case}/{k}" in data.files:
            np.testing.assert_allclose(got[k], data[f"{case}/{k}"], rtol=1e-5, atol=1e-4, err_msg=k)


def test_mu_tracks_the_mean_reward_and_rpe_vanishes():
    R = np.random.default_rng(2).normal(2.0, 0.1, (500, 1, 1))
    got = run(R, alpha=0.05)
    assert abs(got["mu"][-1, 0, 0] - 2.0) < 0.1 and abs(got["rpe"][-50:].mean()) < 0.05


def test_yaml_and_bad_values():
    ctx = load_model_string("""
name: rpe_yaml
components:
  r: {type: RewardErrorCell, n_units: 1, alpha: 0.5}
commands:
  advance: [r]
clamped: [r.reward]
""")
    r = ctx.components["r"]
    ctx.clamp(r.reward, 1.0)
    rec = ctx.run("advance", steps=3, record=[r.rpe])
    np.testing.assert_allclose(np.asarray(rec[r.rpe])[:, 0, 0], [1.0, 0.5, 0.25])
    for kw in ({"alpha": 1.5}, {"ema_window_len": 0.5}):
        with Context("bad"), pytest.raises(ValidationError):
            RewardErrorCell("z", 2, **kw)
