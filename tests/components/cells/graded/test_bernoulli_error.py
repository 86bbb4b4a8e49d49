"""BernoulliErrorCell against a NumPy loop (probabilities and logits), the chain rule between the
two parameterisations, and finite values at p = 0, 1 and extreme logits."""

import numpy as np
import pytest

from components.cells import BernoulliErrorCell
from contexts import Context
from contexts.params import ParameterError


def reference(p, x, logits):
    if logits:
        prob = 1 / (1 + np.exp(-p))
        log_p, log_q = np.log(prob), np.log1p(-prob)
        d = x - prob
    else:
        prob = np.clip(p, 1e-4, 1 - 1e-4)
        log_p, log_q = np.log(prob), np.log1p(-prob)
        d = x / prob - (1 - x) / (1 - prob)
    return x * log_p + (1 - x) * log_q, d, log_p - log_q


@pytest.mark.parametrize("logits", [False, True])
def test_matches_numpy_step_by_step(run_error_cell, logits):
    T, B, N = 120, 2, 5
    rng = np.random.default_rng(7)
    p = rng.normal(0, 2, (T, B, N)) if logits else rng.uniform(0.02, 0.98, (T, B, N))
    x = (rng.uniform(size=(T, B, N)) > 0.5).astype(float)
    modulator = rng.uniform(0.5, 2.0, (T, B, N))
    mask = (rng.uniform(size=(T, B, N)) > 0.3).astype(float)
    got = run_error_cell(BernoulliErrorCell, {"p": p, "target": x, "modulator": modulator, "mask": mask},
                         input_logits=logits)
    for k in range(T):
        log_density, d, dx = reference(p[k].astype(np.float32).astype(float), x[k], logits)
        gate = modulator[k].astype(np.float32) * mask[k]
        np.testing.assert_allclose(got["dp"][k], gate * d, rtol=1e-4, atol=1e-4)
        np.testing.assert_allclose(got["dtarget"][k], gate * dx, rtol=1e-4, atol=1e-4)
        np.testing.assert_allclose(got["L"][k], (mask[k] * log_density).sum(-1), rtol=1e-4, atol=1e-4)


def test_logit_derivative_is_the_chain_rule(run_error_cell):
    # dL/dz = dL/dp * p (1 - p) at p = sigmoid(z)
    z = np.array([[[-2.0, -0.3, 0.0, 0.8, 2.5]]])
    x = np.array([[[1.0, 0.0, 1.0, 1.0, 0.0]]])
    prob = 1 / (1 + np.exp(-z))
    by_logit = run_error_cell(BernoulliErrorCell, {"p": z, "target": x}, input_logits=True)
    by_prob = run_error_cell(BernoulliErrorCell, {"p": prob, "target": x})
    np.testing.assert_allclose(by_logit["dp"], by_prob["dp"] * prob * (1 - prob), rtol=1e-4)
    np.testing.assert_allclose(by_logit["L"], by_prob["L"], rtol=1e-5)


def test_extremes_stay_finite(run_error_cell):
    p = np.array([[[0.0, 1.0, 0.0, 1.0]]])
    x = np.array([[[1.0, 0.0, 0.0, 1.0]]])
    got = run_error_cell(BernoulliErrorCell, {"p": p, "target": x})
    assert all(np.all(np.isfinite(v)) for v in got.values())
    np.testing.assert_allclose(got["L"][0, 0], 2 * np.log(1e-4) + 2 * np.log1p(-1e-4), rtol=1e-4)
    z = np.array([[[-200.0, 200.0]]])
    got = run_error_cell(BernoulliErrorCell, {"p": z, "target": np.array([[[1.0, 0.0]]])}, input_logits=True)
    assert all(np.all(np.isfinite(v)) for v in got.values())
    np.testing.assert_allclose(got["L"][0, 0], -400.0, rtol=1e-5)


def test_input_logits_must_be_a_flag():
    with Context("bad", dt=1.0):
        with pytest.raises(ParameterError, match="input_logits"):
            BernoulliErrorCell("z", 2, input_logits="yes")
