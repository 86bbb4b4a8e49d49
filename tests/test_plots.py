"""synaptica.plots: each plot draws what it is given (checked on the artists' data) and saves files."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.figure import Figure

from contexts import Context
from contexts.monitors import RateMonitor, SpikeMonitor
from synaptica import plots
from tests.contexts.toy import ToyNoise


@pytest.fixture(scope="module")
def run():
    with Context("noise", batch_size=2, seed=0, dt=0.5) as ctx:
        z = ToyNoise("z", 30, p=0.1)
        ctx.command("advance", [z])
    spikes, rate = SpikeMonitor(z.outputs), RateMonitor(z.outputs, bin=10)
    recs = ctx.run("advance", steps=100, record=[z.outputs], monitors=[spikes, rate])
    return spikes, rate, np.asarray(recs[z.outputs])


def test_raster_of_a_monitor_equals_the_raster_of_the_dense_record(run, tmp_path):
    spikes, _, dense = run
    fig = plots.raster(spikes, sample=1, path=tmp_path / "r.png")
    assert isinstance(fig, Figure) and (tmp_path / "r.png").stat().st_size > 1000
    from_monitor = fig.axes[0].collections[0].get_offsets()
    from_dense = plots.raster(dense, dt=0.5, sample=1).axes[0].collections[0].get_offsets()
    step, i = np.nonzero(dense[:, 1])
    np.testing.assert_allclose(np.asarray(from_monitor), np.stack([(step + 1) * 0.5, i], 1))
    np.testing.assert_allclose(np.asarray(from_dense), np.asarray(from_monitor))


def test_raster_order_and_colours():
    t, i = np.array([1.0, 2.0, 3.0]), np.array([0, 2, 1])
    fig, ax = plots.figure(1, 2)
    out = plots.raster((t, i), ax=ax[0], order=[2, 1, 0], values=[0.1, 0.5, 0.9], vmin=0, vmax=1)
    assert out is fig and len(fig.axes) == 3  # two panels and a colour bar
    coll = ax[0].collections[0]
    np.testing.assert_allclose(np.asarray(coll.get_offsets())[:, 1], [2, 0, 1])
    np.testing.assert_allclose(coll.get_array(), [0.1, 0.9, 0.5])


def test_rates_from_a_monitor_and_a_dense_record(run):
    _, rate, dense = run
    fig = plots.rates(rate, dense, labels=["monitor", "dense"], dt=0.5)
    a, b = fig.axes[0].lines
    np.testing.assert_allclose(a.get_ydata(), rate.rate[:, 0])
    np.testing.assert_allclose(b.get_ydata(), dense[:, 0].mean(1) * 2000.0, rtol=1e-6)
    np.testing.assert_allclose(a.get_ydata(), b.get_ydata().reshape(10, 10).mean(1), rtol=1e-5)


def test_traces_and_threshold():
    v = np.cumsum(np.ones((50, 4)), axis=0)
    fig = plots.traces(v, dt=0.1, neurons=[1, 3], threshold=20.0)
    lines = fig.axes[0].lines
    assert len(lines) == 3
    np.testing.assert_allclose(lines[0].get_xdata(), (np.arange(50) + 1) * 0.1)
    np.testing.assert_allclose(lines[1].get_ydata(), v[:, 3])
    assert list(lines[2].get_ydata()) == [20.0, 20.0]


def test_traces_labels_and_colours():
    v = np.stack([np.arange(10.0), -np.arange(10.0)], axis=1)
    fig = plots.traces(v, neurons=[0, 1], labels=["E", "I"], colors=["tab:red", "tab:blue"], t0=-1.0,
                       xlabel="t")
    ax = fig.axes[0]
    assert [ln.get_label() for ln in ax.lines] == ["E", "I"] and ax.lines[1].get_color() == "tab:blue"
    np.testing.assert_allclose(ax.lines[0].get_xdata(), np.arange(10.0))  # t0 + (step + 1) dt
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["E", "I"] and ax.get_xlabel() == "t"


def test_tile_absmax_keeps_signs_on_a_symmetric_scale():
    w = np.array([[-2.0, 1.0], [1.0, 0.5], [0.5, -0.25], [0.0, 0.0]])  # two 2 x 2 filters
    grid = plots.tile(w, (2, 2), normalise="absmax", columns=2)
    np.testing.assert_allclose(grid[1:3, 1:3], w[:, 0].reshape(2, 2) / 2.0)
    np.testing.assert_allclose(grid[1:3, 4:6], w[:, 1].reshape(2, 2))
    im = plots.receptive_fields(w, (2, 2), normalise="absmax", cmap="gray").axes[0].images[0]
    assert im.get_clim() == (-1.0, 1.0)
    im = plots.receptive_fields(np.abs(w), (2, 2), normalise=None, vmin=0.0, vmax=4.0).axes[0].images[0]
    assert im.get_clim() == (0.0, 4.0)


def test_weights_image_and_symmetric_scale(tmp_path):
    w = np.array([[-1.0, 0.5], [0.25, 2.0]])
    fig = plots.weights(w, path=tmp_path / "w.svg")
    im = fig.axes[0].images[0]
    np.testing.assert_array_equal(im.get_array(), w)
    assert im.get_clim() == (-2.0, 2.0) and (tmp_path / "w.svg").exists()
    assert plots.weights(np.abs(w)).axes[0].images[0].get_clim() == (0.25, 2.0)


def test_receptive_fields_tile_each_column():
    w = np.arange(2 * 3 * 5, dtype=float).reshape(6, 5) + 1.0  # five 2 x 3 fields
    grid = plots.tile(w, (2, 3), normalise=None, columns=3)
    assert grid.shape == (2 * 3 + 1, 3 * 4 + 1)
    np.testing.assert_array_equal(grid[1:3, 1:4], w[:, 0].reshape(2, 3))
    np.testing.assert_array_equal(grid[4:6, 5:8], w[:, 4].reshape(2, 3))
    assert np.isnan(grid[0]).all() and np.isnan(grid[4:6, 9:12]).all()  # padding and the empty sixth slot
    fig = plots.receptive_fields(w, (2, 3), labels=list("abcde"), columns=3)
    np.testing.assert_allclose(fig.axes[0].images[0].get_array()[1:3, 1:4], w[:, 0].reshape(2, 3) / w[:, 0].max())
    assert [t.get_text() for t in fig.axes[0].texts] == list("abcde")


def test_confusion_counts():
    fig = plots.confusion([0, 0, 1, 2, 2, 2], [0, 1, 1, 2, 2, 0])
    counts = sorted((t.get_position(), t.get_text()) for t in fig.axes[0].texts)
    assert counts == [((0, 0), "1"), ((0, 2), "1"), ((1, 0), "1"), ((1, 1), "1"), ((2, 2), "2")]
    np.testing.assert_allclose(fig.axes[0].images[0].get_array()[2], [1 / 3, 0, 2 / 3])
