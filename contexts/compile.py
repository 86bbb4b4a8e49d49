"""From commands to compiled functions.

A *command* is an ordered list of components and the name of the step method to call on each.
It compiles to one pure function ``state -> state``: for each component in order, resolve its
wired inputs from the current state, call the step method, write back the values it returns.
A *run* stacks the commands of one time step and scans that step over time with ``lax.scan``.

Before anything is compiled, :func:`analyse` traces each step method abstractly
(``jax.eval_shape``) to learn which compartments it reads and writes; the Context's validation
uses that to find unwired inputs and ambiguous orders without running anything.

The same analysis finds *write-only* compartments of a run (:func:`write_only`): written by a step
but read by no step, wire or record of that run (e.g. ``dWeights`` of an STDP synapse). Carrying
them through the scan would store them every step for nothing, so the scan leaves them out and
only the run's last step computes them: after a run every compartment holds exactly the value it
would hold had it been carried (each write-only value depends on the state of its own step only).
"""

from __future__ import annotations

import math
import zlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Mapping, Sequence

import jax
import jax.numpy as jnp

from .component import Values
from .errors import ShapeError, StepTraceError, ValidationError

if TYPE_CHECKING:
    from .component import Component
    from .context import Context

State = dict  # {"clock": {"t", "step", "key"}, "values": {component: {compartment: array}}}


@dataclass(frozen=True)
class Command:
    name: str
    components: tuple
    method: str

    def describe(self) -> str:
        return f"{self.name}: [{', '.join(c.name for c in self.components)}] -> .{self.method}()"


def _crc(text: str) -> int:
    return zlib.crc32(text.encode()) & 0x7FFFFFFF


def step_key(base_key: jax.Array, step: jax.Array, component: str, method: str) -> jax.Array:
    """The PRNG key of one component's method at one step: deterministic, independent streams."""
    key = jax.random.fold_in(base_key, step)
    key = jax.random.fold_in(key, _crc(component))
    return jax.random.fold_in(key, _crc(method))


def init_key(seed: Any, component: str, compartment: str) -> jax.Array:
    key = jax.random.fold_in(jax.random.PRNGKey(seed), _crc(component))
    return jax.random.fold_in(key, _crc("init:" + compartment))


# -- abstract analysis -----------------------------------------------------------------------------
@dataclass(frozen=True)
class StepIO:
    reads: frozenset
    writes: frozenset


def _check_updates(ctx: Context, comp: Component, method: str, updates: Any) -> None:
    label = f"{comp.name}.{method}()"
    if not isinstance(updates, Mapping):
        raise ValidationError(f"{label} must return a dict of new compartment values, got {type(updates).__name__}")
    for name, value in updates.items():
        if name not in comp._compartments:
            known = ", ".join(comp._compartments)
            raise ValidationError(f"{label} returned '{name}', which is not a compartment of "
                                  f"{comp.name} ({type(comp).__name__}); its compartments are: {known}")
        cpt = comp._compartments[name]
        if cpt.kind == "input" and method != "reset":
            raise ValidationError(f"{label} returned a value for {cpt.path}, an input: inputs are "
                                  "written only by wires or clamps. Make it a State or Output compartment")
        expected = cpt.full_shape(ctx.batch_size)
        if tuple(jnp.shape(value)) != expected:
            raise ShapeError(f"{label} returned {cpt.path} with shape {tuple(jnp.shape(value))}, but "
                             f"{cpt.path} is declared {cpt.shape_str()} = {expected} with batch_size="
                             f"{ctx.batch_size}")


# what to write instead, by the JAX error a Python-level use of a traced value raises
_TRACE_HINTS = (
    (jax.errors.TracerBoolConversionError,
     "a Python `if`, `while`, `and`/`or` or `bool()` on an array value: branch with "
     "`jnp.where(cond, a, b)` or `jax.lax.cond(pred, f_true, f_false, ...)` instead"),
    (jax.errors.TracerIntegerConversionError,
     "`int()`, `range()` or indexing with an array value: keep sizes in parameters (self.n_units) "
     "and use `jnp.where` / `jax.lax.dynamic_slice` for value-dependent choices"),
    (jax.errors.TracerArrayConversionError,
     "`numpy` (np.*) or `float()` on an array value: use `jax.numpy` (jnp.*) inside step functions"),
    (jax.errors.ConcretizationTypeError,
     "a Python `if`/`while` or a shape that depends on an array value: use `jnp.where(cond, a, b)` "
     "or `jax.lax.cond` instead of Python `if` on values, and shapes fixed by parameters"),
)


def call_step(ctx: Context, comp: Component, method: str, values: Values, t: Any, key: Any) -> Mapping:
    """``comp.method(values, t=t, dt=ctx.dt, key=key)``, its result checked.

    Step functions are traced, never run on concrete numbers, so Python control flow on a value
    fails inside JAX; that failure is re-raised naming the component and what to write instead."""
    try:
        updates = getattr(comp, method)(values, t=t, dt=ctx.dt, key=key)
    except _TRACE_ERRORS as e:
        hint = next(h for cls, h in _TRACE_HINTS if isinstance(e, cls))
        detail = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise StepTraceError(
            f"{type(comp).__name__}.{method} (component '{comp.name}') uses a traced array where Python "
            f"needs a concrete value. Step functions are compiled once for all values, so avoid {hint}. "
            f"(JAX: {detail})") from e
    _check_updates(ctx, comp, method, updates)
    return updates


_TRACE_ERRORS = tuple(cls for cls, _ in _TRACE_HINTS)


def analyse(ctx: Context, comp: Component, method: str) -> StepIO:
    """Which compartments ``comp.method`` reads and writes, found by abstract tracing."""
    abstract = {name: jax.ShapeDtypeStruct(c.full_shape(ctx.batch_size), c.resolved_dtype(ctx.dtype))
                for name, c in comp._compartments.items()}
    reads: set = set()
    written: list = []

    def probe(values: dict, t: Any, key: Any) -> Any:
        updates = call_step(ctx, comp, method, Values(f"{comp.name} ({type(comp).__name__})", values, reads),
                            t, key)
        written.extend(updates)
        return dict(updates)

    jax.eval_shape(probe, abstract, jax.ShapeDtypeStruct((), jnp.dtype(ctx.dtype)),
                   jax.ShapeDtypeStruct((2,), jnp.uint32))
    return StepIO(frozenset(reads), frozenset(written))


# -- concrete functions ----------------------------------------------------------------------------
Probe = Callable[["Component", dict], None]


def build_command(ctx: Context, command: Command) -> Callable[..., State]:
    """One command as a pure function of the whole state.

    ``run_command(state, probe)``: ``probe(component, values)``, if given, sees each component's
    compartment values right after its step (the finite check uses it)."""
    ticks = command.name == ctx.clock_command

    def run_command(state: State, probe: Probe | None = None) -> State:
        clock = dict(state["clock"])
        if ticks:
            clock["t"] = clock["t"] + jnp.asarray(ctx.dt, clock["t"].dtype)
            clock["step"] = clock["step"] + 1
        values = dict(state["values"])

        def read(cpt: Any) -> Any:
            return values[cpt.owner.name][cpt.name]

        for comp in command.components:
            own = dict(values[comp.name])
            for name, cpt in comp._compartments.items():
                source = ctx._wires.get(cpt.path)
                if source is not None:
                    own[name] = source.evaluate(read).astype(own[name].dtype)
            key = step_key(clock["key"], clock["step"], comp.name, command.method)
            updates = call_step(ctx, comp, command.method, Values(comp.name, own), clock["t"], key)
            for name, value in updates.items():
                own[name] = jnp.asarray(value).astype(own[name].dtype)
            values[comp.name] = own
            if probe is not None:
                probe(comp, own)
        return {"clock": clock, "values": values}

    return run_command


# -- the finite check ------------------------------------------------------------------------------
# within one component, what feeds its step is listed before what the step computes from it, so a
# NaN weight is named before the NaN outputs it caused in the same step
_KIND_ORDER = {"input": 0, "param": 1, "state": 2, "output": 3}


@dataclass(frozen=True)
class Checkpoint:
    """A place in one step where the finite check looks: the start of the step (``command`` is
    None: every compartment, as set before the step or fed by ``inputs=``), or right after one
    component's step method (that component's compartments)."""
    command: str | None
    component: str | None
    label: str
    paths: tuple[tuple[str, str], ...]


def _ordered(comp: Component) -> list[str]:
    return sorted(comp._compartments, key=lambda n: _KIND_ORDER[comp._compartments[n].kind])


def finite_checkpoints(ctx: Context, command_names: Sequence[str]) -> list[Checkpoint]:
    """The checkpoints of one step, in execution order."""
    seen: dict = {}
    for n in command_names:
        for comp in ctx._commands[n].components:
            seen.setdefault(comp.name, comp)
    start = tuple((c, n) for c, comp in seen.items() for n in _ordered(comp))
    points = [Checkpoint(None, None, "start", start)]
    for n in command_names:
        cmd = ctx._commands[n]
        for comp in cmd.components:
            points.append(Checkpoint(n, comp.name, f"{type(comp).__name__}.{cmd.method}",
                                     tuple((comp.name, x) for x in _ordered(comp))))
    return points


def finite_flags(values: dict, paths: Sequence[tuple[str, str]]) -> jax.Array:
    """One bool per (component, compartment) in ``paths``: True where some entry is NaN/Inf."""
    flags = []
    for comp, name in paths:
        x = values[comp][name]
        flags.append(~jnp.all(jnp.isfinite(x)) if jnp.issubdtype(x.dtype, jnp.inexact) else jnp.bool_(False))
    return jnp.stack(flags) if flags else jnp.zeros((0,), bool)


def first_nonfinite(points: Sequence[Checkpoint], flags: Any) -> tuple[Checkpoint, list[str]]:
    """The first checkpoint whose flags (concatenated over ``points``) are set, and its bad paths."""
    offset = 0
    for point in points:
        mine = [f"{c}.{n}" for (c, n), bad in zip(point.paths, flags[offset:offset + len(point.paths)]) if bad]
        if mine:
            return point, mine
        offset += len(point.paths)
    raise ValueError("no flag is set")  # the caller only asks after the scan reported one


# Write-only compartments smaller than this stay in the carry: storing a cached array each step
# is cheap, while dropping it lets XLA fuse its producer into a single pass that recomputes small
# inputs per element. Measured on the STDP network (benchmarks/README.md, section 8): a 314 KB
# dWeights left out ran 0.86x, a 3.1 MB one 1.24x and a 20 MB one 1.19x (CPU time).
WRITE_ONLY_MIN_BYTES = 1 << 20


def write_only(ctx: Context, command_names: Sequence[str], record: Sequence[str] = (),
               keep: Sequence[str] = ()) -> frozenset:
    """Paths ``"comp.name"`` written by a step of these commands but read by none of them.

    A compartment is *read* when a step method of the run reads it (found by :func:`analyse`), when
    it feeds any wire, or when it is in ``record`` or ``keep``. The rest of what the steps write is
    write-only: nothing inside the run depends on it, so :func:`build_run` computes it on the last
    step only. Only compartments of at least ``ctx.write_only_min_bytes`` bytes (default
    :data:`WRITE_ONLY_MIN_BYTES`) are returned."""
    read: set = set(record) | set(keep)
    for source in ctx._wires.values():
        read.update(t.compartment.path for t in source.terms)
    written: set = set()
    for n in command_names:
        cmd = ctx._commands[n]
        for comp in cmd.components:
            io = ctx._step_io(comp, cmd.method)
            read.update(f"{comp.name}.{x}" for x in io.reads)
            written.update(f"{comp.name}.{x}" for x in io.writes)
    floor = getattr(ctx, "write_only_min_bytes", WRITE_ONLY_MIN_BYTES)

    def size(path: str) -> int:
        cpt = ctx._compartment(path)
        return math.prod(cpt.full_shape(ctx.batch_size)) * cpt.resolved_dtype(ctx.dtype).itemsize

    return frozenset(p for p in written - read if size(p) >= floor)


def _without(state: State, paths: frozenset) -> State:
    """``state`` without the compartments ``paths`` (a new dict; arrays shared)."""
    values = dict(state["values"])
    for path in paths:
        comp, name = path.split(".", 1)
        values[comp] = {k: v for k, v in values[comp].items() if k != name}
    return {"clock": state["clock"], "values": values}


def _with(state: State, paths: frozenset, full: State) -> State:
    """``state`` with the compartments ``paths`` put back from ``full``."""
    values = dict(state["values"])
    for path in paths:
        comp, name = path.split(".", 1)
        values[comp] = {**values[comp], name: full["values"][comp][name]}
    return {"clock": state["clock"], "values": values}


def build_run(ctx: Context, command_names: tuple, steps: int, record: tuple, inputs: tuple,
              check_finite: bool, monitors: Any = None, keep: Sequence[str] = ()) -> Callable:
    """``fn(state, xs) -> (state, records, (bad_step, bad_t, bad_flags))``: ``steps`` steps in one scan.

    ``xs`` maps compartment paths to per-step data with a leading time axis; ``record`` lists
    compartment paths whose values after each step are stacked over time. With ``check_finite``,
    ``bad_step`` is the first step (1-based, within this run) at which a compartment went NaN/Inf
    (-1 if none), ``bad_t`` the time after it and ``bad_flags`` the flags of
    :func:`finite_checkpoints` at that step. With ``monitors`` (a :class:`contexts.monitors.MonitorSet`)
    the function is ``fn(state, xs, carry) -> (state, records, finite_info, carry)``, the monitors'
    carry updated after each step.

    Write-only compartments (:func:`write_only`; ``keep`` lists more paths to treat as read) are
    left out of the scan's carry and computed by the last step only, which runs after the scan of
    the first ``steps - 1`` steps; results and the final state are the same as carrying them. Runs
    with ``check_finite`` (which checks every compartment every step), of one step, or with
    ``ctx.carry_write_only = True`` (before the first run) carry everything.
    """
    commands = [build_command(ctx, ctx._commands[n]) for n in command_names]
    points = finite_checkpoints(ctx, command_names) if check_finite else []
    n_flags = sum(len(p.paths) for p in points)
    input_cpts = {p: ctx._compartment(p) for p in inputs}

    def one_step(carry: Any, xs_t: dict) -> Any:
        state, i, bad_step, bad_t, bad_flags, mon = carry
        if xs_t:
            values = dict(state["values"])
            for path, x in xs_t.items():
                cpt = input_cpts[path]
                own = dict(values[cpt.owner.name])
                own[cpt.name] = jnp.broadcast_to(x, own[cpt.name].shape).astype(own[cpt.name].dtype)
                values[cpt.owner.name] = own
            state = {"clock": state["clock"], "values": values}
        flags = [finite_flags(state["values"], points[0].paths)] if check_finite else []

        def probe(comp: Component, own: dict) -> None:
            flags.append(finite_flags({comp.name: own}, [(comp.name, n) for n in _ordered(comp)]))

        for cmd in commands:
            state = cmd(state, probe if check_finite else None)
        i = i + 1
        if check_finite:
            flat = jnp.concatenate(flags)
            first = (bad_step < 0) & jnp.any(flat)
            bad_step = jnp.where(first, i, bad_step)
            bad_t = jnp.where(first, state["clock"]["t"], bad_t)
            bad_flags = jnp.where(first, flat, bad_flags)
        rec = {p: state["values"][p.split(".")[0]][p.split(".")[1]] for p in record}
        if monitors is not None:
            mon = monitors.update(mon, state["values"])
        return (state, i, bad_step, bad_t, bad_flags, mon), rec

    lean = steps >= 2 and not check_finite and not getattr(ctx, "carry_write_only", False)
    watched = tuple(keep) + (tuple(m.path for m in monitors.all) if monitors is not None else ())
    dead = write_only(ctx, command_names, record, watched) if lean else frozenset()

    def run(state: State, xs: dict, mon: Any = None) -> Any:
        ctx._trace_count += 1  # runs only while tracing: counts compilations
        carry = (state, jnp.int32(0), jnp.int32(-1), jnp.zeros((), state["clock"]["t"].dtype),
                 jnp.zeros((n_flags,), bool), mon)
        more = (lambda m: ()) if monitors is None else (lambda m: (m,))
        if not dead:
            (state, _, bad_step, bad_t, bad_flags, mon), records = jax.lax.scan(one_step, carry, xs, length=steps)
            return (state, records, (bad_step, bad_t, bad_flags)) + more(mon)

        def lean_step(carry: Any, xs_t: dict) -> Any:
            (st, *rest), rec = one_step((_with(carry[0], dead, state),) + carry[1:], xs_t)
            return (_without(st, dead), *rest), rec

        carry, head = jax.lax.scan(lean_step, (_without(state, dead),) + carry[1:],
                                   {p: a[:-1] for p, a in xs.items()}, length=steps - 1)
        (state, _, bad_step, bad_t, bad_flags, mon), last = one_step(
            (_with(carry[0], dead, state),) + carry[1:], {p: a[-1] for p, a in xs.items()})
        records = {p: jnp.concatenate([head[p], last[p][None]]) for p in record}
        return (state, records, (bad_step, bad_t, bad_flags)) + more(mon)

    return run
