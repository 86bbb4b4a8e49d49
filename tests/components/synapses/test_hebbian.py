"""HebbianSynapse against an independent NumPy reference, plus the known facts of Hebbian learning.

Reference (ngc-learn's conventions, see docs/synapses_hebbian.md):
    H = (pre_wght x)^T (post_wght y)  or  Oja: (x - y W^T)^T y;  H *= (w_bound - |W|) if w_bound > 0
    dW = sign_value * H + grad_prior(W);  W <- clip(W - opt(eta, dW), 0|-w_bound, w_bound) * mask
"""

import numpy as np
import pytest

from components.synapses import HebbianSynapse
from contexts import Context
from contexts.errors import ValidationError

N_IN, N_OUT, BATCH, STEPS = 5, 3, 4, 60

CONFIGS = {
    "default": {},
    "bound_nonneg_anti": {"w_bound": 0.5, "is_nonnegative": True, "sign_value": 1.0, "eta": 0.05,
                          "weight_init": {"dist": "uniform", "low": 0.0, "high": 0.45}},
    "nonneg_no_bound": {"w_bound": 0.0, "is_nonnegative": True, "sign_value": 1.0, "eta": 0.02},
    "l1": {"prior": ("l1", 0.05), "w_bound": 0.0},
    "l2_anti": {"prior": ("l2", 0.5), "sign_value": 1.0},
    "l1l2": {"prior": ("l1l2", (0.3, 0.4))},
    "adam": {"optim_type": "adam", "eta": 0.01, "prior": ("l2", 0.1), "bias_init": {"dist": "constant", "value": 0.1}},
    "weighted_bias": {"pre_wght": 0.5, "post_wght": 2.0, "bias_init": {"dist": "uniform", "low": -0.1, "high": 0.1}},
    "oja": {"rule": "oja", "w_bound": 0.0, "eta": 0.02, "weight_init": {"dist": "gaussian", "sigma": 0.3}},
    "sparse": {"p_conn": 0.5, "w_bound": 2.0},
    "growth": {"eta": 0.05},  # fed nonnegative post rates
}


def post_for(name, ys):
    return ys.clip(0.0) if name == "growth" else ys


def numpy_hebbian(W, b, mask, xs, ys, eta=0.01, w_bound=1.0, is_nonnegative=False, prior=None, sign_value=-1.0,
                  optim_type="sgd", pre_wght=1.0, post_wght=1.0, rule="hebbian", bias=False):
    """Independent float64 reference; returns the weights and dWeights after every step, and the biases."""
    W, b = W.astype(np.float64), b.astype(np.float64)
    mw, vw, mb, vb = (np.zeros_like(W), np.zeros_like(W), np.zeros_like(b), np.zeros_like(b))
    Ws, dWs = [], []
    for k, (x, y) in enumerate(zip(xs.astype(np.float64), ys.astype(np.float64)), start=1):
        xw, yw = pre_wght * x, post_wght * y
        H = xw.T @ yw if rule == "hebbian" else (xw - yw @ W.T).T @ yw
        if w_bound > 0:
            H = H * (w_bound - np.abs(W))
        name, lam = prior if prior is not None else (None, 0.0)
        if name == "l1":
            reg = lam * np.sign(W)
        elif name == "l2":
            reg = lam * W
        elif name == "l1l2":
            reg = lam[0] * (lam[1] * np.sign(W) + (1 - lam[1]) / 2 * W)
        else:
            reg = np.zeros_like(W)
        dW = (sign_value * H + reg) * mask
        db = sign_value * yw.sum(0)
        if optim_type == "sgd":
            step_w, step_b = eta * dW, eta * db
        else:
            mw, vw = 0.9 * mw + 0.1 * dW, 0.999 * vw + 0.001 * dW ** 2
            mb, vb = 0.9 * mb + 0.1 * db, 0.999 * vb + 0.001 * db ** 2
            step_w = eta * (mw / (1 - 0.9 ** k)) / (np.sqrt(vw / (1 - 0.999 ** k)) + 1e-8)
            step_b = eta * (mb / (1 - 0.9 ** k)) / (np.sqrt(vb / (1 - 0.999 ** k)) + 1e-8)
        W = W - step_w
        if w_bound > 0:
            W = np.clip(W, 0.0 if is_nonnegative else -w_bound, w_bound)
        elif is_nonnegative:
            W = np.maximum(W, 0.0)
        W = W * mask
        if bias:
            b = b - step_b
        Ws.append(W)
        dWs.append(dW)
    return np.array(Ws), np.array(dWs), b


@pytest.fixture(scope="module")
def learnt():
    rng = np.random.default_rng(7)
    xs = rng.uniform(0.0, 1.0, (STEPS, BATCH, N_IN)).astype(np.float32)
    ys = rng.uniform(-0.5, 1.0, (STEPS, BATCH, N_OUT)).astype(np.float32)
    with Context("hebb", batch_size=BATCH, seed=3) as ctx:
        syns = {name: HebbianSynapse(name, (N_IN, N_OUT), **cfg) for name, cfg in CONFIGS.items()}
        ctx.command("evolve", list(syns.values()))
    init = {n: (np.asarray(s.weights.value), np.asarray(s.biases.value), np.asarray(s.mask.value))
            for n, s in syns.items()}
    feeds = {}
    for name, s in syns.items():
        feeds[s.pre], feeds[s.post] = xs, post_for(name, ys)
    rec = ctx.run("evolve", steps=STEPS, record=[s.weights for s in syns.values()] +
                  [s.dWeights for s in syns.values()], inputs=feeds)
    return syns, init, rec, xs, ys


@pytest.mark.parametrize("name", list(CONFIGS))
def test_matches_numpy_reference(learnt, name):
    syns, init, rec, xs, ys = learnt
    W0, b0, mask = init[name]
    cfg = {k: v for k, v in CONFIGS[name].items() if k not in ("weight_init", "p_conn", "bias_init")}
    Ws, dWs, b = numpy_hebbian(W0, b0, mask, xs, post_for(name, ys), bias="bias_init" in CONFIGS[name], **cfg)
    np.testing.assert_allclose(rec[syns[name].weights], Ws, rtol=1e-4, atol=2e-5)
    np.testing.assert_allclose(rec[syns[name].dWeights], dWs, rtol=1e-4, atol=2e-5)
    np.testing.assert_allclose(syns[name].biases.value, b, rtol=1e-4, atol=2e-5)
    assert np.abs(Ws[-1] - W0).max() > 1e-2  # learning happened


def test_default_is_hebbian_growth_inside_bound(learnt):
    syns, init, rec, _, _ = learnt
    r, w0 = rec[syns["growth"].weights], init["growth"][0]  # default sign_value, nonnegative pre and post
    assert np.all(np.diff(r, axis=0) >= -1e-7) and np.all(r[-1] > w0 + 1e-3)
    assert r.max() <= 1.0  # w_bound = 1 by default
    assert np.all(np.asarray(syns["growth"].dWeights.value) <= 0.0)  # descent convention: dWeights = -H


@pytest.mark.parametrize("name,low,high", [("bound_nonneg_anti", 0.0, 0.5), ("nonneg_no_bound", 0.0, np.inf),
                                            ("sparse", -2.0, 2.0), ("default", -1.0, 1.0)])
def test_weights_stay_inside_bounds(learnt, name, low, high):
    syns, _, rec, _, _ = learnt
    r = rec[syns[name].weights]
    assert r.min() >= low and r.max() <= high
    if name == "bound_nonneg_anti":
        assert np.mean(r[-1] == 0.0) > 0.5  # anti-Hebbian drove most weights onto the bound at 0


def test_mask_is_kept_by_learning(learnt):
    syns, init, rec, _, _ = learnt
    mask = init["sparse"][2]
    assert 0 < mask.sum() < mask.size
    assert np.all(np.asarray(rec[syns["sparse"].weights])[:, mask == 0] == 0.0)


def test_priors_shrink_weights_for_either_sign():
    """ngc-learn's defect: with sign_value=+1 its l2 "decay" grows |W|. Ours shrinks for both signs."""
    priors = {"l1": ("l1", 0.05), "l2": ("l2", 0.2), "l1l2": ("l1l2", (0.2, 0.5))}
    with Context("prior", batch_size=2) as ctx:
        syns = {f"{n}_{i}": HebbianSynapse(f"{n}_{i}", (N_IN, N_OUT), eta=0.1, prior=p, sign_value=sign, w_bound=0.0,
                                           weight_init={"dist": "gaussian", "sigma": 1.0})
                for n, p in priors.items() for i, sign in enumerate((-1.0, 1.0))}
        ctx.command("evolve", list(syns.values()))
    w0 = {n: np.abs(np.asarray(s.weights.value)) for n, s in syns.items()}
    zeros = np.zeros((50, 2, N_IN), np.float32)
    feeds = {s.pre: zeros for s in syns.values()} | {s.post: zeros[..., :N_OUT] for s in syns.values()}
    rec = ctx.run("evolve", steps=50, record=[s.weights for s in syns.values()], inputs=feeds)
    for n, s in syns.items():
        a = np.abs(rec[s.weights])
        assert np.all(a[-1] < w0[n] - 1e-3) or n.startswith("l1_"), n
        assert a[-1].sum() < 0.8 * w0[n].sum(), n
    for n in ("l2_0", "l2_1"):
        np.testing.assert_allclose(np.abs(rec[syns[n].weights][-1]), w0[n] * 0.98 ** 50, rtol=1e-4)


def oja_input(rng, n, cov_eigs, steps, batch):
    q, _ = np.linalg.qr(rng.normal(size=(n, n)))
    cov = q @ np.diag(cov_eigs) @ q.T
    xs = rng.multivariate_normal(np.zeros(n), cov, size=(steps, batch)).astype(np.float32)
    evals, evecs = np.linalg.eigh(cov)
    return xs, evecs[:, np.argmax(evals)]


def test_oja_converges_to_first_principal_component():
    """Oja (1982): with y = x.w, w -> the unit-norm leading eigenvector of the input covariance."""
    rng = np.random.default_rng(11)
    steps, batch = 800, 8
    xs2, pc2 = oja_input(rng, 2, [3.0, 0.5], steps, batch)
    xs5, pc5 = oja_input(rng, 5, [4.0, 1.5, 1.0, 0.5, 0.2], steps, batch)
    with Context("oja", batch_size=batch, seed=1) as ctx:
        syns = [HebbianSynapse(f"W{n}", (n, 1), eta=0.002, rule="oja", w_bound=0.0,
                               weight_init={"dist": "gaussian", "sigma": 0.3}) for n in (2, 5)]
        for W in syns:
            W.post << W.outputs  # y = x W, computed by advance before evolve reads it
        ctx.command("advance", syns)
        ctx.command("evolve", syns)
    w0 = [np.asarray(W.weights.value)[:, 0] for W in syns]
    feeds = {syns[0].inputs: xs2, syns[0].pre: xs2, syns[1].inputs: xs5, syns[1].pre: xs5}
    ctx.run(["advance", "evolve"], steps=steps, inputs=feeds)
    for W, xs, pc, w_init in zip(syns, (xs2, xs5), (pc2, pc5), w0):
        w = np.asarray(W.weights.value)[:, 0]
        cosine = abs(w @ pc) / np.linalg.norm(w)
        assert cosine > 0.995, (W.name, cosine)
        assert abs(np.linalg.norm(w) - 1.0) < 0.02, np.linalg.norm(w)
        # and the same trajectory in NumPy (y computed from the weights before each step)
        ref = w_init.astype(np.float64)
        for x in xs.astype(np.float64):
            y = x @ ref
            ref = ref + 0.002 * (y[:, None] * (x - y[:, None] * ref[None, :])).sum(0)
        np.testing.assert_allclose(w, ref, rtol=1e-3, atol=1e-4)


def test_reset_keeps_weights_and_optimizer_state_but_clears_updates():
    with Context("reset", batch_size=2) as ctx:
        W = HebbianSynapse("W", (N_IN, N_OUT), optim_type="adam")
        ctx.command("evolve", [W])
        ctx.command("reset", [W])
    x = np.ones((5, 2, N_IN), np.float32)
    ctx.run("evolve", steps=5, inputs={W.pre: x, W.post: x[..., :N_OUT]})
    w, m = np.asarray(W.weights.value), np.asarray(W.opt_m_weights.value)
    assert float(W.opt_count_weights.value) == 5.0 and np.any(np.asarray(W.dWeights.value) != 0)
    ctx.run("reset")
    np.testing.assert_array_equal(W.weights.value, w)
    np.testing.assert_array_equal(W.opt_m_weights.value, m)
    assert np.all(np.asarray(W.dWeights.value) == 0) and float(W.opt_count_weights.value) == 5.0


@pytest.mark.parametrize("kw,match", [
    ({"optim_type": "rmsprop"}, "optim_type"), ({"rule": "sanger"}, "rule"), ({"prior": ("l3", 0.1)}, "prior"),
    ({"w_bound": -1.0}, "w_bound"), ({"sign_value": float("nan")}, "sign_value"), ({"eta": "fast"}, "eta"),
])
def test_bad_parameters_raise(kw, match):
    with Context("bad"), pytest.raises(ValidationError, match=f"W.*{match}"):
        HebbianSynapse("W", (3, 2), **kw)


def test_changing_optim_type_after_building_raises():
    with Context("swap", batch_size=1) as ctx:
        W = HebbianSynapse("W", (N_IN, N_OUT))
        ctx.command("evolve", [W])
    W.optim_type = "adam"
    with pytest.raises(ValidationError, match="optim_type"):
        ctx.run("evolve", steps=1, inputs={W.pre: np.ones((1, 1, N_IN)), W.post: np.ones((1, 1, N_OUT))})
