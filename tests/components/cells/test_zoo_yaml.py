"""The Izhikevich, AdEx, IF, quadratic IF and error cells build from YAML by type name, and a bad
value is reported at its line."""

import numpy as np
import pytest

from contexts import load_model_string
from contexts.params import ParameterError

MODEL = """
name: zoo
dt: 0.25
components:
  izh:  {type: IzhikevichCell, n_units: 2, preset: chattering}
  adex: {type: AdExCell, n_units: 2, b: 0.0}
  iff:  {type: IFCell, n_units: 2}
  qif:  {type: QuadLIFCell, n_units: 2, a0: 0.2}
  err:  {type: GaussianErrorCell, n_units: 2, sigma: 2.0}
  lap:  {type: LaplacianErrorCell, n_units: 2}
  ber:  {type: BernoulliErrorCell, n_units: 2, input_logits: true}
wires:
  - err.mu << izh.s
  - lap.shift << adex.s
  - ber.p << qif.s
commands:
  advance: [izh, adex, iff, qif, err, lap, ber]
clamped: [izh.j, adex.j, iff.j, qif.j, err.target, lap.target, ber.target]
"""


def test_every_new_cell_builds_and_runs_from_yaml():
    ctx = load_model_string(MODEL)
    izh, adex, iff, qif, err = (ctx.components[n] for n in ("izh", "adex", "iff", "qif", "err"))
    assert izh.abcd() == (0.02, 0.2, -50.0, 2.0)
    T = 400
    inputs = {izh.j: np.full((T, 1, 2), 10.0), adex.j: np.full((T, 1, 2), 800.0), iff.j: np.full((T, 1, 2), 5.0),
              qif.j: np.full((T, 1, 2), 20.0), err.target: np.ones((T, 1, 2))}
    rec = ctx.run("advance", steps=T, inputs={k: v.astype(np.float32) for k, v in inputs.items()},
                  record=[izh.s, adex.s, iff.s, qif.s, err.L])
    for cell in (izh, adex, iff, qif):
        assert np.asarray(rec[cell.s]).sum() > 0, cell.name
    # L = -sum (1 - s)^2 / (2 * 4): -0.25 with no spike, -0.125 with one
    assert set(np.unique(np.asarray(rec[err.L]))) <= {-0.25, -0.125, 0.0}


def test_a_bad_preset_is_reported_at_its_line():
    text = MODEL.replace("preset: chattering", "preset: chatering")
    with pytest.raises(ParameterError) as info:
        load_model_string(text, filename="zoo.yaml")
    assert "chattering" in str(info.value) and "zoo.yaml:5" in str(info.value)
