"""BCMSynapse against an independent NumPy reference, plus the known facts of BCM (Bienenstock et al. 1982).

Reference (ngc-learn's discretisation):
    phi = y (y - theta) / (theta + 1e-7);  dW = x^T phi (* (w_bound - |W|) if w_bound > 0) - w_decay W
    W <- clip(W + dW dt/tau_w, -w_bound, w_bound) * mask;   theta <- theta + (<y^2>_batch - theta) dt/tau_theta
"""

import numpy as np
import pytest

from components.synapses import BCMSynapse
from contexts import Context
from contexts.errors import ValidationError

N_IN, N_OUT, BATCH, STEPS, DT = 4, 3, 5, 60, 0.5

CONFIGS = {
    "default": {"tau_w": 20.0, "tau_theta": 5.0},
    "bound_decay": {"tau_w": 10.0, "tau_theta": 8.0, "theta0": 0.5, "w_bound": 1.0, "w_decay": 0.2},
    "bounded_fast": {"tau_w": 1.0, "tau_theta": 3.0, "theta0": 0.3, "w_bound": 0.5,
                     "weight_init": {"dist": "uniform", "low": -0.4, "high": 0.4}},
    "sparse": {"tau_w": 20.0, "tau_theta": 5.0, "p_conn": 0.5},
}


def numpy_bcm(W, theta, mask, xs, ys, dt, tau_w=1000.0, tau_theta=100.0, theta0=1.0, w_bound=0.0, w_decay=0.0):
    W, theta = W.astype(np.float64), theta.astype(np.float64)
    Ws, thetas, dWs = [], [], []
    for x, y in zip(xs.astype(np.float64), ys.astype(np.float64)):
        phi = y * (y - theta) / (theta + 1e-7)
        dW = x.T @ phi
        if w_bound > 0:
            dW = dW * (w_bound - np.abs(W))
        dW = (dW - w_decay * W) * mask
        W = W + dW * dt / tau_w
        if w_bound > 0:
            W = np.clip(W, -w_bound, w_bound)
        W = W * mask
        theta = theta + ((y ** 2).mean(0) - theta) * dt / tau_theta
        Ws.append(W)
        thetas.append(theta)
        dWs.append(dW)
    return np.array(Ws), np.array(thetas), np.array(dWs)


@pytest.fixture(scope="module")
def learnt():
    rng = np.random.default_rng(5)
    xs = rng.uniform(0.0, 1.0, (STEPS, BATCH, N_IN)).astype(np.float32)
    ys = rng.uniform(0.0, 2.0, (STEPS, BATCH, N_OUT)).astype(np.float32)
    with Context("bcm", batch_size=BATCH, dt=DT, seed=2) as ctx:
        syns = {n: BCMSynapse(n, (N_IN, N_OUT), **cfg) for n, cfg in CONFIGS.items()}
        ctx.command("evolve", list(syns.values()))
    init = {n: (np.asarray(s.weights.value), np.asarray(s.theta.value), np.asarray(s.mask.value))
            for n, s in syns.items()}
    feeds = {s.pre: xs for s in syns.values()} | {s.post: ys for s in syns.values()}
    rec = ctx.run("evolve", steps=STEPS, inputs=feeds,
                  record=[getattr(s, c) for s in syns.values() for c in ("weights", "theta", "dWeights")])
    return syns, init, {k: np.asarray(v) for k, v in rec.items()}, xs, ys


@pytest.mark.parametrize("name", list(CONFIGS))
def test_matches_numpy_reference(learnt, name):
    syns, init, rec, xs, ys = learnt
    W0, theta0, mask = init[name]
    cfg = {k: v for k, v in CONFIGS[name].items() if k not in ("weight_init", "p_conn")}
    np.testing.assert_array_equal(theta0, np.full(N_OUT, cfg.get("theta0", 1.0), np.float32))
    Ws, thetas, dWs = numpy_bcm(W0, theta0, mask, xs, ys, DT, **cfg)
    s = syns[name]
    np.testing.assert_allclose(rec[f"{name}.weights"], Ws, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(rec[f"{name}.theta"], thetas, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(rec[f"{name}.dWeights"], dWs, rtol=1e-4, atol=1e-4)
    assert np.abs(Ws[-1] - W0).max() > 1e-2, "the weights must have learnt something"
    assert s.theta.kind == "param"


def test_weights_stay_inside_bounds_and_mask(learnt):
    syns, init, rec, _, _ = learnt
    r = rec["bounded_fast.weights"]
    assert r.min() >= -0.5 and r.max() <= 0.5 and np.isclose(np.abs(r).max(), 0.5, atol=0.05)
    mask = init["sparse"][2]
    assert 0 < mask.sum() < mask.size and np.all(rec["sparse.weights"][:, mask == 0] == 0.0)


@pytest.fixture(scope="module")
def facts():
    """theta under stationary random post, under a constant post; plasticity sign above/below theta."""
    steps, tau = 400, 10.0
    rng = np.random.default_rng(9)
    post_rand = rng.uniform(0.0, 2.0, (steps, 8, 2)).astype(np.float32)  # <y^2> = 4/3
    post_const = np.full((steps, 8, 2), 1.5, np.float32)
    pre = np.ones((steps, 8, 3), np.float32)
    with Context("facts", batch_size=8, dt=1.0) as ctx:
        track = BCMSynapse("track", (3, 2), tau_theta=tau, theta0=0.2)
        const = BCMSynapse("const", (3, 2), tau_theta=tau, theta0=0.2)
        ltp = BCMSynapse("ltp", (3, 2), tau_theta=1e9, theta0=1.0)  # theta frozen at 1
        ltd = BCMSynapse("ltd", (3, 2), tau_theta=1e9, theta0=1.0)
        ctx.command("evolve", [track, const, ltp, ltd])
    feeds = {track.post: post_rand, const.post: post_const, ltp.post: np.full_like(post_const, 2.0),
             ltd.post: np.full_like(post_const, 0.5)}
    feeds |= {s.pre: pre for s in (track, const, ltp, ltd)}
    rec = ctx.run("evolve", steps=steps, inputs=feeds, record=[track.theta, const.theta, ltp.dWeights, ltd.dWeights])
    return {k: np.asarray(v) for k, v in rec.items()}, tau, steps


def test_theta_tracks_mean_squared_post(facts):
    rec, tau, steps = facts
    late = rec["track.theta"][steps // 2:]
    np.testing.assert_allclose(late.mean(0), 4.0 / 3.0, rtol=0.03)  # E[y^2] for y ~ U(0, 2)
    n = np.arange(1, steps + 1)[:, None]
    exact = 2.25 + (0.2 - 2.25) * (1 - 1.0 / tau) ** n  # constant y = 1.5: theta -> y^2 geometrically
    np.testing.assert_allclose(rec["const.theta"], np.broadcast_to(exact, (steps, 2)), rtol=1e-5)


def test_potentiation_above_theta_depression_below(facts):
    rec, _, _ = facts
    # y (y - theta) / theta * sum_b x, with x = 1, batch 8, theta = 1: y=2 -> +16 ; y=0.5 -> -2
    np.testing.assert_allclose(rec["ltp.dWeights"][0], 16.0, rtol=1e-5)
    np.testing.assert_allclose(rec["ltd.dWeights"][0], -2.0, rtol=1e-5)


def test_reset_keeps_theta_and_weights():
    with Context("reset", batch_size=2) as ctx:
        B = BCMSynapse("B", (3, 2), tau_w=5.0, tau_theta=5.0)
        ctx.command("evolve", [B])
        ctx.command("reset", [B])
    y = np.full((10, 2, 2), 2.0, np.float32)
    ctx.run("evolve", steps=10, inputs={B.pre: np.ones((10, 2, 3), np.float32), B.post: y})
    theta, w = np.asarray(B.theta.value), np.asarray(B.weights.value)
    assert np.all(theta > 1.5)
    ctx.run("reset")
    np.testing.assert_array_equal(B.theta.value, theta)
    np.testing.assert_array_equal(B.weights.value, w)
    assert np.all(np.asarray(B.dWeights.value) == 0.0)


@pytest.mark.parametrize("kw,match", [({"theta0": -1.0}, "theta0"), ({"theta0": 0.0}, "theta0"),
                                      ({"tau_w": 0.0}, "tau_w"), ({"tau_theta": -5.0}, "tau_theta"),
                                      ({"w_bound": -1.0}, "w_bound"), ({"w_decay": -0.1}, "w_decay")])
def test_bad_parameters_raise(kw, match):
    with Context("bad"), pytest.raises(ValidationError, match=f"'B': {match}"):
        BCMSynapse("B", (3, 2), **kw)
