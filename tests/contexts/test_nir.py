"""NIR export/import: synaptica -> NIR -> synaptica gives the same spikes (also through a .nir file);
graphs written with NIR's own API the way snnTorch and Norse write them import and run as NIR's
equations stepped by Euler (checked against NumPy); unsupported nodes are refused by name."""

from __future__ import annotations

import nir
import numpy as np
import pytest

from components.cells import IFCell, InputCell, LIFCell, RateCell
from components.synapses import DenseSynapse, HebbianSynapse
from contexts import Context
from contexts.nir_io import NIRError, NIRExportError, NIRUnsupportedError, export, import_

T, BATCH = 80, 3


def model():
    with Context("net", dt=0.5, batch_size=BATCH, seed=4) as ctx:
        x = InputCell("x", 8)
        W1 = DenseSynapse("W1", (8, 6), weight_init={"dist": "uniform", "low": 0.0, "high": 3.0},
                          bias_init={"dist": "uniform", "low": 0.0, "high": 0.5})
        z1 = LIFCell("z1", 6, tau_m=8.0, R_m=10.0, thr=-55.0, v_reset=-66.0)
        Wr = HebbianSynapse("Wr", (6, 6), weight_init={"dist": "gaussian", "sigma": 0.5})  # exported as static
        W2 = DenseSynapse("W2", (6, 4), weight_init={"dist": "uniform", "low": 0.0, "high": 4.0}, p_conn=0.7)
        z2 = IFCell("z2", 4, tau_m=5.0, R_m=2.0, thr=3.0, v_rest=0.0, v_reset=0.0, lower_clamp_voltage=False)
        W3 = DenseSynapse("W3", (4, 2), weight_init={"dist": "gaussian", "sigma": 1.0})
        y = RateCell("y", 2, tau_m=20.0)
    W1.inputs << x.outputs
    Wr.inputs << z1.s.prev
    z1.j << W1.outputs + Wr.outputs
    W2.inputs << z1.s
    z2.j << W2.outputs
    W3.inputs << z2.s
    y.j << W3.outputs
    ctx.command("advance", [x, W1, Wr, z1, W2, z2, W3, y])
    return ctx


def data(n=8, steps=T, seed=0):
    return (np.random.default_rng(seed).random((steps, BATCH, n)) < 0.3).astype(np.float32)


REC = ["z1.s", "z2.s", "y.outputs"]


def test_round_trip_gives_the_same_spikes(tmp_path):
    ctx = model()
    want = ctx.run("advance", steps=T, record=REC, inputs={"x.inputs": data()})
    assert np.asarray(want["z1.s"]).sum() > 20 and np.asarray(want["z2.s"]).sum() > 5  # both layers fire
    graph = export(model())
    kinds = {k: type(v).__name__ for k, v in graph.nodes.items()}
    assert kinds == {"x": "Input", "W1": "Affine", "z1": "LIF", "Wr": "Linear", "W2": "Linear", "z2": "IF",
                     "W3": "Linear", "y": "LI", "output": "Output"}
    assert sorted(graph.edges) == sorted([("x", "W1"), ("W1", "z1"), ("Wr", "z1"), ("z1", "Wr"), ("z1", "W2"),
                                          ("W2", "z2"), ("z2", "W3"), ("W3", "y"), ("y", "output")])
    np.testing.assert_allclose(graph.nodes["z1"].tau, 0.008)          # seconds
    np.testing.assert_allclose(graph.nodes["z2"].r, 2.0 * 1000 / 5.0)  # dv/dt per second
    np.testing.assert_array_equal(graph.nodes["W2"].weight, np.asarray(ctx.get("W2.weights")).T)  # [out, in]
    nir.write(tmp_path / "net.nir", graph)
    for g in (graph, tmp_path / "net.nir"):
        back = import_(g, batch_size=BATCH)
        assert back.dt == 0.5 and back.nir_inputs == {"x": "x.inputs"} and back.nir_outputs == {"output": "y.outputs"}
        got = back.run("advance", steps=T, record=REC, inputs={"x.inputs": data()})
        for k in REC:
            np.testing.assert_array_equal(np.asarray(got[k]), np.asarray(want[k]), err_msg=k)


def numpy_lif(I, dt, tau, r, v_leak, thr, v_reset):
    v, out = np.full(I.shape[1:], v_leak, np.float64), []
    for i in I:
        v = v + dt / tau * (v_leak - v + r * i)
        z = v > thr
        v = np.where(z, v_reset, v)
        out.append(z.astype(np.float32))
    return np.array(out)


def test_import_an_snntorch_style_graph():
    """snnTorch's export: Affine [out, in]; Leaky as LIF(tau = dt/(1-beta), r = tau/dt, v_leak = 0), dt = 1e-4 s."""
    rng = np.random.default_rng(1)
    dt, beta = 1e-4, 0.9
    tau = dt / (1 - beta)
    W, b = rng.normal(0, 0.6, (4, 5)).astype(np.float32), rng.normal(0, 0.1, 4).astype(np.float32)
    graph = nir.NIRGraph(nodes={
        "input": nir.Input(input_type={"input": np.array([5])}),
        "0": nir.Affine(weight=W, bias=b),
        "1": nir.LIF(tau=np.full(4, tau, np.float32), r=np.full(4, tau / dt, np.float32),
                     v_leak=np.zeros(4, np.float32),
                     v_threshold=np.ones(4, np.float32)),
        "output": nir.Output(output_type={"output": np.array([4])})},
        edges=[("input", "0"), ("0", "1"), ("1", "output")])
    with pytest.raises(NIRError, match="pass dt"):
        import_(graph)
    ctx = import_(graph, dt=0.1, batch_size=BATCH)
    xs = data(5, 200)
    rec = ctx.run("advance", steps=200, record=[ctx.nir_outputs["output"]], inputs={ctx.nir_inputs["input"]: xs})
    z = np.asarray(rec[ctx.nir_outputs["output"]])
    ref = numpy_lif(xs.astype(np.float64) @ W.T.astype(np.float64) + b, 0.1, tau * 1000, tau / dt, 0.0, 1.0, 0.0)
    assert z.sum() > 20
    np.testing.assert_array_equal(z, ref)
    # Euler with r = tau/dt is snnTorch's update: v = beta v + I
    assert np.isclose(1 - 0.1 / (tau * 1000), beta)


def test_import_a_norse_style_graph_with_cuba_lif_and_flatten():
    """Norse's export: Linear [out, in]; LIF / CubaLIF with tau = 1/tau_inv (s), r = 1; dt = 1 ms; numeric names."""
    rng = np.random.default_rng(2)
    W1, W2 = rng.normal(0, 1.5, (6, 5)).astype(np.float32), rng.normal(0, 3.0, (3, 6)).astype(np.float32)
    six, three = (lambda v: np.full(6, v, np.float32)), (lambda v: np.full(3, v, np.float32))
    graph = nir.NIRGraph(nodes={
        "input": nir.Input(input_type={"input": np.array([5])}),
        "0": nir.Flatten(input_type={"input": np.array([5])}, start_dim=0),
        "1": nir.Linear(weight=W1),
        "2": nir.CubaLIF(tau_syn=six(0.005), tau_mem=six(0.01), r=six(1.0), v_leak=six(0.0), v_threshold=six(0.3),
                         v_reset=six(0.0), w_in=six(2.0)),
        "3": nir.Linear(weight=W2),
        "4": nir.LIF(tau=three(0.02), r=three(1.0), v_leak=three(0.0), v_threshold=three(0.2), v_reset=three(0.0)),
        "output": nir.Output(output_type={"output": np.array([3])})},
        edges=[("input", "0"), ("0", "1"), ("1", "2"), ("2", "3"), ("3", "4"), ("4", "output")])
    ctx = import_(graph, dt=1.0, batch_size=BATCH)
    assert ctx.nir_outputs == {"output": "n_4.s"}
    xs = data(5, 150, seed=3)
    rec = ctx.run("advance", steps=150, record=["n_2.s", "n_4.s"], inputs={"input.inputs": xs})
    # NumPy: tau_syn dI/dt = -I + w_in S, then tau_mem dv/dt = v_leak - v + r I (the new I), Euler, dt = 1 ms
    I, v, z1 = np.zeros((BATCH, 6)), np.zeros((BATCH, 6)), []
    for x in xs.astype(np.float64):
        I = I + 1.0 / 5.0 * (2.0 * (x @ W1.T.astype(np.float64)) - I)
        v = v + 1.0 / 10.0 * (0.0 - v + I)
        z = v > 0.3
        v = np.where(z, 0.0, v)
        z1.append(z.astype(np.float32))
    z1 = np.array(z1)
    assert z1.sum() > 20
    np.testing.assert_array_equal(np.asarray(rec["n_2.s"]), z1)
    z2 = numpy_lif(z1.astype(np.float64) @ W2.T.astype(np.float64), 1.0, 20.0, 1.0, 0.0, 0.2, 0.0)
    assert z2.sum() > 5
    np.testing.assert_array_equal(np.asarray(rec["n_4.s"]), z2)


def test_refusals_are_named():
    def graph_with(node):
        return nir.NIRGraph(nodes={"input": nir.Input(input_type={"input": np.array([3])}), "n": node,
                                   "output": nir.Output(output_type={"output": np.array([3])})},
                            edges=[("input", "n"), ("n", "output")], type_check=False)

    for node, what in [(nir.Threshold(threshold=np.ones(3)), "Threshold"), (nir.I(r=np.ones(3)), "integrator"),
                       (nir.Conv1d(None, np.ones((2, 3, 1)), 1, 0, 1, 1, np.zeros(2)), "convolution")]:
        with pytest.raises(NIRUnsupportedError, match=what):
            import_(graph_with(node), dt=1.0)
    hetero = nir.LIF(tau=np.array([0.01, 0.02, 0.01]), r=np.ones(3), v_leak=np.zeros(3), v_threshold=np.ones(3))
    with pytest.raises(NIRUnsupportedError, match="tau differs between neurons"):
        import_(graph_with(hetero), dt=1.0)
    with Context("m") as ctx:
        z = LIFCell("z", 3, refract_time=2.0)
        ctx.command("advance", [z])
    with pytest.raises(NIRExportError, match="refract_time = 2.0 ms.*approximate=True"):
        export(ctx)
    assert type(export(ctx, approximate=True).nodes["z"]).__name__ == "LIF"
    from components.cells import PoissonCell

    with Context("p") as ctx:
        PoissonCell("p", 3)
    with pytest.raises(NIRExportError, match="PoissonCell.*has no NIR counterpart"):
        export(ctx)


def test_synaptica_namespace_exposes_nir():
    import synaptica as sy
    import synaptica.nir

    assert synaptica.nir.export is export and sy.nir.import_ is import_


def test_delay_nodes_import_and_round_trip():
    """NIR Delay: out_i(t) = in_i(t - delay_i), a DenseSynapse with identity weights and a delay line; a synapse
    with a delay exports as Delay -> Linear."""
    graph = nir.NIRGraph(nodes={
        "input": nir.Input(input_type={"input": np.array([3])}),
        "d": nir.Delay(delay=np.array([0.001, 0.002, 0.004])),
        "output": nir.Output(output_type={"output": np.array([3])})},
        edges=[("input", "d"), ("d", "output")])
    ctx = import_(graph, dt=1.0)
    xs = data(3, 30)[:, :1]
    out = np.asarray(ctx.run("advance", steps=30, record=["d.outputs"], inputs={"input.inputs": xs})["d.outputs"])
    for i, d in enumerate((1, 2, 4)):
        np.testing.assert_array_equal(out[d:, 0, i], xs[:-d, 0, i])
        assert not out[:d, 0, i].any()
    with Context("delayed", dt=0.5, batch_size=BATCH) as c:
        x = InputCell("x", 8)
        W = DenseSynapse("W", (8, 5), weight_init={"dist": "uniform", "low": 0.0, "high": 3.0}, delay=1.5)
        z = LIFCell("z", 5, tau_m=8.0, R_m=10.0, thr=-55.0)
    W.inputs << x.outputs
    z.j << W.outputs
    c.command("advance", [x, W, z])
    g = export(c)
    np.testing.assert_allclose(g.nodes["W_delay"].delay, 0.0015)
    assert ("x", "W_delay") in g.edges and ("W_delay", "W") in g.edges
    want = c.run("advance", steps=T, record=["z.s"], inputs={"x.inputs": data()})["z.s"]
    assert np.asarray(want).sum() > 10
    got = import_(g, batch_size=BATCH).run("advance", steps=T, record=["z.s"], inputs={"x.inputs": data()})["z.s"]
    np.testing.assert_array_equal(np.asarray(got), np.asarray(want))


def test_cuba_li_against_numpy():
    """CubaLI: tau_syn dI/dt = -I + w_in S, tau_mem dv/dt = v_leak - v + r I (Euler, v sees this step's I)."""
    rng = np.random.default_rng(4)
    W = rng.normal(0, 1.0, (3, 5)).astype(np.float32)

    def three(v):
        return np.full(3, v, np.float32)

    graph = nir.NIRGraph(nodes={
        "input": nir.Input(input_type={"input": np.array([5])}), "w": nir.Linear(weight=W),
        "li": nir.CubaLI(tau_syn=three(0.004), tau_mem=three(0.01), r=three(2.0), v_leak=three(0.5), w_in=three(3.0)),
        "output": nir.Output(output_type={"output": np.array([3])})},
        edges=[("input", "w"), ("w", "li"), ("li", "output")])
    ctx = import_(graph, dt=1.0, batch_size=BATCH)
    xs = data(5, 60, seed=5)
    out = np.asarray(ctx.run("advance", steps=60, record=[ctx.nir_outputs["output"]],
                             inputs={"input.inputs": xs})[ctx.nir_outputs["output"]])
    I, v, ref = np.zeros((BATCH, 3)), np.zeros((BATCH, 3)), []
    for x in xs.astype(np.float64):
        I = I + 1.0 / 4.0 * (3.0 * (x @ W.T.astype(np.float64)) - I)
        v = v + 1.0 / 10.0 * (0.5 - v + 2.0 * I)
        ref.append(v)
    np.testing.assert_allclose(out, np.array(ref), rtol=1e-5, atol=1e-5)


def test_sparse_layouts_export_their_dense_matrix():
    for layout in ("edges", "events"):
        with Context("sparse", dt=0.5, batch_size=1, seed=2) as ctx:
            x = InputCell("x", 30)
            W = DenseSynapse("W", (30, 20), weight_init={"dist": "uniform", "low": 0.5, "high": 1.0}, p_conn=0.1,
                             layout=layout)
            z = LIFCell("z", 20, tau_m=8.0)
        W.inputs << x.outputs
        z.j << W.outputs
        ctx.command("advance", [x, W, z])
        w = np.asarray(export(ctx).nodes["W"].weight)          # [out, in]
        dense = np.asarray(W.dense_weights())
        assert w.shape == (20, 30) and np.count_nonzero(dense) == 60, layout   # 3 inputs for each of 20
        np.testing.assert_array_equal(w, dense.T, err_msg=layout)
