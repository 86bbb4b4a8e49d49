"""InputCell passes data through unchanged."""

import numpy as np

from components.cells import InputCell
from contexts import Context


def test_outputs_equal_inputs_every_step():
    xs = np.random.default_rng(0).normal(size=(200, 3, 4)).astype(np.float32)
    with Context("in", batch_size=3) as ctx:
        z = InputCell("z", 4)
        ctx.command("advance", [z])
    rec = ctx.run("advance", steps=200, record=[z.outputs], inputs={z.inputs: xs})
    np.testing.assert_array_equal(np.asarray(rec[z.outputs]), xs)


def test_clamped_value_is_broadcast_over_batch_and_reset_clears():
    with Context("in2", batch_size=2) as ctx:
        z = InputCell("z", 3)
        ctx.command("advance", [z])
    ctx.clamp(z.inputs, np.array([1.0, 2.0, 3.0]))
    rec = ctx.run("advance", steps=5, record=[z.outputs])
    np.testing.assert_array_equal(np.asarray(rec[z.outputs]), np.broadcast_to([1.0, 2.0, 3.0], (5, 2, 3)))
    ctx.reset()
    assert float(np.abs(np.asarray(ctx.get(z.outputs))).max()) == 0.0
