"""Compartments: the named, typed, shaped slots a component reads and writes.

A compartment is declared on a component by assigning it to an attribute::

    self.j = Input((n_units,), doc="electrical current (pA)")
    self.v = State((n_units,), init=-65.0, doc="membrane potential (mV)")
    self.s = Output((n_units,), doc="spikes (0/1)")
    self.weights = Param((n_in, n_out), init=weight_init)

Kinds drive the engine: ``input`` compartments may be wired or clamped and are never written by
their own component; ``state`` and ``output`` are written by step functions and restored by reset;
``param`` (weights, thresholds learnt over many trials) is written by step functions but kept by
reset. ``batched`` compartments carry a leading batch axis of the Context's ``batch_size``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable

import jax
import jax.numpy as jnp
import numpy as np

from .wiring import Source, Term, connect

if TYPE_CHECKING:
    from .component import Component

KINDS = ("input", "state", "output", "param")
Initializer = Callable[[jax.Array, tuple, Any], jax.Array]


class Compartment:
    """A named slot of a component: kind, per-instance shape, dtype, initial value and a doc line."""

    def __init__(self, kind: str, shape: tuple = (), *, init: Any = 0.0, batched: bool | None = None,
                 dtype: Any = None, required: bool = True, doc: str = "", key_name: str | None = None):
        if kind not in KINDS:
            raise ValueError(f"compartment kind must be one of {KINDS}, got {kind!r}")
        self.kind = kind
        self.shape = tuple(int(d) for d in shape)
        self.batched = (kind != "param") if batched is None else bool(batched)
        self.dtype = dtype
        self.init = init
        self.required = required
        self.doc = doc
        self.key_name = key_name  # compartments with the same key_name draw from the same init key
        self.name: str | None = None
        self.owner: Component | None = None

    # -- identity -----------------------------------------------------------------------------
    @property
    def path(self) -> str:
        return f"{self.owner.name}.{self.name}" if self.owner is not None else f"?.{self.name}"

    def __repr__(self) -> str:
        return f"<{self.kind} {self.path} {self.shape_str()}>"

    def full_shape(self, batch_size: int) -> tuple:
        return ((batch_size,) + self.shape) if self.batched else self.shape

    def shape_str(self) -> str:
        dims = (("batch",) if self.batched else ()) + tuple(str(d) for d in self.shape)
        return "(" + ", ".join(dims) + ("," if len(dims) == 1 else "") + ")"

    def resolved_dtype(self, default: Any) -> Any:
        return jnp.dtype(self.dtype) if self.dtype is not None else jnp.dtype(default)

    def initial_value(self, key: jax.Array, batch_size: int, default_dtype: Any) -> jax.Array:
        """The value this compartment starts from (and returns to on reset, unless a param)."""
        shape = self.full_shape(batch_size)
        dtype = self.resolved_dtype(default_dtype)
        if callable(self.init):
            value = jnp.asarray(self.init(key, self.shape, dtype), dtype)
            return jnp.broadcast_to(value, shape)
        value = jnp.asarray(np.asarray(self.init), dtype)
        return jnp.broadcast_to(value, shape)

    def mismatch_hint(self, source: Compartment) -> str:
        """Extra advice appended to the ShapeError when ``source`` cannot be wired into this
        compartment (override in a Compartment subclass for compartments with shape options)."""
        return ""

    # -- wiring sugar ---------------------------------------------------------------------------
    # `target << source` and `source >> target` are one wire; the reflected forms catch `5 >> z1.j`
    __array_ufunc__ = None  # numpy defers to these operators instead of broadcasting over them

    def __lshift__(self, source: Any) -> Any:
        return connect(self, source)

    def __rshift__(self, target: Any) -> Any:
        return connect(target, self)

    def __rlshift__(self, other: Any) -> Any:
        return connect(other, self)

    def __rrshift__(self, other: Any) -> Any:
        return connect(self, other)

    def _source(self) -> Source:
        return Source((Term(self, 1.0, False),))

    def __mul__(self, scale: float) -> Source:
        return self._source() * scale

    __rmul__ = __mul__

    def __neg__(self) -> Source:
        return self._source() * -1.0

    def __add__(self, other: Any) -> Source:
        return self._source() + other

    __radd__ = __add__

    def __sub__(self, other: Any) -> Source:
        return self._source() + (-1.0 * other)

    @property
    def prev(self) -> Source:
        """This compartment's value from before its owner runs in the current command.

        Wire with ``.prev`` where a component deliberately reads a value that a later component of
        the same command overwrites (recurrent loops, lateral inhibition): a one-step delay.
        """
        return Source((Term(self, 1.0, True),))

    # -- values -----------------------------------------------------------------------------------
    @property
    def value(self) -> jax.Array:
        """The current value held by the owner's Context."""
        return self.owner.context.get(self)

    def set(self, value: Any) -> None:
        """Shorthand for ``ctx.clamp(self, value)``."""
        self.owner.context.clamp(self, value)


def Input(shape: tuple = (), *, init: Any = 0.0, batched: bool = True, dtype: Any = None,
          required: bool = True, doc: str = "") -> Compartment:
    """A compartment that is wired from other compartments or clamped with data."""
    return Compartment("input", shape, init=init, batched=batched, dtype=dtype, required=required, doc=doc)


def State(shape: tuple = (), *, init: Any = 0.0, batched: bool = True, dtype: Any = None,
          doc: str = "") -> Compartment:
    """Internal dynamic state (membrane potential, traces); restored by reset."""
    return Compartment("state", shape, init=init, batched=batched, dtype=dtype, doc=doc)


def Output(shape: tuple = (), *, init: Any = 0.0, batched: bool = True, dtype: Any = None,
           doc: str = "") -> Compartment:
    """A value other components read (spikes, rates, synaptic currents); restored by reset."""
    return Compartment("output", shape, init=init, batched=batched, dtype=dtype, doc=doc)


def Param(shape: tuple = (), *, init: Any = 0.0, batched: bool = False, dtype: Any = None,
          doc: str = "", key_name: str | None = None) -> Compartment:
    """Learnt or long-lived values (weights, adaptive thresholds): written by steps, kept by reset.

    ``key_name``: compartments of one component with the same ``key_name`` get the same init key
    (a weight matrix and its connectivity mask drawn together)."""
    return Compartment("param", shape, init=init, batched=batched, dtype=dtype, doc=doc, key_name=key_name)
