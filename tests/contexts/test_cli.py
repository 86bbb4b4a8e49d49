"""The ``synaptica`` command line, called in-process through ``contexts.cli.main``."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

from contexts import Component, Context, Input, Output
from contexts.cli import main, parse_sets


class CLeaky(Component):
    """Test-only leaky integrator: tau dr/dt = -r + j (Euler), tau in ms."""

    def __init__(self, name: str, n_units: int, tau: float = 10.0):
        super().__init__(name)
        self.n_units, self.tau = n_units, tau
        self.j = Input((n_units,))
        self.r = Output((n_units,))

    def advance_state(self, c, *, t, dt, key):
        return {"r": c.r + dt / self.tau * (c.j - c.r)}


MODEL = """\
name: clidemo
dt: 1.0
components:
  z0: {type: CLeaky, n_units: 3, tau: 2.0}
  W:  {type: DenseSynapse, shape: [3, 2], weight_init: {dist: uniform, low: 0.1, high: 0.5}}
  z1: {type: CLeaky, n_units: 2}
wires:
  - W.inputs << z0.r
  - z1.j << W.outputs
commands:
  advance: [z0, W, z1]
  reset: [z0, W, z1]
clamped: [z0.j]
steps: 12
run:
  record: [z1.r]
"""


@pytest.fixture
def model(tmp_path):
    path = tmp_path / "model.yaml"
    path.write_text(MODEL)
    return path


def reference_z1(steps: int, xs: np.ndarray, resist_scale: float = 1.0, w: np.ndarray | None = None) -> np.ndarray:
    """z1.r over time, computed with NumPy from the model's equations."""
    r0, r1, out = np.zeros((1, 3)), np.zeros((1, 2)), []
    for t in range(steps):
        r0 = r0 + 1.0 / 2.0 * (xs[t] - r0)
        r1 = r1 + 1.0 / 10.0 * (r0 @ (w * resist_scale) - r1)
        out.append(r1)
    return np.stack(out)


def test_validate_ok_and_error(model, tmp_path, capsys):
    assert main(["validate", str(model)]) == 0
    assert "OK" in capsys.readouterr().out
    bad = tmp_path / "bad.yaml"
    bad.write_text(MODEL.replace("n_units: 2}", "n_units: 2, tua: 1}"))
    assert main(["validate", str(bad)]) == 1
    err = capsys.readouterr().err
    assert f"{bad}:6: components.z1.tua: " in err and "Did you mean 'tau'" in err
    assert main(["validate", str(model), "--set", "z1.n_units=5"]) == 1
    assert "z1.j expects (batch, 5) but W.outputs is (batch, 2)" in capsys.readouterr().err


def test_run_with_data_records_and_overrides(model, tmp_path, capsys):
    steps = 12  # the file's `steps`
    xs = np.random.default_rng(1).uniform(0, 1, size=(steps, 3)).astype(np.float32)
    np.savez(tmp_path / "data.npz", **{"z0.j": xs})
    out = tmp_path / "out"
    rc = main(["run", str(model), "--data", str(tmp_path / "data.npz"), "--record", "z1.r,W.weights",
               "--out", str(out), "--set", "W.resist_scale=2e0", "--set", "seed=4", "--quiet"])
    assert rc == 0, capsys.readouterr().err
    with np.load(out / "records.npz") as rec:
        z1, weights = rec["z1.r"], rec["W.weights"]
    assert z1.shape == (steps, 1, 2) and weights.shape == (steps, 3, 2)
    np.testing.assert_allclose(z1, reference_z1(steps, xs, 2.0, weights[0]), rtol=1e-5, atol=1e-6)
    summary = json.loads((out / "summary.json").read_text())
    assert summary["steps"] == steps and summary["commands"] == ["advance"] and summary["seed"] == 4
    assert summary["overrides"] == {"W.resist_scale": 2.0, "seed": 4}
    assert summary["records"]["z1.r"]["shape"] == [steps, 1, 2]
    assert summary["records"]["z1.r"]["max"] == pytest.approx(float(z1.max()), rel=1e-5)
    saved = Context.load(str(out / "model"))  # the final model is saved too
    np.testing.assert_allclose(np.asarray(saved.get("z1.r")), z1[-1], rtol=1e-6)
    assert "z1.r: shape (12, 1, 2)" in capsys.readouterr().out


def test_steps_come_from_flag_then_set_then_file(model, tmp_path, capsys):
    args = ["run", str(model), "--dry-run"]
    assert main(args) == 0
    assert "would run clidemo: 12 steps of advance (dt = 1 ms), recording z1.r," in capsys.readouterr().out
    assert main(args + ["--set", "steps=5", "--set", "run.record=[W.weights]"]) == 0
    assert "5 steps of advance (dt = 1 ms), recording W.weights" in capsys.readouterr().out
    assert main(args + ["--set", "steps=5", "--steps", "3", "--commands", "advance,reset", "--record", "z0.r"]) == 0
    assert "3 steps of advance, reset (dt = 1 ms), recording z0.r" in capsys.readouterr().out
    assert not (tmp_path / "runs").exists()


def test_run_errors_exit_1(model, tmp_path, capsys):
    base = ["run", str(model), "--out", str(tmp_path / "o"), "--quiet"]
    assert main(base + ["--commands", "evolve"]) == 1
    assert "no command 'evolve'" in capsys.readouterr().err
    assert main(base + ["--data", str(tmp_path / "none.npz")]) == 1
    assert "no such file" in capsys.readouterr().err
    np.savez(tmp_path / "bad.npz", **{"z0.j": np.zeros((4, 5))})
    assert main(base + ["--data", str(tmp_path / "bad.npz")]) == 1
    assert "has shape (4, 5)" in capsys.readouterr().err
    assert main(base + ["--set", "W.resist_scale"]) == 1
    assert "--set component.parameter=value" in capsys.readouterr().err
    no_steps = tmp_path / "nosteps.yaml"
    no_steps.write_text(MODEL.replace("steps: 12\n", ""))
    assert main(["run", str(no_steps), "--quiet"]) == 1
    assert "how many steps?" in capsys.readouterr().err
    np.savez(tmp_path / "seven.npz", **{"z0.j": np.ones((7, 1, 3))})  # without `steps`, the data says
    assert main(["run", str(no_steps), "--dry-run", "--data", str(tmp_path / "seven.npz")]) == 0
    assert "7 steps of advance (dt = 1 ms), recording z1.r, inputs from z0.j" in capsys.readouterr().out
    assert main(base + ["--data", str(tmp_path / "seven.npz")]) == 1  # 7 data steps < the file's 12
    assert "holds 7 steps but 12 were asked for" in capsys.readouterr().err


def test_parse_sets_reads_yaml_values():
    assert parse_sets(["W.A_plus=2e-2", "steps=500", "W.shape=[4, 5]", "W.weight_init={dist: constant}",
                       "name=abc"]) == {"W.A_plus": 0.02, "steps": 500, "W.shape": [4, 5],
                                        "W.weight_init": {"dist": "constant"}, "name": "abc"}


def test_inspect_prints_the_graph_and_draws_it(model, tmp_path, capsys):
    png = tmp_path / "g.png"
    assert main(["inspect", str(model), "--png", str(png)]) == 0
    out = capsys.readouterr().out
    for text in ("z0 (CLeaky)", "param  weights        (3, 2)", "input  j              (batch, 2)",
                 "z1.j << W.outputs", "advance: [z0, W, z1]", "tau=2.0"):
        assert text in out
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_types_lists_registered_components(capsys):
    assert main(["types"]) == 0
    assert "DenseSynapse" in capsys.readouterr().out


@pytest.fixture
def museum(tmp_path, monkeypatch):
    root = tmp_path / "exhibits" / "museum"
    (root / "hello").mkdir(parents=True)
    (root / "__init__.py").write_text("")
    (root / "_common.py").write_text("")
    (root / "_private").mkdir()
    (root / "_private" / "__main__.py").write_text("")
    (root / "notes").mkdir()
    (root / "hello" / "__init__.py").write_text("")
    (root / "hello" / "__main__.py").write_text(
        '"""Hello exhibit: writes its arguments."""\nimport sys\nfrom pathlib import Path\n'
        'Path("hello.txt").write_text(" ".join(sys.argv[1:]))\nsys.exit(3 if "--fail" in sys.argv else 0)\n')
    monkeypatch.setenv("SYNAPTICA_MUSEUM", str(root))
    monkeypatch.chdir(tmp_path)  # `python -m museum.hello` must find the test museum, not the repo's
    return root


def test_museum_list_and_run(museum, tmp_path, capsys):
    assert main(["museum", "list"]) == 0
    out = capsys.readouterr().out
    assert "hello" in out and "Hello exhibit: writes its arguments." in out
    assert "_private" not in out and "notes" not in out and "_common" not in out
    assert main(["museum", "run", "hello", "--quick", "--seed", "2"]) == 0
    assert (tmp_path / "hello.txt").read_text() == "--quick --seed 2"
    assert main(["museum", "run", "hello", "--fail"]) == 3  # the exhibit's exit status comes back
    assert main(["museum", "run", "helo"]) == 1
    assert "Did you mean hello" in capsys.readouterr().err


def test_real_museum_exhibits_are_listed(capsys, monkeypatch):
    monkeypatch.delenv("SYNAPTICA_MUSEUM", raising=False)
    from contexts.cli import exhibits, museum_dir

    root = museum_dir()
    assert root is not None and (root / "__init__.py").is_file()
    expected = sorted(d.name for d in root.iterdir() if (d / "__main__.py").is_file() and not d.name.startswith("_"))
    assert sorted(exhibits()) == expected


def test_console_script_is_installed():
    script = Path(sys.executable).parent / "synaptica"
    if not script.exists():
        pytest.skip("console script not installed in this environment (pip install -e .)")
    assert "contexts.cli" in script.read_text()
