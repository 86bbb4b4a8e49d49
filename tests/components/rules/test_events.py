"""event_indices: the nonzero inputs' indices, as jnp.nonzero(row, size=..., fill_value=0) gives them;
for_each_event: a loop over them, in order, however many there are."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from components.rules.events import event_indices, for_each_event


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


@pytest.mark.parametrize("n, size, p", [(1, 1, 1.0), (40, 3, 0.3), (40, 8, 0.0), (500, 16, 0.2), (64, 64, 1.0),
                                        (64, 7, 1.0)])
def test_for_each_event_visits_every_event_once_in_order(n: int, size: int, p: float) -> None:
    """Events beyond ``size`` are found in further rounds of ``size``: the visits are NumPy's nonzero."""
    flags = np.random.default_rng(n).random(n) < p

    def visit(i, carry):
        log, count = carry
        return log.at[count].set(i), count + 1

    log, count = jax.jit(lambda f: for_each_event(f, size, visit, (jnp.full((n,), -1, jnp.int32), 0)))(flags)
    assert int(count) == flags.sum()
    np.testing.assert_array_equal(np.asarray(log)[:count], np.flatnonzero(flags))
