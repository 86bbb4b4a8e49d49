"""components.rules.optimizers: sgd and bias-corrected Adam (Kingma & Ba 2015) against NumPy."""

import jax.numpy as jnp
import numpy as np
import pytest

from components.rules.optimizers import make_optimizer
from contexts.errors import ValidationError


def test_sgd_step_is_lr_times_g_and_stateless():
    opt = make_optimizer("sgd", lr=0.05)
    g = np.random.default_rng(0).normal(size=(3, 4)).astype(np.float32)
    step, state = opt.update(jnp.asarray(g), {})
    np.testing.assert_allclose(step, 0.05 * g, rtol=1e-6)
    assert state == {} and opt.state_spec((3, 4)) == {}


def adam_reference(gs, lr, b1=0.9, b2=0.999, eps=1e-8):
    m = np.zeros_like(gs[0], np.float64)
    v = np.zeros_like(gs[0], np.float64)
    steps = []
    for k, g in enumerate(gs, start=1):
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        steps.append(lr * (m / (1 - b1 ** k)) / (np.sqrt(v / (1 - b2 ** k)) + eps))
    return np.array(steps), m, v


def test_adam_matches_numpy_over_60_steps():
    rng = np.random.default_rng(3)
    gs = rng.normal(0.0, 1.0, (60, 5, 2)).astype(np.float32) * rng.uniform(0.01, 3.0, (60, 1, 1)).astype(np.float32)
    opt = make_optimizer("adam", lr=1e-2)
    spec = opt.state_spec((5, 2))
    assert spec == {"m": (5, 2), "v": (5, 2), "count": ()}
    state = {k: jnp.zeros(s, jnp.float32) for k, s in spec.items()}
    steps = []
    for g in gs:
        step, state = opt.update(jnp.asarray(g), state)
        steps.append(np.asarray(step))
    ref, m, v = adam_reference(gs.astype(np.float64), 1e-2)
    np.testing.assert_allclose(np.array(steps), ref, rtol=2e-4, atol=1e-7)
    np.testing.assert_allclose(state["m"], m, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(state["v"], v, rtol=1e-4, atol=1e-7)
    assert float(state["count"]) == 60.0
    # first bias-corrected step has magnitude ~lr whatever the scale of g
    np.testing.assert_allclose(np.abs(steps[0]), 1e-2, rtol=1e-4)


def test_unknown_optimizer_raises():
    with pytest.raises(ValidationError, match="sgd, adam"):
        make_optimizer("rmsprop")
