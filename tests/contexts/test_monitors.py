"""Monitors: spike events (vs a hand-written train and the dense record), strided records, population rate."""

from __future__ import annotations

import numpy as np
import pytest

from contexts import Context
from contexts.errors import ArgumentError
from contexts.monitors import MonitorOverflowError, RateMonitor, SpikeMonitor
from tests.contexts.toy import ToyLeaky, ToyNoise


def noise_model(n=50, batch=3, p=0.1, dt=1.0):
    with Context("noise", batch_size=batch, seed=1, dt=dt) as ctx:
        z = ToyNoise("z", n, p=p)
        ctx.command("advance", [z])
    return ctx, z


def test_spike_events_of_a_hand_written_train():
    with Context("hand", batch_size=2, dt=0.5) as ctx:
        z = ToyLeaky("z", 3)
        ctx.command("advance", [z])
    xs = np.zeros((6, 2, 3), np.float32)
    hand = [(1, 0, 2), (1, 1, 0), (1, 1, 2), (4, 0, 0), (5, 1, 1)]  # (step, batch, neuron), in time order
    for step, b, i in hand:
        xs[step, b, i] = 1.0
    mon = SpikeMonitor(z.j)
    recs = ctx.run("advance", steps=6, inputs={z.j: xs}, monitors=[mon])
    assert recs[mon] is mon.result and mon.count == 5 and mon.result.dropped == 0
    np.testing.assert_array_equal(mon.step, [s for s, _, _ in hand])
    np.testing.assert_array_equal(mon.b, [b for _, b, _ in hand])
    np.testing.assert_array_equal(mon.i, [i for _, _, i in hand])
    np.testing.assert_allclose(mon.t, [0.5 * (s + 1) for s, _, _ in hand])  # the clock after the step
    np.testing.assert_allclose(mon.result.train(2, b=1), [1.0])
    # a second run continues the clock: t0 = 3 ms
    ctx.run("advance", steps=6, inputs={z.j: xs}, monitors=[mon])
    np.testing.assert_allclose(mon.t, [3.0 + 0.5 * (s + 1) for s, _, _ in hand])


@pytest.mark.parametrize("progress", [False, True])
def test_spike_events_equal_the_dense_record(progress):
    ctx, z = noise_model()
    mon = SpikeMonitor(z.outputs, capacity=4000)
    recs = ctx.run("advance", steps=200, record=[z.outputs], monitors=[mon], progress=progress)
    dense = np.asarray(recs[z.outputs])
    assert mon.count == dense.sum() and 2000 < mon.count < 4000  # p = 0.1 of 30000 entries
    np.testing.assert_array_equal(mon.result.to_dense(), dense)
    assert np.all(np.diff(mon.step) >= 0)


def test_overflow_is_a_named_error_or_a_warning():
    ctx, z = noise_model()
    mon = SpikeMonitor(z.outputs, capacity=100)
    with pytest.raises(MonitorOverflowError, match=r"capacity=100: the last \d+ were dropped.*capacity=\d+"):
        ctx.run("advance", steps=50, monitors=[mon])
    assert float(ctx.state["clock"]["t"]) == 50.0  # the run's state is kept
    kept = SpikeMonitor(z.outputs, capacity=100, on_overflow="warn")
    with pytest.warns(RuntimeWarning, match="dropped"):
        recs = ctx.run("advance", steps=50, monitors=[kept], record=[z.outputs])
    assert len(kept.i) == 100 and kept.count > 100
    np.testing.assert_array_equal(kept.result.to_dense().sum(), 100)
    dense = np.asarray(recs[z.outputs])
    first = np.argwhere(dense > 0)[:100]  # (step, batch, neuron) in the monitor's order
    np.testing.assert_array_equal(np.stack([kept.step, kept.b, kept.i], 1), first)


def test_default_capacity_holds_a_tenth_of_all_entries():
    ctx, z = noise_model(n=20, batch=1, p=0.05)
    mon = SpikeMonitor(z.outputs)
    ctx.run("advance", steps=100, monitors=[mon])
    assert mon.capacity == 1024 and 0 < mon.count < 1024


def test_record_every_keeps_every_kth_step():
    with Context("leaky", batch_size=2) as ctx:
        z = ToyLeaky("z", 4, tau=5.0)
        ctx.command("advance", [z])
    xs = np.random.default_rng(0).random((10, 2, 4)).astype(np.float32)
    start = ctx.state
    full = np.asarray(ctx.run("advance", steps=10, record=[z.v], inputs={z.j: xs})[z.v])
    ctx.state = start
    every = ctx.run("advance", steps=10, record=[z.v, z.s], inputs={z.j: xs}, record_every=4)
    assert every[z.v].shape == (2, 2, 4) and every[z.s].shape == (2, 2, 4)
    np.testing.assert_allclose(every[z.v], full[[3, 7]], rtol=1e-6)
    ctx.state = start
    count = ctx.compile_count
    again = ctx.run("advance", steps=10, record=[z.v, z.s], inputs={z.j: xs * 2}, record_every=4)
    assert ctx.compile_count == count and not np.allclose(again[z.v], every[z.v])  # cached, new data
    assert ctx.run("advance", steps=3, record=[z.v], inputs={z.j: xs[:3]}, record_every=4)[z.v].shape == (0, 2, 4)


def test_population_rate_in_bins():
    ctx, z = noise_model(n=40, batch=2, p=0.2, dt=0.5)
    rate = RateMonitor(z.outputs, bin=7)
    recs = ctx.run("advance", steps=30, record=[z.outputs], monitors=[rate])
    dense = np.asarray(recs[z.outputs]).mean(axis=2)  # (steps, batch)
    edges = [0, 7, 14, 21, 28, 30]
    expect = np.stack([dense[a:b].mean(0) for a, b in zip(edges, edges[1:])]) * 1000.0 / 0.5
    np.testing.assert_allclose(rate.rate, expect, rtol=1e-5)
    np.testing.assert_allclose(rate.t, [3.5, 7.0, 10.5, 14.0, 15.0])
    assert 300 < rate.rate.mean() < 500  # p = 0.2 per 0.5 ms step: 400 Hz


def test_monitor_errors():
    ctx, z = noise_model()
    with pytest.raises(ArgumentError, match="monitors takes SpikeMonitor"):
        ctx.run("advance", steps=2, monitors=[z.outputs])
    with pytest.raises(ArgumentError, match="record_every must be >= 1"):
        ctx.run("advance", steps=2, record=[z.outputs], record_every=0)
    with pytest.raises(ArgumentError, match="bin must be"):
        RateMonitor(z.outputs, bin=0)
    with pytest.raises(ArgumentError, match="capacity must be"):
        SpikeMonitor(z.outputs, capacity=0)
    with pytest.raises(Exception, match="no component 'q'"):
        ctx.run("advance", steps=2, monitors=[SpikeMonitor("q.s")])
