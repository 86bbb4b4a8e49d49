"""PoissonCell and BernoulliCell: empirical rates against targets, tols against a NumPy reference."""

import numpy as np
import pytest

from components.cells import BernoulliCell, PoissonCell
from contexts import Context, ValidationError


def tols_reference(spikes, dt):
    tols, out = np.full(spikes.shape[1:], -1e9), []
    for n, s in enumerate(spikes):
        tols = np.where(s > 0, (n + 1) * dt, tols)
        out.append(tols)
    return np.stack(out)


def within(count, n, p, sigmas=5.0):
    return abs(count - n * p) <= sigmas * np.sqrt(n * p * (1 - p)) + 1e-9


def test_poisson_rate_matches_target_and_tols_match_reference():
    T, dt, freq = 400, 0.5, 80.0
    levels = np.array([0.0, 0.25, 0.5, 1.0], np.float32)
    x = np.repeat(levels, 10)  # (40,): 10 units per level, broadcast over the batch
    with Context("po", dt=dt, batch_size=4, seed=1) as ctx:
        z = PoissonCell("z", 40, target_freq=freq)
        ctx.command("advance", [z])
    ctx.clamp(z.inputs, x)
    rec = ctx.run("advance", steps=T, record=[z.outputs, z.tols])
    s = np.asarray(rec[z.outputs])
    assert set(np.unique(s)) <= {0.0, 1.0}
    for i, level in enumerate(levels):
        count = s[:, :, 10 * i:10 * (i + 1)].sum()
        p = level * freq * dt / 1000.0
        assert within(count, T * 4 * 10, p), (level, count, T * 40 * p)
        rate_hz = count / (4 * 10 * T * dt / 1000.0)
        assert abs(rate_hz - level * freq) < 0.1 * freq
    assert s[:, :, :10].sum() == 0  # zero intensity never spikes
    np.testing.assert_allclose(np.asarray(rec[z.tols]), tols_reference(s, dt), rtol=1e-6)
    assert not np.array_equal(s[:, 0], s[:, 1])  # batch rows draw independently


def test_same_seed_same_spikes_and_probability_is_clipped():
    with Context("po2", dt=1.0) as ctx:
        z = PoissonCell("z", 5, target_freq=100.0)
        ctx.command("advance", [z])

    def spikes(seed):
        ctx.state = ctx.initial_state(seed)
        ctx.clamp(z.inputs, np.ones(5))
        return np.asarray(ctx.run("advance", steps=50, record=[z.outputs])[z.outputs])

    first = spikes(3)
    assert 0 < first.sum() < first.size
    np.testing.assert_array_equal(spikes(3), first)
    assert not np.array_equal(spikes(4), first)
    z.target_freq = 5000.0  # p = 5 per step, clipped to 1
    assert spikes(3).min() == 1.0


def test_bernoulli_rates_and_tols():
    T = 500
    p = np.array([0.0, 0.1, 0.5, 0.9, 1.0], np.float32)
    with Context("be", dt=1.0, batch_size=2, seed=2) as ctx:
        z = BernoulliCell("z", 5)
        ctx.command("advance", [z])
    rec = ctx.run("advance", steps=T, record=[z.outputs, z.tols], inputs={z.inputs: np.broadcast_to(p, (T, 5))})
    s = np.asarray(rec[z.outputs])
    counts = s.sum(axis=(0, 1))
    for k in range(5):
        assert within(counts[k], 2 * T, p[k]), (p[k], counts[k])
    assert counts[0] == 0 and counts[4] == 2 * T
    np.testing.assert_allclose(np.asarray(rec[z.tols]), tols_reference(s, 1.0), rtol=1e-6)
    assert abs(np.corrcoef(s[:, 0, 2], s[:, 1, 2])[0, 1]) < 0.2  # independent rows


def test_bad_frequency_raises():
    with Context("bad"), pytest.raises(ValidationError, match="target_freq"):
        PoissonCell("z", 3, target_freq=-1.0)


def test_old_import_path_still_works():
    from components.cells import encoders
    from components.cells.encoders.bernoulli import BernoulliCell as B2
    from components.cells.encoders.poisson import PoissonCell as P2
    from components.cells.poisson import BernoulliCell as B1
    from components.cells.poisson import PoissonCell as P1

    assert P1 is P2 is PoissonCell and B1 is B2 is BernoulliCell and encoders.__name__.endswith("encoders")
