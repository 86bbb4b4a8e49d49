"""Sparse e-prop: EpropSynapse with ``layout="edges"`` keeps its eligibility traces, gradient and optimiser
state per existing synapse only. Checked against the dense layout with the same network as a mask, against
an independent NumPy loop over the edges, for Dale's law through learning and for O(edges) state sizes."""

from __future__ import annotations

import numpy as np
import pytest

from components.cells import EpropALIFCell, EpropLIFCell, EpropReadoutCell
from components.rules.connectivity import as_mask, draw
from components.synapses import EpropSynapse, LearningSignalConnection
from contexts import Context, ValidationError

N_IN, N_REC, N_OUT, BATCH, T = 12, 15, 2, 2, 40
SPECS = {"W_in": {"rule": "fixed_in_degree", "k": 4, "seed": 3},
         "W_rec": {"rule": "fixed_in_degree", "k": 5, "seed": 4},
         "W_out": {"rule": "bernoulli", "p": 0.5, "seed": 5}}   # unequal in-degrees: masked slots
SHAPES = {"W_in": (N_IN, N_REC), "W_rec": (N_REC, N_REC), "W_out": (N_REC, N_OUT)}
BETA = [0.0] * 7 + [0.5] * 8


def build(layout: str, alif: bool, optim: str = "sgd", dale: dict | None = None) -> Context:
    """Input -> recurrent (A)LIF -> readout, every projection an EpropSynapse in ``layout``. The dense
    layout gets each network as a ``weight_mask``, the edges layout as the ``connectivity`` rule."""
    dale = dale or {}

    def conn(name: str) -> dict:
        if layout == "edges":
            return {"layout": "edges", "connectivity": SPECS[name]}
        mask = as_mask(draw(SPECS[name], SHAPES[name], SPECS[name]["seed"]))
        return {"layout": "dense", "weight_mask": mask.astype(np.float32)}

    syn = dict(tau_m=30.0, tau_out=30.0, eta=5e-3, optim_type=optim, c_reg=30.0, f_target=10.0,
               tau_a=200.0 if alif else None)
    with Context("sparse_eprop", batch_size=BATCH) as ctx:
        W_in = EpropSynapse("W_in", SHAPES["W_in"], **syn, **conn("W_in"), **dale.get("W_in", {}))
        W_rec = EpropSynapse("W_rec", SHAPES["W_rec"], no_autapses=True, **syn, **conn("W_rec"),
                             **dale.get("W_rec", {}))
        if alif:
            rec = EpropALIFCell("rec", N_REC, tau_m=30.0, v_th=0.03, gamma=0.3, input_mode="leaky", tau_a=200.0,
                                beta=BETA)
        else:
            rec = EpropLIFCell("rec", N_REC, tau_m=30.0, v_th=0.03, gamma=0.3, input_mode="leaky")
        W_out = EpropSynapse("W_out", SHAPES["W_out"], role="readout", tau_out=30.0, eta=5e-3, optim_type=optim,
                             **conn("W_out"))
        out = EpropReadoutCell("out", N_OUT, tau_out=30.0, loss_type="mse")
        fb = LearningSignalConnection("fb", (N_OUT, N_REC))
    W_rec.inputs << rec.s.prev
    rec.j << W_in.outputs + W_rec.outputs
    W_out.inputs << rec.s
    out.j << W_out.outputs
    fb.inputs << out.error
    for s in (W_in, W_rec):
        s.post_psi << rec.psi
        s.post_s << rec.s
        s.signal << fb.outputs
        if alif:
            s.post_psi_beta << rec.psi_beta
    W_out.signal << out.error
    ctx.command("advance", [W_in, W_rec, rec, W_out, out, fb])
    ctx.command("accumulate", [W_in, W_rec, W_out])
    ctx.command("evolve", [W_in, W_rec, W_out])
    return ctx


def problem(seed: int = 0) -> tuple:
    rng = np.random.default_rng(seed)
    W = {k: (rng.normal(size=s) * 2.0 / np.sqrt(s[0])).astype(np.float32) for k, s in SHAPES.items()}
    B = rng.normal(size=(N_OUT, N_REC)).astype(np.float32)
    xs = (rng.random((T, BATCH, N_IN)) < 0.2).astype(np.float32)
    ys = rng.normal(size=(T, BATCH, N_OUT)).astype(np.float32)
    return W, B, xs, ys


def start(ctx: Context, W: dict, B: np.ndarray) -> None:
    """Clamp the same dense weights into either layout (absent connections dropped)."""
    for k, w in W.items():
        syn = ctx.components[k]
        if syn.layout == "edges":
            pre = np.asarray(syn.pre_index.value)
            w_e = w[pre, np.arange(w.shape[1])]
            if "mask" in syn.compartments:
                w_e = w_e * np.asarray(syn.mask.value)
            ctx.clamp(f"{k}.weights", w_e)
        else:
            ctx.clamp(f"{k}.weights", w * np.asarray(syn.mask.value))
    ctx.clamp("fb.weights", B)


def train(ctx: Context, xs: np.ndarray, ys: np.ndarray, n_seq: int, each=None) -> None:
    for i in range(n_seq):
        ctx.reset()
        ctx.run(["advance", "accumulate"], steps=xs.shape[0], inputs={"W_in.inputs": xs, "out.target": ys})
        ctx.run("evolve")
        if each is not None:
            each(ctx, i)


def edge_values(syn, dense: np.ndarray) -> np.ndarray:
    """A dense (..., n_in, n_out) array read at ``syn``'s edges: (..., k, n_out)."""
    pre = np.asarray(syn.pre_index.value)
    return dense[..., pre, np.arange(pre.shape[1])]


@pytest.mark.parametrize("alif,optim", [(False, "sgd"), (True, "adam")])
def test_edges_learn_the_same_weights_as_dense_with_the_mask(alif, optim):
    W, B, xs, ys = problem()
    dense, edges = build("dense", alif, optim), build("edges", alif, optim)
    for ctx in (dense, edges):
        start(ctx, W, B)
        train(ctx, xs, ys, n_seq=3)
    for k in SHAPES:
        w_d = np.asarray(dense.get(f"{k}.weights"))
        w_e = np.asarray(edges.components[k].dense_weights())
        assert np.abs(w_d - W[k] * np.asarray(dense.components[k].mask.value)).max() > 1e-4, k  # it learnt
        np.testing.assert_allclose(w_e, w_d, rtol=1e-5, atol=1e-6, err_msg=k)
        # absent connections stay absent
        assert np.all(w_e[np.asarray(dense.components[k].mask.value) == 0] == 0), k
    # the traces themselves, edge by edge (they carry over from one sequence to the next)
    traces = ["ebar", "eps_a"] if alif else ["ebar"]
    for k in ("W_in", "W_rec"):
        for name in traces:
            np.testing.assert_allclose(np.asarray(edges.get(f"{k}.{name}")),
                                       edge_values(edges.components[k], np.asarray(dense.get(f"{k}.{name}"))),
                                       rtol=1e-5, atol=1e-7, err_msg=f"{k}.{name}")


def numpy_edges(W_e: np.ndarray, pre: np.ndarray, xs, psi, psi_beta, L, *, alpha, kappa, rho, eta, n_seq):
    """The e-prop update of one hidden projection, written edge by edge (sgd, sequence updates)."""
    k, n_out = pre.shape
    W_e = W_e.astype(np.float64).copy()
    nb = xs.shape[1]
    zbar = np.zeros((nb, xs.shape[2]))
    ebar = np.zeros((nb, k, n_out))
    eps_a = np.zeros((nb, k, n_out))
    for _ in range(n_seq):
        g = np.zeros((nb, k, n_out))
        for t in range(xs.shape[0]):
            zbar = alpha * zbar + (1 - alpha) * xs[t]
            for b in range(nb):
                for s in range(k):
                    for j in range(n_out):
                        e = psi[t, b, j] * zbar[b, pre[s, j]] - psi_beta[t, b, j] * eps_a[b, s, j]
                        eps_a[b, s, j] = rho * eps_a[b, s, j] + e
                        ebar[b, s, j] = kappa * ebar[b, s, j] + (1 - kappa) * e
                        g[b, s, j] += ebar[b, s, j] * L[t, b, j]
        W_e -= eta * g.mean(axis=0)
    return W_e


def test_edges_match_a_numpy_loop_over_the_edges():
    """One projection with psi, psi_beta and L given from outside; two sequences, no reset in between."""
    n_in, n_out, nb, steps = 9, 6, 2, 25
    rng = np.random.default_rng(1)
    spec = {"rule": "fixed_in_degree", "k": 3, "seed": 2}
    with Context("one", batch_size=nb) as ctx:
        syn = EpropSynapse("W", (n_in, n_out), layout="edges", connectivity=spec, tau_m=20.0, tau_out=15.0,
                           tau_a=100.0, eta=0.1)
    ctx.command("advance", [syn])
    ctx.command("accumulate", [syn])
    ctx.command("evolve", [syn])
    xs = (rng.random((steps, nb, n_in)) < 0.3).astype(np.float32)
    psi = rng.random((steps, nb, n_out)).astype(np.float32)
    psi_beta = (0.3 * psi).astype(np.float32)
    L = rng.normal(size=(steps, nb, n_out)).astype(np.float32)
    W0 = np.asarray(ctx.get("W.weights"))
    for _ in range(2):
        ctx.run(["advance", "accumulate"], steps=steps,
                inputs={"W.inputs": xs, "W.post_psi": psi, "W.post_psi_beta": psi_beta, "W.signal": L})
        ctx.run("evolve")
    pre = np.asarray(syn.pre_index.value)
    assert np.array_equal(pre, np.sort(pre, axis=0)) and pre.shape == (3, n_out)
    ref = numpy_edges(W0, pre, xs, psi, psi_beta, L, alpha=np.exp(-1 / 20), kappa=np.exp(-1 / 15),
                      rho=np.exp(-1 / 100), eta=0.1, n_seq=2)
    assert np.abs(ref - W0).max() > 1e-3
    np.testing.assert_allclose(np.asarray(ctx.get("W.weights")), ref, rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("layout", ["edges", "dense"])
def test_dale_signs_never_flip_through_learning(layout):
    W, B, xs, ys = problem(2)
    n_exc = 11
    dale = {"W_in": {"dale": True}, "W_rec": {"dale": True, "n_exc": n_exc}}

    def signs_ok(ctx: Context) -> tuple:
        w_in = np.asarray(ctx.components["W_in"].dense_weights())
        w_rec = np.asarray(ctx.components["W_rec"].dense_weights())
        assert np.all(w_in >= 0)
        assert np.all(w_rec[:n_exc] >= 0) and np.all(w_rec[n_exc:] <= 0)
        return w_in, w_rec

    ctx = build(layout, alif=False, dale=dale)
    w_in0, w_rec0 = signs_ok(ctx)                      # the initial draw follows Dale's law
    assert (w_rec0[:n_exc] > 0).any() and (w_rec0[n_exc:] < 0).any() and (w_in0 > 0).any()
    sign = np.where(np.arange(N_REC) < n_exc, 1.0, -1.0)[:, None]
    signed = {"W_in": np.abs(W["W_in"]), "W_rec": np.abs(W["W_rec"]) * sign, "W_out": W["W_out"]}
    start(ctx, signed, B)
    w_start = signs_ok(ctx)
    train(ctx, xs, ys, n_seq=4, each=lambda c, i: signs_ok(c))
    w_end = signs_ok(ctx)
    moved = [np.abs(a - b).max() for a, b in zip(w_end, w_start)]
    assert min(moved) > 1e-4

    # without the constraint the same training flips signs: the test above has teeth
    free = build(layout, alif=False)
    start(free, signed, B)
    train(free, xs, ys, n_seq=4)
    w_rec = np.asarray(free.components["W_rec"].dense_weights())
    w_in = np.asarray(free.components["W_in"].dense_weights())
    assert (w_rec[:n_exc] < 0).any() or (w_rec[n_exc:] > 0).any() or (w_in < 0).any()


def test_state_is_per_edge():
    """Every per-synapse compartment holds batch x n_edges values (not batch x n_in x n_out)."""
    n, k, nb = 200, 10, 3
    with Context("sizes", batch_size=nb) as ctx:
        syn = EpropSynapse("W", (n, n), layout="edges", connectivity={"rule": "fixed_in_degree", "k": k},
                           tau_a=100.0, c_reg=1.0, optim_type="adam", store_e=True, no_autapses=True)
        p = EpropSynapse("P", (n, n), layout="edges", p_conn=0.05)
    ctx.command("accumulate", [syn, p])
    n_edges = k * n
    for name in ("ebar", "eps_a", "grad", "sum_e", "e"):
        assert np.asarray(ctx.get(f"W.{name}")).size == nb * n_edges, name
    for name in ("weights", "pre_index", "dWeights", "opt_m", "opt_v"):
        assert np.asarray(ctx.get(f"W.{name}")).size == n_edges, name
    assert np.asarray(ctx.get("P.ebar")).shape == (nb, 10, n)   # p_conn: a fixed in-degree round(0.05 n)
    assert np.all((np.asarray(p.dense_weights()) != 0).sum(axis=0) == 10)


def test_edges_refuse_the_factored_form_and_check_n_exc():
    with pytest.raises(ValidationError, match="factored"):
        with Context("bad"):
            EpropSynapse("W", (10, 10), layout="edges", p_conn=0.5, eligibility="factored", max_steps=10)
    with pytest.raises(ValidationError, match="n_exc"):
        with Context("bad2"):
            EpropSynapse("W", (10, 10), dale=True, n_exc=11)


@pytest.mark.parametrize("opts", [{"update": "online", "optim_type": "nest_adam", "w_min": -0.3, "w_max": 0.3},
                                  {"late_signal": True, "store_e": True, "no_autapses": True, "c_reg": 5.0}],
                         ids=["online-nest_adam-bounds", "late_signal-store_e-no_autapses"])
def test_options_carry_over_to_the_edges(opts):
    """One projection with its inputs given from outside, dense with the mask vs edges."""
    n, nb, steps = 10, 2, 20
    rng = np.random.default_rng(3)
    spec = {"rule": "bernoulli", "p": 0.4, "seed": 6}
    mask = as_mask(draw(spec, (n, n), 6)).astype(np.float32)
    kw = dict(tau_a=50.0, eta=0.05, weight_init={"dist": "gaussian", "sigma": 0.2}, **opts)
    with Context("opts", batch_size=nb) as ctx:
        d = EpropSynapse("D", (n, n), weight_mask=mask, **kw)
        e = EpropSynapse("E", (n, n), layout="edges", connectivity=spec, **kw)
    for c in ("advance", "accumulate", "evolve"):
        ctx.command(c, [d, e])
    w0 = rng.normal(size=(n, n)).astype(np.float32) * 0.2 * mask
    ctx.clamp("D.weights", w0)
    ctx.clamp("E.weights", edge_values(e, w0) * np.asarray(e.mask.value))
    feed = {"inputs": (rng.random((steps, nb, n)) < 0.3).astype(np.float32),
            "post_psi": rng.random((steps, nb, n)).astype(np.float32),
            "post_psi_beta": (0.2 * rng.random((steps, nb, n))).astype(np.float32),
            "signal": rng.normal(size=(steps, nb, n)).astype(np.float32),
            "post_s": (rng.random((steps, nb, n)) < 0.1).astype(np.float32)}
    for _ in range(2):
        ctx.run(["advance", "accumulate"], steps=steps, inputs={f"{s}.{k}": v for s in "DE" for k, v in feed.items()})
        nxt = {"D.next_inputs": feed["inputs"][1][None], "E.next_inputs": feed["inputs"][1][None]} \
            if opts.get("late_signal") else {}
        ctx.run("evolve", inputs=nxt)
    w_d = np.asarray(ctx.get("D.weights"))
    assert np.abs(w_d - w0).max() > 1e-3
    np.testing.assert_allclose(np.asarray(e.dense_weights()), w_d, rtol=1e-5, atol=1e-6)
    if opts.get("store_e"):
        on = np.asarray(e.mask.value) > 0           # the unused slots' values are never applied
        np.testing.assert_allclose(np.asarray(ctx.get("E.e"))[:, on], edge_values(e, np.asarray(ctx.get("D.e")))[:, on],
                                   rtol=1e-5, atol=1e-7)
