"""Parameter rules: one place that checks every component's (and the Context's) parameters.

A component's parameters are its constructor arguments. Each is checked by a :class:`Rule` before
the constructor runs, whether the value came from Python or from a YAML model file (the YAML loader
builds components through their constructors, and checks each value against the same rule first to
point at its line), and again whenever the parameter is set on a built component::

    class LIFCell(Component):
        param_rules = {"n_units": count(), "tau_m": positive("ms"), "integration": choice(*INTEGRATIONS)}

A parameter without an entry in ``param_rules`` (looked up along the class's MRO) gets the rule its
annotation implies: ``float`` is a finite number, ``int`` an integer, ``bool`` true/false, ``str``
a string, ``dict | None`` a mapping or None, ``Any`` (or no annotation) anything.

Numbers are refused when NaN, infinite, or larger in magnitude than :data:`LIMIT` (beyond it float32
arithmetic overflows to inf within a few operations); integers given for ``float`` parameters become
floats (a YAML ``99999999999`` must not reach JAX as an int32). Every refusal is a
:class:`ParameterError` (also a ``ValueError``) or :class:`ParameterTypeError` (also a
``TypeError``) naming the component, the parameter and the fix.
"""

from __future__ import annotations

import difflib
import math
import numbers
from dataclasses import dataclass, replace
from typing import Any, Callable, Iterable

import numpy as np

from .errors import ContextError, ValidationError

#: largest magnitude accepted for a number (float32's max is 3.4e38; products of two such overflow)
LIMIT = 1e30
#: most units of one population, and most elements of one weight matrix (int32 indexing)
MAX_UNITS = 2**24
MAX_ELEMENTS = 2**31 - 1
DTYPES = ("float32", "float64", "bfloat16", "float16")


class ParameterError(ValidationError, ValueError):
    """A parameter value out of range (NaN, infinite, negative where it must be positive, ...)."""

    component: str = ""
    parameter: str = ""


class ParameterTypeError(ParameterError, TypeError):
    """A parameter of the wrong type: a string where a number is needed, an array for a flag, ..."""


class UnknownParameterError(ParameterError, TypeError, AttributeError):
    """A keyword argument or attribute that the component does not have (usually a typo)."""


def closest(name: str, known: Iterable[str], n: int = 3) -> str:
    """`` Did you mean 'a' or 'b'?`` for the known names closest to ``name`` ("" when none is close)."""
    close = difflib.get_close_matches(str(name), [str(k) for k in known], n=n, cutoff=0.5)
    return f" Did you mean {' or '.join(repr(c) for c in close)}?" if close else ""


def describe(value: Any) -> str:
    """``repr`` (shortened) plus the kind of value, for messages."""
    if isinstance(value, np.ndarray) or type(value).__name__ == "ArrayImpl":
        return f"an array of shape {tuple(np.shape(value))}"
    kind = {dict: "a mapping", list: "a list", tuple: "a tuple", str: "a string", bool: "a boolean",
            int: "an integer", float: "a number", type(None): "None"}.get(type(value), type(value).__name__)
    text = repr(value)
    return f"{text if len(text) < 40 else text[:37] + '...'} ({kind})"


def _fail(where: str, what: str, value: Any, fix: str = "", error: type = ParameterError) -> ParameterError:
    err = error(f"{where} must be {what}, got {describe(value)}" + (f"; {fix}" if fix else ""))
    owner, _, pname = where.rpartition(": ")
    err.component, err.parameter = owner, pname
    return err


# -- numbers ----------------------------------------------------------------------------------------
def _as_number(value: Any) -> Any:
    """A plain Python number for numbers, numpy/JAX scalars and 0-d arrays; anything else unchanged."""
    if isinstance(value, bool) or isinstance(value, numbers.Number):
        return value.item() if hasattr(value, "item") else value
    if (isinstance(value, np.ndarray) or hasattr(value, "__jax_array__") or type(value).__name__ == "ArrayImpl") \
            and np.ndim(value) == 0:
        return np.asarray(value).item()
    return value


def _flat_sequence(value: Any) -> bool:
    """A list/tuple of non-sequences or a 1-D array (ragged nests are not: they go to the type error)."""
    if isinstance(value, np.ndarray):
        return value.ndim == 1
    return isinstance(value, (list, tuple)) and not any(isinstance(v, (list, tuple, dict, np.ndarray)) for v in value)


def number(value: Any, where: str, unit: str = "", integer: bool = False) -> float | int:
    """A finite real (an int when ``integer``) of magnitude <= :data:`LIMIT`, else a named error."""
    value = _as_number(value)
    kind = "an integer" if integer else "a number"
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        fix = ""
        if isinstance(value, str):
            fix = (f"write the number alone{f' (the unit is {unit})' if unit else ''}, "
                   f"e.g. {where.rpartition(': ')[2]}={'10' if integer else '10.0'}")
        raise _fail(where, kind + (f" ({unit})" if unit else ""), value, fix, ParameterTypeError)
    if integer:
        if isinstance(value, float):
            if not value.is_integer():
                raise _fail(where, kind, value, "", ParameterTypeError)
            value = int(value)
        if abs(value) > MAX_ELEMENTS:
            raise _fail(where, f"an integer of magnitude <= {MAX_ELEMENTS}", value)
        return int(value)
    value = float(value)
    if not math.isfinite(value):
        raise _fail(where, "a finite number" + (f" ({unit})" if unit else ""), value)
    if abs(value) > LIMIT:
        raise _fail(where, f"at most {LIMIT:g} in magnitude", value, "larger values overflow float32 arithmetic")
    return value


# -- rules ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Rule:
    """How one parameter is checked. ``kinds``: accepted kinds among real, int, bool, str, none, dict,
    seq (list/tuple of finite reals), any. ``check``: extra ``(value, where) -> value`` run last.
    ``structural``: fixes compartment shapes, so it cannot change once the component is built."""

    kinds: tuple[str, ...] = ("any",)
    low: float | None = None
    low_open: bool = False
    high: float | None = None
    high_open: bool = False
    unit: str = ""
    options: tuple = ()
    structural: bool = False
    check: Callable[[Any, str], Any] | None = None
    fix: str = ""
    tiny: float = 0.0  # nonzero magnitudes below this are refused (their reciprocal overflows)

    def range_text(self) -> str:
        parts = []
        if self.low is not None:
            parts.append(f"{'>' if self.low_open else '>='} {self.low:g}")
        if self.high is not None:
            parts.append(f"{'<' if self.high_open else '<='} {self.high:g}")
        return " and ".join(parts) + (f" {self.unit}" if self.unit and parts else "")

    def __call__(self, value: Any, where: str) -> Any:
        """Check ``value``; return it normalised (ints for real parameters become floats)."""
        kinds = self.kinds
        if "any" in kinds:
            return self.check(value, where) if self.check else value
        if value is None:
            if "none" in kinds:
                return None
            raise _fail(where, self._expected(), value, self.fix, ParameterTypeError)
        if "bool" in kinds and isinstance(_as_number(value), bool):
            return _as_number(value)
        if "str" in kinds and isinstance(value, str):
            if self.options and value not in self.options:
                raise _fail(where, f"one of {', '.join(map(repr, self.options))}", value,
                            (closest(value, self.options).strip() + " " + self.fix).strip())
            return self.check(value, where) if self.check else value
        if "dict" in kinds and isinstance(value, dict):
            return self.check(value, where) if self.check else value
        if "seq" in kinds and _flat_sequence(value):
            out = [self._number(v, f"{where}[{i}]", False) for i, v in enumerate(list(value))]
            return self.check(out, where) if self.check else out
        numeric = [k for k in ("int", "real") if k in kinds]
        if numeric and not isinstance(value, (dict, list, tuple)):
            out = self._number(value, where, numeric[0] == "int")
            return self.check(out, where) if self.check else out
        raise _fail(where, self._expected(), value, self.fix, ParameterTypeError)

    def _number(self, value: Any, where: str, integer: bool) -> Any:
        value = number(value, where, self.unit, integer)
        low_bad = self.low is not None and (value <= self.low if self.low_open else value < self.low)
        high_bad = self.high is not None and (value >= self.high if self.high_open else value > self.high)
        if low_bad or high_bad:
            raise _fail(where, ("an integer " if integer else "") + self.range_text(), value, self.fix)
        if 0 < abs(value) < self.tiny:
            raise _fail(where, f"at least {self.tiny:g} in magnitude", value,
                        "smaller values overflow when divided by")
        return value

    def _expected(self) -> str:
        names = {"real": "a number", "int": "an integer", "bool": "true or false", "str": "a string",
                 "none": "None", "dict": "a mapping", "seq": "a list of numbers"}
        text = " or ".join(names[k] for k in self.kinds if k in names)
        if self.options:
            text = f"one of {', '.join(map(repr, self.options))}" + (" or None" if "none" in self.kinds else "")
        rng = self.range_text()
        return text + (f" {rng}" if rng else (f" ({self.unit})" if self.unit else ""))


def real(low: float | None = None, high: float | None = None, *, low_open: bool = False, high_open: bool = False,
         unit: str = "", fix: str = "") -> Rule:
    """A finite number, optionally in a range (``low_open``: ``> low`` instead of ``>= low``)."""
    return Rule(("real",), low, low_open, high, high_open, unit, fix=fix)


def positive(unit: str = "", fix: str = "") -> Rule:
    """A finite number > 0 (time constants, thresholds, divisors) of at least ``1 / LIMIT``, so that
    its reciprocal stays finite."""
    return Rule(("real",), 0.0, True, unit=unit, fix=fix, tiny=1.0 / LIMIT)


def nonnegative(unit: str = "", fix: str = "") -> Rule:
    """A finite number >= 0."""
    return real(0.0, unit=unit, fix=fix)


def integer(low: int | None = None, high: int | None = None, *, structural: bool = False) -> Rule:
    """An integer (a float with an integral value is accepted) in ``[low, high]``."""
    return Rule(("int",), low, False, high, False, structural=structural)


def count() -> Rule:
    """A number of units: an integer in ``[1, MAX_UNITS]``; fixes the compartment shapes."""
    return integer(1, MAX_UNITS, structural=True)


def choice(*options: str, fix: str = "") -> Rule:
    """One of the given strings."""
    return Rule(("str",), options=tuple(options), fix=fix)


def flag() -> Rule:
    """True or False."""
    return Rule(("bool",))


def optional(rule: Rule) -> Rule:
    """``rule`` or None."""
    return replace(rule, kinds=rule.kinds + ("none",))


def custom(check: Callable[[Any, str], Any], structural: bool = False) -> Rule:
    """Any value, checked and normalised by ``check(value, where) -> value`` (raise ParameterError)."""
    return Rule(("any",), check=check, structural=structural)


def anything() -> Rule:
    return Rule(("any",))


def _shape(value: Any, where: str, dense: bool = True) -> tuple[int, int]:
    if not isinstance(value, (list, tuple, np.ndarray)) or (isinstance(value, np.ndarray) and value.ndim != 1) \
            or len(value) != 2:
        raise _fail(where, "(n_in, n_out), two positive integers", value, error=ParameterTypeError)
    dims = tuple(number(d, f"{where}[{i}]", integer=True) for i, d in enumerate(value))
    if min(dims) < 1 or max(dims) > MAX_UNITS or (dense and dims[0] * dims[1] > MAX_ELEMENTS):
        limit = f" and n_in * n_out <= {MAX_ELEMENTS}" if dense else ""
        raise _fail(where, f"(n_in, n_out) with 1 <= n <= {MAX_UNITS}{limit}", value)
    return dims


#: a synapse's ``(n_in, n_out)``
SHAPE = custom(_shape, structural=True)
#: the ``(n_in, n_out)`` of a synapse that may store only its connections: no bound on ``n_in * n_out``
#: here (the synapse bounds it when it stores a dense matrix)
SPARSE_SHAPE = custom(lambda value, where: _shape(value, where, dense=False), structural=True)


# -- checks of several parameters together -------------------------------------------------------------
#: ``check(params, dt, owner)``: raises a ParameterError when parameters are fine alone but not together
Combined = Callable[[dict, float, str], None]


def euler_stable(tau: str, unless: Callable[[dict], bool] | None = None) -> Combined:
    """Forward Euler of ``tau dx/dt = -x + ...`` multiplies the distance to the fixed point by
    ``1 - dt/tau`` each step: it diverges for ``tau < dt/2`` (and is NaN for a tau so small that
    ``dt/tau`` overflows). ``unless(params)``: when the check does not apply (exact integration, tau 0)."""

    def check(params: dict, dt: float, owner: str) -> None:
        value = params.get(tau)
        if not isinstance(value, (int, float)) or value == 0 or (unless is not None and unless(params)):
            return
        if dt > 2.0 * value:
            err = ParameterError(f"{owner}: {tau} = {value:g} ms is below dt/2 = {dt / 2:g} ms, where the forward "
                                 f"Euler step diverges; use {tau} >= {dt / 2:g} ms or a smaller dt"
                                 + (" (or integration='exact')" if "integration" in params else ""))
            err.component, err.parameter = owner, tau
            raise err

    return check


# -- from annotations ---------------------------------------------------------------------------------
_ANNOTATION_KINDS = {"float": ("real",), "int": ("int",), "bool": ("bool",), "str": ("str",), "None": ("none",),
                     "dict": ("dict",), "Mapping": ("dict",), "Sequence[float]": ("seq",),
                     "list[float]": ("seq",), "tuple[float, ...]": ("seq",)}


def rule_from_annotation(annotation: Any) -> Rule:
    """The rule an annotation implies (``float | None`` -> optional finite number); ``Any`` for
    annotations it does not know (no check)."""
    if annotation is None or annotation is type(None):
        return anything()
    text = annotation if isinstance(annotation, str) else getattr(annotation, "__name__", str(annotation))
    kinds: list[str] = []
    for part in str(text).split("|"):
        part = part.strip().replace("typing.", "")
        if part.startswith("Optional[") and part.endswith("]"):
            kinds.append("none")
            part = part[len("Optional["):-1]
        if part not in _ANNOTATION_KINDS:
            return anything()
        kinds.extend(_ANNOTATION_KINDS[part])
    if "real" in kinds and "int" in kinds:
        kinds.remove("int")
    return Rule(tuple(dict.fromkeys(kinds)))


def rule_for(cls: type, pname: str, annotation: Any = None) -> Rule:
    """The rule of parameter ``pname`` of component class ``cls``: its ``param_rules`` entry along the
    MRO, else the rule its constructor annotation implies."""
    for klass in cls.__mro__:
        rules = klass.__dict__.get("param_rules")
        if rules and pname in rules:
            return rules[pname]
    if annotation is None:
        from .schema import parameters

        info = parameters(cls)[0].get(pname)
        annotation = info.annotation if info is not None else None
    return rule_from_annotation(annotation or None)


def owner_text(cls: type, name: Any) -> str:
    """How messages name a component: ``LIFCell 'z1'``."""
    return f"{cls.__name__} {name!r}" if isinstance(name, str) else cls.__name__


def check_parameter(cls: type, name: Any, pname: str, value: Any, annotation: Any = None) -> Any:
    """Check one parameter of a component class; returns the normalised value or raises."""
    return rule_for(cls, pname, annotation)(value, f"{owner_text(cls, name)}: {pname}")


def check_combined(cls: type, name: Any, params: dict, dt: float) -> None:
    """Run the class's ``param_checks`` (along its MRO) on a full set of checked parameters."""
    seen: set = set()
    for klass in cls.__mro__:
        for check in klass.__dict__.get("param_checks", ()):
            if id(check) not in seen:
                seen.add(id(check))
                check(params, dt, owner_text(cls, name))


# -- the Context ---------------------------------------------------------------------------------------------
_CONTEXT_RULES: dict[str, Rule] = {
    "dt": real(0.0, 1e6, low_open=True, unit="ms"),
    "batch_size": integer(1, MAX_UNITS),
    "seed": integer(-(2**63), 2**64 - 1),
    "dtype": choice(*DTYPES),
    "check_finite": flag(),
    "clock_command": Rule(("str",), check=lambda v, w: _identifier(v, w)),
    "name": Rule(("str",)),
}


def _identifier(value: str, where: str) -> str:
    if not value.isidentifier():
        raise _fail(where, "an identifier (letters, digits, _)", value)
    return value


def check_context(**values: Any) -> dict[str, Any]:
    """Check the Context constructor's arguments (dt, batch_size, seed, dtype, check_finite,
    clock_command, name); returns them normalised. Errors are :class:`ContextParameterError`."""
    out = {}
    for key, value in values.items():
        rule = _CONTEXT_RULES.get(key)
        if rule is None:
            raise ContextParameterError(f"Context has no parameter '{key}'.{closest(key, _CONTEXT_RULES)} "
                                        f"Valid parameters: {', '.join(_CONTEXT_RULES)}")
        try:
            out[key] = rule(value, f"Context: {key}")
        except ParameterError as e:
            err = (ContextParameterTypeError if isinstance(e, TypeError) else ContextParameterError)(str(e))
            err.component, err.parameter = "Context", key
            raise err from None
    return out


class ContextParameterError(ContextError, ParameterError):
    """A Context constructor argument out of range."""


class ContextParameterTypeError(ContextParameterError, TypeError):
    """A Context constructor argument of the wrong type."""
