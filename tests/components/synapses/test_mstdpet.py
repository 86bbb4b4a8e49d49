"""MSTDPETSynapse (Florian 2007) against a NumPy reference, a delayed-reward closed form, ngc-learn 3.2.1's
trajectories and YAML."""

from __future__ import annotations

import json
import pathlib

import numpy as np
import pytest

from components.synapses import MSTDPETSynapse
from contexts import Context, load_model_string
from contexts.errors import ValidationError
from tests.components.synapses.spike_reference import spikes_and_traces

T, B, N_IN, N_OUT = 150, 2, 5, 3
NPZ = pathlib.Path(__file__).parents[2] / "references" / "ngclearn" / "plasticity.npz"


def np_mstdpet(W0, s_pre, s_post, x, y, r, *, A_plus, A_minus, eta, tau_z, w_bound, tau_w, dt):
    """Florian (2007): xi = A+ x^T s_post - A- s_pre^T y per sample; z += -z dt/tau (exact) + xi/tau;
    W += eta dt sum_b r_b z_b (tau_z = 0: W += eta sum_b r_b xi_b); then decay and clip."""
    W = W0.astype(np.float64)
    z = np.zeros((s_pre.shape[1],) + W.shape)
    out = []
    for k in range(len(s_pre)):
        xi = np.stack([A_plus * np.outer(x[k, b], s_post[k, b]) - A_minus * np.outer(s_pre[k, b], y[k, b])
                       for b in range(s_pre.shape[1])])
        if tau_z > 0:
            z = z * np.exp(-dt / tau_z) + xi / tau_z
            dW = dt * np.einsum("b,bij->ij", r[k], z)
        else:
            dW = np.einsum("b,bij->ij", r[k], xi)
        W = np.clip(W + eta * dW - (W * dt / tau_w if tau_w > 0 else 0.0), 0.0, w_bound)
        out.append(W)
    return np.asarray(out)


def build(dt=1.0, batch=B, shape=(N_IN, N_OUT), **params):
    with Context("mstdpet", dt=dt, batch_size=batch, seed=4) as ctx:
        W = MSTDPETSynapse("W", shape, **params)
        ctx.command("evolve", [W])
    return ctx, W


@pytest.mark.parametrize("tau_z", [0.0, 25.0])
def test_matches_numpy_reference(tau_z: float) -> None:
    dt = 0.5
    s_pre, s_post, x, y = spikes_and_traces(9, T, B, N_IN, N_OUT, p=0.15, tau_pre=10.0, tau_post=15.0, dt=dt)
    r = np.random.default_rng(1).choice([-1.0, 0.0, 1.0, 2.0], size=(T, B)).astype(np.float32)
    params = dict(A_plus=0.05, A_minus=0.04, eta=0.5 if tau_z else 0.05, tau_z=tau_z, w_bound=1.2, tau_w=300.0)
    ctx, W = build(dt, **params)
    W0 = np.asarray(W.weights.value)
    rec = ctx.run("evolve", steps=T, record=[W.weights], inputs={
        W.preSpike: s_pre, W.postSpike: s_post, W.preTrace: x, W.postTrace: y, W.modulator: r[..., None]})
    ref = np_mstdpet(W0, s_pre, s_post, x, y, r, dt=dt, **params)
    np.testing.assert_allclose(rec[W.weights], ref, rtol=1e-5, atol=2e-6)
    assert np.abs(ref[-1] - W0).max() > 0.05


def test_delayed_reward_reaches_an_earlier_pairing() -> None:
    # one pre-then-post pairing (xi = A+ e^{-1/tau_x}) at step 0, a unit reward k steps later:
    # MSTDP-ET: dW = eta dt xi e^{-k dt/tau_z} / tau_z; MSTDP (no trace) ignores it
    k, dt, tau_z = 10, 1.0, 25.0
    for tz, expected in ((tau_z, 0.2 * 0.1 * np.exp(-1 / 10.0) * np.exp(-k * dt / tau_z) / tau_z), (0.0, 0.0)):
        ctx, W = build(dt, batch=1, shape=(1, 1), A_plus=0.1, A_minus=0.1, eta=0.2, tau_z=tz,
                       weight_init={"dist": "constant", "value": 0.5})
        n = k + 1
        zero = np.zeros((n, 1, 1), np.float32)
        post, x, r = zero.copy(), zero.copy(), zero.copy()
        post[0], x[0], r[k] = 1, np.exp(-1 / 10.0), 1
        ctx.run("evolve", steps=n, inputs={W.preSpike: zero, W.postSpike: post, W.preTrace: x, W.postTrace: zero,
                                           W.modulator: r})
        np.testing.assert_allclose(float(np.asarray(W.weights.value)[0, 0]) - 0.5, expected, rtol=1e-4, atol=1e-9)


@pytest.mark.parametrize("case", ["mstdpet", "mstdp"])
def test_matches_ngclearn_trajectories(case: str) -> None:
    # ngc-learn adds the STDP change of the step before (its dWeights) to the trace; fed the spikes and
    # traces one step late, ours gives the same weights (with the same reward each step, dt = 1 ms)
    ref = np.load(NPZ)
    kw = json.loads(str(ref[f"{case}/kw"]))
    late = {k: np.concatenate([np.zeros_like(ref[f"{case}/{k}"][:1]), ref[f"{case}/{k}"][:-1]])
            for k in ("s_pre", "s_post", "x_pre", "x_post")}
    ctx, W = build(1.0, batch=1, shape=ref[f"{case}/W0"].shape, A_plus=kw["A_plus"], A_minus=kw["A_minus"],
                   eta=kw["eta"], tau_z=kw["tau_elg"], w_bound=kw["w_bound"])
    ctx.clamp(W.weights, ref[f"{case}/W0"])
    rec = ctx.run("evolve", steps=len(ref[f"{case}/W"]), record=[W.weights, W.eligibility], inputs={
        W.preSpike: late["s_pre"], W.postSpike: late["s_post"], W.preTrace: late["x_pre"],
        W.postTrace: late["x_post"], W.modulator: ref[f"{case}/reward"]})
    np.testing.assert_allclose(rec[W.weights], ref[f"{case}/W"], rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(rec[W.eligibility][:, 0], ref[f"{case}/eligibility"], rtol=1e-4, atol=1e-6)
    assert np.abs(ref[f"{case}/W"][-1] - ref[f"{case}/W0"]).max() > 0.03


def test_validation_and_yaml() -> None:
    with Context("bad"):
        with pytest.raises(ValidationError, match="tau_z"):
            MSTDPETSynapse("W1", (2, 3), A_plus=0.1, A_minus=0.1, tau_z=-1.0)
        with pytest.raises(ValidationError, match="modulator_shape"):
            MSTDPETSynapse("W2", (2, 3), A_plus=0.1, A_minus=0.1, modulator_shape=5)
    ctx = load_model_string("""
name: mstdpet_yaml
components:
  W: {type: MSTDPETSynapse, shape: [2, 2], A_plus: 0.1, A_minus: 0.05, tau_z: 0.0, eta: 1.0}
commands:
  evolve: [W]
clamped: [W.preSpike, W.postSpike, W.preTrace, W.postTrace, W.modulator]
""")
    W = ctx.components["W"]
    w0 = np.asarray(W.weights.value).copy()
    one = np.ones((1, 1, 2), np.float32)
    ctx.run("evolve", steps=1, inputs={W.preSpike: 0 * one, W.postSpike: one, W.preTrace: one, W.postTrace: 0 * one,
                                       W.modulator: -np.ones((1, 1, 1), np.float32)})
    np.testing.assert_allclose(np.asarray(W.weights.value), np.clip(w0 - 0.1, 0, 1), rtol=1e-5)
