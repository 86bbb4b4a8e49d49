"""What the engine says when something is wrong: NaN origin, other contexts, constants in wires,
Python control flow on traced values."""

import jax.numpy as jnp
import numpy as np
import pytest

from contexts import (
    Component,
    Context,
    ContextError,
    Input,
    NonFiniteError,
    NotACompartmentError,
    Output,
    Param,
    StepTraceError,
    ValidationError,
    WiringError,
    summation,
)
from tests.contexts.toy import ToyHebb, ToyLeaky, ToyNoise, build_net


# -- where a NaN came from ---------------------------------------------------------------------------------
def test_nan_weights_set_before_the_run_are_named_before_the_outputs_they_poison():
    ctx, noise, W, z = build_net(check_finite=True)
    ctx.clamp(W.weights, np.full((6, 4), np.nan, np.float32))
    with pytest.raises(NonFiniteError, match=r"^W\.weights was already non-finite \(NaN/Inf\) when step 1 "
                                             r"of this run began.*ctx\.clamp"):
        ctx.run(["advance", "evolve"], steps=3)


class Explode(ToyHebb):
    """A learning rule that multiplies the weights by 1e10 each step: float32 overflows at step 4."""

    def evolve(self, c, *, t, dt, key):
        return {"weights": c.weights * 1e10}


def test_the_step_and_command_where_weights_blow_up_are_named():
    with Context("explode", check_finite=True) as ctx:
        x = ToyNoise("x", 3, p=0.5)
        W = Explode("W", (3, 2))
        W.inputs << x.outputs
        W.pre << x.outputs
        W.post << W.outputs
        ctx.command("advance", [x, W])
        ctx.command("evolve", [W])
    ctx.clamp(W.weights, jnp.ones((3, 2)))
    with pytest.raises(NonFiniteError, match=r"^W\.weights became non-finite \(NaN/Inf\) at step 4 of this run "
                                             r"\(t = 4 ms\), in command 'evolve' when W ran Explode\.evolve\. "
                                             r"Common causes"):
        ctx.run(["advance", "evolve"], steps=8)
    ctx.run(["advance", "evolve"], steps=2)  # 1e20, still finite; the next run counts its own steps
    with pytest.raises(NonFiniteError, match=r"at step 2 of this run \(t = 4 ms\)"):
        ctx.run(["advance", "evolve"], steps=2)


def test_a_param_feeding_a_step_is_named_before_the_output_declared_first():
    class Grow(Component):
        def __init__(self, name):
            super().__init__(name)
            self.y = Output((2,))        # declared first on purpose
            self.w = Param((2,), init=1.0)

        def advance_state(self, c, *, t, dt, key):
            w = c.w * 1e30
            return {"w": w, "y": jnp.broadcast_to(w, c.y.shape)}

    with Context("grow", check_finite=True) as ctx:
        g = Grow("g")
        ctx.command("advance", [g])
    with pytest.raises(NonFiniteError, match=r"^g\.w became non-finite.* at step 2 .*command 'advance' when g "
                                             r"ran Grow\.advance_state; also: g\.y\."):
        ctx.run("advance", steps=4)


# -- models split over two contexts ------------------------------------------------------------------------
def test_other_context_messages_say_how_to_fix():
    with Context("one"):
        a = ToyNoise("a", 3)
    with Context("two") as two:
        z = ToyLeaky("z", 3)
        with pytest.raises(WiringError, match=r"a\.outputs belongs to another context \('one'\) than 'two'.*"
                                              r"create a inside the same `with Context\(\.\.\.\)` block"):
            z.j << a.outputs
        with pytest.raises(ContextError, match=r"ToyNoise\('a'\) is not a component of context 'two' \(it was "
                                               r"created in context 'one'\); create it inside `with Context"):
            two.command("advance", [a, z])
        with pytest.raises(ContextError, match=r"'z' is a name; list the component object itself"):
            two.command("advance", ["z"])
        with pytest.raises(ContextError, match=r"3 \(int\).*is not a component.*its `with` block: z"):
            two.command("advance", [3])


# -- constants are clamped, not wired ------------------------------------------------------------------
@pytest.mark.parametrize("wire", [
    lambda z, a: z.j << 5,
    lambda z, a: 5 >> z.j,
    lambda z, a: z.j << np.ones(3),
    lambda z, a: z.j << summation(a.outputs, 5),
])
def test_wiring_a_constant_says_to_clamp_it(wire):
    with Context("const"):
        a, z = ToyNoise("a", 3), ToyLeaky("z1", 3)
        with pytest.raises(NotACompartmentError, match=r"a wire's source must be a compartment.*clamp it instead: "
                                                       r"`ctx\.clamp\(") as err:
            wire(z, a)
    assert isinstance(err.value, TypeError) and isinstance(err.value, WiringError)
    assert "z1.j" in str(err.value) or "summation" not in str(err.value)


def test_wiring_into_an_output_uses_an_article_that_reads():
    with Context("article"):
        a, z = ToyNoise("a", 3), ToyLeaky("z", 3)
        with pytest.raises(WiringError, match=r"z\.s is an output compartment"):
            z.s << a.outputs


# -- Python control flow on traced values ------------------------------------------------------------------
class PythonIf(Component):
    def __init__(self, name):
        super().__init__(name)
        self.j = Input((2,))
        self.v = Output((2,))

    def advance_state(self, c, *, t, dt, key):
        if c.j.sum() > 0:  # a Python `if` on a value: cannot be compiled
            return {"v": c.j}
        return {"v": -c.j}


class NumpyInStep(PythonIf):
    def advance_state(self, c, *, t, dt, key):
        return {"v": jnp.asarray(np.tanh(np.asarray(c.j)))}


@pytest.mark.parametrize("cls, hint", [
    (PythonIf, r"PythonIf\.advance_state \(component 'p'\) uses a traced array.*Python `if`.*jnp\.where.*"
               r"jax\.lax\.cond"),
    (NumpyInStep, r"NumpyInStep\.advance_state \(component 'p'\).*use `jax\.numpy` \(jnp\.\*\)"),
])
def test_python_control_flow_on_values_is_named_with_the_fix(cls, hint):
    with Context("trace") as ctx:
        p = cls("p")
        ctx.command("advance", [p])
    ctx.clamp(p.j, 1.0)
    with pytest.raises(StepTraceError, match=hint) as err:
        ctx.run("advance", steps=2)
    assert isinstance(err.value, ValidationError) and isinstance(err.value, TypeError)
    assert err.value.__cause__ is not None  # JAX's own error stays attached for the curious


def test_hebb_toy_still_compiles():  # the checks above must not flag ordinary array code
    ctx, *_ = build_net()
    assert isinstance(ctx.components["W"], ToyHebb)
    rec = ctx.run(["advance", "evolve"], steps=3, record=["W.outputs"])
    assert rec["W.outputs"].shape == (3, 2, 4)
