"""LeakyNoiseCell: without noise against a NumPy loop and ngc-learn 3.2.1's trajectories; with noise,
the increments are Euler-Maruyama's (standard normal, uncorrelated in time and with the output noise)
and the stationary variance is sigma_pre^2 / (1 - dt / (2 tau_x))."""

import json
import pathlib

import numpy as np
import pytest

from components.cells import LeakyNoiseCell
from contexts import Context, ValidationError, load_model_string

NGC = pathlib.Path(__file__).parents[3] / "references" / "ngclearn" / "graded.npz"
F = {"relu": (lambda x: np.maximum(x, 0), lambda x: (x >= 0).astype(float)),
     "tanh": (np.tanh, lambda x: 1 - np.tanh(x) ** 2)}


def run(JI, JR, dt, seed=0, **kw):
    with Context("noise", dt=dt, batch_size=JI.shape[1]) as ctx:
        z = LeakyNoiseCell("z", JI.shape[2], **kw)
        ctx.command("advance", [z])
    ctx.state = ctx.initial_state(seed)
    rec = ctx.run("advance", steps=len(JI), record=[z.x, z.r, z.r_prime],
                  inputs={z.j_input: JI.astype(np.float32), z.j_recurrent: JR.astype(np.float32)})
    return {c.name: np.asarray(rec[c]) for c in (z.x, z.r, z.r_prime)}


def reference(JI, JR, dt, tau_x, act_fx="relu", integration="euler", leak_scale=1.0):
    f, df = F[act_fx]
    x, out = np.zeros(JI.shape[1:]), {"x": [], "r": [], "r_prime": []}
    for ji, jr in zip(JI.astype(np.float64), JR.astype(np.float64)):
        g = lambda y, d=ji + jr: (d - leak_scale * y) / tau_x  # noqa: E731
        x = x + dt * g(x) if integration == "euler" else x + dt * g(x + dt / 2 * g(x))
        for k, v in zip(out, (x, f(x), df(x))):
            out[k].append(v)
    return {k: np.stack(v) for k, v in out.items()}


@pytest.mark.parametrize("kw", [dict(tau_x=10.0), dict(tau_x=4.0, act_fx="tanh", integration="midpoint",
                                                          leak_scale=0.7)])
def test_noiseless_matches_numpy(kw):
    rng = np.random.default_rng(0)
    JI, JR = rng.normal(0, 1, (300, 2, 5)), rng.normal(0, 0.5, (300, 2, 5))
    got = run(JI, JR, 0.5, sigma_pre=0.0, sigma_post=0.0, **kw)
    want = reference(JI.astype(np.float32), JR.astype(np.float32), 0.5, **kw)
    for k in want:
        np.testing.assert_allclose(got[k], want[k], rtol=1e-4, atol=1e-5, err_msg=k)


@pytest.mark.parametrize("case", ["leaky_noise_relu", "leaky_noise_tanh_rk2"])
def test_noiseless_matches_ngclearn(case):
    data = np.load(NGC)
    kw = json.loads(str(data[f"{case}/kw"]))
    if "integration_type" in kw:
        kw["integration"] = kw.pop("integration_type")
    got = run(data[f"{case}/j_input"], data[f"{case}/j_recurrent"], float(data[f"{case}/dt"]), **kw)
    for k in ("x", "r", "r_prime"):
        np.testing.assert_allclose(got[k], data[f"{case}/{k}"], rtol=1e-4, atol=2e-5, err_msg=k)


def test_noise_is_euler_maruyama_with_the_stated_variance():
    T, N, dt, tau, s_pre, s_post = 4000, 50, 0.5, 5.0, 0.3, 0.2
    zero = np.zeros((T, 1, N))
    got = run(zero, zero, dt, seed=3, tau_x=tau, act_fx="tanh", sigma_pre=s_pre, sigma_post=s_post)
    x = np.concatenate([np.zeros((1, 1, N)), got["x"].astype(np.float64)])
    eps = (x[1:] - (1 - dt / tau) * x[:-1]) / (s_pre * np.sqrt(2 * dt / tau))
    xi = (got["r"] - np.tanh(got["x"])) / s_post
    for e in (eps, xi):
        assert abs(e.mean()) < 0.01 and abs(e.std() - 1) < 0.01
    assert abs(np.mean(eps[1:] * eps[:-1])) < 0.01       # white in time
    assert abs(np.mean(eps * xi)) < 0.01                 # state and output noise independent
    var = x[T // 2:].var()
    assert abs(var / (s_pre ** 2 / (1 - dt / (2 * tau))) - 1) < 0.08


def test_yaml_and_bad_values():
    ctx = load_model_string("""
name: noise_yaml
dt: 1.0
components:
  z: {type: LeakyNoiseCell, n_units: 3, tau_x: 20.0, sigma_pre: 0.0, sigma_post: 0.0}
commands:
  advance: [z]
clamped: [z.j_input]
""")
    z = ctx.components["z"]
    ctx.clamp(z.j_input, 1.0)
    rec = ctx.run("advance", steps=100, record=[z.r])
    np.testing.assert_allclose(np.asarray(rec[z.r])[-1], 1 - 0.95 ** 100, rtol=1e-5)
    for kw in ({"tau_x": 0.2}, {"sigma_pre": -1.0}, {"act_fx": "rellu"}, {"integration": "exact"}):
        with Context("bad"), pytest.raises(ValidationError):
            LeakyNoiseCell("z", 2, **kw)
