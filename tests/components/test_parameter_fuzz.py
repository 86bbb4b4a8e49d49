"""Numeric extremes and wrong types into every built-in component's parameters, from Python.

Each value must either be refused with one of the library's named errors (a ``SynapticaError``
naming the component and the parameter) or give a component that runs: a few steps of every step
method it has end finite, or in a named ``NonFiniteError``. Never a bare traceback, never a silent
all-NaN result. (YAML model files reach the same rules; tests/contexts/test_hostile_yaml.py
mutates the museum models.) ``SYNAPTICA_FUZZ_EXAMPLES=500`` runs more of the random cases.
"""

from __future__ import annotations

import inspect
import math
import os

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import components  # noqa: F401  (registers the built-in components)
from contexts import Context, registered
from contexts.errors import NonFiniteError, SynapticaError

#: values for required arguments, so that every built-in class can be built with one parameter changed
BASELINE = {"n_units": 3, "shape": (3, 3), "A_plus": 0.01, "A_minus": 0.01, "exp_beta": 1.0, "area_shape": (8, 8),
            "tau_m": 10.0, "R_m": 1.0, "thr": 1.0}
EXTREMES = [1e11, math.inf, -math.inf, math.nan, -1, 0, 1e-320, 1e300, -1e300, 2**40, -(2**40), 2**70, True, None,
            "abc", "10 ms", [], {}, [1.0, math.nan], [[1.0], [2.0, 3.0]], np.array([1.0, 2.0]), np.float32(3.0),
            np.array(math.nan), 0.5, -0.5]
STATS = {"built": 0, "named": 0, "ran": 0, "run_named": 0}


def builtin_classes() -> dict[str, type]:
    return {n: c for n, c in registered().items() if c.__module__.startswith("components.")}


def constructor_parameters(cls: type) -> list[str]:
    names = list(inspect.signature(cls.__init__).parameters)[1:]
    return [n for n in names if n != "name"]


def required(cls: type) -> dict:
    sig = inspect.signature(cls.__init__)
    return {n: BASELINE[n] for n, p in list(sig.parameters.items())[1:]
            if n != "name" and p.default is p.empty and p.kind == p.POSITIONAL_OR_KEYWORD}


def build(cls: type, pname: str, value) -> tuple[Context, object]:
    ctx = Context("fuzz", dt=0.1, check_finite=True)
    with ctx:
        comp = cls("c", **{**required(cls), pname: value})
    return ctx, comp


def test_every_builtin_class_has_a_baseline():
    for name, cls in builtin_classes().items():
        sig = inspect.signature(cls.__init__)
        missing = [n for n, p in list(sig.parameters.items())[1:]
                   if n != "name" and p.default is p.empty and n not in BASELINE]
        assert not missing, f"{name}: add a baseline value for {missing} to BASELINE"
    assert len(builtin_classes()) >= 26


def test_every_extreme_value_is_accepted_or_refused_by_name():
    """Every (class, parameter, value) in the table: built, or one of our named errors that names both."""
    problems = []
    for name, cls in builtin_classes().items():
        for pname in constructor_parameters(cls):
            for value in EXTREMES:
                try:
                    build(cls, pname, value)
                    STATS["built"] += 1
                except SynapticaError as e:
                    STATS["named"] += 1
                    text = str(e)
                    if f"{name} 'c'" not in text or pname not in text:
                        problems.append(f"{name}.{pname}={value!r}: {text}")
                except Exception as e:  # a bare traceback
                    problems.append(f"{name}.{pname}={value!r}: {type(e).__name__}: {e}")
    assert not problems, "\n".join(problems)
    assert STATS["named"] > 1000 and STATS["built"] > 500


def _run_a_few_steps(ctx: Context, comp) -> None:
    methods = [m for m in ("advance_state", "evolve") if callable(getattr(type(comp), m, None))]
    with ctx:
        for m in methods:
            ctx.command({"advance_state": "advance"}.get(m, m), [comp])
    steps = 4
    wired = set(ctx.wires)
    inputs = {}
    for compartment in comp._compartments.values():
        if compartment.kind == "input" and compartment.path not in wired:
            shape = (steps,) + compartment.full_shape(ctx.batch_size)
            inputs[compartment.path] = np.full(shape, 0.7, np.float32)
    cmds = [{"advance_state": "advance"}.get(m, m) for m in methods]
    records = ctx.run(cmds, steps=steps, inputs=inputs, record=[c.path for c in comp._compartments.values()
                                                                   if c.kind in ("state", "output")])
    for path, array in records.items():
        assert np.all(np.isfinite(np.asarray(array, np.float64))), f"{path} not finite but no NonFiniteError"


def accepted_cases() -> list[tuple[str, str, int]]:
    """(class, parameter, index into EXTREMES) for every extreme value the constructor accepts."""
    out = []
    for name, cls in sorted(builtin_classes().items()):
        for pname in constructor_parameters(cls):
            for i, value in enumerate(EXTREMES):
                try:
                    build(cls, pname, value)
                    out.append((name, pname, i))
                except Exception:  # refused (bare tracebacks are reported by the test above)
                    pass
    return out


@settings(max_examples=int(os.environ.get("SYNAPTICA_FUZZ_EXAMPLES", "30")), deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
@given(case=st.sampled_from(accepted_cases()))
def test_accepted_extremes_run_finite_or_stop_with_a_named_error(case):
    name, pname, index = case
    ctx, comp = build(builtin_classes()[name], pname, EXTREMES[index])
    try:
        _run_a_few_steps(ctx, comp)
        STATS["ran"] += 1
    except (NonFiniteError, SynapticaError) as e:
        assert str(e)
        STATS["run_named"] += 1


def test_report_parameter_fuzz_counts():
    """Prints the counts of the tests above (run with -s to see them)."""
    print(f"\nparameter fuzz: {STATS}, tracebacks 0")


@pytest.mark.parametrize("value", [math.nan, math.inf, -1.0, 0.0])
def test_a_built_component_rechecks_a_parameter_when_set(value):
    from components.cells import LIFCell

    with Context("set", dt=0.1):
        cell = LIFCell("z", n_units=2)
    with pytest.raises(SynapticaError, match="LIFCell 'z': tau_m"):
        cell.tau_m = value
    assert cell.tau_m == 10.0
