"""The performance benchmarks' own logic: spike statistics, the statistics check, missing peers, and a
tiny event-driven measurement (equal outputs)."""

from __future__ import annotations

import argparse

import numpy as np

from benchmarks import coba_cuba, event_driven
from benchmarks.peers.stats import spike_stats


def test_spike_stats_rate_and_cv() -> None:
    # neuron 0: regular every 10 ms (CV 0); neuron 1: ISIs 5, 15, 5, 15 ms (CV 0.5); neuron 2: two spikes
    idx = np.r_[np.zeros(10), np.ones(5), [2, 2]].astype(int)
    times = np.r_[np.arange(10) * 10.0, [0.0, 5.0, 20.0, 25.0, 40.0], [1.0, 2.0]]
    s = spike_stats(idx, times, n=4, duration_ms=100.0)
    assert s["rate_hz"] == (10 + 5 + 2) / 4 / 0.1
    assert s["n_cv"] == 2 and abs(s["cv_isi"] - 0.25) < 1e-12          # mean of 0 and 0.5


def test_check_stats_marks_the_odd_one_out() -> None:
    def row(name, e_rate, cv=0.8):
        return {"column": name, "E": {"rate_hz": e_rate, "cv_isi": cv}, "I": {"rate_hz": 20.0, "cv_isi": 0.8}}
    rows = [row("a", 22.0), row("b", 21.0), row("c", 30.0), row("d", 21.5, cv=1.2), {"column": "e", "error": "x"}]
    coba_cuba.check_stats(rows, rate_tol=0.2, cv_tol=0.2)
    assert [r.get("stats_ok") for r in rows] == [True, True, False, False, None]
    assert "E rate 30.0" in rows[2]["stats_problems"][0] and "E CV 1.20" in rows[3]["stats_problems"][0]


def test_missing_interpreter_is_reported() -> None:
    args = argparse.Namespace(duration=10.0, seed=0, brian2_python="/nonexistent/python", nest_python="/nonexistent/py",
                              brainpy_python="/nonexistent/bp", nest_threads=1, synaptica_root=".", timeout=10,
                              synaptica_cores=None)
    r = coba_cuba.run_one("brian2-standalone", args, "coba", 100, 0.02)
    assert r["error"].startswith("interpreter /nonexistent/python not found")
    r = coba_cuba.run_one("brainpy", args, "cuba", 100, 0.02)
    assert r["error"].startswith("interpreter /nonexistent/bp not found") and "--brainpy-python" in r["error"]


def test_event_driven_measurement_is_exact() -> None:
    r = event_driven.measure(n=300, p=0.01, steps=5, repeats=1)
    assert r["max_abs_diff"] == 0.0 and r["capacity"] >= 16
    assert r["us_per_step"]["dense"] > 0 and r["us_per_step"]["event"] > 0


def test_synaptica_column_runs_both_layouts() -> None:
    args = argparse.Namespace(duration=20.0, seed=0, synaptica_root=".", timeout=300, synaptica_cores=1)
    events = coba_cuba.run_one("synaptica", args, "cuba", 400, 0.05)
    args.synaptica_cores = None
    edges = coba_cuba.run_one("synaptica-edges", args, "cuba", 400, 0.05)
    assert "error" not in events and "error" not in edges, (events, edges)
    assert events["mode"].endswith(", events, 1 core(s)") and ", edges, " in edges["mode"]
    assert set(events["max_events_capacity"]) == {"EE", "EI", "IE", "II"} and edges["max_events_capacity"] == {}
    # the same network: the same synapses, and spikes in both
    assert events["synapses"] == edges["synapses"] > 0
    assert events["E"]["rate_hz"] > 0 and edges["E"]["rate_hz"] > 0


def test_layout_crossover_layouts_agree() -> None:
    from benchmarks import layout_crossover

    for fraction in (0.05, 1.0):   # spikes (the events' fast path) and continuous inputs (every row)
        r = layout_crossover.measure(n=120, p=0.1, fraction=fraction, batch=2, steps=3, repeats=1)
        assert set(r["us_per_step"]) == {"dense", "edges", "events"}
        assert max(r["max_rel_error"].values()) < 1e-5, r["max_rel_error"]


def test_coba_breakdown_times_both_variants() -> None:
    from benchmarks import coba_breakdown

    (row,) = coba_breakdown.main(["--kind", "cuba", "--sizes", "200", "--steps", "20", "--repeats", "1"])
    assert row["n"] == 200 and set(row["us_per_step"]) == {"whole step", "without propagation"}
    assert all(v > 0 for v in row["us_per_step"].values())


def test_sparse_engine_runs_the_plastic_events_layout() -> None:
    from benchmarks import sparse

    args = argparse.Namespace(sizes=[200], p=[0.1], steps=5, repeats=1, layouts=["edges", "events"], max_input=0.5)
    (row,) = sparse.engine_rows(args)
    assert set(row["steps_per_s_best"]) == {"edges", "events"} and all(v > 0 for v in row["steps_per_s_best"].values())
    assert 0 < row["max_events"] <= row["capacity"]
