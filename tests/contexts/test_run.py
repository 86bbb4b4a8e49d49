"""Running: one scan equals step-by-step, caching, seeds, batching, vmap, clock, NaN checks."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from contexts import Component, Context, NonFiniteError, Output, State
from tests.contexts.toy import ToyClock, ToyLeaky, ToyNoise, build_net


def test_scan_equals_step_by_step_bit_for_bit():
    ctx_a, *_ = build_net(seed=3)
    ctx_b, *_ = build_net(seed=3)
    rec = ctx_a.run(["advance", "evolve"], steps=25, record=["z.v", "W.weights"])
    vs = []
    for _ in range(25):
        vs.append(ctx_b.run(["advance", "evolve"], steps=1, record=["z.v"])["z.v"][0])
    np.testing.assert_array_equal(rec["z.v"], jnp.stack(vs))
    np.testing.assert_array_equal(ctx_a.get("W.weights"), ctx_b.get("W.weights"))
    assert rec["W.weights"].shape == (25, 6, 4)
    assert not np.array_equal(rec["W.weights"][0], rec["W.weights"][-1])  # learning happened


def test_single_command_calls_match_a_run():
    ctx_a, *_ = build_net(seed=1)
    ctx_b, *_ = build_net(seed=1)
    ctx_a.run(["advance", "evolve"], steps=5)
    for _ in range(5):
        ctx_b.advance()
        ctx_b.evolve()
    np.testing.assert_array_equal(ctx_a.get("W.weights"), ctx_b.get("W.weights"))


def test_compiled_once_when_only_data_changes():
    with Context("data") as ctx:
        z = ToyLeaky("z", 3)
        ctx.command("advance", [z])
    before = ctx.compile_count
    for k in range(4):
        ctx.run("advance", steps=10, inputs={z.j: jnp.full((10, 1, 3), float(k))}, record=[z.v])
    assert ctx.compile_count == before + 1


def test_changing_a_parameter_recompiles_and_takes_effect():
    with Context("param") as ctx:
        z = ToyLeaky("z", 1, tau=1.0)
        ctx.command("advance", [z])
    ctx.clamp(z.j, 1.0)
    ctx.run("advance", steps=1)
    assert float(z.v.value[0, 0]) == 1.0
    ctx.reset()
    ctx.clamp(z.j, 1.0)
    z.tau = 2.0
    ctx.run("advance", steps=1)
    assert float(z.v.value[0, 0]) == 0.5
    assert z.config["tau"] == 2.0


def test_same_seed_bit_identical_other_seed_differs():
    runs = []
    for seed in (7, 7, 8):
        ctx, *_ = build_net(seed=seed)
        runs.append(ctx.run(["advance", "evolve"], steps=20, record=["noise.outputs"])["noise.outputs"])
    np.testing.assert_array_equal(runs[0], runs[1])
    assert not np.array_equal(runs[0], runs[2])


def test_batch_rows_are_independent_draws_and_integrate_independently():
    with Context("batch", batch_size=4) as ctx:
        z = ToyLeaky("z", 2, tau=5.0)
        ctx.command("advance", [z])
    xs = jnp.arange(4 * 2, dtype=jnp.float32).reshape(1, 4, 2).repeat(10, axis=0)
    rec = ctx.run("advance", steps=10, inputs={z.j: xs}, record=[z.v])
    v = np.zeros((4, 2))
    for _ in range(10):
        v = v + 1.0 / 5.0 * (np.asarray(xs[0]) - v)
    np.testing.assert_allclose(rec[z.v][-1], v, rtol=1e-6)


def test_vmap_over_seeds_equals_separate_runs():
    ctx, *_ = build_net(seed=0)
    run = ctx.compile_run(["advance", "evolve"], steps=15, record=["z.v"])
    seeds = jnp.arange(4)
    states = jax.vmap(ctx.initial_state)(seeds)
    final, recs, _ = jax.vmap(run, in_axes=(0, None))(states, {})
    for i in range(4):
        single, *_ = build_net(seed=i)
        r = single.run(["advance", "evolve"], steps=15, record=["z.v"])
        np.testing.assert_array_equal(recs["z.v"][i], r["z.v"])
        np.testing.assert_array_equal(final["values"]["W"]["weights"][i], single.get("W.weights"))


def test_clock_ticks_in_advance_only_and_reset_rewinds_time_not_keys():
    with Context("clock", dt=0.5) as ctx:
        c = ToyClock("c")
        n = ToyNoise("n", 8, p=0.5)
        ctx.command("advance", [c, n])
        ctx.command("reset", [c, n])
    rec = ctx.run("advance", steps=4, record=[c.t_seen, n.outputs])
    np.testing.assert_allclose(rec[c.t_seen][:, 0], [0.5, 1.0, 1.5, 2.0])
    ctx.reset()
    rec2 = ctx.run("advance", steps=4, record=[c.t_seen, n.outputs])
    np.testing.assert_allclose(rec2[c.t_seen][:, 0], [0.5, 1.0, 1.5, 2.0])
    assert not np.array_equal(rec[n.outputs], rec2[n.outputs])  # fresh randomness after reset


def test_reset_restores_state_but_keeps_params():
    ctx, noise, W, z = build_net()
    w0 = W.weights.value
    ctx.run(["advance", "evolve"], steps=10)
    assert not np.array_equal(W.weights.value, w0)
    ctx.reset()
    assert float(jnp.abs(z.v.value).sum()) == 0.0
    assert not np.array_equal(W.weights.value, w0)


def test_progress_runs_in_chunks_and_prints(capsys):
    ctx, *_ = build_net()
    rec = ctx.run(["advance", "evolve"], steps=45, record=["z.v"], progress=True)
    assert rec["z.v"].shape == (45, 2, 4)
    err = capsys.readouterr().err
    assert "45/45" in err and "step/s" in err and "compiled in" in err


def test_non_finite_check_names_the_first_compartment():
    class Blowup(Component):
        def __init__(self, name):
            super().__init__(name)
            self.x = State((2,), init=1.0)
            self.y = Output((2,))

        def advance_state(self, c, *, t, dt, key):
            x = c.x * 1e30
            return {"x": x, "y": x + 1.0}

    with Context("nan", check_finite=True) as ctx:
        b = Blowup("b")
        ctx.command("advance", [b])
    before = b.x.value
    with pytest.raises(NonFiniteError, match=r"b\.x became non-finite.*at step 2 .*also: b\.y") as err:
        ctx.run("advance", steps=5)
    np.testing.assert_array_equal(b.x.value, before)  # the state before the run is kept
    assert not np.isfinite(err.value.state["values"]["b"]["x"]).all()


def test_per_step_inputs_shape_is_checked():
    with Context("xs") as ctx:
        z = ToyLeaky("z", 3)
        ctx.command("advance", [z])
    from contexts import ShapeError

    with pytest.raises(ShapeError, match=r"inputs\[z\.j\] must have shape \(steps=5"):
        ctx.run("advance", steps=5, inputs={z.j: jnp.zeros((4, 1, 3))})


def test_float64_needs_x64():
    from contexts.errors import ContextError

    if jax.config.jax_enable_x64:
        pytest.skip("x64 already enabled")
    with pytest.raises(ContextError, match="jax_enable_x64"):
        Context("f64", dtype="float64")


def test_default_reset_without_a_reset_command_is_compiled_and_restores_state():
    with Context("noreset") as ctx:
        z = ToyLeaky("z", 3, tau=1.0)
        ctx.command("advance", [z])
    ctx.clamp(z.j, 2.0)
    ctx.run("advance", steps=3)
    assert float(z.v.value.sum()) == 6.0
    ctx.reset()
    ctx.reset()
    assert float(z.v.value.sum()) == 0.0 and float(z.j.value.sum()) == 0.0
    assert float(ctx.state["clock"]["t"]) == 0.0


def test_unbatched_and_batched_inputs_share_one_compile_and_donation_gives_same_result():
    with Context("layout", batch_size=2) as ctx:
        z = ToyLeaky("z", 3)
        ctx.command("advance", [z])
    a = ctx.run("advance", steps=4, inputs={z.j: jnp.ones((4, 2, 3))}, record=[z.v])
    count = ctx.compile_count
    ctx.reset()
    b = ctx.run("advance", steps=4, inputs={z.j: np.ones((4, 3), np.float64)}, record=[z.v])
    assert ctx.compile_count == count
    np.testing.assert_array_equal(a[z.v], b[z.v])
    ctx.reset()
    c = ctx.run("advance", steps=4, inputs={z.j: np.ones((4, 3), np.float32)}, record=[z.v], donate=True)
    np.testing.assert_array_equal(a[z.v], c[z.v])
