"""STPDenseSynapse (Tsodyks-Markram) against the closed-form steady state of a regular train, a
NumPy reference over irregular trains, the first-spike efficacy U W, and YAML."""

import math

import numpy as np
import pytest

from components.rules.short_term import stp_steady_state
from components.synapses import STPDenseSynapse
from contexts import Context, load_model_string

DEPRESSING = dict(U=0.5, tau_d=800.0, tau_f=0.0)
FACILITATING = dict(U=0.15, tau_d=100.0, tau_f=750.0)


def build(dt=1.0, batch=1, shape=(3, 2), **p):
    with Context("stp", dt=dt, batch_size=batch, seed=4) as ctx:
        W = STPDenseSynapse("W", shape, weight_init={"dist": "uniform", "low": 0.5, "high": 1.0}, **p)
        ctx.command("advance", [W])
    return ctx, W


@pytest.mark.parametrize("params", [DEPRESSING, FACILITATING])
def test_regular_trains_converge_to_the_closed_form_steady_state(params):
    # three presynaptic neurons firing regularly at 50, 20 and 10 Hz (periods of 20, 50, 100 ms)
    dt, periods, T = 0.5, (20.0, 50.0, 100.0), 8000
    ctx, W = build(dt, **params)
    xs = np.zeros((T, 1, 3), np.float32)
    for i, p in enumerate(periods):
        xs[::round(p / dt), 0, i] = 1.0
    rec = ctx.run("advance", steps=T, record=[W.r, W.outputs], inputs={W.inputs: xs})
    r = np.asarray(rec[W.r])[:, 0]
    for i, p in enumerate(periods):
        _, _, r_star = stp_steady_state(params["U"], params["tau_f"], params["tau_d"], p)
        last = r[xs[:, 0, i] > 0, i][-1]
        assert last == pytest.approx(r_star, rel=1e-4), (p, last, r_star)
    assert r[0, 0] == pytest.approx(params["U"])  # the first spike releases U
    np.testing.assert_allclose(np.asarray(rec[W.outputs])[0, 0], params["U"] * np.asarray(W.weights.value).sum(0),
                               rtol=1e-6)
    # depression: the steady efficacy falls with the rate; facilitation (at these rates): it rises above U
    r_fast, r_slow = (stp_steady_state(params["U"], params["tau_f"], params["tau_d"], p)[2] for p in (20.0, 100.0))
    assert (r_fast < r_slow) if params is DEPRESSING else (r_fast > params["U"])


def test_the_steady_state_formula_is_a_fixed_point_of_one_period():
    U, tf, td, T = 0.2, 300.0, 150.0, 40.0
    u, x, r = stp_steady_state(U, tf, td, T)
    u_next = u * math.exp(-T / tf)
    u_next += U * (1 - u_next)
    x_next = 1 + (x * (1 - u) - 1) * math.exp(-T / td)
    assert (u_next, x_next) == pytest.approx((u, x))


def np_stp(xs, w, U, tau_d, tau_f, tau_syn, dt):
    u, x = np.zeros(xs.shape[1:]), np.ones(xs.shape[1:])
    out, outs = np.zeros((xs.shape[1], w.shape[1])), []
    for s in xs.astype(np.float64):
        u = u * math.exp(-dt / tau_f) if tau_f > 0 else 0 * u
        x = 1 + (x - 1) * math.exp(-dt / tau_d)
        u = u + s * U * (1 - u)
        r = s * u * x
        x = x - r
        out = out * math.exp(-dt / tau_syn) + r @ w
        outs.append(out)
    return np.asarray(outs)


def test_matches_numpy_on_irregular_trains_with_a_synaptic_current():
    T, B, dt = 600, 2, 0.5
    ctx, W = build(dt, batch=B, shape=(6, 3), U=0.3, tau_d=200.0, tau_f=300.0, tau_syn=4.0)
    xs = (np.random.default_rng(3).random((T, B, 6)) < 0.04).astype(np.float32)
    rec = ctx.run("advance", steps=T, record=[W.outputs], inputs={W.inputs: xs})
    ref = np_stp(xs, np.asarray(W.weights.value, np.float64), 0.3, 200.0, 300.0, 4.0, dt)
    np.testing.assert_allclose(rec[W.outputs], ref, rtol=1e-4, atol=1e-6)


def test_from_yaml_with_a_delay():
    ctx = load_model_string("""
name: stp
dt: 1.0
components:
  W: {type: STPDenseSynapse, shape: [1, 1], U: 0.4, tau_d: 100.0, delay: 2.0,
      weight_init: {dist: constant, value: 1.0}}
commands:
  advance: [W]
clamped: [W.inputs]
""")
    W = ctx.components["W"]
    xs = np.zeros((6, 1, 1), np.float32)
    xs[[0, 1]] = 1.0
    out = np.asarray(ctx.run("advance", steps=6, record=[W.outputs], inputs={W.inputs: xs})[W.outputs])[:, 0, 0]
    r2 = 0.4 * (1 + (0.6 - 1) * math.exp(-1 / 100.0))  # u = U again (no facilitation), x recovered for 1 ms
    np.testing.assert_allclose(out, [0, 0, 0.4, r2, 0, 0], rtol=1e-5, atol=1e-7)
