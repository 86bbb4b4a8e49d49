"""EpropSynapse and LearningSignalConnection against an independent NumPy e-prop (Bellec et al. 2020,
NEST ``*_bsshslm_2020``), and the float64 NEST reference losses of the sine-wave task."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from components.cells import EpropALIFCell, EpropLIFCell, EpropReadoutCell
from components.synapses import EpropSynapse, LearningSignalConnection
from contexts import Context, ValidationError

ROOT = Path(__file__).resolve().parents[3]
NEST_LOSSES = [101.964356999041, 103.466731126205, 103.340607074771, 103.680244037686, 104.412775748752]


# -- independent NumPy reference (written from the reference maths, not from the library) -----------------------
def numpy_eprop(W: dict, xs: np.ndarray, ys: np.ndarray, masks: np.ndarray, p: dict, n_seq: int) -> tuple:
    """``n_seq`` sequences (network reset before each), one update after each; returns (W, losses)."""
    W = {k: v.astype(np.float64).copy() for k, v in W.items()}
    T, nb, n_in = xs.shape
    n_rec, n_out = W["W_out"].shape
    al, ka, rho = np.exp(-1 / p["tau_m"]), np.exp(-1 / p["tau_out"]), np.exp(-1 / p.get("tau_a", 1.0))
    c_in = (1 - al) if p["leaky"] else 1.0
    beta = np.broadcast_to(np.asarray(p.get("beta", 0.0), float), (n_rec,))
    vth, gam, tref = p["v_th"], p["gamma"], p.get("t_ref", 0)
    opt = {k: {"m": 0.0, "v": 0.0} for k in ("W_in", "W_rec", "W_out")}
    all_losses = []
    for it in range(n_seq):
        G = {k: np.zeros_like(W[k]) for k in ("W_in", "W_rec", "W_out")}
        losses = np.zeros(nb)
        for b in range(nb):
            v = np.zeros(n_rec); z = np.zeros(n_rec); r = np.zeros(n_rec); a = np.zeros(n_rec)  # noqa: E702
            y = np.zeros(n_out); zi = np.zeros(n_in); zr = np.zeros(n_rec); zo = np.zeros(n_rec)  # noqa: E702
            ea_i = np.zeros((n_in, n_rec)); ea_r = np.zeros((n_rec, n_rec))  # noqa: E702
            eb_i = np.zeros((n_in, n_rec)); eb_r = np.zeros((n_rec, n_rec))  # noqa: E702
            g_i = np.zeros((n_in, n_rec)); g_r = np.zeros((n_rec, n_rec)); g_o = np.zeros((n_rec, n_out))  # noqa: E702
            se_i = np.zeros((n_in, n_rec)); se_r = np.zeros((n_rec, n_rec)); ns = np.zeros(n_rec)  # noqa: E702
            for t in range(T):
                x = xs[t, b]
                zp = z
                r = np.maximum(r - 1, 0)
                v = al * v + c_in * (x @ W["W_in"] + zp @ W["W_rec"]) - vth * zp
                a = rho * a + zp
                A = vth + beta * a
                psi = np.where(r > 0, 0.0, gam / vth * np.maximum(0, 1 - np.abs(v - A) / vth))
                z = ((v >= A) & (r == 0)).astype(float)
                r = np.where(z > 0, tref, r)
                y = ka * y + (1 - ka) * (z @ W["W_out"])
                m = masks[t, b, 0]
                if p["loss"] == "mse":
                    err = (y - ys[t, b]) * m
                    losses[b] += 0.5 * np.sum((y - ys[t, b]) ** 2) * m
                else:
                    pi = np.exp(y - y.max()) / np.exp(y - y.max()).sum()
                    err = (pi - ys[t, b]) * m
                    losses[b] += -np.sum(ys[t, b] * np.log(pi)) * m
                L = W["B"] @ err
                zi = al * zi + c_in * x
                zr = al * zr + c_in * zp
                e_i = np.outer(zi, psi) - psi * beta * ea_i
                e_r = np.outer(zr, psi) - psi * beta * ea_r
                ea_i = rho * ea_i + e_i
                ea_r = rho * ea_r + e_r
                eb_i = ka * eb_i + (1 - ka) * e_i
                eb_r = ka * eb_r + (1 - ka) * e_r
                g_i += eb_i * L
                g_r += eb_r * L
                zo = ka * zo + (1 - ka) * z
                g_o += np.outer(zo, err)
                se_i += e_i; se_r += e_r; ns += z  # noqa: E702
            if p.get("late_signal"):  # NEST: L(T-1) arrives after a presynaptic spike at step 1 of the next sequence
                nxt = xs[1, b + 1] if b + 1 < nb else xs[1, 0]
                g_i -= eb_i * L * nxt[:, None]
            f = ns / T
            g_i += p["c_reg"] * (f - p["f_target"] / 1000) * se_i / T
            g_r += p["c_reg"] * (f - p["f_target"] / 1000) * se_r / T
            np.fill_diagonal(g_r, 0)
            for k, g in (("W_in", g_i), ("W_rec", g_r), ("W_out", g_o)):
                G[k] += g / p["div"] / nb
        for k in G:
            if p["optim"] == "sgd":
                W[k] -= p["eta"] * G[k]
            else:
                s = opt[k]
                s["m"] = 0.9 * s["m"] + 0.1 * G[k]
                s["v"] = 0.999 * s["v"] + 0.001 * G[k] ** 2
                k_ = it + 1
                eps = p.get("eps", 1e-8)
                if p["optim"] == "adam":  # Kingma & Ba: eps added to sqrt(v_hat)
                    W[k] -= p["eta"] * (s["m"] / (1 - 0.9 ** k_)) / (np.sqrt(s["v"] / (1 - 0.999 ** k_)) + eps)
                else:  # NEST (TensorFlow form): eps added to sqrt(v), bias correction in the step size
                    W[k] -= p["eta"] * np.sqrt(1 - 0.999 ** k_) / (1 - 0.9 ** k_) * s["m"] / (np.sqrt(s["v"]) + eps)
        all_losses.append(losses)
    return W, np.array(all_losses)


# -- the same network from components -------------------------------------------------------------------------
def build(p: dict, n_in: int, n_rec: int, n_out: int, batch: int, feedback: str = "random",
          update: str = "sequence", store_e: bool = False) -> Context:
    """The network of ``numpy_eprop`` from components (``p["late_signal"]``: W_in.next_inputs is left
    for the caller to feed)."""
    mode = "leaky" if p["leaky"] else "direct"
    syn = dict(tau_m=p["tau_m"], tau_out=p["tau_out"], input_mode=mode, eta=p["eta"], optim_type=p["optim"],
               c_reg=p["c_reg"], f_target=p["f_target"], grad_divisor=p["div"], update=update,
               tau_a=p.get("tau_a") if p["alif"] else None, weight_init={"dist": "constant", "value": 0.0},
               store_e=store_e, eps=p.get("eps", 1e-8))
    with Context("eprop", batch_size=batch) as ctx:
        W_in = EpropSynapse("W_in", (n_in, n_rec), late_signal=p.get("late_signal", False), **syn)
        W_rec = EpropSynapse("W_rec", (n_rec, n_rec), no_autapses=True, **syn)
        if p["alif"]:
            rec = EpropALIFCell("rec", n_rec, tau_m=p["tau_m"], v_th=p["v_th"], gamma=p["gamma"],
                                t_ref=p["t_ref"], input_mode=mode, tau_a=p["tau_a"], beta=list(p["beta"]))
        else:
            rec = EpropLIFCell("rec", n_rec, tau_m=p["tau_m"], v_th=p["v_th"], gamma=p["gamma"],
                               t_ref=p.get("t_ref", 0), input_mode=mode)
        W_out = EpropSynapse("W_out", (n_rec, n_out), role="readout", tau_out=p["tau_out"], eta=p["eta"],
                             optim_type=p["optim"], grad_divisor=p["div"], update=update, eps=p.get("eps", 1e-8),
                             weight_init={"dist": "constant", "value": 0.0})
        out = EpropReadoutCell("out", n_out, tau_out=p["tau_out"], loss_type=p["loss"])
        fb = LearningSignalConnection("fb", (n_out, n_rec), feedback=feedback, weight_init={"dist": "constant"})
    W_rec.inputs << rec.s.prev
    rec.j << W_in.outputs + W_rec.outputs
    W_out.inputs << rec.s
    out.j << W_out.outputs
    fb.inputs << out.error
    if feedback == "symmetric":
        fb.w_out << W_out.weights
    for s in (W_in, W_rec):
        s.post_psi << rec.psi
        s.post_s << rec.s
        s.signal << fb.outputs
        if p["alif"]:
            s.post_psi_beta << rec.psi_beta
    W_out.signal << out.error
    ctx.command("advance", [W_in, W_rec, rec, W_out, out, fb])
    ctx.command("accumulate", [W_in, W_rec, W_out])
    ctx.command("evolve", [W_in, W_rec, W_out])
    ctx.command("reset", [W_in, W_rec, rec, W_out, out, fb])
    return ctx


def train(ctx: Context, W: dict, xs, ys, masks, n_seq: int) -> np.ndarray:
    for k in ("W_in", "W_rec", "W_out"):
        ctx.clamp(f"{k}.weights", W[k])
    ctx.clamp("fb.weights", W["B"].T)
    losses = []
    for _ in range(n_seq):
        ctx.reset()
        rec = ctx.run(["advance", "accumulate"], steps=xs.shape[0], record=["out.loss"],
                      inputs={"W_in.inputs": xs, "out.target": ys, "out.mask": masks})
        nxt = {}
        if "next_inputs" in ctx.components["W_in"].compartments:  # sequence b + 1's step 1 (wrapping round)
            nxt = {"W_in.next_inputs": np.roll(xs[1], -1, axis=0)[None]}
        ctx.run("evolve", inputs=nxt)
        losses.append(np.asarray(rec["out.loss"]).sum(0))
    return np.array(losses)


def random_problem(rng, p, n_in, n_rec, n_out, batch, T):
    W = {"W_in": rng.normal(size=(n_in, n_rec)) * p["w_scale"] / np.sqrt(n_in),
         "W_rec": rng.normal(size=(n_rec, n_rec)) * p["w_scale"] / np.sqrt(n_rec),
         "W_out": rng.normal(size=(n_rec, n_out)) / np.sqrt(n_rec),
         "B": rng.normal(size=(n_rec, n_out))}
    np.fill_diagonal(W["W_rec"], 0.0)
    xs = (rng.random((T, batch, n_in)) < p["p_in"]).astype(np.float32)
    if p["loss"] == "mse":
        ys = rng.normal(size=(T, batch, n_out)).astype(np.float32)
        masks = np.ones((T, batch, 1), np.float32)
    else:
        labels = rng.integers(0, n_out, batch)
        ys = np.broadcast_to(np.eye(n_out)[labels], (T, batch, n_out)).astype(np.float32)
        masks = np.zeros((T, batch, 1), np.float32)
        masks[-p["div"]:] = 1.0
    W = {k: v.astype(np.float32) for k, v in W.items()}
    return W, xs, ys, masks


REGRESSION = dict(tau_m=30.0, tau_out=30.0, v_th=0.03, gamma=0.3, c_reg=300.0, f_target=10.0, eta=1e-3,
                  optim="sgd", leaky=True, alif=False, loss="mse", div=1, w_scale=1.0, p_in=0.1)
CLASSIFICATION = dict(tau_m=20.0, tau_out=20.0, v_th=0.6, gamma=0.3, c_reg=300.0, f_target=10.0, eta=5e-3,
                      optim="adam", leaky=False, alif=True, t_ref=5, tau_a=200.0, loss="cross_entropy", div=15,
                      w_scale=3.0, p_in=0.2)


def _compare(p, n_seq=3, batch=1, T=60, seed=0):
    n_in, n_rec, n_out = 7, 9, 2
    rng = np.random.default_rng(seed)
    W, xs, ys, masks = random_problem(rng, p, n_in, n_rec, n_out, batch, T)
    ctx = build(p, n_in, n_rec, n_out, batch)
    losses = train(ctx, W, xs, ys, masks, n_seq)
    W_ref, ref_losses = numpy_eprop(W, xs, ys, masks, p, n_seq)
    # a real test: the weights must have moved noticeably and spikes must have happened
    assert np.abs(W_ref["W_rec"] - W["W_rec"]).max() > 1e-4
    np.testing.assert_allclose(losses, ref_losses, rtol=2e-4, atol=1e-5)
    for k in ("W_in", "W_rec", "W_out"):
        np.testing.assert_allclose(np.asarray(ctx.get(f"{k}.weights")), W_ref[k], rtol=2e-4, atol=2e-6,
                                   err_msg=k)
    return ctx


def test_regression_lif_sgd_matches_numpy():
    ctx = _compare(REGRESSION, n_seq=3, batch=2)
    assert float(np.asarray(ctx.get("W_rec.weights")).diagonal().__abs__().max()) == 0.0  # no autapses


@pytest.mark.parametrize("optim", ["adam", "nest_adam"])
def test_classification_alif_adam_window_matches_numpy(optim):
    """Both Adam forms against their NumPy references; eps = 1e-3 makes the two forms differ by far more
    than the tolerance (Kingma-Ba adds eps to sqrt(v_hat), NEST to sqrt(v))."""
    p = dict(CLASSIFICATION, beta=np.r_[np.zeros(4), np.full(5, 0.5)], optim=optim, eps=1e-3)
    ctx = _compare(p, n_seq=3, batch=3, T=80)
    other = dict(p, optim="nest_adam" if optim == "adam" else "adam")
    rng = np.random.default_rng(0)
    W, xs, ys, masks = random_problem(rng, p, 7, 9, 2, 3, 80)
    W_other, _ = numpy_eprop(W, xs, ys, masks, other, 3)
    got = np.asarray(ctx.get("W_in.weights"))
    assert np.abs(got - W_other["W_in"]).max() > 10 * (2e-6 + 2e-4 * np.abs(got).max())


def test_late_signal_matches_numpy():
    """late_signal: the last step's ebar L is dropped for presynaptic inputs that spike at step 1 of the
    next sequence (NEST's event-driven update); the reference would fail without the option."""
    p = dict(REGRESSION, late_signal=True)
    ctx = _compare(p, n_seq=3, batch=2)
    rng = np.random.default_rng(0)
    W, xs, ys, masks = random_problem(rng, p, 7, 9, 2, 2, 60)
    assert xs[1].any()
    W_plain, _ = numpy_eprop(W, xs, ys, masks, dict(p, late_signal=False), 3)
    assert np.abs(np.asarray(ctx.get("W_in.weights")) - W_plain["W_in"]).max() > 1e-4


def test_online_update_with_symmetric_feedback():
    """update="online": W moves by -eta * ebar L at each step (no firing-rate term); feedback="symmetric":
    L = W_out err with the current readout weights."""
    p = dict(REGRESSION, c_reg=0.0)
    n_in, n_rec, n_out, T = 5, 6, 1, 25
    rng = np.random.default_rng(1)
    W, xs, ys, masks = random_problem(rng, p, n_in, n_rec, n_out, 1, T)
    ctx = build(p, n_in, n_rec, n_out, 1, update="online", feedback="symmetric", store_e=True)
    for k in ("W_in", "W_rec", "W_out"):
        ctx.clamp(f"{k}.weights", W[k])
    # reference: NumPy, weights updated after every step
    Wr = {k: v.astype(np.float64) for k, v in W.items()}
    al = ka = np.exp(-1 / 30)
    v = np.zeros(n_rec); z = np.zeros(n_rec); y = np.zeros(n_out)  # noqa: E702
    zi = np.zeros(n_in); zr = np.zeros(n_rec); zo = np.zeros(n_rec)  # noqa: E702
    eb_i = np.zeros((n_in, n_rec)); eb_r = np.zeros((n_rec, n_rec))  # noqa: E702
    for t in range(T):
        zp = z
        v = al * v + (1 - al) * (xs[t, 0] @ Wr["W_in"] + zp @ Wr["W_rec"]) - 0.03 * zp
        z = (v >= 0.03).astype(float)
        psi = 0.3 / 0.03 * np.maximum(0, 1 - np.abs(v - 0.03) / 0.03)
        y = ka * y + (1 - ka) * (z @ Wr["W_out"])
        err = y - ys[t, 0]
        L = Wr["W_out"] @ err
        zi = al * zi + (1 - al) * xs[t, 0]
        zr = al * zr + (1 - al) * zp
        eb_i = ka * eb_i + (1 - ka) * np.outer(zi, psi)
        eb_r = ka * eb_r + (1 - ka) * np.outer(zr, psi)
        zo = ka * zo + (1 - ka) * z
        g_r = eb_r * L
        np.fill_diagonal(g_r, 0)
        Wr["W_in"] -= p["eta"] * eb_i * L
        Wr["W_rec"] -= p["eta"] * g_r
        Wr["W_out"] -= p["eta"] * np.outer(zo, err)
    ctx.run(["advance", "accumulate"], steps=T, inputs={"W_in.inputs": xs, "out.target": ys})
    np.testing.assert_allclose(np.asarray(ctx.get("W_rec.e"))[0], np.outer(zr, psi), rtol=1e-4, atol=1e-6)
    before = np.asarray(ctx.get("W_rec.weights"))
    ctx.run("evolve")  # online mode: evolve only clears the accumulators
    np.testing.assert_array_equal(np.asarray(ctx.get("W_rec.weights")), before)
    assert np.abs(Wr["W_in"] - W["W_in"]).max() > 1e-5
    for k in ("W_in", "W_rec", "W_out"):
        np.testing.assert_allclose(np.asarray(ctx.get(f"{k}.weights")), Wr[k], rtol=1e-4, atol=1e-6, err_msg=k)


def test_bad_parameters_raise_validation_errors():
    with Context("bad"):
        with pytest.raises(ValidationError, match="role"):
            EpropSynapse("a", (2, 3), role="output")
        with pytest.raises(ValidationError, match="no_autapses"):
            EpropSynapse("b", (2, 3), no_autapses=True)
        with pytest.raises(ValidationError, match="optim_type"):
            EpropSynapse("c", (2, 3), optim_type="rmsprop")
        with pytest.raises(ValidationError, match="feedback"):
            LearningSignalConnection("d", (1, 3), feedback="mirror")
        with pytest.raises(ValidationError, match="tau_a"):
            EpropSynapse("e", (2, 3), role="readout", tau_a=100.0)


def test_nest_reference_losses_float64():
    """NEST 3.x's e-prop sine-wave test: the first five per-sequence losses to 1e-6 relative (float64).

    Runs in a subprocess with JAX_ENABLE_X64=1 so the rest of the suite stays float32."""
    script = textwrap.dedent("""
        import jax, numpy as np
        assert jax.config.jax_enable_x64
        from museum.eprop_sine_waves import Trainer, build, load_init
        const = {"dist": "constant", "value": 0.0}
        ctx = build(dtype="float64", overrides={f"{k}.weight_init": const for k in ("W_in", "W_rec", "W_out", "B")})
        x, y = load_init(ctx, "tests/data/eprop_sine_nest_init.npz")
        _, losses = Trainer(ctx, x, y).train(5)
        print(repr(losses[:, 0].tolist()))
    """)
    env = dict(os.environ, JAX_ENABLE_X64="1", JAX_PLATFORMS="cpu")
    res = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=300)
    assert res.returncode == 0, res.stderr[-3000:]
    losses = ast.literal_eval(res.stdout.strip().splitlines()[-1])
    np.testing.assert_allclose(losses, NEST_LOSSES, rtol=1e-6, atol=0)


def test_learning_signal_delay_delivers_the_signal_of_d_steps_ago() -> None:
    err = np.random.default_rng(3).normal(size=(12, 2, 2)).astype(np.float32)
    with Context("delayed", dt=0.5, batch_size=2) as ctx:
        fb = LearningSignalConnection("fb", (2, 3), delay=1.5)  # 3 steps of 0.5 ms
        ctx.command("advance", [fb])
    B = np.asarray(fb.weights.value)
    rec = np.asarray(ctx.run("advance", steps=12, record=[fb.outputs], inputs={fb.inputs: err})[fb.outputs])
    np.testing.assert_array_equal(rec[:3], 0.0)
    np.testing.assert_allclose(rec[3:], err[:-3] @ B, rtol=1e-5, atol=1e-6)
    ctx.reset()
    np.testing.assert_array_equal(np.asarray(fb.pending.value), 0.0)  # reset empties the queue
    with Context("bad_delay", dt=1.0):
        with pytest.raises(ValidationError, match="'fb': delay must be a non-negative multiple"):
            LearningSignalConnection("fb", (2, 3), delay=1.5)
