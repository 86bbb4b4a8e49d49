"""components.rules.bounds: soft bound, clipping, nonnegativity, decay against NumPy."""

import jax.numpy as jnp
import numpy as np
import pytest

from components.rules.bounds import check_bound, clip_range, clip_weights, soft_bound, weight_decay
from contexts.errors import ValidationError

RNG = np.random.default_rng(1)
W = RNG.normal(0.0, 1.0, (5, 4)).astype(np.float32)
DW = RNG.normal(0.0, 1.0, (5, 4)).astype(np.float32)


def test_soft_bound_matches_numpy_and_vanishes_at_the_bound():
    np.testing.assert_allclose(soft_bound(jnp.asarray(DW), jnp.asarray(W), 1.5), DW * (1.5 - np.abs(W)), rtol=1e-6)
    np.testing.assert_array_equal(soft_bound(jnp.asarray(DW), jnp.asarray(W), 0.0), DW)  # 0 disables
    at_bound = np.full((2, 2), 0.7, np.float32) * np.array([[1, -1], [1, -1]], np.float32)
    assert np.all(np.asarray(soft_bound(jnp.ones((2, 2)), jnp.asarray(at_bound), 0.7)) == 0.0)


@pytest.mark.parametrize("w_bound,nonneg,low,high", [(0.5, False, -0.5, 0.5), (0.5, True, 0.0, 0.5),
                                                      (0.0, True, 0.0, None), (0.0, False, None, None)])
def test_clip_weights(w_bound, nonneg, low, high):
    assert clip_range(w_bound, nonneg) == (low, high)
    ref = W if (low is None and high is None) else np.clip(W, low, high)
    np.testing.assert_array_equal(clip_weights(jnp.asarray(W), w_bound, nonneg), ref)


def test_weight_decay_is_minus_decay_times_w():
    np.testing.assert_allclose(weight_decay(jnp.asarray(W), 0.3), -0.3 * W, rtol=1e-6)


@pytest.mark.parametrize("bad", [-1.0, float("nan"), float("inf"), "x"])
def test_check_bound_rejects(bad):
    with pytest.raises(ValidationError, match="W.w_bound"):
        check_bound(bad, "W.w_bound")
    assert check_bound(2, "W.w_bound") == 2.0
