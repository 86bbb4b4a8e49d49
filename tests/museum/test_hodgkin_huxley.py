"""Smoke test of museum.hodgkin_huxley: the --quick run measures the squid axon's action potential,
the onset of repetitive firing and refractoriness where Hodgkin & Huxley's equations put them."""

import json

import numpy as np

from museum.hodgkin_huxley import __main__ as ex


def test_action_potential_detector_needs_a_return_below_rearm():
    v = np.array([-65, -10, 10, 30, 5, -5, 2, -30, -50, -20, 5, -60], float)[:, None]
    np.testing.assert_array_equal(ex.action_potentials(v)[:, 0], [0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0])


def test_quick_run(tmp_path):
    r = ex.main(["--quick", "--out", str(tmp_path)])
    assert 38.0 < r["peak_mv"] < 42.0 and 100.0 < r["amplitude_mv"] < 110.0  # +40 mV, ~105 mV above rest
    assert -78.0 < r["ahp_mv"] < -73.0  # undershoot towards E_K = -77 mV
    assert 1.0 < r["half_width_ms"] < 2.0
    assert r["repetitive_onset_uA"] == 6.5 and r["no_firing_at_uA"] == 6.0  # HH: from 6.2-6.3 uA/cm^2
    assert 40.0 <= r["onset_rate_hz"] <= 70.0  # class 2: a jump to ~50 Hz
    ratio = dict(zip(r["intervals_ms"], r["second_threshold_ratio"]))
    assert np.isinf(ratio[3.0]) and 2.0 < ratio[8.0] < 20.0 and ratio[20.0] < 1.1
    saved = json.loads((tmp_path / "results.json").read_text())
    assert saved["relative_refractory_ms"] == 8.0
    assert (tmp_path / "hodgkin_huxley.png").stat().st_size > 10_000
