"""Monitors watch compartments that no step reads: the engine keeps them in the scan's carry."""

from __future__ import annotations

import numpy as np

from contexts import Context
from contexts.compile import write_only
from contexts.monitors import RateMonitor, SpikeMonitor
from tests.contexts.toy import ToyLeaky


def test_a_monitored_write_only_compartment_is_seen_every_step():
    with Context("leaky", batch_size=2, seed=3, dt=1.0) as ctx:
        z = ToyLeaky("z", 40)
        ctx.command("advance", [z])
    ctx.write_only_min_bytes = 0  # z.s is tiny: let it leave the carry as a large one would
    assert "z.s" in write_only(ctx, ("advance",))  # nothing reads it: unwatched, it would leave the carry
    xs = (np.random.default_rng(0).random((50, 2, 40)) < 0.3).astype(np.float32) * 4.0
    mon, rate = SpikeMonitor(z.s, capacity=4096), RateMonitor(z.s, bin=10)
    ctx.run("advance", steps=50, inputs={z.j: xs}, monitors=[mon, rate])
    ctx.reset()
    dense = np.asarray(ctx.run("advance", steps=50, inputs={z.j: xs}, record=[z.s])[z.s])
    assert 100 < dense.sum() < 3900
    np.testing.assert_array_equal(mon.result.to_dense(), dense)  # every step's spikes, not the last one's
    np.testing.assert_allclose(rate.rate, dense.reshape(5, 10, 2, 40).mean(axis=(1, 3)) * 1000.0, rtol=1e-5)
