"""components.rules.traces: decay factors, the three spike modes, time of last spike."""

import numpy as np
import pytest

from components.rules.traces import NEVER, decay_factor, trace_step, update_tols


def test_decay_factors():
    np.testing.assert_allclose(float(decay_factor(0.5, 20.0, "exp")), np.exp(-0.5 / 20.0), rtol=1e-6)
    np.testing.assert_allclose(float(decay_factor(0.5, 20.0, "lin")), 1 - 0.5 / 20.0, rtol=1e-6)
    assert float(decay_factor(30.0, 20.0, "lin")) == 0.0  # clipped, never negative
    assert float(decay_factor(0.5, 20.0, "step")) == 0.0
    with pytest.raises(ValueError, match="decay_type"):
        decay_factor(1.0, 1.0, "cubic")


def _reference(spikes, decay, mode, a, gamma, k):
    z = np.zeros(spikes.shape[1:])
    out = []
    for s in spikes:
        zd = gamma * decay * z
        if mode == "increment":
            z = zd + a * s
        elif mode == "set":
            z = np.where(s > 0, a, zd)
        else:
            z = zd + s * (a - z / k)
        out.append(z)
    return np.stack(out)


@pytest.mark.parametrize("mode", ["increment", "set", "nearest"])
def test_modes_match_numpy_reference(mode):
    rng = np.random.default_rng(1)
    spikes = (rng.random((200, 2, 5)) < 0.2).astype(np.float32)
    decay = float(decay_factor(1.0, 8.0, "exp"))
    z, got = np.zeros((2, 5), np.float32), []
    for s in spikes:
        z = np.asarray(trace_step(z, s, decay, mode=mode, a_delta=0.7, gamma=0.95, n_nearest=2.0))
        got.append(z)
    np.testing.assert_allclose(np.stack(got), _reference(spikes, decay, mode, 0.7, 0.95, 2.0), rtol=1e-5, atol=1e-6)


def test_increment_trace_is_a_sum_of_exponentials_and_set_trace_follows_last_spike():
    rng = np.random.default_rng(2)
    spikes = (rng.random(300) < 0.1).astype(np.float32)
    tau, dt, a = 12.0, 0.5, 0.3
    d = float(decay_factor(dt, tau, "exp"))
    zi = zs = np.float32(0.0)
    times = np.arange(1, 301) * dt
    for n, s in enumerate(spikes):
        zi = trace_step(zi, s, d, mode="increment", a_delta=a)
        zs = trace_step(zs, s, d, mode="set", a_delta=a)
        past = times[: n + 1][spikes[: n + 1] > 0]
        np.testing.assert_allclose(float(zi), a * np.exp(-(times[n] - past) / tau).sum(), rtol=1e-4, atol=1e-6)
        last = a * np.exp(-(times[n] - past[-1]) / tau) if len(past) else 0.0
        np.testing.assert_allclose(float(zs), last, rtol=1e-4, atol=1e-6)


def test_nearest_with_k1_resets_to_a_delta_without_gamma():
    # z_prev decays to d*z_prev, the spike adds a - z_prev: z = a - (1 - d) z_prev  (<= a for z_prev >= 0)
    z = trace_step(np.float32(0.8), np.float32(1.0), 0.9, mode="nearest", a_delta=1.0, n_nearest=1.0)
    np.testing.assert_allclose(float(z), 1.0 - 0.1 * 0.8, rtol=1e-6)


def test_update_tols_stamps_spikes_only_and_keeps_spikes_at_t0():
    tols = np.full((2, 3), NEVER, np.float32)
    s = np.array([[1, 0, 0], [0, 0, 1]], np.float32)
    tols = np.asarray(update_tols(tols, s, 0.0))
    np.testing.assert_array_equal(tols, [[0.0, NEVER, NEVER], [NEVER, NEVER, 0.0]])
    tols = np.asarray(update_tols(tols, np.array([[0, 1, 0], [0, 0, 0]], np.float32), 2.5))
    np.testing.assert_array_equal(tols, [[0.0, 2.5, NEVER], [NEVER, NEVER, 0.0]])


def test_unknown_mode_raises():
    with pytest.raises(ValueError, match="trace mode"):
        trace_step(0.0, 1.0, 0.5, mode="sticky")
