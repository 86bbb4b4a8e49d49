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
    ctx = build_network("cuba", n=250, p=0.1, seed=1)
    n_e, n_i = sizes(250)
    assert (n_e, n_i) == (200, 50)
    assert ctx.components["EE"].shape == (200, 200) and ctx.components["IE"].shape == (50, 200)
    assert ctx.components["EE"].pre_index.value.shape == (20, 200)  # fixed in-degree p * n_e
    v = np.asarray(ctx.components["E"].v.value)
    assert v.min() >= -60.0 and v.max() <= -50.0 and v.std() > 1.0


def test_quick_run_is_irregular_at_plausible_rates(tmp_path):
    res = ex.main(["--quick", "--out", str(tmp_path)])
    for kind in ("coba", "cuba"):
        for pop in ("E", "I"):
            assert 2.0 < res[f"{kind}_{pop}_rate_hz"] < 60.0, (kind, pop, res)
            assert 0.1 < res[f"{kind}_{pop}_cv_isi"] < 2.0, (kind, pop, res)
    assert (tmp_path / "coba_cuba.png").exists() and (tmp_path / "results.json").exists()
