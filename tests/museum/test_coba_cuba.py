"""Smoke test of museum.coba_cuba: the --quick run (500 neurons, same in-degree, 200 ms) fires
irregularly at plausible rates in both networks; the statistics helper; build_network's shapes."""

import numpy as np
import pytest

from museum.coba_cuba import __main__ as ex
from museum.coba_cuba.network import build_network, sizes


def test_spike_stats_on_a_known_train():
    dt = 0.1
    s = np.zeros((20_000, 2))
    s[::100, 0] = 1  # regular 100 Hz: CV 0
    s[[1000, 1100, 1300, 1700], 1] = 1  # ISIs 10, 20, 40 ms
    st = ex.spike_stats(s, dt, skip_ms=0.0)
    assert st["rate_hz"] == pytest.approx((200 + 4) / 2 / 2.0)
    isi = np.array([10.0, 20.0, 40.0])
    assert st["cv_isi"] == pytest.approx((0.0 + isi.std() / isi.mean()) / 2)


def test_build_network_resizes_the_yaml_model():
    n_e, n_i = sizes(1000)
    assert (n_e, n_i) == (800, 200)
    fixed = build_network("cuba", n=1000, p=0.1, seed=1, connectivity="fixed_indegree")
    assert fixed.components["EE"].shape == (800, 800) and fixed.components["IE"].shape == (200, 800)
    ee = fixed.components["EE"]
    assert ee.layout == "events"
    in_degree = (np.asarray(ee.dense_weights()) != 0).sum(0)
    assert (in_degree == 80).all()  # exactly p * n_e inputs each
    v = np.asarray(fixed.components["E"].v.value)
    assert v.min() >= -60.0 and v.max() <= -50.0 and v.std() > 1.0
    # Bernoulli: in-degrees Binomial(800, 0.1), mean 80, sd 8.5; out-edge rows as long as the largest out-degree
    bern = build_network("cuba", n=1000, p=0.1, seed=1)
    dense = np.asarray(bern.components["EE"].dense_weights()) != 0
    degree = dense.sum(0)
    assert bern.components["EE"].post_index.value.shape == (800, dense.sum(1).max())
    assert abs(degree.mean() - 80) < 1.5 and 6.5 < degree.std() < 10.5


def test_quick_run_is_irregular_at_plausible_rates(tmp_path):
    res = ex.main(["--quick", "--out", str(tmp_path)])
    for kind in ("coba", "cuba"):
        for pop in ("E", "I"):
            assert 2.0 < res[f"{kind}_{pop}_rate_hz"] < 60.0, (kind, pop, res)
            assert 0.1 < res[f"{kind}_{pop}_cv_isi"] < 2.0, (kind, pop, res)
    assert (tmp_path / "coba_cuba.png").exists() and (tmp_path / "results.json").exists()


def test_resume_in_the_second_network_gives_the_same_spikes(monkeypatch, tmp_path):
    """Killed in the middle of the CUBA run (COBA finished), a --resume run continues CUBA from its last
    checkpoint and ends with the spikes and statistics of an uninterrupted run."""
    import shutil

    from contexts.checkpoint import Checkpointer

    monkeypatch.setattr(ex, "CHUNK_STEPS", 100)
    argv = ["--n", "200", "--duration", "60", "--out", str(tmp_path)]
    stats = [f"{kind}_{pop}_{q}" for kind in ex.KINDS for pop in "EI" for q in ("rate_hz", "cv_isi")]
    want = ex.main(argv)
    ck = Checkpointer(tmp_path / "checkpoints")
    assert ck.steps() == [1100, 1200]  # 600 steps of each network, a checkpoint every 100
    spikes = {k: v for k, v in ck.load()["extra"].items() if k.endswith(("_step", "_i"))}
    assert len(spikes) == 8 and spikes["cuba/E_step"].size > 0
    shutil.rmtree(ck.path(1200))  # as if killed in CUBA's last piece
    assert ck.load()["extra"]["kind"] == "cuba" and ck.load()["extra"]["done"] == 500
    got = ex.main(argv + ["--resume"])
    assert [got[k] for k in stats] == [want[k] for k in stats]
    again = ck.load()["extra"]
    for k, v in spikes.items():
        np.testing.assert_array_equal(again[k], v, err_msg=k)
