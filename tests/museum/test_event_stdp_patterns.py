"""Smoke test of museum.event_stdp_patterns: the spike schedule, the scoring, a few model steps."""

import numpy as np

from museum import _common as mc
from museum.event_stdp_patterns import __main__ as ex


def test_schedule_embeds_the_frozen_pattern():
    rng = np.random.default_rng(0)
    pattern = ex.make_pattern(rng, 20, 1.0)
    spikes, shown = ex.make_chunk(rng, pattern, 40, 1.0)
    assert spikes.shape == (40 * ex.WIN, 20) and shown.shape == (40,)
    assert set(np.unique(spikes)) <= {0.0, 1.0}
    assert not np.any(shown[1:] & shown[:-1])  # never twice in a row
    windows = spikes.reshape(40, ex.WIN, 20)
    part = np.nan_to_num(pattern[:, :10])
    for k in np.nonzero(shown)[0]:  # pattern spikes present (noise may only add spikes)
        assert np.all(windows[k, :, :10] >= part)


def test_score():
    post = np.zeros(3 * ex.WIN)
    post[ex.WIN + 7] = 1.0       # hit in window 1 at 8 ms
    post[2 * ex.WIN + 3] = 1.0   # false alarm in window 2
    hit, lat, fa = ex.score(post, np.array([True, True, False]), 1.0)
    assert hit.tolist() == [False, True, False]
    assert lat[1] == 8.0 and np.isnan(lat[0])
    assert fa.tolist() == [0.0, 0.0, 1.0]


def test_model_few_steps():
    ctx = mc.load_exhibit_model(ex.__file__)
    rng = np.random.default_rng(0)
    pattern = ex.make_pattern(rng, 200, ctx.dt)
    spikes, _ = ex.make_chunk(rng, pattern, 2, ctx.dt)
    rec = ctx.run(["advance", "evolve"], steps=len(spikes), record=["z.s", "W.weights", "x.tols"],
                  inputs={"x.inputs": spikes[:, None, :]})
    np.testing.assert_array_equal(np.asarray(ctx.get("x.outputs"))[0], spikes[-1])  # given spikes pass through
    w = np.asarray(rec["W.weights"])
    assert w.shape == (len(spikes), 200, 1) and np.all(np.isfinite(w))
    assert w.min() >= 0.01 - 1e-6 and w.max() <= 1.0
    assert np.asarray(rec["z.s"]).shape == (len(spikes), 1, 1)
