"""Context: the ``with`` block that collects components, wires and commands, and runs them.

All model state is one pytree owned by the Context::

    {"clock": {"t": time (ms), "step": int32, "key": uint32[2]},
     "values": {component: {compartment: array}}}

Commands compile to pure ``state -> state`` functions; :meth:`Context.run` compiles a whole run
into one ``jax.lax.scan`` and caches it, so running again with new data does not recompile.
"""

from __future__ import annotations

import difflib
import operator
import sys
import threading
import time
from typing import Any, Iterable, Mapping, Sequence

import jax
import jax.numpy as jnp
import numpy as np

from .compartment import Compartment
from .compile import (
    Command,
    StepIO,
    analyse,
    build_command,
    build_run,
    finite_checkpoints,
    first_nonfinite,
    init_key,
)
from .component import Component, UnknownCompartmentError, _unknown_message
from .errors import (
    ArgumentError,
    ContextError,
    NonFiniteError,
    NotACompartmentError,
    ShapeError,
    UnknownCommandError,
    ValidationError,
    WiringError,
)
from .monitors import Monitor, MonitorSet
from .wiring import Source, as_source

DEFAULT_METHODS = {"advance": "advance_state"}
_local = threading.local()


class Records(dict):
    """Recorded compartments stacked over time, keyed by ``"component.compartment"``.

    Also indexable by the compartment itself: ``records[z1.s]``.
    """

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, Compartment):
            key = key.path
        elif isinstance(key, Monitor):
            key = key.name
        return super().__getitem__(key)

    def __contains__(self, key: Any) -> bool:
        return super().__contains__(key.path if isinstance(key, Compartment) else
                                    key.name if isinstance(key, Monitor) else key)


class Context:
    """A model: components, wires and commands, and the state they act on.

    Args:
        name: the model's name (used in messages and saved files).
        dt: integration step in ms.
        batch_size: leading axis of every batched compartment.
        seed: PRNG seed; identical seeds give bit-identical runs.
        dtype: default floating dtype, ``"float32"`` or ``"float64"`` (needs ``jax_enable_x64``).
        check_finite: check every compartment after every step and raise :class:`NonFiniteError`
            naming the first that went NaN/Inf (costs a little time; off by default).
        clock_command: the command that advances time by ``dt`` before its components run.
    """

    def __init__(self, name: str = "model", dt: float = 1.0, batch_size: int = 1, seed: int = 0,
                 dtype: str = "float32", check_finite: bool = False, clock_command: str = "advance"):
        if dtype not in ("float32", "float64", "bfloat16", "float16"):
            raise ContextError(f"Context dtype must be float32 or float64, got {dtype!r}")
        if dtype == "float64" and not jax.config.jax_enable_x64:
            raise ContextError("Context(dtype='float64') needs 64-bit JAX: call "
                               "jax.config.update('jax_enable_x64', True) before building the model")
        if int(batch_size) < 1:
            raise ContextError(f"batch_size must be >= 1, got {batch_size}")
        self.name = name
        self.dt = float(dt)
        self.batch_size = int(batch_size)
        self.seed = int(seed)
        self.dtype = dtype
        self.check_finite = bool(check_finite)
        self.clock_command = clock_command
        self._components: dict[str, Component] = {}
        self._wires: dict[str, Source] = {}
        self._commands: dict[str, Command] = {}
        self._clamped: set[str] = set()
        self._state: dict | None = None
        self._cache: dict = {}
        self._io: dict = {}
        self._validated: set = set()
        self._trace_count = 0

    # -- the with block ---------------------------------------------------------------------------
    @staticmethod
    def current() -> Context:
        stack = getattr(_local, "stack", [])
        if not stack:
            raise ContextError("components must be created inside `with Context(...) as ctx:`")
        return stack[-1]

    def __enter__(self) -> Context:
        if not hasattr(_local, "stack"):
            _local.stack = []
        _local.stack.append(self)
        return self

    def __exit__(self, *exc: Any) -> None:
        _local.stack.pop()

    # -- building -----------------------------------------------------------------------------------
    def _add_component(self, comp: Component) -> None:
        if comp.name in self._components:
            raise ContextError(f"a component named '{comp.name}' already exists in context "
                               f"'{self.name}' ({type(self._components[comp.name]).__name__}); "
                               "give each component a unique name")
        self._components[comp.name] = comp
        self._invalidate(state=True)

    @property
    def components(self) -> dict[str, Component]:
        return dict(self._components)

    @property
    def commands(self) -> dict[str, Command]:
        return dict(self._commands)

    @property
    def wires(self) -> dict[str, Source]:
        return dict(self._wires)

    def _own(self, cpt: Any, role: str) -> Compartment:
        if not isinstance(cpt, Compartment):
            raise NotACompartmentError(f"{role} takes compartments such as `z1.j`, got {_describe(cpt)}")
        if cpt.owner is None:
            raise WiringError(f"{role}: {cpt!r} is not declared on a component yet; assign it in a "
                              "component's __init__ (`self.j = Input((n,))`) and use it from there")
        if self._components.get(cpt.owner.name) is not cpt.owner:
            other = getattr(cpt.owner.context, "name", "?")
            raise WiringError(
                f"{cpt.path} belongs to another context ('{other}') than '{self.name}', so {role} cannot "
                f"use it: create {cpt.owner.name} inside the same `with Context(...)` block as the rest of "
                f"this model (one model, one context), or use {cpt.owner.name}'s own context")
        return cpt

    def wire(self, target: Compartment, source: Any) -> None:
        """``target << source`` (or ``source >> target``): each step, ``target`` takes the value of
        ``source`` when its component runs. Prefer the operator spellings."""
        target = self._own(target, "the target of a wire")
        source = as_source(source, target)
        if target.kind != "input":
            inputs = [n for n, c in target.owner._compartments.items() if c.kind == "input"]
            raise WiringError(f"{target.path} is {_a(target.kind)} compartment that "
                              f"{target.owner.name} computes itself, so a wire into it would be "
                              f"overwritten; wire into one of its inputs instead: {', '.join(inputs) or 'none'}")
        if target.path in self._wires:
            old = self._wires[target.path].to_str()
            raise WiringError(f"{target.path} is already wired from {old}; to add several sources "
                              f"write `{target.path} << summation({old}, ...)`")
        expected = target.full_shape(self.batch_size)
        for term in source.terms:
            src = self._own(term.compartment, "a wire source")
            got = src.full_shape(self.batch_size)
            if got != expected:
                hint = target.mismatch_hint(src) or (f"check the sizes of {target.owner.name} and "
                                                     f"{src.owner.name}")
                raise ShapeError(f"{target.path} expects {target.shape_str()} but {src.path} is "
                                 f"{src.shape_str()}; {hint}")
        if target.path in self._clamped:
            self._clamped.discard(target.path)
        self._wires[target.path] = source
        self._invalidate()

    def command(self, name: str, components: Sequence[Component], method: str | None = None) -> Command:
        """Declare a command: call ``method`` (default: ``advance_state`` for ``advance``, else
        the command's name) on each component, in order."""
        if not name.isidentifier() or name.startswith("_"):
            raise ContextError(f"command names must be identifiers not starting with '_', got {name!r}")
        method = method or DEFAULT_METHODS.get(name, name)
        comps = []
        for comp in components:
            if not isinstance(comp, Component) or self._components.get(comp.name) is not comp:
                raise ContextError(f"command '{name}': {self._not_a_component(comp)}")
            if not callable(getattr(type(comp), method, None)):
                steps = sorted(m for m in ("advance_state", "evolve", "reset")
                               if callable(getattr(type(comp), m, None)))
                raise ValidationError(f"command '{name}' calls .{method}() but {comp.name} "
                                      f"({type(comp).__name__}) has no such step; it has: {', '.join(steps)}. "
                                      f"Leave {comp.name} out of '{name}'")
            comps.append(comp)
        if len({c.name for c in comps}) != len(comps):
            raise ValidationError(f"command '{name}' lists a component twice")
        cmd = Command(name, tuple(comps), method)
        self._commands[name] = cmd
        self._invalidate()
        return cmd

    def _not_a_component(self, comp: Any) -> str:
        """Why ``comp`` cannot be listed in a command of this context, and what to write instead."""
        mine = ", ".join(self._components) or "none yet"
        if isinstance(comp, Component):
            other = getattr(comp.context, "name", "?")
            return (f"{comp!r} is not a component of context '{self.name}' (it was created in context "
                    f"'{other}'); create it inside `with Context('{self.name}', ...)` or list only this "
                    f"context's components: {mine}")
        if isinstance(comp, str) and comp in self._components:
            return (f"{comp!r} is a name; list the component object itself (ctx.components[{comp!r}] or "
                    "the variable you assigned it to)")
        return (f"{_describe(comp)} is not a component of context '{self.name}'; list the components "
                f"created in its `with` block: {mine}")

    # -- values ---------------------------------------------------------------------------------------
    def _compartment(self, ref: Any, role: str = "this argument") -> Compartment:
        """The compartment that ``ref`` (a compartment or ``"comp.name"``) means in this context;
        ``role`` names where it was given (``"record="``) for the messages."""
        if isinstance(ref, Compartment):
            return self._own(ref, role)
        if not isinstance(ref, str):
            raise NotACompartmentError(f"{role} takes compartments such as `z1.v` (or paths 'z1.v'), "
                                       f"got {_describe(ref)}")
        comp_name, _, cname = ref.partition(".")
        if comp_name not in self._components:
            close = difflib.get_close_matches(comp_name, list(self._components), n=1)
            raise WiringError(f"context '{self.name}' has no component '{comp_name}' (in {ref!r}); "
                              f"components: {', '.join(self._components)}"
                              + (f". Did you mean '{close[0]}'?" if close else ""))
        comp = self._components[comp_name]
        if cname in comp._compartments:
            return comp._compartments[cname]
        known = ", ".join(comp._compartments)
        if not cname:
            raise NotACompartmentError(f"{ref!r} in {role} names the component {comp_name}, not a "
                                       f"compartment; name one of its compartments: {known}")
        if cname in comp.__dict__ or hasattr(type(comp), cname):
            what = "a parameter" if cname in comp._config else "an attribute"
            raise NotACompartmentError(f"{ref!r} in {role} is {what} of {comp_name} ({type(comp).__name__}), "
                                       f"not a compartment; its compartments are: {known}")
        raise UnknownCompartmentError(_unknown_message(f"{comp_name} ({type(comp).__name__})", cname,
                                                       list(comp._compartments)))

    def initial_state(self, seed: Any = None) -> dict:
        """A fresh state for ``seed`` (default: the Context's). Pure: ``jax.vmap`` it over seeds."""
        seed = self.seed if seed is None else seed
        # eager on purpose: each op's compile is cached per shape across models, which measured
        # faster than compiling the whole initial state per model (22 s vs 33 s CPU on the tests)
        return self._build_initial_state(seed)

    def _build_initial_state(self, seed: Any) -> dict:
        values = {}
        for cname, comp in self._components.items():
            values[cname] = {n: c.initial_value(init_key(seed, cname, c.key_name or n), self.batch_size, self.dtype)
                             for n, c in comp._compartments.items()}
        clock = {"t": jnp.zeros((), self.dtype), "step": jnp.zeros((), jnp.int32),
                 "key": jax.random.PRNGKey(seed)}
        return {"clock": clock, "values": values}

    @property
    def state(self) -> dict:
        if self._state is None:
            self._state = self.initial_state()
        return self._state

    @state.setter
    def state(self, new: dict) -> None:
        ref = jax.tree_util.tree_structure(self.initial_state() if self._state is None else self._state)
        if jax.tree_util.tree_structure(new) != ref:
            raise ContextError("the new state does not have this model's structure; build it with "
                               "ctx.initial_state() or take it from a run")
        self._state = new

    def get(self, ref: Any) -> jax.Array:
        """The current value of a compartment (object or ``"comp.name"``)."""
        cpt = self._compartment(ref, "ctx.get()")
        return self.state["values"][cpt.owner.name][cpt.name]

    def clamp(self, ref: Any, value: Any) -> None:
        """Hold ``value`` in a compartment: data into an unwired input, or a new state value.

        A value without the batch axis is broadcast over the batch."""
        cpt = self._compartment(ref, "ctx.clamp()")
        if cpt.path in self._wires:
            raise WiringError(f"{cpt.path} is wired from {self._wires[cpt.path].to_str()}; a clamped "
                              "value would be overwritten every step. Clamp an unwired input instead")
        shape = cpt.full_shape(self.batch_size)
        try:
            arr = jnp.asarray(value)
        except (TypeError, ValueError) as e:
            raise ArgumentError(f"ctx.clamp({cpt.path}, value): the value must be numeric (a number or an "
                                f"array of shape {shape} or {cpt.shape}), got {type(value).__name__}: {e}") from None
        if arr.shape not in (shape, cpt.shape) and not (arr.ndim == 0):
            raise ShapeError(f"cannot clamp {cpt.path}: it is {cpt.shape_str()} = {shape} but the value "
                             f"has shape {arr.shape}")
        arr = _placed_like(jnp.broadcast_to(arr, shape).astype(cpt.resolved_dtype(self.dtype)),
                           self.state["values"][cpt.owner.name][cpt.name])
        values = dict(self.state["values"])
        values[cpt.owner.name] = {**values[cpt.owner.name], cpt.name: arr}
        self._state = {"clock": self.state["clock"], "values": values}
        if cpt.kind == "input":
            self._clamped.add(cpt.path)

    # -- validation -----------------------------------------------------------------------------------
    def _invalidate(self, state: bool = False) -> None:
        self._cache.clear()
        self._io.clear()
        self._validated.clear()
        if state:
            self._state = None

    def _step_io(self, comp: Component, method: str) -> StepIO:
        key = (comp.name, method)
        if key not in self._io:
            self._io[key] = analyse(self, comp, method)
        return self._io[key]

    def validate(self, command_names: Iterable[str] | None = None, fed: Iterable[str] = ()) -> None:
        """Check the model before compiling; raises :class:`ValidationError` naming the fix."""
        names = tuple(self._commands) if command_names is None else self._command_names(command_names, True)
        fed = frozenset(fed) | frozenset(self._clamped)
        if (names, fed) in self._validated:
            return
        in_a_command = {c.name for cmd in self._commands.values() for c in cmd.components}
        orphans = [n for n in self._components if n not in in_a_command]
        if orphans:
            raise ValidationError(f"component(s) {', '.join(orphans)} appear in no command, so they would "
                                  f"never run; add them to a command such as ctx.command('advance', [...])")
        for n in names:
            self._validate_command(self._commands[n], fed)
        self._validated.add((names, fed))

    def _validate_command(self, cmd: Command, fed: frozenset) -> None:
        position = {c.name: i for i, c in enumerate(cmd.components)}
        writes = {c.name: self._step_io(c, cmd.method).writes for c in cmd.components}
        for i, comp in enumerate(cmd.components):
            io = self._step_io(comp, cmd.method)
            for name in sorted(io.reads):
                cpt = comp._compartments[name]
                if cpt.kind != "input":
                    continue
                source = self._wires.get(cpt.path)
                if source is None:
                    if cpt.required and cpt.path not in fed and cmd.method != "reset":
                        raise ValidationError(
                            f"{cpt.path} is a required input of {comp.name} ({type(comp).__name__}) "
                            f"read by command '{cmd.name}', but nothing feeds it: wire it "
                            f"(`{cpt.path} << other.outputs`), clamp data into it "
                            f"(`ctx.clamp({cpt.path}, x)`), or pass it per step "
                            f"(`ctx.run(..., inputs={{{cpt.path}: xs}})`)")
                    continue
                for term in source.terms:
                    src = term.compartment
                    owner = src.owner.name
                    if term.delayed or owner not in position or src.name not in writes[owner]:
                        continue
                    if position[owner] >= i:
                        later = "is the same component" if owner == comp.name else f"runs after {comp.name}"
                        raise ValidationError(
                            f"ambiguous order in command '{cmd.name}': {comp.name} reads {src.path} "
                            f"(through {cpt.path} << {source.to_str()}) but {owner} {later}, so "
                            f"{comp.name} would see {src.path} from the previous step. Put {owner} "
                            f"before {comp.name} in ctx.command('{cmd.name}', [...]), or, if the "
                            f"one-step delay is intended (a recurrent loop), wire "
                            f"`{cpt.path} << {src.path}.prev`")

    # -- run arguments ----------------------------------------------------------------------------
    def _command_names(self, commands: Any, allow_empty: bool = False) -> tuple[str, ...]:
        """``commands`` (a name, a :class:`Command`, or a list of them) as a tuple of declared names."""
        declared = ", ".join(self._commands) or "none (declare one with ctx.command('advance', [...]))"
        if isinstance(commands, (str, Command)):
            commands = (commands,)
        try:
            names = tuple(c.name if isinstance(c, Command) else c for c in commands)
        except TypeError:
            raise ArgumentError(f"commands must be a command name or a list of names, got {_describe(commands)}; "
                                f"context '{self.name}' declares: {declared}") from None
        if not names and not allow_empty:
            raise ArgumentError(f"commands is empty, so a step would do nothing: name the commands each step "
                                f"runs, e.g. ctx.run(['advance'], steps=...); context '{self.name}' declares: "
                                f"{declared}")
        for n in names:
            if not isinstance(n, str):
                raise ArgumentError(f"commands must be names (str), got {_describe(n)}; context '{self.name}' "
                                    f"declares: {declared}")
            if n not in self._commands:
                close = difflib.get_close_matches(n, list(self._commands), n=1)
                raise UnknownCommandError(f"context '{self.name}' has no command '{n}'"
                                          + (f"; did you mean '{close[0]}'?" if close else "")
                                          + f" Declared: {declared}. Declare new ones with "
                                            f"ctx.command('{n}', [components...])")
        return names

    def _record_paths(self, record: Any) -> tuple[str, ...]:
        if isinstance(record, (str, Compartment)):
            record = (record,)
        try:
            items = tuple(record)
        except TypeError:
            raise ArgumentError(f"record must be a list of compartments such as [z1.s, W.weights], got "
                                f"{_describe(record)}") from None
        return tuple(self._compartment(r, "record=").path for r in items)

    def _input_compartment(self, ref: Any) -> Compartment:
        """The compartment that per-step data may be fed into: an unwired input."""
        cpt = self._compartment(ref, "inputs=")
        if cpt.kind != "input":
            fed = [n for n, c in cpt.owner._compartments.items() if c.kind == "input"]
            raise WiringError(
                f"inputs={{{cpt.path}: ...}}: {cpt.path} is {_a(cpt.kind)} compartment, which "
                f"{cpt.owner.name} writes itself; per-step data may be fed only into input compartments "
                f"({cpt.owner.name}'s: {', '.join(fed) or 'none'}). To set {cpt.path} once before the "
                f"run, use ctx.clamp({cpt.path}, x)")
        if cpt.path in self._wires:
            raise WiringError(f"{cpt.path} is wired from {self._wires[cpt.path].to_str()}; per-step "
                              "data would be overwritten. Feed an unwired input instead")
        return cpt

    def _per_step_inputs(self, inputs: Any, steps: int) -> dict[str, jax.Array]:
        """``{compartment: xs}`` as ``{path: array (steps, *full_shape)}`` in the compartment's dtype."""
        if inputs is None:
            return {}
        if not isinstance(inputs, Mapping):
            raise ArgumentError(f"inputs must be a dict {{compartment: xs}} with xs of shape (steps, ...), "
                                f"got {_describe(inputs)}")
        xs: dict[str, jax.Array] = {}
        for ref, data in inputs.items():
            cpt = self._input_compartment(ref)
            if cpt.path in xs:
                raise ArgumentError(f"inputs names {cpt.path} twice; give it one array")
            try:
                arr = jnp.asarray(data)
            except (TypeError, ValueError) as e:
                raise ArgumentError(f"inputs[{cpt.path}] must be a numeric array of shape (steps, ...), "
                                    f"got {type(data).__name__}: {e}") from None
            full = cpt.full_shape(self.batch_size)
            if arr.shape[:1] != (steps,) or arr.shape[1:] not in (full, cpt.shape):
                raise ShapeError(f"inputs[{cpt.path}] must have shape (steps={steps}, *{full}) or "
                                 f"(steps={steps}, *{cpt.shape}), got {arr.shape}: "
                                 + _input_shape_hint(cpt.path, arr.shape, steps, full, cpt.shape))
            # one layout and dtype whatever the caller passed, so new data never recompiles
            xs[cpt.path] = jnp.broadcast_to(
                arr if arr.shape == (steps,) + full else jnp.expand_dims(arr, 1) if cpt.batched else arr,
                (steps,) + full).astype(cpt.resolved_dtype(self.dtype))
        return xs

    # -- running --------------------------------------------------------------------------------------
    def compile_run(self, commands: Sequence[str] | str, steps: int, record: Sequence[Any] = (),
                    inputs: Sequence[Any] = (), check_finite: bool | None = None, donate: bool = False,
                    monitors: MonitorSet | None = None) -> Any:
        """The pure function behind :meth:`run`: ``fn(state, xs) -> (state, records, finite_info)``.

        ``inputs`` lists the compartments ``xs`` feeds (``xs`` maps their paths to ``(steps, ...)``
        arrays). Use it to ``jax.vmap`` a whole model over independent instances (e.g. seeds).
        With ``monitors`` (a :class:`contexts.monitors.MonitorSet`): ``fn(state, xs, carry) -> (..., carry)``."""
        names = self._command_names(commands)
        steps = _steps(steps)
        record_paths = self._record_paths(record)
        if isinstance(inputs, (str, Compartment)):
            inputs = (inputs,)
        input_paths = tuple(self._input_compartment(r).path for r in inputs)
        check = self.check_finite if check_finite is None else bool(check_finite)
        self.validate(names, fed=input_paths)
        key = (names, steps, record_paths, input_paths, check, bool(donate), monitors and monitors.key)
        if key not in self._cache:
            fn = build_run(self, names, steps, record_paths, input_paths, check, monitors)
            self._cache[key] = jax.jit(fn, donate_argnums=(0,) if donate else ())
        return self._cache[key]

    def run(self, commands: Sequence[str] | str, steps: int = 1, record: Sequence[Any] = (),
            inputs: dict | None = None, progress: bool = False, check_finite: bool | None = None,
            donate: bool = False, monitors: Sequence[Monitor] = (), record_every: int = 1,
            checkpoint_every: int | None = None, checkpoint_dir: Any = None, resume: bool = False) -> Records:
        """Run ``steps`` time steps, each calling ``commands`` in order, as one compiled scan.

        Args:
            commands: command names run each step, e.g. ``["advance", "evolve"]``.
            steps: number of time steps, an ``int`` (``round(T / dt)`` for a duration ``T`` in ms).
                ``steps=0`` runs nothing and returns records with a time axis of length 0.
            record: compartments whose values after each step are returned, stacked over time.
            inputs: ``{compartment: xs}`` with ``xs`` of shape ``(steps, ...)``: per-step data into
                unwired input compartments.
            progress: compile first (its time reported on its own), then show a bar with the step
                rate and time left; the scan runs in chunks of many steps, with results identical
                to one scan.
            check_finite: override the Context's ``check_finite``.
            donate: let XLA reuse the state's buffers in place (faster for large weights: 2.7-3.3x
                at N=6400 with short runs, see benchmarks/README.md). Arrays taken from the state
                before the run (``W.weights.value``) become invalid; with ``check_finite`` the
                pre-run state cannot be kept.
            monitors: :class:`~contexts.monitors.SpikeMonitor` / :class:`~contexts.monitors.RateMonitor`
                objects (see :mod:`contexts.monitors`); each holds its result after the run.
            record_every: keep ``record=`` compartments only after steps ``k, 2k, ...``
                (``steps // k`` values each).
            checkpoint_every, checkpoint_dir, resume: run in pieces of ``checkpoint_every`` steps,
                writing an atomic checkpoint into ``checkpoint_dir`` after each; ``resume=True``
                continues the same run from the newest one there (see :mod:`contexts.checkpoint`).
        Returns:
            :class:`Records` mapping ``"comp.compartment"`` to arrays of shape ``(steps, ...)``
            (``(steps // record_every, ...)``), and each monitor (``records[monitor]``) to its result.
        """
        if checkpoint_every is not None or checkpoint_dir is not None or resume:
            from .checkpoint import run_checkpointed

            if monitors or record_every != 1:
                raise ArgumentError("a checkpointed run records with record= at every step; monitors= and "
                                    "record_every= are not available with checkpoint_every yet: drop them, or "
                                    "run in pieces and save with ctx.save between them")

            return run_checkpointed(self, commands, steps, record, inputs, checkpoint_every, checkpoint_dir, resume,
                                    progress=progress, check_finite=check_finite, donate=donate)
        names = self._command_names(commands)
        steps = _steps(steps)
        record_paths = self._record_paths(record)
        xs = self._per_step_inputs(inputs, steps)
        check = self.check_finite if check_finite is None else bool(check_finite)
        every = _steps(record_every)
        if every < 1:
            raise ArgumentError(f"record_every must be >= 1 (keep the records of every k-th step), got {every}")
        mset = MonitorSet(self, monitors, record_paths, every, steps) if monitors or every > 1 else None
        scanned = () if every > 1 else record_paths
        if steps == 0 and mset is None:
            self.validate(names, fed=tuple(xs))
            return Records({p: jnp.zeros((0,) + self.get(p).shape, self.get(p).dtype) for p in record_paths})
        plan = _chunk_plan(steps) if progress else [steps]
        fns = {n: self.compile_run(names, n, scanned, tuple(xs), check, donate, mset) for n in dict.fromkeys(plan)}
        extra = () if mset is None else (mset.init(),)
        t0 = float(self.state["clock"]["t"])
        bar = None
        if progress:
            from tqdm import tqdm

            # compile every chunk length before the bar starts, so its rate and ETA are run time only
            start = time.perf_counter()
            fns = {n: self._compiled(fn, (names, n, scanned, tuple(xs), check, bool(donate), mset and mset.key),
                                     {p: a[:n] for p, a in xs.items()}, extra) for n, fn in fns.items()}
            compile_s = time.perf_counter() - start
            bar = tqdm(total=steps, unit="step", desc=f"[{self.name}]", file=sys.stderr, dynamic_ncols=True)
            bar.set_postfix_str(f"compiled in {compile_s:.2f} s", refresh=False)
        state, done, pieces = self.state, 0, []
        try:
            for n in plan:
                xs_n = xs if n == steps else {p: a[done:done + n] for p, a in xs.items()}
                new_state, recs, (bad_step, bad_t, bad_flags), *extra = fns[n](state, xs_n, *extra)
                if check and int(bad_step) >= 0:
                    self._raise_nonfinite(names, done + int(bad_step), float(bad_t), np.asarray(bad_flags),
                                          new_state)
                state = new_state
                pieces.append(recs)
                done += n
                if bar is not None:
                    jax.block_until_ready(state)  # one wait per chunk: the bar shows finished steps
                    bar.update(n)
        finally:
            if bar is not None:
                bar.close()
        self._state = state
        records = Records(pieces[0] if len(pieces) == 1 else
                          {k: jnp.concatenate([p[k] for p in pieces]) for k in pieces[0]} if pieces else {})
        if mset is not None:
            records.update(mset.finish(extra[0], t0))
        return records

    def _compiled(self, fn: Any, key: tuple, xs: dict, extra: tuple = ()) -> Any:
        """``fn`` compiled ahead of time for the current state and ``xs`` (cached per placement, since
        a compiled executable accepts only the shardings it was built for)."""
        placement = tuple(str(getattr(x, "sharding", None)) for x in jax.tree_util.tree_leaves((self.state, xs)))
        key = ("compiled",) + key + (placement,)
        if key not in self._cache:
            self._cache[key] = fn.lower(self.state, xs, *extra).compile()
        return self._cache[key]

    def _raise_nonfinite(self, commands: tuple, step: int, t: float, flags: np.ndarray, state: dict) -> None:
        point, bad = first_nonfinite(finite_checkpoints(self, commands), flags)
        also = f"; also: {', '.join(bad[1:6])}" if len(bad) > 1 else ""
        if point.command is None:
            text = (f"{bad[0]} was already non-finite (NaN/Inf) when step {step} of this run began{also}: it "
                    "was set that way before the run (initial value, ctx.clamp, a loaded state) or fed "
                    "through inputs=; check that data.")
        else:
            text = (f"{bad[0]} became non-finite (NaN/Inf) at step {step} of this run (t = {t:g} ms), in "
                    f"command '{point.command}' when {point.component} ran {point.label}{also}. Common "
                    "causes: dt too large for a time constant, a learning rate too high, unbounded "
                    "weights (set w_bound), or a division by a threshold near zero.")
        err = NonFiniteError(text + " The state before this run is kept; the bad state is on this "
                                    "error's `.state`.")
        err.state = state
        raise err

    def reset(self) -> None:
        """Run the ``reset`` command (or reset every component if none is declared); t -> 0."""
        if "reset" in self._commands:
            self.run("reset", steps=1)
        else:
            if "default_reset" not in self._cache:
                every = Command("reset", tuple(self._components.values()), "reset")
                self._cache["default_reset"] = jax.jit(build_command(self, every))
            self._state = self._cache["default_reset"](self.state)
        clock = dict(self.state["clock"])
        clock["t"] = _placed_like(jnp.zeros((), self.dtype), clock["t"])
        self._state = {"clock": clock, "values": self.state["values"]}

    def __getattr__(self, name: str) -> Any:
        commands = self.__dict__.get("_commands", {})
        if name in commands:
            return lambda steps=1, **kw: self.run(name, steps=steps, **kw)
        raise AttributeError(f"'Context' object has no attribute or command '{name}'"
                             + (f"; commands: {', '.join(commands)}" if commands else ""))

    @property
    def compile_count(self) -> int:
        """How many times a run function has been traced (compiled) so far."""
        return self._trace_count

    # -- inspection and persistence ---------------------------------------------------------------
    def summary(self) -> str:
        from .inspect import summary

        return summary(self)

    def to_dot(self) -> str:
        from .inspect import to_dot

        return to_dot(self)

    def draw(self, path: str) -> str:
        from .inspect import draw

        return draw(self, path)

    def to_graph(self) -> dict:
        from .graph import to_graph

        return to_graph(self)

    def shard(self, mesh: Any, batch_axis: str | None = "data", model_axis: str | None = None) -> None:
        """Place the state on a device mesh (data parallel over the batch, optionally large
        weights split along their post axis); see :mod:`contexts.sharding`."""
        from .sharding import shard

        shard(self, mesh, batch_axis, model_axis)

    def to_yaml(self) -> str:
        """The model graph as YAML text (see docs/yaml_models.md)."""
        from .graph_yaml import to_yaml

        return to_yaml(self)

    def save(self, directory: str, allow_nonfinite: bool = False) -> None:
        """Write the graph (``graph.yaml``) and every array (``state.npz``) to ``directory``, atomically.
        A state holding NaN/Inf is refused unless ``allow_nonfinite=True`` (for debugging)."""
        from .persistence import save

        save(self, directory, allow_nonfinite=allow_nonfinite)

    @staticmethod
    def load(directory: str, allow_nonfinite: bool = False, allow_import: Iterable[str] = ()) -> Context:
        """Rebuild a saved model. ``allow_import`` names packages whose ``module:Class`` types the
        graph may import; ``allow_nonfinite=True`` accepts NaN/Inf arrays."""
        from .persistence import load

        return load(directory, allow_nonfinite=allow_nonfinite, allow_import=allow_import)


def _a(word: str) -> str:
    """``"an input"``, ``"a state"``: the word with its article."""
    return ("an " if word[:1] in "aeiou" else "a ") + word


def _describe(value: Any) -> str:
    """A value that is not a compartment, shown with what it probably was meant to be."""
    if isinstance(value, Component):
        return (f"the component {value.name}; name one of its compartments: "
                + ", ".join(f"{value.name}.{n}" for n in value._compartments))
    if isinstance(value, (int, float, complex, np.number)) and not isinstance(value, bool):
        return (f"{value!r} ({type(value).__name__}), a plain number; parameters such as `z1.tau_m` are "
                "numbers, not compartments")
    return f"{value!r} ({type(value).__name__})"


def _steps(steps: Any) -> int:
    """``steps`` as an int >= 0; floats are refused because ``int(T / dt)`` silently drops a step
    when ``T / dt`` is 99.99999."""
    if isinstance(steps, (bool, np.bool_)):
        raise ArgumentError(f"steps must be a whole number of steps (int), got {steps!r}")
    try:
        n = operator.index(steps)
    except TypeError:
        hint = "; for a duration T in ms write steps=round(T / dt)" if isinstance(steps, (float, np.floating)) else ""
        raise ArgumentError(f"steps must be a whole number of steps (int), got {steps!r} "
                            f"({type(steps).__name__}){hint}") from None
    if n < 0:
        raise ArgumentError(f"steps must be >= 0 (the number of time steps to run), got {n}")
    return n


def _chunk_plan(steps: int, fewest: int = 10, most: int = 50) -> list[int]:
    """Chunk lengths for a run with progress: between ``fewest`` and ``most`` chunks of one length
    (a divisor of ``steps`` if there is one in range, so only one length compiles), plus a rest."""
    lo, hi = -(-steps // most), max(-(-steps // fewest), 1)
    size = next((c for c in range(lo, hi + 1) if steps % c == 0), lo)
    plan = [size] * (steps // size)
    return plan + ([steps % size] if steps % size else [])


def _input_shape_hint(path: str, shape: tuple, steps: int, full: tuple, per: tuple) -> str:
    if shape in (full, per) or len(shape) == 0:
        return (f"that is one step's value without the time axis; to hold it for the whole run use "
                f"ctx.clamp({path}, x), or repeat it: np.broadcast_to(x, ({steps},) + x.shape)")
    if shape[1:] in (full, per):
        return (f"it holds {shape[0]} time steps (its leading axis) but steps={steps}; pass xs[:{steps}] "
                f"or steps={shape[0]}")
    return f"each step's value is {shape[1:]}; check the size of {path.split('.')[0]} and the batch_size"


def _placed_like(new: jax.Array, old: Any) -> jax.Array:
    """``new`` on the devices and sharding of the value it replaces, so that a sharded model stays
    sharded and the next run finds the same input placement (no recompilation)."""
    sharding = getattr(old, "sharding", None)
    if sharding is None or len(sharding.device_set) <= 1 or getattr(old, "shape", None) != new.shape:
        return new
    return jax.device_put(new, sharding)
