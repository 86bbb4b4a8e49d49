"""layout="events": out-edge lists scattered from the nonzero inputs, equal to the dense product."""

from __future__ import annotations

import numpy as np
import pytest

from components.rules.events import EventCapacityError, check_capacity
from components.rules.out_edges import OutEdges, in_slot_index, pairs_to_out_edges
from components.synapses import DenseSynapse, ExpSynapse, TraceSTDPSynapse
from contexts import Context
from contexts.params import ParameterError

N_IN, N_OUT, B, T = 120, 40, 3, 40
CONN = {"rule": "bernoulli", "p": 0.1, "seed": 5}


def spikes(rate: float, seed: int = 0) -> np.ndarray:
    return (np.random.default_rng(seed).random((T, B, N_IN)) < rate).astype(np.float32)


def test_pairs_to_out_edges_keeps_every_pair_and_multapse() -> None:
    rng = np.random.default_rng(0)
    pre, post = rng.integers(30, size=300), rng.integers(20, size=300)
    w = rng.normal(size=300)
    post_index, valid, edge = pairs_to_out_edges(pre, post, 30)
    assert post_index.shape == (30, np.bincount(pre).max()) and valid.sum() == 300
    dense, got = np.zeros((30, 20)), np.zeros((30, 20))
    np.add.at(dense, (pre, post), w)                                     # repeated pairs add up
    np.add.at(got, (np.repeat(np.arange(30)[:, None], post_index.shape[1], 1), post_index), np.where(valid, w[edge], 0))
    np.testing.assert_allclose(got, dense)


def test_events_layout_equals_the_dense_product_over_many_steps() -> None:
    """One Context, one compile:
    E / D: the same connectivity rule and seed in both layouts, graded sparse inputs, batch 3;
    XE / XD: ExpSynapse with a 0.5 ms delay, the same explicit matrix, too small a capacity on some steps;
    O: explicit out-edge arrays with repeated pairs."""
    rng = np.random.default_rng(2)
    w = ((rng.random((N_IN, N_OUT)) < 0.1) * rng.normal(size=(N_IN, N_OUT))).astype(np.float32)
    post_index = np.array([[1, 1, 0], [2, 0, 0], [0, 2, 1]])
    w3 = np.array([[1.0, 2.0, 0.0], [4.0, 0.0, 0.0], [8.0, 16.0, 32.0]])
    with Context("ev", batch_size=B, dt=0.1) as ctx:
        E = DenseSynapse("E", (N_IN, N_OUT), layout="events", connectivity=CONN, capacity=32,
                         weight_init={"dist": "gaussian", "sigma": 1.0})
        D = DenseSynapse("D", (N_IN, N_OUT), layout="dense", connectivity=CONN)
        XE = ExpSynapse("XE", (N_IN, N_OUT), tau=2.0, weight_init=w, layout="events", delay=0.5, capacity=5)
        XD = ExpSynapse("XD", (N_IN, N_OUT), tau=2.0, weight_init=w, layout="dense", delay=0.5)
        O = ExpSynapse("O", (3, 3), layout="events", connectivity=OutEdges(post_index, w3))
        ctx.command("advance", [E, D, XE, XD, O])
    W = np.asarray(E.dense_weights())
    assert ctx.get(E.weights).shape[0] == N_IN and E.post_index.value.dtype == np.int32
    np.testing.assert_array_equal(W != 0, np.asarray(ctx.get(D.weights)) != 0)   # the same connections
    np.testing.assert_array_equal(XE.dense_weights(), w)
    np.testing.assert_array_equal(O.dense_weights(), [[0, 3, 0], [0, 0, 4], [8, 32, 16]])   # multapses add
    graded = spikes(0.05) * rng.normal(size=(T, B, N_IN)).astype(np.float32)
    xs = spikes(0.04, seed=3)                                                        # ~5 events, up to ~12
    ones = np.broadcast_to(np.float32([1, 0, 1]), (T, B, 3))
    rec = ctx.run("advance", steps=T, record=[E.outputs, XE.outputs, XD.outputs, O.outputs],
                  inputs={E.inputs: graded, D.inputs: graded, XE.inputs: xs, XD.inputs: xs, O.inputs: ones})
    np.testing.assert_allclose(rec[O.outputs][0], [[8.0, 35.0, 16.0]] * B)
    np.testing.assert_allclose(rec[E.outputs], graded @ W, rtol=1e-5, atol=1e-5)
    np.testing.assert_array_equal(ctx.get(E.max_events), (graded != 0).sum(-1).max(0))
    np.testing.assert_allclose(rec[XE.outputs], rec[XD.outputs], rtol=1e-5, atol=1e-5)
    assert np.abs(np.asarray(rec[XE.outputs])[:5]).max() == 0                        # nothing arrives before 0.5 ms
    need = int(xs[:-5].sum(-1).max())                                                # the inputs that arrived
    assert need > 5 and (graded != 0).sum(-1).max() <= 32
    with pytest.raises(EventCapacityError, match=f"XE: a step had {need} presynaptic events but capacity = 5"):
        check_capacity(ctx)                                                          # E, within capacity: silent


class Plastic(DenseSynapse):
    """A plastic synapse whose rule has no event form."""

    def evolve(self, c, *, t, dt, key) -> dict:
        return {"weights": c.weights * 0.5}


def test_in_slot_index_lists_each_post_neurons_in_edges() -> None:
    rng = np.random.default_rng(1)
    pre, post = rng.integers(25, size=120), rng.integers(12, size=120)
    post_index, valid, _ = pairs_to_out_edges(pre, post, 25)
    slots = in_slot_index(post_index, valid, 12)
    n_edges = post_index.size
    assert slots.dtype == np.int32 and slots.shape == (12, np.bincount(post, minlength=12).max())
    for j in range(12):
        mine = slots[j][slots[j] < n_edges]
        assert np.all(np.diff(mine) > 0) and np.all(post_index.reshape(-1)[mine] == j)
        np.testing.assert_array_equal(np.sort(mine // post_index.shape[1]), np.sort(pre[post == j]))
    assert np.all(slots[slots < n_edges] < n_edges) and (slots < n_edges).sum() == 120


def test_plastic_events_layout_survives_save_and_load(tmp_path) -> None:
    with Context("saved_stdp", seed=3) as ctx:
        W = TraceSTDPSynapse("W", (N_IN, N_OUT), A_plus=0.1, A_minus=0.1, layout="events", p_conn=0.1)
        ctx.command("evolve", [W])
    w0 = np.asarray(ctx.get(W.weights))
    ctx.run("evolve", steps=5, inputs={W.preSpike: spikes(0.1)[:5, :1], W.postSpike: spikes(0.1, 1)[:5, :1, :N_OUT],
                                       W.preTrace: np.ones((5, 1, N_IN), np.float32),
                                       W.postTrace: np.ones((5, 1, N_OUT), np.float32)})
    ctx.save(str(tmp_path / "m"))
    back = Context.load(str(tmp_path / "m"))
    V = back.components["W"]
    assert V.layout == "events"
    for name in ("weights", "post_index", "in_slots", "mask"):
        np.testing.assert_array_equal(back.get(f"W.{name}"), ctx.get(f"W.{name}"))
    np.testing.assert_array_equal(V.dense_weights(back.get("W.weights")), W.dense_weights())
    assert np.any(np.asarray(ctx.get(W.weights)) != w0)   # the saved weights are the learned ones


def test_bad_parameters_are_named_errors() -> None:
    with Context("bad"):
        with pytest.raises(ParameterError, match="'P': layout='events' is for static projections and trace STDP; "
                                                 "Plastic is plastic.*'dense' or 'edges'"):
            Plastic("P", (10, 10), layout="events")
        with pytest.raises(ParameterError, match="'T'.*OutEdges arrays are for static projections"):
            TraceSTDPSynapse("T", (3, 3), A_plus=0.1, A_minus=0.1, layout="events",
                             connectivity=OutEdges(np.zeros((3, 2), int)))
        with pytest.raises(ParameterError, match="'Q': layout='events' takes one delay.*per-synapse"):
            ExpSynapse("Q", (10, 10), layout="events", p_conn=0.2, delay={"dist": "uniform", "low": 1, "high": 2})
        with pytest.raises(ParameterError, match="R.*OutEdges has 4 rows but the projection has n_in = 10"):
            ExpSynapse("R", (10, 10), layout="events", connectivity=OutEdges(np.zeros((4, 2), int)))
        with pytest.raises(ParameterError, match=r"S.*post_index must lie in \[0, 10\)"):
            ExpSynapse("S", (10, 10), layout="events", connectivity=OutEdges(np.full((10, 2), 10)))
        with pytest.raises(ParameterError, match="U.*OutEdges arrays are the storage of layout='events'"):
            ExpSynapse("U", (10, 10), layout="edges", connectivity=OutEdges(np.zeros((10, 2), int)))
        with pytest.raises(ParameterError, match="capacity"):
            ExpSynapse("V", (10, 10), layout="events", capacity=0)
        with pytest.raises(ParameterError, match="layout"):
            ExpSynapse("W", (10, 10), layout="event")
        with pytest.raises(ParameterError, match="'H'.*too many for a dense matrix.*'edges' or 'events'"):
            ExpSynapse("H", (100_000, 100_000), layout="dense")


def test_explicit_arrays_survive_save_and_load(tmp_path) -> None:
    """The graph records {"rule": "out_edges", "shape": [n_in, k]}; the arrays travel with the state."""
    with Context("saved") as ctx:
        edges = OutEdges([[1, 3], [0, 0], [2, 1]], [[1, 2], [3, 0], [4, 5]])
        ctx.command("advance", [ExpSynapse("O", (3, 4), layout="events", connectivity=edges)])
    ctx.save(str(tmp_path / "m"))
    back = Context.load(str(tmp_path / "m"))
    O = back.components["O"]
    assert O.layout == "events" and O.connectivity == {"rule": "out_edges", "shape": [3, 2]}
    np.testing.assert_array_equal(O.dense_weights(back.get("O.weights")), [[0, 1, 0, 2], [3, 0, 0, 0], [0, 5, 4, 0]])
