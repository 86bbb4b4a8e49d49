"""From commands to compiled functions.

A *command* is an ordered list of components and the name of the step method to call on each.
It compiles to one pure function ``state -> state``: for each component in order, resolve its
wired inputs from the current state, call the step method, write back the values it returns.
A *run* stacks the commands of one time step and scans that step over time with ``lax.scan``.

Before anything is compiled, :func:`analyse` traces each step method abstractly
(``jax.eval_shape``) to learn which compartments it reads and writes; the Context's validation
uses that to find unwired inputs and ambiguous orders without running anything.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Mapping

import jax
import jax.numpy as jnp

from .component import Values
from .errors import ShapeError, ValidationError

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


def analyse(ctx: Context, comp: Component, method: str) -> StepIO:
    """Which compartments ``comp.method`` reads and writes, found by abstract tracing."""
    fn = getattr(comp, method)
    abstract = {name: jax.ShapeDtypeStruct(c.full_shape(ctx.batch_size), c.resolved_dtype(ctx.dtype))
                for name, c in comp._compartments.items()}
    reads: set = set()
    written: list = []

    def probe(values: dict, t: Any, key: Any) -> Any:
        updates = fn(Values(f"{comp.name} ({type(comp).__name__})", values, reads), t=t, dt=ctx.dt, key=key)
        _check_updates(ctx, comp, method, updates)
        written.extend(updates)
        return dict(updates)

    jax.eval_shape(probe, abstract, jax.ShapeDtypeStruct((), jnp.dtype(ctx.dtype)),
                   jax.ShapeDtypeStruct((2,), jnp.uint32))
    return StepIO(frozenset(reads), frozenset(written))


# -- concrete functions ----------------------------------------------------------------------------
def build_command(ctx: Context, command: Command) -> Callable[[State], State]:
    """One command as a pure function of the whole state."""
    ticks = command.name == ctx.clock_command

    def run_command(state: State) -> State:
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
            updates = getattr(comp, command.method)(Values(comp.name, own), t=clock["t"], dt=ctx.dt, key=key)
            _check_updates(ctx, comp, command.method, updates)
            for name, value in updates.items():
                own[name] = jnp.asarray(value).astype(own[name].dtype)
            values[comp.name] = own
        return {"clock": clock, "values": values}

    return run_command


def finite_flags(state: State, order: list[tuple[str, str]]) -> jax.Array:
    """One bool per (component, compartment) in ``order``: True where some entry is NaN/Inf."""
    flags = []
    for comp, name in order:
        x = state["values"][comp][name]
        flags.append(~jnp.all(jnp.isfinite(x)) if jnp.issubdtype(x.dtype, jnp.inexact) else jnp.bool_(False))
    return jnp.stack(flags) if flags else jnp.zeros((0,), bool)


def build_run(ctx: Context, command_names: tuple, steps: int, record: tuple, inputs: tuple,
              check_finite: bool) -> Callable:
    """``fn(state, xs) -> (state, records, (bad_step, bad_flags))``: ``steps`` steps in one scan.

    ``xs`` maps compartment paths to per-step data with a leading time axis; ``record`` lists
    compartment paths whose values after each step are stacked over time.
    """
    commands = [build_command(ctx, ctx._commands[n]) for n in command_names]
    order = ctx._finite_order(command_names)
    input_cpts = {p: ctx._compartment(p) for p in inputs}

    def one_step(carry: Any, xs_t: dict) -> Any:
        state, bad_step, bad_flags = carry
        if xs_t:
            values = dict(state["values"])
            for path, x in xs_t.items():
                cpt = input_cpts[path]
                own = dict(values[cpt.owner.name])
                own[cpt.name] = jnp.broadcast_to(x, own[cpt.name].shape).astype(own[cpt.name].dtype)
                values[cpt.owner.name] = own
            state = {"clock": state["clock"], "values": values}
        for cmd in commands:
            state = cmd(state)
        if check_finite:
            flags = finite_flags(state, order)
            first = (bad_step < 0) & jnp.any(flags)
            bad_step = jnp.where(first, state["clock"]["step"], bad_step)
            bad_flags = jnp.where(first, flags, bad_flags)
        rec = {p: state["values"][p.split(".")[0]][p.split(".")[1]] for p in record}
        return (state, bad_step, bad_flags), rec

    def run(state: State, xs: dict) -> Any:
        ctx._trace_count += 1  # runs only while tracing: counts compilations
        carry = (state, jnp.int32(-1), jnp.zeros((len(order),), bool))
        (state, bad_step, bad_flags), records = jax.lax.scan(one_step, carry, xs, length=steps)
        return state, records, (bad_step, bad_flags)

    return run
