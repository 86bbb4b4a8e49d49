"""Component: the base class of every cell and synapse.

A component declares compartments (see :mod:`contexts.compartment`) and parameters (its
constructor arguments) and provides pure step functions. A step function receives the current
values of the component's compartments (wired inputs already resolved) and returns a dict of new
values for the compartments it changes::

    def advance_state(self, c, *, t, dt, key):
        v = c.v + dt / self.tau_m * (-c.v + c.j)
        return {"v": v}

``t`` is the time at the end of the step (ms), ``dt`` the step (ms), ``key`` a PRNG key unique to
this component, method and step. Step functions must be pure JAX: they are traced once and
compiled. Read parameters from ``self`` inside the step (not precomputed in ``__init__``), so that
changing a parameter later takes effect: the Context recompiles when a parameter changes.
"""

from __future__ import annotations

import copy
import functools
import inspect
from typing import Any, Mapping

import numpy as np

from .compartment import Compartment
from .errors import ContextError, SynapticaError, WiringError
from .params import (
    ParameterError,
    ParameterTypeError,
    Rule,
    UnknownParameterError,
    check_combined,
    check_parameter,
    closest,
    owner_text,
    rule_for,
)


class UnknownCompartmentError(WiringError, AttributeError):
    """Raised when code asks a component for a compartment it does not have."""


class Values(Mapping):
    """Read-only view of a component's compartment values, by attribute or by key."""

    def __init__(self, owner: str, values: dict, reads: set | None = None):
        object.__setattr__(self, "_owner", owner)
        object.__setattr__(self, "_values", values)
        object.__setattr__(self, "_reads", reads)

    def __getitem__(self, name: str) -> Any:
        if name not in self._values:
            raise UnknownCompartmentError(_unknown_message(self._owner, name, list(self._values)))
        if self._reads is not None:
            self._reads.add(name)
        return self._values[name]

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return self[name]

    def __setattr__(self, name: str, value: Any) -> None:
        raise TypeError(f"{self._owner}: step functions return new values in a dict "
                        f"(return {{'{name}': ...}}); they cannot assign to compartments")

    def __iter__(self):
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)


def _unknown_message(owner: str, name: str, known: list[str]) -> str:
    return f"{owner} has no compartment '{name}'; its compartments are: {', '.join(known)}.{closest(name, known, 1)}"


def _named(err: ParameterError, owner: str, parameter: str) -> ParameterError:
    err.component, err.parameter = owner, parameter
    return err


def _owned(err: SynapticaError, cls: type, name: Any) -> SynapticaError:
    """``err`` with its message starting ``Class 'name': `` (constructors often say just ``name:``)."""
    owner, text = owner_text(cls, name), str(err)
    if text.startswith(owner):
        return err
    for prefix in (f"{name}: ", f"{name!r}: ", f"{name}."):
        if isinstance(name, str) and text.startswith(prefix):
            text = text[len(prefix):]
            break
    new = copy.copy(err)
    new.args = (f"{owner}: {text}",)
    return new


def _bind(cls: type, signature: inspect.Signature, args: tuple, kw: dict) -> inspect.BoundArguments:
    """Bind constructor arguments; a typo or a missing argument is an error naming the class."""
    params = list(signature.parameters.values())[1:]
    names = [p.name for p in params if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
    owner = owner_text(cls, args[0] if args else kw.get("name"))
    valid = ", ".join(p.name + ("" if p.default is p.empty else f"={p.default!r}")
                      for p in params if p.name in names and p.name != "name")
    if not any(p.kind == p.VAR_KEYWORD for p in params):
        for key in kw:
            if key not in names:
                raise _named(UnknownParameterError(f"{owner} has no parameter '{key}'.{closest(key, names)} "
                                                   f"Valid parameters: {valid or 'none'}"), owner, key)
    try:
        bound = signature.bind(None, *args, **kw)
    except TypeError as e:
        missing = [n for i, n in enumerate(names) if i >= len(args) and n not in kw
                   and signature.parameters[n].default is inspect.Parameter.empty]
        what = f"needs parameter(s) {', '.join(missing)}" if missing else f"cannot take these arguments ({e})"
        raise _named(ParameterTypeError(f"{owner} {what}. Parameters: {valid or 'none'}"), owner,
                     (missing or [""])[0]) from None
    bound.apply_defaults()
    return bound


def _checked_config(cls: type, signature: inspect.Signature, bound: inspect.BoundArguments) -> dict:
    """Check every named argument by its rule and write it back normalised into ``bound``; returns
    the component's config (the arguments without ``name``, ``**kwargs`` flattened in)."""
    name = bound.arguments.get("name")
    config: dict[str, Any] = {}
    for k, p in list(signature.parameters.items())[1:]:
        if k not in bound.arguments:
            continue
        if p.kind == p.VAR_KEYWORD:
            config.update(bound.arguments[k])
        elif p.kind != p.VAR_POSITIONAL and k != "name":
            value = check_parameter(cls, name, k, bound.arguments[k], None if p.annotation is p.empty else p.annotation)
            bound.arguments[k] = config[k] = value
    return config


def _same(a: Any, b: Any) -> bool:
    try:
        return bool(np.array_equal(np.asarray(a, dtype=object), np.asarray(b, dtype=object)))
    except (TypeError, ValueError):  # values numpy cannot compare: treat as changed
        return False


class Component:
    """Base class. Subclasses declare compartments in ``__init__`` and define step methods."""

    #: step methods a command may call, by default name (``advance`` calls ``advance_state``)
    #: per-parameter rules (see :mod:`contexts.params`); a parameter not listed is checked by the rule
    #: its annotation implies (``float``: a finite number, ...)
    param_rules: dict[str, Rule] = {}
    #: checks of several parameters together, ``check(params, dt, owner)`` (see :mod:`contexts.params`)
    param_checks: tuple = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        init = cls.__dict__.get("__init__")
        if init is not None:
            signature = inspect.signature(init)

            @functools.wraps(init)
            def wrapped(self, *args: Any, **kw: Any) -> None:
                outermost = "_config" not in self.__dict__
                if outermost:  # a subclass's super().__init__ is not checked again
                    from .context import Context

                    bound = _bind(type(self), signature, args, kw)
                    config = _checked_config(type(self), signature, bound)
                    check_combined(type(self), bound.arguments.get("name"), config, Context.current().dt)
                    object.__setattr__(self, "_config", config)
                    args, kw = bound.args[1:], bound.kwargs
                try:
                    init(self, *args, **kw)
                except SynapticaError as e:
                    if outermost:
                        raise _owned(e, type(self), args[0] if args else kw.get("name")) from None
                    raise
                if outermost:
                    object.__setattr__(self, "_built", True)

            cls.__init__ = wrapped
        if not cls.__name__.startswith("_"):
            from .registry import register

            register(cls)

    def __init__(self, name: str):
        from .context import Context

        if not isinstance(name, str) or not name.isidentifier():
            raise ContextError(f"component names must be identifiers (letters, digits, _), got {name!r}")
        ctx = Context.current()
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "_compartments", {})
        if "_config" not in self.__dict__:
            object.__setattr__(self, "_config", {})
        object.__setattr__(self, "context", ctx)
        ctx._add_component(self)

    # -- declaration ------------------------------------------------------------------------------
    def __setattr__(self, attr: str, value: Any) -> None:
        comps = self.__dict__.get("_compartments")
        if isinstance(value, Compartment):
            if comps is None:
                raise ContextError(f"{type(self).__name__}: call super().__init__(name) before "
                                   "declaring compartments")
            if value.owner is not None:
                raise WiringError(f"{self.name}.{attr}: this compartment already belongs to "
                                  f"{value.path}; to connect them write `{self.name}.{attr} << {value.path}`")
            value.name, value.owner = attr, self
            comps[attr] = value
            object.__setattr__(self, attr, value)
            return
        if comps is not None and attr in comps:
            raise WiringError(f"{self.name}.{attr} is a compartment: wire it "
                              f"(`{self.name}.{attr} << other.outputs`) or clamp a value "
                              f"(`ctx.clamp({self.name}.{attr}, x)`), do not assign to it")
        if self.__dict__.get("_built") and not attr.startswith("_"):
            value = self._set_parameter(attr, value)
        object.__setattr__(self, attr, value)

    def _set_parameter(self, attr: str, value: Any) -> Any:
        """Setting an attribute of a built component: a parameter is checked again by its rule (on
        failure the old value stays); a name that is neither a parameter nor an attribute set by the
        constructor is refused (a typo would otherwise be silently ignored)."""
        config, cls = self._config, type(self)
        owner = owner_text(cls, self.name)
        if attr in config:
            rule = rule_for(cls, attr)
            value = rule(value, f"{owner}: {attr}")
            if rule.structural and not _same(value, config[attr]):
                raise _named(ParameterError(f"{owner}: {attr} fixes the shapes of its compartments, so it cannot "
                                            f"change after the component is built; build a new {cls.__name__} "
                                            f"with {attr}={value!r}"), owner, attr)
            check_combined(cls, self.name, {**config, attr: value}, self.context.dt)
            config[attr] = value
            self.context._invalidate()
        elif attr not in self.__dict__ and not hasattr(cls, attr):
            known = dict.fromkeys(list(config) + [k for k in self.__dict__
                                                  if not k.startswith("_") and k not in self._compartments])
            raise _named(UnknownParameterError(f"{owner} has no parameter or attribute '{attr}'.{closest(attr, known)} "
                                               f"Parameters: {', '.join(config) or 'none'}"), owner, attr)
        return value

    def __getattr__(self, attr: str) -> Any:
        # only called when normal lookup fails: a missing compartment or attribute
        if attr.startswith("_") or "_compartments" not in self.__dict__:
            raise AttributeError(attr)
        known = list(self.__dict__["_compartments"])
        raise UnknownCompartmentError(_unknown_message(f"{self.name} ({type(self).__name__})", attr, known))

    @property
    def compartments(self) -> dict[str, Compartment]:
        return dict(self._compartments)

    @property
    def config(self) -> dict[str, Any]:
        """The constructor arguments (parameters) this component was built with."""
        return dict(self._config)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r})"

    # -- default steps -----------------------------------------------------------------------------
    def reset(self, c: Values, *, t: Any, dt: float, key: Any) -> dict:
        """Restore every input, state and output compartment to its initial value."""
        ctx = self.context
        return {name: comp.initial_value(key, ctx.batch_size, ctx.dtype)
                for name, comp in self._compartments.items() if comp.kind != "param"}


def as_array_config(value: Any) -> bool:
    """True when a constructor argument is an array (saved in the .npz, not the YAML graph)."""
    return isinstance(value, np.ndarray) or hasattr(value, "__jax_array__") or type(value).__name__ == "ArrayImpl"
