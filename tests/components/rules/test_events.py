"""event_indices: the nonzero inputs' indices, as jnp.nonzero(row, size=..., fill_value=0) gives them."""

import jax.numpy as jnp
import numpy as np
import pytest

from components.rules.events import event_indices


def numpy_indices(row: np.ndarray, size: int) -> np.ndarray:
    idx = np.flatnonzero(row)[:size]
    return np.concatenate([idx, np.zeros(size - len(idx), int)])


@pytest.mark.parametrize("n, size, p", [(1, 1, 0.5), (7, 3, 0.5), (13, 16, 0.3), (800, 16, 0.01),
                                        (3201, 50, 0.005), (3200, 50, 0.5), (100, 128, 1.0)])
def test_indices_equal_numpy_nonzero(n: int, size: int, p: float) -> None:
    rng = np.random.default_rng(n + size)
    x = np.where(rng.random((5, n)) < p, rng.normal(size=(5, n)), 0.0).astype(np.float32)
    x[0] = 0.0                       # no events
    x[1, -1] = -2.0                  # an event in the last (padded) block, negative
    got = np.asarray(event_indices(jnp.asarray(x), size))
    assert got.shape == (5, size) and got.dtype == np.int32
    for row, g in zip(x, got):
        np.testing.assert_array_equal(g, numpy_indices(row, size))
