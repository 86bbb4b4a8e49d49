"""The exhibits' shared command line: --set values, clean errors, one-core pinning helpers."""

import os

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
