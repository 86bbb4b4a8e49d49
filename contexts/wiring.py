"""Wire sources: what may stand on the right of ``<<`` (or the left of ``>>``).

A source is a weighted sum of compartment terms. ``W.outputs``, ``-0.5 * Inh.outputs``,
``summation(W.outputs, -0.5 * Inh.outputs)`` and ``z1.s.prev`` all become a :class:`Source`.
A wire has two spellings with one meaning: ``target << source`` and ``source >> target``
(the direction ngc-learn users write); both go through :func:`connect`.
"""

from __future__ import annotations

import numbers
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable

from .errors import NotACompartmentError, WiringError

if TYPE_CHECKING:
    from .compartment import Compartment


@dataclass(frozen=True)
class Term:
    compartment: Compartment
    scale: float
    delayed: bool

    def to_str(self) -> str:
        ref = self.compartment.path + (".prev" if self.delayed else "")
        if self.scale == 1.0:
            return ref
        if self.scale == -1.0:
            return "-" + ref
        return f"{self.scale!r} * {ref}"


@dataclass(frozen=True)
class Source:
    terms: tuple[Term, ...]
    __array_ufunc__ = None  # `np.float32(0.5) * src`, `arr >> dst`: numpy defers to our operators

    def __mul__(self, scale: Any) -> Source:
        if not isinstance(scale, numbers.Real) or isinstance(scale, bool):
            return NotImplemented
        return Source(tuple(Term(t.compartment, t.scale * float(scale), t.delayed) for t in self.terms))

    __rmul__ = __mul__

    def __neg__(self) -> Source:
        return self * -1.0

    def __add__(self, other: Any) -> Source:
        return Source(self.terms + as_source(other).terms)

    __radd__ = __add__

    def __rshift__(self, target: Any) -> Any:
        return connect(target, self)

    def __lshift__(self, other: Any) -> Any:
        return connect(self, other)

    def evaluate(self, read: Callable[[Compartment], Any]) -> Any:
        total = None
        for t in self.terms:
            v = read(t.compartment)
            v = v if t.scale == 1.0 else v * t.scale
            total = v if total is None else total + v
        return total

    def to_str(self) -> str:
        if len(self.terms) == 1:
            return self.terms[0].to_str()
        return "sum(" + ", ".join(t.to_str() for t in self.terms) + ")"


def as_source(obj: Any, target: Compartment | None = None) -> Source:
    """``obj`` as a :class:`Source`; ``target`` (the wire's other end, if known) improves the message."""
    from .compartment import Compartment

    if isinstance(obj, Source):
        return obj
    if isinstance(obj, Compartment):
        return obj._source()
    into = target.path if target is not None else "z1.j"
    hint = (f" To hold a constant value, clamp it instead: `ctx.clamp({into}, {obj!r})`."
            if isinstance(obj, numbers.Number) or hasattr(obj, "shape") else "")
    raise NotACompartmentError(
        f"cannot wire {into} from {obj!r} ({type(obj).__name__}): a wire's source must be a compartment "
        "such as `syn.outputs`, a scaled one (`-0.5 * inh.outputs`), or `summation(a.outputs, b.outputs)`."
        + hint)


def connect(target: Any, source: Any) -> Any:
    """The one mechanism behind ``target << source`` and ``source >> target``; returns ``target``."""
    from .compartment import Compartment

    if not isinstance(target, Compartment):
        shown = target.to_str() if isinstance(target, Source) else f"{target!r} ({type(target).__name__})"
        src = source.to_str() if isinstance(source, Source) else getattr(source, "path", repr(source))
        raise NotACompartmentError(
            f"the target of a wire must be one compartment such as `z1.j`, got {shown} (wiring from {src}); "
            "write `target << source` or `source >> target`, and put any scale on the source side "
            "(`-0.5 * inh.outputs >> z1.j`)")
    if target.owner is None:
        raise WiringError(f"{target!r} is not declared on a component yet; assign it in a component's "
                          "__init__ (`self.j = Input((n,))`) before wiring it")
    target.owner.context.wire(target, source)
    return target


def summation(*sources: Any) -> Source:
    """Several sources into one compartment: ``z1.j << summation(W.outputs, -0.5 * Inh.outputs)``."""
    if not sources:
        raise TypeError("summation() needs at least one source")
    total = as_source(sources[0])
    for s in sources[1:]:
        total = total + as_source(s)
    return total


def weighted(source: Any, scale: float) -> Source:
    """``weighted(inh.outputs, -0.5)`` is ``-0.5 * inh.outputs``."""
    return as_source(source) * scale


def negated(source: Any) -> Source:
    """``negated(inh.outputs)`` is ``-inh.outputs``."""
    return as_source(source) * -1.0


# -- text form, shared by save/load and YAML model graphs ----------------------------------------
_REF = r"[A-Za-z_][\w]*\.[A-Za-z_][\w]*(?:\.prev)?"
_NUM = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
_TERM_RE = re.compile(rf"^\s*(?:(?P<num>{_NUM})\s*\*\s*|(?P<neg>-)\s*)?(?P<ref>{_REF})\s*"
                      rf"(?:\*\s*(?P<num2>{_NUM})\s*)?$")


def parse_term(text: str) -> tuple[str, str, float, bool]:
    """``"-0.5 * Inh.outputs"`` -> ``("Inh", "outputs", -0.5, False)``. Raises ValueError."""
    m = _TERM_RE.match(text)
    if not m:
        raise ValueError(f"cannot read wire source {text.strip()!r}: write `comp.compartment`, "
                         "`0.5 * comp.compartment`, `-comp.compartment` or `comp.compartment.prev`")
    scale = 1.0
    if m.group("num"):
        scale *= float(m.group("num"))
    if m.group("num2"):
        scale *= float(m.group("num2"))
    if m.group("neg"):
        scale = -scale
    parts = m.group("ref").split(".")
    return parts[0], parts[1], scale, len(parts) == 3


def split_sources(text: str) -> list[str]:
    """``"sum(a.x, -0.5 * b.y)"`` -> ``["a.x", "-0.5 * b.y"]``; a single term -> ``[term]``."""
    s = text.strip()
    m = re.match(r"^(?:sum|summation)\s*\((.*)\)\s*$", s)
    if m:
        return [p for p in (q.strip() for q in m.group(1).split(",")) if p]
    return [s]


def parse_wire(text: str) -> tuple[str, str, list[tuple[str, str, float, bool]]]:
    """``"z1.j << sum(W.outputs, -0.5*I.outputs)"`` -> ``("z1", "j", [terms...])``."""
    if "<<" not in text:
        raise ValueError(f"a wire reads `target.compartment << source`, got {text!r}")
    lhs, rhs = text.split("<<", 1)
    target = lhs.strip().split(".")
    if len(target) != 2 or not all(re.match(r"^[A-Za-z_]\w*$", p) for p in target):
        raise ValueError(f"the target of a wire is `component.compartment`, got {lhs.strip()!r}")
    return target[0], target[1], [parse_term(t) for t in split_sources(rhs)]
