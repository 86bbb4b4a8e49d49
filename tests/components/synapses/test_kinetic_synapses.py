"""ExpSynapse, AlphaSynapse and DoubleExpSynapse against an independent reference over many steps:
the convolution of the weighted spikes with each kinetic's closed-form kernel (exact integration
makes them equal for any dt), in both layouts; one spike's PSC; parameters; YAML."""

import math

import numpy as np
import pytest

from components.synapses import AlphaSynapse, DoubleExpSynapse, ExpSynapse
from contexts import Context, load_model_string
from contexts.params import ParameterError

T, B, N_IN, N_OUT = 200, 2, 7, 4


def kernel(kind, s, **p):
    if kind == "exp":
        return np.exp(-s / p["tau"])
    if kind == "alpha":
        return s / p["tau"] * np.exp(1 - s / p["tau"])
    tr, td = p["tau_rise"], p["tau_decay"]
    tp = tr * td / (td - tr) * math.log(td / tr)
    return (np.exp(-s / td) - np.exp(-s / tr)) / (math.exp(-tp / td) - math.exp(-tp / tr))


def convolved(kind, inc, dt, **p):
    """out[n] = sum_m K(m dt) inc[n - m], inc (T, batch, n_out), in float64."""
    k = kernel(kind, dt * np.arange(len(inc)), **p)
    out = np.zeros_like(inc, dtype=np.float64)
    for n in range(len(inc)):
        out[n] = np.tensordot(k[: n + 1][::-1], inc[: n + 1], axes=(0, 0))
    return out


CASES = [(ExpSynapse, "exp", {"tau": 3.0}), (AlphaSynapse, "alpha", {"tau": 2.0}),
         (DoubleExpSynapse, "double_exp", {"tau_rise": 0.7, "tau_decay": 4.0})]


@pytest.mark.parametrize("cls,kind,p", CASES)
@pytest.mark.parametrize("layout", ["dense", "edges"])
def test_matches_the_convolution_with_the_closed_form_kernel(cls, kind, p, layout):
    dt = 0.25
    with Context("k", dt=dt, batch_size=B, seed=3) as ctx:
        W = cls("W", (N_IN, N_OUT), weight_init={"dist": "gaussian", "mu": 1.0, "sigma": 0.5}, resist_scale=1.5,
                p_conn=0.5, layout=layout, **p)
        ctx.command("advance", [W])
    xs = (np.random.default_rng(1).random((T, B, N_IN)) < 0.1).astype(np.float32)
    rec = ctx.run("advance", steps=T, record=[W.outputs], inputs={W.inputs: xs})
    w = np.asarray(W.dense_weights(), np.float64)
    assert (w == 0).sum() > 0 and (w != 0).sum() > 0
    ref = convolved(kind, xs @ w * 1.5, dt, **p)
    assert np.abs(ref).max() > 1.0
    np.testing.assert_allclose(rec[W.outputs], ref, rtol=1e-4, atol=1e-5)


def test_one_spike_psc_of_each_kinetic():
    dt, w = 0.1, 2.0
    with Context("psc", dt=dt, batch_size=1) as ctx:
        syns = [cls(kind, (1, 1), weight_init={"dist": "constant", "value": w}, **p) for cls, kind, p in CASES]
        ctx.command("advance", syns)
    xs = np.zeros((300, 1, 1), np.float32)
    xs[10] = 1.0
    rec = ctx.run("advance", steps=300, record=[s.outputs for s in syns], inputs={s.inputs: xs for s in syns})
    e, a, d = (np.asarray(rec[s.outputs])[:, 0, 0] for s in syns)
    assert np.all(e[:10] == 0) and e[10] == pytest.approx(w) and e[40] == pytest.approx(w * math.exp(-1), rel=1e-5)
    assert a[10] == 0 and np.argmax(a) == 10 + 20 and a.max() == pytest.approx(w, rel=1e-5)  # peak w at tau = 2 ms
    tp = 0.7 * 4.0 / 3.3 * math.log(4.0 / 0.7)
    assert d.max() == pytest.approx(w, rel=1e-3) and abs((np.argmax(d) - 10) * dt - tp) <= dt


def test_parameters_are_checked():
    with Context("bad", dt=0.1):
        with pytest.raises(ParameterError, match="tau_rise"):
            DoubleExpSynapse("d", (2, 2), tau_rise=5.0, tau_decay=5.0)
        with pytest.raises(ParameterError, match="tau"):
            ExpSynapse("e", (2, 2), tau=0.0)


def test_conductance_network_from_yaml():
    text = """
name: coba_pair
dt: 0.1
components:
  pre:  {type: LIFCell, n_units: 1, tau_m: 20.0, v_rest: -60.0, v_reset: -60.0, thr: -50.0}
  syn:  {type: ExpSynapse, shape: [1, 1], tau: 5.0, weight_init: {dist: constant, value: 1.0}, delay: 1.0}
  post: {type: LIFCell, n_units: 1, tau_m: 20.0, v_rest: -60.0, v_reset: -60.0, thr: -50.0, E_e: 0.0,
         integration: exact}
wires:
  - syn.inputs << pre.s
  - post.g_e << syn.outputs
commands:
  advance: [pre, syn, post]
clamped: [pre.j, post.j]
"""
    ctx = load_model_string(text)
    pre, syn, post = (ctx.components[n] for n in ("pre", "syn", "post"))
    j = np.zeros((300, 1, 1), np.float32)
    j[:8] = 400.0  # one spike of pre early on
    rec = ctx.run("advance", steps=300, record=[pre.s, syn.outputs, post.v],
                  inputs={pre.j: j, post.j: np.zeros_like(j)})
    s, g, v = (np.asarray(rec[c])[:, 0, 0] for c in (pre.s, syn.outputs, post.v))
    k = int(np.flatnonzero(s)[0])
    assert s.sum() == 1 and g[k + 9] == 0 and g[k + 10] == pytest.approx(1.0)  # 1 ms = 10 steps of delay
    assert v[k + 10] > -60.0 and v.max() < -50.0  # the conductance pulls v toward E_e = 0 mV
