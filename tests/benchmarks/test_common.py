"""Benchmark results go to an untracked folder unless --publish is given."""

import argparse
import json
import subprocess
from pathlib import Path

import pytest

from benchmarks import common

ROOT = Path(__file__).resolve().parents[2]


def test_results_go_to_local_unless_published(monkeypatch, tmp_path):
    monkeypatch.setattr(common, "RESULTS", tmp_path)
    monkeypatch.setattr(common, "LOCAL_RESULTS", tmp_path / "local")
    parser = argparse.ArgumentParser()
    common.add_publish_flag(parser)
    for argv, folder in (([], tmp_path / "local"), (["--publish"], tmp_path)):
        args = parser.parse_args(argv)
        path = common.write_json("demo", {"rows": [1, 2]}, args.publish)
        assert path == folder / "demo.json"
        assert json.loads(path.read_text())["rows"] == [1, 2]


def test_the_local_folder_is_not_tracked():
    probe = common.LOCAL_RESULTS.relative_to(ROOT) / "anything.json"
    rc = subprocess.run(["git", "check-ignore", "-q", str(probe)], cwd=ROOT, capture_output=True).returncode
    if rc == 128:
        pytest.skip("not a git checkout")
    assert rc == 0, ".gitignore must list benchmarks/results/local/"
