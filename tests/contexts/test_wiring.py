"""Wiring: `<<`, summation/weighted/negated, and the errors a wrong wire gives."""

import jax.numpy as jnp
import numpy as np
import pytest

from contexts import Context, NotACompartmentError, ShapeError, WiringError, negated, summation, weighted
from contexts.errors import ContextError
from tests.contexts.toy import ToyLeaky, ToyNoise


def test_summation_weighted_and_negated_sources_add_up():
    with Context("sum", batch_size=3) as ctx:
        a, b, c = ToyNoise("a", 5, p=0.5), ToyNoise("b", 5, p=0.5), ToyNoise("c", 5, p=0.5)
        z = ToyLeaky("z", 5, tau=1.0)  # tau = dt: v becomes j exactly
        z.j << summation(a.outputs, weighted(b.outputs, -0.5), negated(c.outputs))
        ctx.command("advance", [a, b, c, z])
    rec = ctx.run("advance", steps=20, record=[a.outputs, b.outputs, c.outputs, z.v])
    expected = rec[a.outputs] - 0.5 * rec[b.outputs] - rec[c.outputs]
    np.testing.assert_allclose(rec[z.v], expected, rtol=0, atol=1e-6)
    assert float(jnp.abs(expected).sum()) > 0  # the sources really were non-zero


def test_operator_spelling_equals_function_spelling():
    with Context("ops") as ctx:
        a, b = ToyNoise("a", 2), ToyNoise("b", 2)
        z = ToyLeaky("z", 2)
        z.j << a.outputs - 0.5 * b.outputs
    assert ctx.wires["z.j"].to_str() == "sum(a.outputs, -0.5 * b.outputs)"


def test_unknown_compartment_names_component_and_suggests():
    with Context("unknown"):
        z = ToyLeaky("z1", 4)
        with pytest.raises(WiringError, match=r"z1 \(ToyLeaky\) has no compartment 'jj'.*Did you mean 'j'"):
            _ = z.jj


def test_shape_mismatch_message_names_both_sides():
    with Context("shapes"):
        z0 = ToyNoise("z0", 32)
        z1 = ToyLeaky("z1", 64)
        with pytest.raises(ShapeError, match=r"z1\.j expects \(batch, 64\) but z0\.outputs is \(batch, 32\)"):
            z1.j << z0.outputs


def test_wiring_into_a_state_is_refused_with_the_inputs_listed():
    with Context("state"):
        a, z = ToyNoise("a", 3), ToyLeaky("z", 3)
        with pytest.raises(WiringError, match=r"z\.v is a state compartment.*inputs instead: j"):
            z.v << a.outputs


def test_second_wire_into_one_input_suggests_summation():
    with Context("twice"):
        a, b, z = ToyNoise("a", 3), ToyNoise("b", 3), ToyLeaky("z", 3)
        z.j << a.outputs
        with pytest.raises(WiringError, match=r"already wired from a\.outputs.*summation"):
            z.j << b.outputs


def test_assigning_to_a_compartment_is_refused():
    with Context("assign"):
        z = ToyLeaky("z", 3)
        with pytest.raises(WiringError, match="do not assign"):
            z.v = 3.0


def test_components_need_a_context_and_unique_names():
    with pytest.raises(ContextError, match="inside `with Context"):
        ToyLeaky("z", 3)
    with Context("dup"):
        ToyLeaky("z", 3)
        with pytest.raises(ContextError, match="already exists"):
            ToyLeaky("z", 3)


def test_wires_across_contexts_are_refused():
    with Context("one"):
        a = ToyNoise("a", 3)
    with Context("two"):
        z = ToyLeaky("z", 3)
        with pytest.raises(WiringError, match="another context"):
            z.j << a.outputs


def test_clamping_a_wired_input_is_refused():
    with Context("clamp") as ctx:
        a, z = ToyNoise("a", 3), ToyLeaky("z", 3)
        z.j << a.outputs
    with pytest.raises(WiringError, match="overwritten every step"):
        ctx.clamp(z.j, jnp.ones((1, 3)))
    with pytest.raises(ShapeError, match=r"cannot clamp z\.v"):
        ctx.clamp(z.v, jnp.ones((1, 4)))


# -- both directions: `target << source` and `source >> target` are one wire ----------------------------
def _left(target, source):
    return target << source


def _right(target, source):
    return source >> target


# (source as a function of the components a, b, c, z; its text form)
SOURCES = [
    (lambda a, b, c, z: a.outputs, "a.outputs"),
    (lambda a, b, c, z: -0.5 * b.outputs, "-0.5 * b.outputs"),
    (lambda a, b, c, z: b.outputs * np.float32(2.0), "2.0 * b.outputs"),
    (lambda a, b, c, z: a.outputs - 0.5 * b.outputs, "sum(a.outputs, -0.5 * b.outputs)"),
    (lambda a, b, c, z: summation(a.outputs, weighted(b.outputs, -0.5), negated(c.outputs)),
     "sum(a.outputs, -0.5 * b.outputs, -c.outputs)"),
    (lambda a, b, c, z: z.s.prev, "z.s.prev"),
    (lambda a, b, c, z: summation(a.outputs, -z.s.prev), "sum(a.outputs, -z.s.prev)"),
]


@pytest.mark.parametrize("direction", [_left, _right], ids=["target<<source", "source>>target"])
@pytest.mark.parametrize("make_source, text", SOURCES, ids=[t for _, t in SOURCES])
def test_both_wire_directions_make_the_same_wire(direction, make_source, text):
    with Context("dir") as ctx:
        a, b, c = ToyNoise("a", 2), ToyNoise("b", 2), ToyNoise("c", 2)
        z = ToyLeaky("z", 2)
        result = direction(z.j, make_source(a, b, c, z))
    assert result is z.j  # both spellings evaluate to the target
    assert ctx.wires["z.j"].to_str() == text


@pytest.mark.parametrize("direction", [_left, _right], ids=["target<<source", "source>>target"])
def test_both_wire_directions_give_the_same_errors(direction):
    with Context("direrr"):
        a, b = ToyNoise("a", 3), ToyNoise("b", 4)
        z = ToyLeaky("z", 3)
        with pytest.raises(ShapeError, match=r"z\.j expects \(batch, 3\) but b\.outputs is \(batch, 4\)"):
            direction(z.j, b.outputs)
        with pytest.raises(WiringError, match=r"z\.v is a state compartment"):
            direction(z.v, a.outputs)
        direction(z.j, a.outputs)
        with pytest.raises(WiringError, match=r"already wired from a\.outputs"):
            direction(z.j, -a.outputs)


def test_right_shifts_wire_a_pipeline_that_runs_like_left_shifts():
    runs = []
    for spelling in ("left", "right"):
        with Context("chain", seed=2) as ctx:
            a = ToyNoise("a", 2, p=0.5)
            z1, z2 = ToyLeaky("z1", 2, tau=1.0), ToyLeaky("z2", 2, tau=1.0)
            if spelling == "left":
                z1.j << a.outputs
                z2.j << z1.v
            else:
                a.outputs >> z1.j
                z1.v >> z2.j
            ctx.command("advance", [a, z1, z2])
        runs.append(ctx.run("advance", steps=6, record=[a.outputs, z2.v]))
    np.testing.assert_array_equal(runs[0]["z2.v"], runs[1]["z2.v"])
    np.testing.assert_array_equal(runs[1]["z2.v"], runs[1]["a.outputs"])  # tau = dt: v copies j
    assert float(runs[1]["a.outputs"].sum()) > 0


@pytest.mark.parametrize("bad_target", [lambda z: 0.5 * z.j, lambda z: 3, lambda z: z.j.prev])
def test_the_target_of_either_direction_must_be_one_compartment(bad_target):
    with Context("target"):
        a, z = ToyNoise("a", 3), ToyLeaky("z", 3)
        with pytest.raises(NotACompartmentError, match=r"the target of a wire must be one compartment"):
            a.outputs >> bad_target(z)
        with pytest.raises(NotACompartmentError, match=r"the target of a wire must be one compartment"):
            bad_target(z) << a.outputs
