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

import difflib
import functools
import inspect
from typing import Any, Mapping

import numpy as np

from .compartment import Compartment
from .errors import ContextError, WiringError


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
    close = difflib.get_close_matches(name, known, n=1)
    hint = f" Did you mean '{close[0]}'?" if close else ""
    return f"{owner} has no compartment '{name}'; its compartments are: {', '.join(known)}.{hint}"


class Component:
    """Base class. Subclasses declare compartments in ``__init__`` and define step methods."""

    #: step methods a command may call, by default name (``advance`` calls ``advance_state``)
    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        init = cls.__dict__.get("__init__")
        if init is not None:
            signature = inspect.signature(init)

            @functools.wraps(init)
            def wrapped(self, *args: Any, **kw: Any) -> None:
                if "_config" not in self.__dict__:
                    bound = signature.bind(self, *args, **kw)
                    bound.apply_defaults()
                    config = {k: v for k, v in list(bound.arguments.items())[1:]
                              if signature.parameters[k].kind not in (inspect.Parameter.VAR_POSITIONAL,
                                                                      inspect.Parameter.VAR_KEYWORD)}
                    for k, p in signature.parameters.items():
                        if p.kind == inspect.Parameter.VAR_KEYWORD:
                            config.update(bound.arguments.get(k, {}))
                    config.pop("name", None)
                    object.__setattr__(self, "_config", config)
                init(self, *args, **kw)

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
        config = self.__dict__.get("_config")
        if config is not None and attr in config and "context" in self.__dict__:
            config[attr] = value
            self.context._invalidate()
        object.__setattr__(self, attr, value)

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
