"""computed_once: the values pass unchanged (NaN too), under jit, vmap and grad."""

import jax
import jax.numpy as jnp
import numpy as np

from components.rules.fusion import MIN_ELEMENTS, computed_once


def test_values_pass_unchanged_nan_included() -> None:
    a = jnp.asarray([[np.nan, 1.0, -2.0]])
    b = jnp.asarray([[0.0, 3.0]])
    got = jax.jit(lambda a, b: computed_once((a, b), MIN_ELEMENTS))(a, b)
    np.testing.assert_array_equal(got[0], a)     # a NaN first element still takes the identity branch
    np.testing.assert_array_equal(got[1], b)
    small = computed_once((a, b), MIN_ELEMENTS - 1)
    assert small[0] is a and small[1] is b         # small matrices: nothing inserted


def test_under_vmap_and_grad() -> None:
    x = jnp.arange(12.0).reshape(3, 4)
    f = lambda v: jnp.sum(computed_once((v,), MIN_ELEMENTS)[0] ** 2)   # noqa: E731
    np.testing.assert_allclose(jax.vmap(f)(x), np.sum(np.asarray(x) ** 2, axis=1))
    np.testing.assert_allclose(jax.grad(f)(x[0]), 2 * np.asarray(x[0]))
