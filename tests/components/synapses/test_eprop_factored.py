"""EpropSynapse(eligibility="factored") against the online form (float64 to 1e-10, in a subprocess) and
the factored maths of components.rules.eprop against a NumPy loop of the per-step recursions."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from components.cells import EpropALIFCell, EpropLIFCell, EpropReadoutCell
from components.rules.eprop import backward_affine, factored_eligibility, filtered_signal
from components.synapses import EpropSynapse, LearningSignalConnection
from contexts import Context, ValidationError
from contexts.graph_yaml import load_model_string

ROOT = Path(__file__).resolve().parents[3]

LIF = dict(tau_m=30.0, tau_out=30.0, v_th=0.03, gamma=0.3, c_reg=300.0, f_target=10.0, eta=1e-3, optim="sgd",
           mode="leaky", alif=False, loss="mse", div=1, w_scale=1.0, p_in=0.1)
ALIF = dict(tau_m=20.0, tau_out=20.0, v_th=0.6, gamma=0.3, c_reg=300.0, f_target=10.0, eta=5e-3, optim="adam",
            mode="direct", alif=True, t_ref=5, tau_a=200.0, loss="cross_entropy", div=15, w_scale=3.0, p_in=0.2)


def build(p: dict, n_in: int, n_rec: int, n_out: int, batch: int, eligibility: str, max_steps: int | None = None,
          keep_traces: bool = True, dtype: str = "float32") -> Context:
    """in -> recurrent (A)LIF -> readout, random feedback; the plastic synapses in the given form."""
    form = dict(eligibility=eligibility, max_steps=max_steps, keep_traces=keep_traces)
    syn = dict(tau_m=p["tau_m"], tau_out=p["tau_out"], input_mode=p["mode"], eta=p["eta"], optim_type=p["optim"],
               c_reg=p["c_reg"], f_target=p["f_target"], grad_divisor=p["div"],
               tau_a=p["tau_a"] if p["alif"] else None, **form)
    with Context("fact", batch_size=batch, dtype=dtype, seed=1) as ctx:
        W_in = EpropSynapse("W_in", (n_in, n_rec), **syn)
        W_rec = EpropSynapse("W_rec", (n_rec, n_rec), no_autapses=True, **syn)
        if p["alif"]:
            beta = [0.0] * (n_rec // 2) + [0.5] * (n_rec - n_rec // 2)
            rec = EpropALIFCell("rec", n_rec, tau_m=p["tau_m"], v_th=p["v_th"], gamma=p["gamma"], t_ref=p["t_ref"],
                                input_mode=p["mode"], tau_a=p["tau_a"], beta=beta)
        else:
            rec = EpropLIFCell("rec", n_rec, tau_m=p["tau_m"], v_th=p["v_th"], gamma=p["gamma"], input_mode=p["mode"])
        W_out = EpropSynapse("W_out", (n_rec, n_out), role="readout", tau_out=p["tau_out"], eta=p["eta"],
                             optim_type=p["optim"], grad_divisor=p["div"], **form)
        out = EpropReadoutCell("out", n_out, tau_out=p["tau_out"], loss_type=p["loss"])
        fb = LearningSignalConnection("fb", (n_out, n_rec))
    W_rec.inputs << rec.s.prev
    rec.j << W_in.outputs + W_rec.outputs
    W_out.inputs << rec.s
    out.j << W_out.outputs
    fb.inputs << out.error
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


def problem(p: dict, n_in: int, n_rec: int, n_out: int, batch: int, T: int, seed: int = 0) -> tuple:
    rng = np.random.default_rng(seed)
    W = {"W_in": rng.normal(size=(n_in, n_rec)) * p["w_scale"] / np.sqrt(n_in),
         "W_rec": rng.normal(size=(n_rec, n_rec)) * p["w_scale"] / np.sqrt(n_rec),
         "W_out": rng.normal(size=(n_rec, n_out)) / np.sqrt(n_rec), "B": rng.normal(size=(n_out, n_rec))}
    np.fill_diagonal(W["W_rec"], 0.0)
    xs = (rng.random((T, batch, n_in)) < p["p_in"]).astype(float)
    if p["loss"] == "mse":
        ys, masks = rng.normal(size=(T, batch, n_out)), np.ones((T, batch, 1))
    else:
        ys = np.broadcast_to(np.eye(n_out)[rng.integers(0, n_out, batch)], (T, batch, n_out)).copy()
        masks = np.zeros((T, batch, 1))
        masks[-p["div"]:] = 1.0
    return W, xs, ys, masks


def train(ctx: Context, W: dict, xs, ys, masks, lengths, reset: bool = True) -> dict:
    """One sequence per entry of ``lengths`` (its first steps of xs), an update after each."""
    for k in ("W_in", "W_rec", "W_out"):
        ctx.clamp(f"{k}.weights", W[k])
    ctx.clamp("fb.weights", W["B"])
    losses = []
    for n in lengths:
        if reset:
            ctx.reset()
        rec = ctx.run(["advance", "accumulate"], steps=n, record=["out.loss", "rec.s"],
                      inputs={"W_in.inputs": xs[:n], "out.target": ys[:n], "out.mask": masks[:n]})
        ctx.run("evolve")
        losses.append(np.asarray(rec["out.loss"]).sum(0))
        spikes = float(np.asarray(rec["rec.s"]).sum())
    names = ["W_in.weights", "W_rec.weights", "W_out.weights", "W_in.ebar", "W_rec.ebar"]
    if "W_in.eps_a" in {f"{c}.{n}" for c, v in ctx.state["values"].items() for n in v}:
        names += ["W_in.eps_a", "W_rec.eps_a"]
    return {"losses": np.array(losses), "spikes": spikes, **{k: np.asarray(ctx.get(k)) for k in names}}


SCENARIOS = {  # name: (params, batch, lengths, reset, keep_traces)
    "lif_reset": (LIF, 2, [60, 60, 60], True, True),
    "alif_reset": (ALIF, 3, [80, 80, 80], True, True),
    "lif_continued_varying_lengths": (LIF, 2, [50, 30, 50], False, True),
    "alif_continued_varying_lengths": (ALIF, 2, [70, 40, 70], False, True),
    "lif_reset_no_traces": (LIF, 1, [60, 60], True, False),
    "alif_reset_no_traces": (ALIF, 2, [80, 80], True, False),
}


def compare(name: str, dtype: str = "float32") -> dict:
    """Max |factored - online| over weights, losses and (kept) traces; both from the same start."""
    p, batch, lengths, reset, keep = SCENARIOS[name]
    n_in, n_rec, n_out, T = 7, 9, 2, max(lengths)
    W, xs, ys, masks = problem(p, n_in, n_rec, n_out, batch, T)
    online = train(build(p, n_in, n_rec, n_out, batch, "online", dtype=dtype), W, xs, ys, masks, lengths, reset)
    fact = train(build(p, n_in, n_rec, n_out, batch, "factored", T, keep, dtype=dtype), W, xs, ys, masks,
                 lengths, reset)
    diffs = {}
    for k, v in online.items():
        if k == "spikes" or (not keep and ("ebar" in k or "eps_a" in k)):
            continue
        scale = max(1.0, float(np.abs(v).max()))
        diffs[k] = float(np.abs(fact[k] - v).max()) / scale
    moved = float(np.abs(online["W_rec.weights"] - W["W_rec"]).max())
    traces_zero = all(float(np.abs(fact[k]).max()) == 0.0 for k in fact if "ebar" in k or "eps_a" in k)
    return {"diffs": diffs, "moved": moved, "spikes": online["spikes"], "traces_zero": traces_zero}


def test_factored_equals_online_float64() -> None:
    """All scenarios in float64 (a subprocess with JAX_ENABLE_X64=1): relative difference <= 1e-10."""
    script = textwrap.dedent("""
        import json, jax
        assert jax.config.jax_enable_x64
        from tests.components.synapses.test_eprop_factored import SCENARIOS, compare
        print(json.dumps({n: compare(n, "float64") for n in SCENARIOS}))
    """)
    env = dict(os.environ, JAX_ENABLE_X64="1", JAX_PLATFORMS="cpu")
    res = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=600)
    assert res.returncode == 0, res.stderr[-3000:]
    out = json.loads(res.stdout.strip().splitlines()[-1])
    for name, r in out.items():
        assert r["moved"] > 1e-4 and r["spikes"] > 5, (name, r)        # it learnt, and neurons spiked
        worst = max(r["diffs"].values())
        assert worst <= 1e-10, (name, r["diffs"])
        if not SCENARIOS[name][4]:
            assert r["traces_zero"], name


def test_factored_equals_online_float32() -> None:
    r = compare("alif_continued_varying_lengths")
    assert max(r["diffs"].values()) < 2e-5, r["diffs"]


# -- the rules against NumPy loops of the per-step recursions -----------------------------------------------------
def test_backward_affine_and_filtered_signal_match_loops() -> None:
    rng = np.random.default_rng(2)
    a, b = rng.uniform(0.2, 1.0, (2, 13, 3)), rng.normal(size=(2, 13, 3))
    x, ref = np.zeros((2, 3)), np.zeros_like(b)
    for t in range(12, -1, -1):
        x = a[:, t] * x + b[:, t]
        ref[:, t] = x
    np.testing.assert_allclose(np.asarray(backward_affine(jnp.asarray(a), jnp.asarray(b))), ref, rtol=1e-5, atol=1e-6)
    kappa, L = 0.9, rng.normal(size=(2, 13, 3)).astype(np.float32)
    valid = np.arange(13)[None] < np.array([[13], [8]])
    lf, K, wl, kn = (np.asarray(v) for v in filtered_signal(jnp.asarray(L), jnp.asarray(valid), kappa))
    for b_, n in enumerate((13, 8)):
        acc = np.zeros(3)
        for t in range(n - 1, -1, -1):
            acc = (1 - kappa) * L[b_, t] + kappa * acc
            np.testing.assert_allclose(lf[b_, t], acc, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(K[b_], sum(kappa ** (t + 1) * L[b_, t] for t in range(n)), rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(wl[b_, :n, 0], (1 - kappa) * kappa ** (n - 1 - np.arange(n)), rtol=1e-5)
        np.testing.assert_array_equal(lf[b_, n:], 0.0)
        np.testing.assert_allclose(kn[b_], kappa ** n, rtol=1e-5)


def test_factored_eligibility_matches_the_per_step_recursion() -> None:
    """sum_t w_t e_t and eps_a_T with adaptation, against e_t / eps_a_t stepped in NumPy (float64 loop)."""
    rng = np.random.default_rng(5)
    B, T, I, J, rho, n = 2, 17, 4, 3, 0.95, (17, 11)
    zbar, psi = rng.uniform(0, 1, (B, T, I)), rng.uniform(0, 2, (B, T, J)) * (rng.random((B, T, J)) < 0.7)
    psi_beta, w = psi * rng.uniform(0, 0.5, (B, T, J)), rng.normal(size=(B, T, J))
    eps0 = rng.normal(size=(B, I, J)) * 0.1
    valid = np.arange(T)[None] < np.array(n)[:, None]
    f32 = [jnp.asarray(v, jnp.float32) for v in (zbar, psi, w, psi_beta, eps0)]
    (got,), eps_T = factored_eligibility(f32[0], f32[1], [f32[2]], jnp.asarray(valid), psi_beta=f32[3], rho=rho,
                                         eps_a0=f32[4], final_eps_a=True)
    for b in range(B):
        eps, total = eps0[b].copy(), np.zeros((I, J))
        for t in range(n[b]):
            e = zbar[b, t][:, None] * psi[b, t][None] - psi_beta[b, t][None] * eps
            eps = rho * eps + e
            total += w[b, t][None] * e
        np.testing.assert_allclose(np.asarray(got[b]), total, rtol=1e-4, atol=1e-5)
        np.testing.assert_allclose(np.asarray(eps_T[b]), eps, rtol=1e-4, atol=1e-5)


# -- errors and YAML ----------------------------------------------------------------------------------------
def test_overflow_is_never_silent() -> None:
    p, (n_in, n_rec, n_out) = LIF, (7, 9, 2)
    W, xs, ys, masks = problem(p, n_in, n_rec, n_out, 1, 40)
    ctx = build(p, n_in, n_rec, n_out, 1, "factored", max_steps=30)
    for k in ("W_in", "W_rec", "W_out"):
        ctx.clamp(f"{k}.weights", W[k])
    ctx.run(["advance", "accumulate"], steps=40, inputs={"W_in.inputs": xs, "out.target": ys})
    ctx.run("evolve")
    assert np.isnan(np.asarray(ctx.get("W_rec.weights"))).all()


def test_bad_combinations_raise() -> None:
    with Context("bad"):
        with pytest.raises(ValidationError, match="needs max_steps"):
            EpropSynapse("a", (2, 3), eligibility="factored")
        with pytest.raises(ValidationError, match="update='sequence'"):
            EpropSynapse("b", (2, 3), eligibility="factored", max_steps=10, update="online")
        with pytest.raises(ValidationError, match="store_e"):
            EpropSynapse("c", (2, 3), eligibility="factored", max_steps=10, store_e=True)
        with pytest.raises(ValidationError, match="eligibility"):
            EpropSynapse("d", (2, 3), eligibility="batched", max_steps=10)


def test_loads_from_yaml() -> None:
    text = textwrap.dedent("""
        name: f
        components:
          W: {type: EpropSynapse, shape: [3, 4], eligibility: factored, max_steps: 25, keep_traces: false}
        commands:
          accumulate: [W]
    """)
    ctx = load_model_string(text, validate=False)
    W = ctx._components["W"]
    assert (W.eligibility, W.max_steps, W.keep_traces) == ("factored", 25, False)
    assert ctx.get("W.zbar_hist").shape == (1, 25, 3) and ctx.get("W.psi_hist").shape == (1, 25, 4)
    assert jax.tree_util.tree_structure(ctx.state) is not None
