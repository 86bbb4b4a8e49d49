"""Smoke test of museum.inhibitory_plasticity: a --quick run, its measured properties and helpers."""

import numpy as np

from museum.inhibitory_plasticity import __main__ as ex


def test_helpers():
    m = ex.membership(3)
    assert m.shape == (8, 24) and np.all(m.sum(0) == 1) and np.all(m.sum(1) == 3)
    tune = ex.excitatory_tuning()
    assert tune.argmax() == ex.PREFERRED and tune.min() > 0
    rates = ex.channel_rates(4000, 0.5, np.random.default_rng(0))
    assert rates.shape == (4000, 8) and rates.min() >= 2.0 and 8.0 < rates.mean() < 16.0
    assert ex.pearson(np.arange(5.0), 2 * np.arange(5.0) + 1) > 0.999 and ex.pearson(np.ones(4), np.arange(4.0)) == 0


def test_quick_run_lowers_the_rate_and_tunes_inhibition(tmp_path):
    res = ex.main(["--quick", "--out", str(tmp_path)])
    assert res["rate_before_hz"] > 30.0 and res["rate_after_hz"] < 0.5 * res["rate_before_hz"]
    assert res["tuning_corr_before"] == 0.0 and res["tuning_corr_after"] > 0.8  # flat -> co-tuned with E
    tune_i = np.asarray(res["inhibitory_tuning_after"])
    assert tune_i.argmax() == ex.PREFERRED and tune_i.min() > 0.05  # every channel's inhibition grew
    assert (tmp_path / "inhibitory_plasticity.png").exists() and (tmp_path / "results.json").exists()
