"""components.rules.priors: gradients of l1 / l2 / elastic-net penalties, always shrinking |W|."""

import jax.numpy as jnp
import numpy as np
import pytest

from components.rules.priors import parse_prior, prior_gradient
from contexts.errors import ValidationError

W = np.random.default_rng(2).normal(0.0, 1.0, (6, 3)).astype(np.float32)


@pytest.mark.parametrize("prior,ref", [
    (("l2", 0.1), 0.1 * W), (("ridge", 0.1), 0.1 * W), (("gaussian", 0.1), 0.1 * W),
    (("l1", 0.05), 0.05 * np.sign(W)), (("lasso", 0.05), 0.05 * np.sign(W)), (("laplacian", 0.05), 0.05 * np.sign(W)),
    (("l1l2", (0.2, 0.3)), 0.2 * (0.3 * np.sign(W) + 0.35 * W)),
    (["elastic_net", [0.2, 0.3]], 0.2 * (0.3 * np.sign(W) + 0.35 * W)),  # YAML gives lists
    (None, 0 * W), (("constant", 0.0), 0 * W),
])
def test_prior_gradient_matches_numpy(prior, ref):
    np.testing.assert_allclose(prior_gradient(jnp.asarray(W), prior), ref, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("prior", [("l2", 0.1), ("l1", 0.1), ("l1l2", (0.2, 0.5))])
def test_descent_on_prior_shrinks_every_weight(prior):
    w = jnp.asarray(W)
    for _ in range(50):
        new = w - 0.1 * prior_gradient(w, prior)
        # |W| never grows, except that an l1 step (0.1 * 0.1) may overshoot zero by less than itself
        assert np.all(np.abs(np.asarray(new)) <= np.maximum(np.abs(np.asarray(w)), 0.01) + 1e-7)
        w = new
    assert float(jnp.sum(jnp.abs(w))) < 0.9 * float(np.abs(W).sum())


@pytest.mark.parametrize("bad", [("l3", 0.1), "l2", ("l2", -0.1), ("l1l2", 0.1), ("l1l2", (0.1, 1.5)), ("l2", "a")])
def test_bad_priors_raise(bad):
    with pytest.raises(ValidationError, match="W.prior"):
        parse_prior(bad, "W.prior")
