"""TripletSTDPSynapse (Pfister & Gerstner 2006) against a per-spike NumPy reference, the pairing-frequency
dependence of the visual-cortex fit, its presets and YAML."""

from __future__ import annotations

import numpy as np
import pytest

from components.rules.triplet import PRESETS
from components.synapses import TripletSTDPSynapse
from contexts import Context, load_model_string
from contexts.errors import ValidationError

T, B, N_IN, N_OUT = 300, 2, 4, 3


def np_triplet(W0, s_pre, s_post, *, A2p, A3p, A2m, A3m, tau_x, tau_y, nearest, dt, eta=1.0, w_max=1.0,
               tau_p=16.8, tau_m=33.7):
    """The paper's event rule per synapse: decay, then at a post spike w += r1 (A2+ + A3+ o2(t-eps)),
    at a pre spike w -= o1 (A2- + A3- r2(t-eps)); fast traces count this step's spikes first."""
    W = W0.astype(np.float64).copy()
    steps, batch, n_in = s_pre.shape
    n_out = s_post.shape[2]
    r1, r2, o1, o2 = (np.zeros((batch, n)) for n in (n_in, n_in, n_out, n_out))
    jump = (lambda z, s: np.where(s > 0, 1.0, z)) if nearest else (lambda z, s: z + s)
    out = []
    for k in range(steps):
        r1 = jump(r1 * np.exp(-dt / tau_p), s_pre[k])
        o1 = jump(o1 * np.exp(-dt / tau_m), s_post[k])
        r2 *= np.exp(-dt / tau_x)
        o2 *= np.exp(-dt / tau_y)
        dW = np.zeros_like(W)
        for b in range(batch):
            for j in range(n_in):
                for i in range(n_out):
                    if s_post[k, b, i]:
                        dW[j, i] += r1[b, j] * (A2p + A3p * o2[b, i])
                    if s_pre[k, b, j]:
                        dW[j, i] -= o1[b, i] * (A2m + A3m * r2[b, j])
        W = np.clip(W + eta * dW, 0.0, w_max)
        r2, o2 = jump(r2, s_pre[k]), jump(o2, s_post[k])
        out.append(W.copy())
    return np.asarray(out)


def run(preset, s_pre, s_post, dt=1.0, w0=0.5, **kw):
    steps, batch, n_in = s_pre.shape
    with Context("triplet", dt=dt, batch_size=batch, seed=2) as ctx:
        W = TripletSTDPSynapse("W", (n_in, s_post.shape[2]), preset=preset,
                               weight_init={"dist": "constant", "value": w0}, **kw)
        ctx.command("evolve", [W])
    rec = ctx.run("evolve", steps=steps, record=[W.weights], inputs={W.preSpike: s_pre, W.postSpike: s_post})
    return W, np.asarray(rec[W.weights])


@pytest.mark.parametrize("preset", ["visual_cortex_all_to_all", "hippocampal_nearest"])
def test_matches_the_per_spike_numpy_reference(preset: str) -> None:
    rng = np.random.default_rng(3)
    s_pre = (rng.random((T, B, N_IN)) < 0.08).astype(np.float32)
    s_post = (rng.random((T, B, N_OUT)) < 0.08).astype(np.float32)
    interaction, A2p, A3p, A2m, A3m, tau_x, tau_y = PRESETS[preset]
    # amplitudes scaled up (eta = 20) so that 300 steps move the weights well away from where they start
    W, rec = run(preset, s_pre, s_post, dt=0.5, eta=20.0)
    ref = np_triplet(np.full((N_IN, N_OUT), 0.5), s_pre, s_post, A2p=A2p, A3p=A3p, A2m=A2m, A3m=A3m, tau_x=tau_x,
                     tau_y=tau_y, nearest=interaction == "nearest", dt=0.5, eta=20.0)
    np.testing.assert_allclose(rec, ref, rtol=1e-5, atol=2e-6)
    assert np.abs(ref[-1] - 0.5).max() > 0.1
    assert W.interaction == interaction and W.A3_plus == A3p


def pairing_protocol(freqs, lag_ms, n_pairs, dt):
    """One pre/post neuron pair per frequency: n_pairs pairings, post lag_ms after pre (negative: before)."""
    period_max = 1000.0 / min(freqs)
    steps = int(round((n_pairs * period_max + 100) / dt))
    s_pre = np.zeros((steps, 1, len(freqs)), np.float32)
    s_post = np.zeros_like(s_pre)
    for n, f in enumerate(freqs):
        for p in range(n_pairs):
            t_pre = 50.0 + p * 1000.0 / f
            s_pre[int(round(t_pre / dt)), 0, n] = 1
            s_post[int(round((t_pre + lag_ms) / dt)), 0, n] = 1
    return s_pre, s_post


def test_visual_cortex_frequency_dependence() -> None:
    # Sjostrom et al. (2001) / Pfister & Gerstner (2006): at low frequency pre-post (+10 ms) does nearly
    # nothing and post-pre (-10 ms) depresses; at high frequency both potentiate, pre-post the more
    freqs, dt, n_pairs = (1.0, 10.0, 20.0, 40.0, 50.0), 1.0, 15
    changes = {}
    for lag in (10.0, -10.0):
        s_pre, s_post = pairing_protocol(freqs, lag, n_pairs, dt)
        _, rec = run("visual_cortex_all_to_all_minimal", s_pre, s_post, dt=dt)
        changes[lag] = np.diag(rec[-1]) - 0.5
    plus, minus = changes[10.0], changes[-10.0]
    print("+10 ms:", plus, "-10 ms:", minus)
    assert abs(plus[0]) < 1e-4 and minus[0] < -0.01  # 1 Hz: no change / depression
    assert np.all(np.diff(plus) > 0) and plus[-1] > 0.05  # LTP grows with frequency
    assert minus[-1] > 0 > minus[1]  # post-pre: LTD at 10 Hz, LTP at 50 Hz
    assert plus[-1] > minus[-1]
    # the pair rule (A3 = 0) potentiates pre-post less at 50 Hz than at 1 Hz: the triplet term is the reason
    s_pre, s_post = pairing_protocol(freqs, 10.0, n_pairs, dt)
    _, rec = run("visual_cortex_all_to_all_minimal", s_pre, s_post, dt=dt, A2_plus=6.5e-3, A3_plus=0.0)
    pair = np.diag(rec[-1]) - 0.5
    assert pair[-1] < pair[0]


def test_presets_and_overrides() -> None:
    assert len(PRESETS) == 8 and {p[0] for p in PRESETS.values()} == {"all_to_all", "nearest"}
    with Context("presets"):
        W = TripletSTDPSynapse("W", (2, 2), preset="hippocampal_all_to_all", tau_y=30.0)
        assert (W.A2_plus, W.A3_plus, W.A2_minus, W.A3_minus, W.tau_x, W.tau_y) == (6.1e-3, 6.7e-3, 1.6e-3, 1.4e-3,
                                                                                  946.0, 30.0)
        with pytest.raises(ValidationError, match="visual_cortex_all_to_all"):
            TripletSTDPSynapse("W2", (2, 2), preset="visual_cortex")
        with pytest.raises(ValidationError, match="tau_x"):
            TripletSTDPSynapse("W3", (2, 2), tau_x=0.0)


def test_yaml() -> None:
    ctx = load_model_string("""
name: triplet_yaml
components:
  W: {type: TripletSTDPSynapse, shape: [2, 2], preset: visual_cortex_nearest, w_max: 2.0}
commands:
  evolve: [W]
clamped: [W.preSpike, W.postSpike]
""")
    W = ctx.components["W"]
    assert W.interaction == "nearest" and W.A3_plus == 5.3e-2 and W.w_max == 2.0
    w0 = np.asarray(W.weights.value).copy()
    s = np.ones((1, 1, 2), np.float32)
    ctx.run("evolve", steps=1, inputs={W.preSpike: s, W.postSpike: s})
    # first step: r1 = o1 = 1, slow traces 0 -> dW = A2_plus - A2_minus
    np.testing.assert_allclose(np.asarray(W.weights.value), np.clip(w0 + 8.8e-11 - 6.6e-3, 0, 2), rtol=1e-5)
