"""Arguments of ctx.run / ctx.compile_run: steps, commands, record, inputs, progress."""

import numpy as np
import pytest

from contexts import (
    ArgumentError,
    Context,
    NotACompartmentError,
    ShapeError,
    UnknownCommandError,
    ValidationError,
    WiringError,
)
from contexts.context import _chunk_plan
from tests.contexts.toy import ToyLeaky, build_net


@pytest.fixture(scope="module")
def leaky():
    with Context("args", batch_size=2) as ctx:
        z = ToyLeaky("z", 3, tau=2.0)
        ctx.command("advance", [z])
        ctx.command("reset", [z])
    return ctx, z


# -- steps ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("steps, builtin, match", [
    (-1, ValueError, r"steps must be >= 0.*got -1"),
    (2.7, TypeError, r"whole number of steps \(int\), got 2\.7 \(float\).*round\(T / dt\)"),
    (3.0, TypeError, r"got 3\.0 \(float\)"),
    (True, TypeError, r"got True"),
    ("5", TypeError, r"got '5' \(str\)"),
])
def test_bad_steps_are_refused_before_anything_runs(leaky, steps, builtin, match):
    ctx, z = leaky
    with pytest.raises(ArgumentError, match=match) as err:
        ctx.run("advance", steps=steps, inputs={z.j: np.zeros((3, 3))})
    assert isinstance(err.value, builtin)
    with pytest.raises(ArgumentError, match=match):
        ctx.compile_run("advance", steps)


def test_numpy_integer_steps_are_accepted(leaky):
    ctx, z = leaky
    ctx.reset()
    rec = ctx.run("advance", steps=np.int64(3), record=[z.v], inputs={z.j: np.ones((3, 3))})
    assert rec[z.v].shape == (3, 2, 3)
    np.testing.assert_allclose(rec[z.v][:, 0, 0], [0.5, 0.75, 0.875])  # v += (j - v) / 2


def test_zero_steps_return_empty_records_and_leave_the_state(leaky):
    ctx, z = leaky
    ctx.reset()
    ctx.clamp(z.v, 0.25)
    count = ctx.compile_count
    rec = ctx.run("advance", steps=0, record=[z.v, "z.s"], inputs={z.j: np.zeros((0, 3))})
    assert rec[z.v].shape == (0, 2, 3) and rec["z.s"].shape == (0, 2, 3)
    assert rec[z.v].dtype == z.v.value.dtype
    assert float(z.v.value[0, 0]) == 0.25 and float(ctx.state["clock"]["t"]) == 0.0
    assert ctx.compile_count == count  # nothing compiled for nothing to run


# -- commands ------------------------------------------------------------------------------------------
def test_empty_commands_name_the_declared_ones(leaky):
    ctx, _ = leaky
    with pytest.raises(ArgumentError, match=r"commands is empty.*declares: advance, reset") as err:
        ctx.run([], steps=2)
    assert isinstance(err.value, ValueError)


def test_unknown_command_suggests_the_closest(leaky):
    ctx, _ = leaky
    with pytest.raises(UnknownCommandError, match=r"no command 'advnce'; did you mean 'advance'\?") as err:
        ctx.run(["advnce"], steps=2)
    assert isinstance(err.value, ValidationError)
    with pytest.raises(UnknownCommandError, match=r"no command 'learn'.*Declared: advance, reset"):
        ctx.compile_run("learn", 2)
    with pytest.raises(ArgumentError, match=r"commands must be names \(str\), got 3"):
        ctx.run(["advance", 3], steps=2)


def test_a_command_object_may_stand_for_its_name():
    with Context("cmdobj") as ctx:
        z = ToyLeaky("z", 1, tau=1.0)
        advance = ctx.command("advance", [z])
    ctx.clamp(z.j, 2.0)
    assert float(ctx.run(advance, steps=1, record=[z.v])[z.v][0, 0, 0]) == 2.0


# -- record / get / clamp / inputs take compartments only -----------------------------------------------
def test_a_parameter_is_not_a_compartment_anywhere(leaky):
    ctx, z = leaky
    xs = np.zeros((2, 3))
    cases = [
        (lambda: ctx.run("advance", steps=2, record=[z.tau], inputs={z.j: xs}),
         r"record= takes compartments such as `z1\.v`.*got 2\.0 \(float\), a plain number; parameters"),
        (lambda: ctx.run("advance", steps=2, record=["z.tau"], inputs={z.j: xs}),
         r"'z\.tau' in record= is a parameter of z \(ToyLeaky\), not a compartment; its compartments are: j, v, s"),
        (lambda: ctx.run("advance", steps=2, record=[z], inputs={z.j: xs}),
         r"got the component z; name one of its compartments: z\.j, z\.v, z\.s"),
        (lambda: ctx.run("advance", steps=2, inputs={z.tau: xs}), r"inputs= takes compartments such as `z1\.v`"),
        (lambda: ctx.get("z.advance_state"), r"'z\.advance_state' in ctx\.get\(\) is an attribute of z"),
        (lambda: ctx.clamp(z.thr, 1.0), r"ctx\.clamp\(\) takes compartments.*got 0\.5"),
        (lambda: ctx.compile_run("advance", 2, record=["z"]), r"'z' in record= names the component z"),
    ]
    for call, match in cases:
        with pytest.raises(NotACompartmentError, match=match) as err:
            call()
        assert isinstance(err.value, TypeError) and isinstance(err.value, WiringError)


def test_unknown_names_suggest_the_closest(leaky):
    ctx, _ = leaky
    with pytest.raises(WiringError, match=r"no component 'zz'.*Did you mean 'z'\?"):
        ctx.get("zz.v")
    with pytest.raises(WiringError, match=r"z \(ToyLeaky\) has no compartment 'vv'.*Did you mean 'v'\?"):
        ctx.run("advance", steps=1, record=["z.vv"], inputs={"z.j": np.zeros((1, 3))})


def test_per_step_data_only_into_unwired_inputs():
    with Context("kinds") as ctx:
        a = ToyLeaky("a", 3)
        z = ToyLeaky("z", 3)
        z.j << a.s
        ctx.command("advance", [a, z])
    xs = np.zeros((4, 3))
    with pytest.raises(WiringError, match=r"z\.v is a state compartment.*only into input compartments "
                                          r"\(z's: j\).*ctx\.clamp\(z\.v, x\)"):
        ctx.run("advance", steps=4, inputs={a.j: xs, z.v: xs})
    with pytest.raises(WiringError, match=r"a\.s is an output compartment"):
        ctx.compile_run("advance", 4, inputs=[a.s])
    with pytest.raises(WiringError, match=r"z\.j is wired from a\.s; per-step data would be overwritten"):
        ctx.run("advance", steps=4, inputs={"z.j": xs})


@pytest.mark.parametrize("shape, match", [
    ((4, 2, 3), r"holds 4 time steps \(its leading axis\) but steps=5; pass xs\[:5\] or steps=4"),
    ((2, 3), r"one step's value without the time axis; .*ctx\.clamp\(z\.j, x\)"),
    ((), r"one step's value without the time axis"),
    ((5, 2, 4), r"each step's value is \(2, 4\); check the size of z and the batch_size"),
])
def test_per_step_data_shapes_are_explained(leaky, shape, match):
    ctx, z = leaky
    with pytest.raises(ShapeError, match=r"inputs\[z\.j\] must have shape \(steps=5, \*\(2, 3\)\).*" + match) as err:
        ctx.run("advance", steps=5, inputs={z.j: np.zeros(shape)})
    assert isinstance(err.value, ValueError)


def test_inputs_must_be_a_dict_of_numeric_arrays(leaky):
    ctx, z = leaky
    with pytest.raises(ArgumentError, match=r"inputs must be a dict \{compartment: xs\}"):
        ctx.run("advance", steps=2, inputs=[np.zeros((2, 3))])
    with pytest.raises(ArgumentError, match=r"inputs\[z\.j\] must be a numeric array"):
        ctx.run("advance", steps=2, inputs={z.j: "ab"})
    with pytest.raises(ArgumentError, match=r"ctx\.clamp\(z\.j, value\): the value must be numeric"):
        ctx.clamp(z.j, "ab")
    with pytest.raises(ArgumentError, match=r"inputs names z\.j twice"):
        ctx.run("advance", steps=2, inputs={z.j: np.zeros((2, 3)), "z.j": np.zeros((2, 3))})


# -- progress --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("steps", [1, 7, 45, 97, 1000, 1003])
def test_chunk_plan_covers_the_run_with_at_most_two_lengths(steps):
    plan = _chunk_plan(steps)
    assert sum(plan) == steps and len(set(plan)) <= 2 and len(plan) <= 51
    assert steps < 10 or len(plan) >= 10  # enough updates for a bar to move


def test_progress_gives_bit_identical_records_and_quiet_without_it(capsys):
    runs = []
    for progress in (False, True):
        ctx, *_ = build_net(seed=5, check_finite=True)
        rec = ctx.run(["advance", "evolve"], steps=97, record=["z.v", "W.weights", "noise.outputs"],
                      progress=progress)
        err = capsys.readouterr().err
        runs.append((rec, ctx.get("W.weights"), err))
    count = ctx.compile_count
    ctx.run(["advance", "evolve"], steps=97, record=["z.v", "W.weights", "noise.outputs"], progress=True)
    assert ctx.compile_count == count  # a second run with progress reuses the compiled chunks
    capsys.readouterr()
    (quiet, w_quiet, err_quiet), (loud, w_loud, err_loud) = runs
    assert err_quiet == ""
    assert "97/97" in err_loud and "compiled in" in err_loud
    assert set(quiet) == set(loud)
    for k in quiet:
        np.testing.assert_array_equal(quiet[k], loud[k])
    np.testing.assert_array_equal(w_quiet, w_loud)
