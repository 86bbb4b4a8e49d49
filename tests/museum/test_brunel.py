"""Smoke test of museum.brunel: the measures on known spike trains, and SR vs AI on a small network."""

import numpy as np

from museum import _common as mc
from museum.brunel import __main__ as ex


def test_measures_on_known_trains():
    # neuron 0 regular every 10 ms, neuron 1 Poisson: CV 0 and ~1
    rng = np.random.default_rng(0)
    t_reg = np.arange(10.0, 2000.0, 10.0)
    t_poi = np.cumsum(rng.exponential(10.0, 400))
    i = np.concatenate([np.zeros(len(t_reg), int), np.ones(len(t_poi), int)])
    t = np.concatenate([t_reg, t_poi])
    assert ex.isi_cv(i[: len(t_reg)], t_reg, 1) < 1e-9
    assert abs(ex.isi_cv(i[len(t_reg):], t_poi, 2) - 1.0) < 0.15
    shuffled = rng.permutation(len(t))  # the mean over the two neurons, whatever the event order
    assert abs(ex.isi_cv(i[shuffled], t[shuffled], 2) - ex.isi_cv(i[len(t_reg):], t_poi, 2) / 2) < 1e-9
    # 50 neurons firing together -> chi = 1; independent Bernoulli trains -> chi ~ 1/sqrt(50)
    steps, n = 20000, 50
    together = np.repeat(np.arange(0, steps, 97), n), np.tile(np.arange(n), len(range(0, steps, 97)))
    assert abs(ex.synchrony(together[1], together[0], n, steps, 10) - 1.0) < 1e-9
    indep = np.argwhere(rng.random((steps, n)) < 0.002)
    assert ex.synchrony(indep[:, 1], indep[:, 0], n, steps, 10) < 2.5 / np.sqrt(n)
    # a 40 Hz modulated rate at dt = 0.1 ms
    tt = np.arange(20000) * 0.1
    assert abs(ex.peak_frequency(10 + 5 * np.sin(2 * np.pi * 40 * tt / 1000), 0.1) - 40.0) < 1.0


def test_sizes_and_threshold_rate():
    s = ex.sizes(10000)
    assert (s["N_I"], s["C_E"], s["C_I"]) == (2500, 1000, 250) and abs(s["J"] - 0.1) < 1e-12
    assert abs(ex.nu_thr(s["J"], s["C_E"]) - 10.0) < 1e-9  # theta / (J C_E tau) = 20 / (0.1 * 1000 * 0.02)


def test_small_network_is_regular_in_SR_and_irregular_in_AI():
    ctx = mc.load_exhibit_model(ex.__file__, overrides=ex.overrides(400))
    k = np.asarray(ctx.get("EE.pre_index"))
    assert k.shape == (40, 400) and not np.any(k == np.arange(400))  # C_E = 40 each, no autapses
    start = ctx.state
    out = {}
    for regime in ("SR", "AI"):
        ctx.state = start
        ex.set_regime(ctx, *ex.REGIMES[regime])
        out[regime] = ex.measure(ctx, steps=1000, skip=300)
    w = np.asarray(ctx.get("IE.weights"))
    assert np.allclose(w, -5.0 * 2.5)  # AI: g = 5, J = 100 / C_E = 2.5 mV
    sr, ai = out["SR"], out["AI"]
    assert sr["cv_isi"] < 0.3 < 0.7 < ai["cv_isi"], (sr["cv_isi"], ai["cv_isi"])
    assert sr["synchrony"] > 1.3 * ai["synchrony"] and sr["rate_hz"] > ai["rate_hz"] > 5.0


def test_mean_field_rate():
    # weak noise above threshold: the deterministic rate 1 / (tau_rp + tau ln((mu - V_r) / (mu - theta)))
    det = 1000.0 / (2.0 + 20.0 * np.log((40.0 - 10.0) / (40.0 - 20.0)))
    assert abs(ex.siegert(40.0, 0.5) - det) < 0.01 * det
    assert ex.siegert(10.0, 1.0) < 1e-3  # far below threshold: silent
    # the self-consistent rate solves its own equation
    nu = ex.mean_field_rate(5.0, 2.0, 0.1, 1000)
    mu = 1000 * 0.1 * 0.02 * (20.0 + nu * (1 - 5.0 * 0.25))
    sigma = np.sqrt(1000 * 0.01 * 0.02 * (20.0 + nu * (1 + 25.0 * 0.25)))
    assert abs(ex.siegert(mu, sigma) - nu) < 1e-6 and 30.0 < nu < 45.0


def test_resume_after_a_regime_gives_the_same_numbers(monkeypatch, tmp_path):
    """Killed after three of the four regimes, a --resume run measures only the fourth and ends with the
    numbers and figure data of an uninterrupted run."""
    import json
    import shutil

    from contexts.checkpoint import Checkpointer

    argv = ["--quick", "--n-e", "200", "--ms", "60", "--out", str(tmp_path)]
    want = ex.main(argv)
    ck = Checkpointer(tmp_path / "checkpoints")
    assert ck.steps() == [3, 4]
    shutil.rmtree(ck.path(4))  # as if killed while measuring the last regime
    calls = []
    measure = ex.measure
    monkeypatch.setattr(ex, "measure", lambda *a, **k: calls.append(1) or measure(*a, **k))
    got = ex.main(argv + ["--resume"])
    assert len(calls) == 1
    assert json.dumps(got, sort_keys=True) == json.dumps(want, sort_keys=True)
    back = ck.load()["extra"]
    assert back["done"] == list(ex.REGIMES) and back["SI fast/raster_t"].size > 0
