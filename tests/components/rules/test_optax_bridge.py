"""optax <-> our optimisers: names keep their numbers bit for bit, optax transforms run inside synapses
(checked against NumPy references of optax's formulas), their state is saved and loaded with the model."""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np
import optax
import pytest

from components.rules.optax_bridge import as_optax, from_optax, resolve
from components.rules.optimizers import make_optimizer
from components.synapses import HebbianSynapse
from contexts import Context, load_model_string
from contexts.errors import ContextError, ValidationError
from tests.components.synapses.test_eprop import REGRESSION, build, random_problem, train

N_IN, N_OUT, BATCH, STEPS = 5, 3, 2, 40


def grads(n=30, shape=(4, 3), seed=0):
    return np.random.default_rng(seed).normal(size=(n,) + shape).astype(np.float32)


@pytest.mark.parametrize("name", ["sgd", "adam"])
def test_ours_as_optax_gives_our_numbers_bit_for_bit(name):
    ours, tx = make_optimizer(name, lr=0.01), as_optax(name, lr=0.01)
    W = np.zeros((4, 3), np.float32)
    s_ours, s_tx = {k: jnp.zeros(v, jnp.float32) for k, v in ours.state_spec((4, 3)).items()}, tx.init(W)
    W_ours, W_tx = W, W
    for g in grads():
        step, s_ours = ours.update(g, s_ours)
        W_ours = W_ours - step
        u, s_tx = tx.update(g, s_tx, W_tx)
        W_tx = optax.apply_updates(W_tx, u)
    np.testing.assert_array_equal(np.asarray(W_tx), np.asarray(W_ours))
    # and it composes with optax: clipping before our sgd
    chained = optax.chain(optax.clip(0.1), as_optax("sgd", lr=1.0))
    u, _ = chained.update(grads(1)[0], chained.init(W))
    np.testing.assert_allclose(np.asarray(u), -np.clip(grads(1)[0], -0.1, 0.1), rtol=0, atol=0)


def test_from_optax_adam_against_numpy_reference_of_optax_formula():
    opt = from_optax(optax.adam(1e-2, b1=0.8, b2=0.99, eps=1e-6))
    assert opt.state_spec((4, 3)) == {"0_count": (), "0_mu": (4, 3), "0_nu": (4, 3)}
    comps = opt.compartments((4, 3), "float32")
    state = {k: np.asarray(init(None, s, None)) for k, (s, _, init) in comps.items()}
    assert comps["0_count"][1] == np.int32 and comps["0_mu"][1] is None  # the count stays an integer
    m = v = np.zeros((4, 3))
    for k, g in enumerate(grads(), start=1):
        step, state = opt.update(g, state)
        m, v = 0.8 * m + 0.2 * g, 0.99 * v + 0.01 * g.astype(np.float64) ** 2
        want = 1e-2 * (m / (1 - 0.8 ** k)) / (np.sqrt(v / (1 - 0.99 ** k)) + 1e-6)
        np.testing.assert_allclose(np.asarray(step), want, rtol=2e-5, atol=1e-9)
    assert int(state["0_count"]) == 30


def hebb_ctx(optim_type, eta=0.01, seed=3):
    with Context("hebb", batch_size=BATCH, seed=seed) as ctx:
        W = HebbianSynapse("W", (N_IN, N_OUT), eta=eta, optim_type=optim_type, w_bound=0.0,
                           weight_init={"dist": "uniform", "low": -0.5, "high": 0.5})
        ctx.command("evolve", [W])
    return ctx


def hebb_run(ctx, steps=STEPS):
    rng = np.random.default_rng(1)
    xs = rng.uniform(0, 1, (steps, BATCH, N_IN)).astype(np.float32)
    ys = rng.uniform(-0.5, 1, (steps, BATCH, N_OUT)).astype(np.float32)
    return ctx.run("evolve", steps=steps, record=["W.weights"], inputs={"W.pre": xs, "W.post": ys})["W.weights"]


def test_optax_sgd_in_a_synapse_equals_our_sgd_bit_for_bit():
    ours = hebb_run(hebb_ctx("sgd", eta=0.01))
    spec = hebb_run(hebb_ctx({"optax": "sgd", "learning_rate": 0.01}, eta=123.0))  # eta unused with optax
    obj = hebb_run(hebb_ctx(optax.sgd(0.01)))
    assert float(np.abs(np.asarray(ours[-1] - ours[0])).max()) > 1e-3
    np.testing.assert_array_equal(np.asarray(spec), np.asarray(ours))
    np.testing.assert_array_equal(np.asarray(obj), np.asarray(ours))


def test_eprop_with_optax_sgd_equals_sgd_bit_for_bit():
    rng = np.random.default_rng(0)
    W, xs, ys, masks = random_problem(rng, REGRESSION, 7, 9, 2, 2, 40)
    ref = build(REGRESSION, 7, 9, 2, 2)
    losses = train(ref, W, xs, ys, masks, 2)
    ctx = build({**REGRESSION, "optim": {"optax": "sgd", "learning_rate": REGRESSION["eta"]}}, 7, 9, 2, 2)
    np.testing.assert_array_equal(train(ctx, W, xs, ys, masks, 2), losses)
    for k in ("W_in", "W_rec", "W_out"):
        np.testing.assert_array_equal(np.asarray(ctx.get(f"{k}.weights")), np.asarray(ref.get(f"{k}.weights")))


def test_adamw_with_schedule_in_a_synapse_matches_numpy():
    """adamw (decoupled weight decay, needs the weights) with an exponentially decaying learning rate."""
    spec = {"optax": "adamw", "weight_decay": 0.1,
            "learning_rate": {"optax": "exponential_decay", "init_value": 0.02, "transition_steps": 10,
                              "decay_rate": 0.5}}
    ctx = hebb_ctx(spec)
    W0 = np.asarray(ctx.get("W.weights"), np.float64)
    assert ctx.get("W.opt_0_count_weights").dtype == np.int32
    rec = np.asarray(hebb_run(ctx, 25))
    rng = np.random.default_rng(1)
    xs, ys = rng.uniform(0, 1, (25, BATCH, N_IN)), rng.uniform(-0.5, 1, (25, BATCH, N_OUT))
    W, m, v = W0, np.zeros_like(W0), np.zeros_like(W0)
    for k in range(1, 26):
        dW = -(xs[k - 1].astype(np.float32).astype(np.float64).T @ ys[k - 1].astype(np.float32))  # sign_value -1
        m, v = 0.9 * m + 0.1 * dW, 0.999 * v + 0.001 * dW ** 2
        lr = 0.02 * 0.5 ** ((k - 1) / 10)
        W = W - lr * ((m / (1 - 0.9 ** k)) / (np.sqrt(v / (1 - 0.999 ** k)) + 1e-8) + 0.1 * W)
        np.testing.assert_allclose(rec[k - 1], W, rtol=1e-4, atol=1e-5, err_msg=f"step {k}")


def test_optax_state_is_saved_loaded_and_continues_bit_identically(tmp_path):
    text = f"""
name: h
batch_size: {BATCH}
components:
  W: {{type: HebbianSynapse, shape: [{N_IN}, {N_OUT}], w_bound: 0.0,
      optim_type: {{optax: chain, transforms: [{{optax: clip_by_global_norm, max_norm: 1.0}},
                                             {{optax: adam, learning_rate: 0.01}}]}}}}
commands:
  evolve: [W]
"""
    a = load_model_string(text)
    hebb_run(a, 10)
    a.save(tmp_path / "m")
    b = Context.load(tmp_path / "m")
    assert "W.opt_1_0_mu_weights" in [f"W.{n}" for n in b.components["W"]._compartments]
    np.testing.assert_array_equal(np.asarray(b.get("W.opt_1_0_nu_weights")), np.asarray(a.get("W.opt_1_0_nu_weights")))
    assert int(b.get("W.opt_1_0_count_weights")) == 10
    np.testing.assert_array_equal(np.asarray(hebb_run(b, 10)), np.asarray(hebb_run(a, 10)))


def test_refusals_name_the_problem(tmp_path):
    with pytest.raises(ValidationError, match="optax has no transform or schedule named 'adamx'"):
        hebb_ctx({"optax": "adamx"})
    with pytest.raises(ValidationError, match="optim_type must be one of sgd, adam, nest_gd, nest_adam, an optax spec"):
        hebb_ctx("rmsprop")
    with pytest.raises(ValidationError, match=r"optax.adam\(nonsense\) failed"):
        hebb_ctx({"optax": "adam", "nonsense": 1})
    ctx = hebb_ctx(optax.sgd(0.1))
    with pytest.raises(ContextError, match="cannot be written to a model graph"):
        ctx.save(tmp_path / "x")
    assert resolve("adam", lr=0.5).name == "adam"
