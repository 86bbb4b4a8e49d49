"""The exhibits' shared command line: --set values, clean errors, one-core pinning helpers."""

import json
import os

import numpy as np
import pytest

from contexts.errors import ModelFileError
from museum import _common as mc


def test_set_values_read_as_yaml_with_plain_exponents(tmp_path):
    args = mc.parse_args("x", argv=["--out", str(tmp_path), "--set", "W.eta=2e-4", "--set", "z.mode=leaky",
                                    "--set", "z.n=3", "--set", "W.shape=[2, 3]"])
    assert args.overrides == {"W.eta": 2e-4, "z.mode": "leaky", "z.n": 3, "W.shape": [2, 3]}
    assert isinstance(args.overrides["W.eta"], float)


def test_run_main_turns_our_errors_into_one_line(capsys):
    def bad(argv):
        raise ModelFileError("override W.bogus=1: W has no parameter 'bogus'")

    assert mc.run_main(bad, "demo_exhibit", []) == 1
    err = capsys.readouterr().err
    assert err == "python -m museum.demo_exhibit: error: override W.bogus=1: W has no parameter 'bogus'\n"
    assert mc.run_main(lambda argv: None, "demo_exhibit", []) == 0

    def broken(argv):  # not ours: a real bug keeps its traceback
        raise KeyError("x")

    with pytest.raises(KeyError):
        mc.run_main(broken, "demo_exhibit", [])


def test_idle_ticks_per_core():
    ticks = mc._idle_ticks()
    if ticks:  # Linux
        assert all(isinstance(c, int) and t >= 0 for c, t in ticks.items())
        assert set(ticks) >= set(os.sched_getaffinity(0))


def test_guarded_statistics_and_formatting():
    assert mc.mean([]) is None and mc.mean([1.0, 2.0]) == 1.5
    assert mc.median([float("nan"), float("nan")]) is None  # no "All-NaN slice" warning (errors here)
    assert mc.median([3.0, float("nan"), 1.0]) == 2.0
    assert mc.fmt(None) == "n/a" and mc.fmt(0.123456, ".3f") == "0.123"
    assert mc.numbers(np.array([0.799, 0.491], np.float32), ".2f") == "[0.80, 0.49]"
    assert mc.numbers([1, 10, 0.5], "g") == "[1, 10, 0.5]"


def test_save_results_rounds_and_prints_na(tmp_path, capsys):
    mc.save_results(tmp_path, {"acc": np.float32(0.799), "first": None, "curve": [0.123456789]})
    assert capsys.readouterr().out == "  acc: 0.799\n  first: n/a\n"
    assert json.loads((tmp_path / "results.json").read_text()) == {"acc": 0.799, "first": None, "curve": [0.1235]}


def test_resume_continues_a_long_exhibit_bit_identically(monkeypatch, tmp_path):
    """stdp_digits' training loop killed after 6 of 8 presentations (2 epochs, A_plus annealed after the
    first) and run again with --resume ends with the same weights, thresholds and spike counts."""
    import shutil

    from contexts.checkpoint import Checkpointer
    from museum.stdp_digits import __main__ as ex

    monkeypatch.setattr(ex, "T_PRESENT", 40)
    x_train = ex.load_data(0)[0][:4]

    def train(argv):
        args = mc.parse_args(ex.NAME, argv=["--out", str(tmp_path)] + argv, resumable=True)
        ctx = mc.load_exhibit_model(ex.__file__, args=args)
        counts = ex.train(ctx, x_train, epochs=2, every=2, anneal=0.5, args=args)
        return counts, ctx

    want, ref = train([])
    ck = Checkpointer(tmp_path / "checkpoints")
    assert ck.steps() == [6, 8]
    shutil.rmtree(ck.path(8))  # as if killed before the last checkpoint
    got, ctx = train(["--resume"])
    np.testing.assert_array_equal(got, want)
    assert ctx.components["W"].A_plus == ref.components["W"].A_plus
    for name in ("W.weights", "z.thr_theta", "z.v"):
        np.testing.assert_array_equal(np.asarray(ctx.get(name)), np.asarray(ref.get(name)))
    np.testing.assert_array_equal(np.asarray(ctx.state["clock"]["key"]), np.asarray(ref.state["clock"]["key"]))
    again, _ = train([])  # no --resume: a fresh start that clears the old checkpoints
    np.testing.assert_array_equal(again, want)


def test_only_resumable_exhibits_take_resume(tmp_path, capsys):
    with pytest.raises(SystemExit):
        mc.parse_args("short", argv=["--out", str(tmp_path), "--resume"])
    assert "unrecognized arguments: --resume" in capsys.readouterr().err
    for name in ("eprop_evidence_accumulation", "stdp_digits", "eprop_vs_bptt", "brunel", "coba_cuba",
                 "sparse_coding", "predictive_coding", "eprop_sine_waves", "eprop_nmnist_digits", "eprop_sparse",
                 "microcircuit",
                 "eprop_handwriting"):
        text = (mc.exhibit_dir(mc.__file__) / name / "__main__.py").read_text()
        assert "resumable=True" in text and "mc.checkpoint(" in text and "mc.resume(" in text, name
