"""Smoke test of museum.inhibitory_plasticity: a --quick run, its measured properties and helpers."""

import numpy as np

from museum.inhibitory_plasticity import __main__ as ex


def test_helpers():
    m = ex.membership(3)
    assert m.shape == (8, 24) and np.all(m.sum(0) == 1) and np.all(m.sum(1) == 3)
    np.testing.assert_array_equal(ex.preferred(4), [1, 3, 5, 7])
    tune = ex.excitatory_tuning(4)
    assert tune.shape == (8, 4) and np.all(tune.argmax(0) == ex.preferred(4)) and tune.min() > 0
    np.testing.assert_allclose(tune[0, 3], tune[6, 3])  # channels on a ring: 0 and 6 are both 1 away from 7
    rates = ex.channel_rates(4000, 0.5, np.random.default_rng(0))
    assert rates.shape == (4000, 8) and rates.min() >= 2.0 and 8.0 < rates.mean() < 16.0
    assert ex.pearson(np.arange(5.0), 2 * np.arange(5.0) + 1) > 0.999 and ex.pearson(np.ones(4), np.arange(4.0)) == 0
    matched, other = ex.tuning_corr(tune, tune)
    assert matched > 0.999 and other < 0.5


def test_quick_run_lowers_the_rate_and_tunes_inhibition(tmp_path):
    res = ex.main(["--quick", "--out", str(tmp_path)])
    assert res["rate_before_hz"] > 30.0 and res["rate_after_hz"] < 0.5 * res["rate_before_hz"]
    assert res["current_corr_after"] > res["current_corr_before"] + 0.1
    # flat -> co-tuned with each neuron's own excitation, not with the other neurons'
    assert res["tuning_corr_before"] == 0.0 and res["tuning_corr_after"] > 0.5
    assert res["tuning_corr_after_other_neurons"] < 0.0
    assert (tmp_path / "inhibitory_plasticity.png").exists() and (tmp_path / "results.json").exists()
