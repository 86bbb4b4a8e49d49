"""Compile-time validation: each mistake gives a named error with the fix."""

import pytest

from contexts import Context, ValidationError
from tests.contexts.toy import ToyHebb, ToyLeaky, ToyNoise, build_net


def test_ambiguous_order_is_named_and_prev_fixes_it():
    with Context("order") as ctx:
        a = ToyNoise("a", 4)
        z = ToyLeaky("z", 4)
        W = ToyHebb("W", (4, 4))
        W.inputs << a.outputs
        z.j << W.outputs
        ctx.command("advance", [a, z, W])  # z reads W.outputs before W computes it
    with pytest.raises(ValidationError, match=r"ambiguous order in command 'advance': z reads W\.outputs.*"
                                              r"Put W before z.*z\.j << W\.outputs\.prev"):
        ctx.run("advance", steps=1)


def test_delayed_wire_is_accepted_and_really_delays_by_one_step():
    with Context("prev") as ctx:
        a = ToyNoise("a", 4, p=0.5)
        z = ToyLeaky("z", 4, tau=1.0)  # v = j
        z.j << a.outputs.prev
        ctx.command("advance", [z, a])
    rec = ctx.run("advance", steps=30, record=[a.outputs, z.v])
    assert (rec[z.v][1:] == rec[a.outputs][:-1]).all()
    assert rec[a.outputs].sum() > 0


def test_self_loop_without_prev_is_ambiguous():
    with Context("self") as ctx:
        z = ToyLeaky("z", 2)
        z.j << z.s
        ctx.command("advance", [z])
    with pytest.raises(ValidationError, match="is the same component"):
        ctx.run("advance")


def test_reads_are_tracked_per_step_method():
    # W.post << z.s with W before z is fine: W.advance_state never reads post; evolve does.
    ctx, *_ = build_net()
    ctx.run(["advance", "evolve"], steps=3)


def test_unwired_required_input_lists_three_fixes():
    with Context("unwired") as ctx:
        z = ToyLeaky("z", 3)
        ctx.command("advance", [z])
    with pytest.raises(ValidationError, match=r"z\.j is a required input.*wire it.*ctx\.clamp\(z\.j, x\).*inputs="):
        ctx.run("advance")
    ctx.clamp(z.j, 1.0)
    ctx.run("advance")


def test_component_in_no_command():
    with Context("orphan") as ctx:
        a = ToyNoise("a", 3)
        ToyNoise("b", 3)
        ctx.command("advance", [a])
    with pytest.raises(ValidationError, match=r"b appear in no command"):
        ctx.run("advance")


def test_command_calling_a_missing_step():
    with Context("missing"):
        a = ToyNoise("a", 3)
        with pytest.raises(ValidationError, match=r"calls \.evolve\(\) but a \(ToyNoise\) has no such step"):
            Context.current().command("evolve", [a])


def test_unknown_command_name():
    ctx, *_ = build_net()
    with pytest.raises(ValidationError, match="has no command 'evlove'"):
        ctx.run(["advance", "evlove"])


def test_step_returning_bad_shape_or_unknown_key():
    from contexts import Component, Output

    class BadShape(Component):
        def __init__(self, name):
            super().__init__(name)
            self.x = Output((3,))

        def advance_state(self, c, *, t, dt, key):
            return {"x": c.x[:, :2]}

    class BadKey(Component):
        def __init__(self, name):
            super().__init__(name)
            self.x = Output((3,))

        def advance_state(self, c, *, t, dt, key):
            return {"y": c.x}

    with Context("bad") as ctx:
        ctx.command("advance", [BadShape("b")])
    with pytest.raises(Exception, match=r"b\.advance_state\(\) returned b\.x with shape \(1, 2\)"):
        ctx.run("advance")
    with Context("bad2") as ctx2:
        ctx2.command("advance", [BadKey("k")])
    with pytest.raises(ValidationError, match=r"returned 'y', which is not a compartment of k"):
        ctx2.run("advance")
