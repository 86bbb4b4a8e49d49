"""components.rules.optimizers: sgd, bias-corrected Adam (Kingma & Ba 2015) and NEST's gradient descent and
Adam (batch accumulation, weight limits) against NumPy."""

import jax.numpy as jnp
import numpy as np
import pytest

from components.rules.optimizers import apply_step, make_optimizer
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


def nest_reference(gs, w0, lr, kind, batch_size=1, b1=0.9, b2=0.999, eps=1e-8, w_min=-100.0, w_max=100.0):
    """NEST 3.10's WeightOptimizer::optimized_weight, one call per gradient (weight_optimizer.cpp)."""
    w = np.array(w0, np.float64)
    cum = np.zeros_like(w)
    m = np.zeros_like(w)
    v = np.zeros_like(w)
    b1p = b2p = 1.0
    ws = []
    for call, g in enumerate(gs, start=1):
        cum = cum + g
        if call % batch_size == 0:
            cum = cum / batch_size
            if kind == "gd":
                w = w - lr * cum
            else:
                b1p, b2p = b1p * b1, b2p * b2
                alpha = lr * np.sqrt(1.0 - b2p) / (1.0 - b1p)
                m = b1 * m + (1 - b1) * cum
                v = b2 * v + (1 - b2) * cum * cum
                w = w - alpha * m / (np.sqrt(v) + eps)
            w = np.clip(w, w_min, w_max)
            cum = np.zeros_like(w)
        ws.append(w)
    return np.array(ws)


def _run(opt, gs, w0, dtype=None):
    dtype = jnp.asarray(0.0).dtype if dtype is None else dtype           # float64 only under jax_enable_x64
    state = {k: jnp.zeros(s, dtype) for k, s in opt.state_spec(w0.shape).items()}
    w, ws = jnp.asarray(w0, dtype), []
    for g in gs:
        step, state = opt.update(jnp.asarray(g, dtype), state)
        w = apply_step(opt, w, step)
        ws.append(np.asarray(w))
    return np.array(ws), state


@pytest.mark.parametrize("batch_size", [1, 3])
def test_nest_adam_matches_nest_reference_and_differs_from_kingma_ba(batch_size):
    rng = np.random.default_rng(5)
    gs = rng.normal(0.0, 1e-5, (30, 4, 3)) * rng.uniform(0.1, 3.0, (30, 1, 1))
    w0 = rng.normal(size=(4, 3))
    opt = make_optimizer("nest_adam", lr=1e-3, batch_size=batch_size, w_min=-5.0, w_max=5.0)
    ws, state = _run(opt, gs.astype(np.float32), w0, jnp.float32)
    ref = nest_reference(gs.astype(np.float32).astype(np.float64), w0, 1e-3, "adam", batch_size, w_min=-5.0,
                         w_max=5.0)
    np.testing.assert_allclose(ws, ref, rtol=1e-5, atol=2e-7)                # float32 weights
    assert float(state["count"]) == 30 // batch_size
    # with gradients of ~1e-5, eps / sqrt(1 - b2^k) is ~3e-7 at k = 1: Kingma-Ba's first step is larger
    g1 = gs[:batch_size].astype(np.float32).astype(np.float64).mean(0)
    kb, _ = _run(make_optimizer("adam", lr=1e-3), [g1], w0)
    step_nest, step_kb = w0 - ref[batch_size - 1], w0 - kb[0]
    assert np.max(np.abs(step_kb / step_nest - 1.0)) > 0.01


def test_nest_adam_equals_adam_with_step_dependent_eps():
    """lr sqrt(1-b2^k)/(1-b1^k) m/(sqrt(v)+eps) = lr m_hat/(sqrt(v_hat) + eps/sqrt(1-b2^k)), exactly."""
    rng = np.random.default_rng(9)
    gs = rng.normal(0.0, 1e-4, (6, 5))
    ws, _ = _run(make_optimizer("nest_adam", lr=1e-2, eps=1e-6), gs, np.zeros(5))
    m = v = np.zeros(5)
    w = np.zeros(5)
    for k, g in enumerate(gs, start=1):
        m, v = 0.9 * m + 0.1 * g, 0.999 * v + 0.001 * g * g
        w = w - 1e-2 * (m / (1 - 0.9 ** k)) / (np.sqrt(v / (1 - 0.999 ** k)) + 1e-6 / np.sqrt(1 - 0.999 ** k))
        np.testing.assert_allclose(ws[k - 1], w, rtol=1e-5, atol=1e-9)


@pytest.mark.parametrize("batch_size", [1, 2, 4])
def test_nest_gd_accumulates_batches_and_clips(batch_size):
    rng = np.random.default_rng(batch_size)
    gs = rng.normal(0.0, 1.0, (12, 3, 3))
    w0 = rng.uniform(-0.5, 0.5, (3, 3))
    opt = make_optimizer("nest_gd", lr=0.2, batch_size=batch_size, w_min=-0.6, w_max=0.6)
    ws, _ = _run(opt, gs, w0)
    ref = nest_reference(gs, w0, 0.2, "gd", batch_size, w_min=-0.6, w_max=0.6)
    np.testing.assert_allclose(ws, ref, rtol=1e-5, atol=1e-6)
    assert np.any(np.isclose(np.abs(ws), 0.6, rtol=0, atol=1e-7))                    # the limits were hit
    if batch_size > 1:
        np.testing.assert_array_equal(ws[: batch_size - 1], np.broadcast_to(ws[0], ws[: batch_size - 1].shape))
        np.testing.assert_allclose(ws[0], w0, rtol=1e-6)          # no step before the batch is complete


def test_nest_optimizer_batch_size_must_be_whole():
    with pytest.raises(ValidationError, match="batch_size"):
        make_optimizer("nest_gd", batch_size=1.5)
