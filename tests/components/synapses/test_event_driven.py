"""EventDrivenSynapse: the dense product from the nonzero inputs only, with a dense fallback on overflow."""

from __future__ import annotations

import numpy as np
import pytest

from components.rules.events import EventCapacityError, check_capacity, event_forward
from components.synapses import DenseSynapse, EventDrivenSynapse
from contexts import Context
from contexts.graph_yaml import load_model_string

N_IN, N_OUT, B, T = 200, 30, 3, 40


def spikes(rate: float, seed: int = 0, shape=(T, B, N_IN)) -> np.ndarray:
    return (np.random.default_rng(seed).random(shape) < rate).astype(np.float32)


def pair(capacity: int, weights: np.ndarray, resist_scale: float = 1.0):
    with Context("ev", batch_size=B) as ctx:
        E = EventDrivenSynapse("E", (N_IN, N_OUT), weight_init=weights, capacity=capacity, resist_scale=resist_scale,
                               bias_init={"dist": "constant", "value": 0.25})
        D = DenseSynapse("D", (N_IN, N_OUT), weight_init=weights, resist_scale=resist_scale,
                         bias_init={"dist": "constant", "value": 0.25}, layout="dense")
        ctx.command("advance", [E, D])
    return ctx, E, D


def test_bit_identical_to_dense_on_a_dyadic_grid() -> None:
    """Weights k/64 (|k| < 64): every partial sum is exact, so any summation order gives the same bits."""
    w = (np.random.default_rng(1).integers(-63, 64, (N_IN, N_OUT)) / 64.0).astype(np.float32)
    ctx, E, D = pair(capacity=12, weights=w)
    xs = spikes(0.02)
    rec = ctx.run("advance", steps=T, record=[E.outputs, D.outputs], inputs={E.inputs: xs, D.inputs: xs})
    np.testing.assert_array_equal(rec[E.outputs], rec[D.outputs])
    np.testing.assert_array_equal(rec[E.outputs], xs @ w + 0.25)                  # and NumPy's exact sums
    counts = xs.sum(-1)
    assert counts.max() >= 6 and counts.max() <= 12                             # the sparse path ran
    np.testing.assert_array_equal(ctx.get(E.max_events), counts.max(0))
    check_capacity(ctx)                                                          # within capacity: silent


def test_overflow_falls_back_to_dense_and_is_reported() -> None:
    w = np.random.default_rng(2).normal(size=(N_IN, N_OUT)).astype(np.float32)
    ctx, E, D = pair(capacity=4, weights=w, resist_scale=-1.5)
    xs = spikes(0.05, seed=3)                                                    # ~10 events per step > 4
    rec = ctx.run("advance", steps=T, record=[E.outputs, D.outputs], inputs={E.inputs: xs, D.inputs: xs})
    np.testing.assert_allclose(rec[E.outputs], xs @ (w * -1.5) + 0.25, rtol=1e-5, atol=1e-5)
    np.testing.assert_array_equal(rec[E.outputs], rec[D.outputs])                # dense steps: the same product
    need = int(xs.sum(-1).max())
    with pytest.raises(EventCapacityError, match=f"E: a step had {need} presynaptic events but capacity = 4"):
        check_capacity(ctx)


def test_graded_inputs_and_general_weights() -> None:
    """Non-binary sparse inputs, gaussian weights: equal to the dense product to float rounding."""
    rng = np.random.default_rng(4)
    x = (rng.random((B, N_IN)) < 0.03) * rng.normal(size=(B, N_IN))
    w = rng.normal(size=(N_IN, N_OUT))
    got = np.asarray(event_forward(x.astype(np.float32), w.astype(np.float32), capacity=20))
    np.testing.assert_allclose(got, x @ w, rtol=1e-5, atol=1e-5)
    none = np.asarray(event_forward(np.zeros((B, N_IN), np.float32), w.astype(np.float32), capacity=20))
    np.testing.assert_array_equal(none, 0.0)


def test_yaml_and_defaults() -> None:
    ctx = load_model_string("name: m\ncomponents:\n  E: {type: EventDrivenSynapse, shape: [2000, 5]}\n"
                            "commands:\n  advance: [E]\n", validate=False)
    assert ctx._components["E"].capacity == 31            # max(16, 2000 // 64)
    assert ctx.get("E.max_events").shape == (1,)
