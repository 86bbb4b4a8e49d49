"""Monitors: what a run keeps besides full records, in memory that does not grow as ``N x T``.

``record=[...]`` stacks whole compartments every step. A monitor keeps less, inside the compiled
scan (no host round trip per step)::

    spikes = SpikeMonitor(z1.s)                 # indices and times of spikes: memory ~ number of spikes
    rate = RateMonitor(z1.s, bin=10)            # population rate (Hz), one value per 10 steps
    recs = ctx.run("advance", steps=1000, monitors=[spikes, rate],
                   record=[z1.v], record_every=10)  # z1.v after steps 10, 20, ..., 1000
    spikes.i, spikes.t                          # neuron index and time (ms) of each spike
    recs[spikes] is spikes.result               # results are also in the returned records

Each monitor holds a fixed-size buffer in the scan's carry, written in place each step; after the
run its result is on the monitor (``.result`` and the attributes below) and in the records.

:class:`SpikeMonitor` keeps up to ``capacity`` events (default: a tenth of ``steps x size``, i.e.
enough for a mean rate of one spike per neuron every 10 steps). Events beyond it are counted, not
stored; after such a run :class:`MonitorOverflowError` names the monitor and the capacity that
would have held them (``on_overflow="warn"`` keeps the first ``capacity`` events and warns instead).
The run itself completes and its state is kept.

Times: an event at step ``k`` of the run (``0 <= k < steps``, the index into ``record=`` arrays)
has ``t = t0 + (k + 1) dt``, ``t0`` the clock before the run: the clock after that step.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Any, Sequence

import jax
import jax.numpy as jnp
import numpy as np

from .errors import ArgumentError, SynapticaError


class MonitorOverflowError(SynapticaError):
    """A :class:`SpikeMonitor` saw more events than its ``capacity``; the message gives the capacity needed."""


@dataclass
class SpikeEvents:
    """Spike events of one run, in time order (within a step: batch, then neuron index).

    ``i``: neuron (flat index over the compartment's per-sample shape), ``b``: batch sample,
    ``step``: step of the run, ``t``: time (ms); ``count``: events seen, ``dropped``: those beyond
    the capacity (not stored)."""

    i: np.ndarray
    b: np.ndarray
    step: np.ndarray
    t: np.ndarray
    count: int
    dropped: int
    size: int
    steps: int

    def to_dense(self) -> np.ndarray:
        """The stored events as a ``(steps, batch, size)`` 0/1 array (as ``record=`` would give)."""
        batch = int(self.b.max()) + 1 if len(self.b) else 1
        out = np.zeros((self.steps, batch, self.size), np.float32)
        out[self.step, self.b, self.i] = 1.0
        return out

    def train(self, i: int, b: int = 0) -> np.ndarray:
        """Spike times (ms) of neuron ``i`` in batch sample ``b``."""
        return self.t[(self.i == i) & (self.b == b)]


@dataclass
class PopulationRate:
    """``rate[j, b]``: mean rate (Hz) over the neurons and the steps of bin ``j``; ``t[j]``: the
    end of the bin (ms)."""

    t: np.ndarray
    rate: np.ndarray


class Monitor:
    """Base class: ``init`` the carry, ``update`` it each step (pure JAX), ``finish`` on the host."""

    def __init__(self, source: Any, name: str | None = None):
        self.source = source
        self.name = name
        self.result: Any = None
        self.path = ""

    def bind(self, ctx: Any, steps: int) -> None:
        cpt = ctx._compartment(self.source, f"{type(self).__name__}()")
        self.path = cpt.path
        self.full = cpt.full_shape(ctx.batch_size)
        self.batch = ctx.batch_size if cpt.batched else 1
        self.size = int(np.prod(self.full)) // self.batch
        self.steps = steps
        self.dt = ctx.dt
        if self.name is None:
            self.name = f"{type(self).__name__}({self.path})"

    def key(self) -> tuple:
        return (type(self).__name__, self.path, self.steps)

    def read(self, values: dict) -> Any:
        comp, _, name = self.path.partition(".")
        return values[comp][name].reshape(self.batch, self.size)

    def init(self) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    def update(self, carry: Any, values: dict, n: Any) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    def finish(self, carry: Any, t0: float) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.path or self.source!r})"


class SpikeMonitor(Monitor):
    """Indices and times of the entries of ``source`` (a spike compartment) that are > ``threshold``.

    Args:
        source: the compartment (``z1.s`` or ``"z1.s"``).
        capacity: most events kept (default ``ceil(steps * size * batch / 10)``, at least 1024).
        on_overflow: ``"error"`` (default: :class:`MonitorOverflowError` after the run) or ``"warn"``.
        threshold: an entry counts as a spike when above it (default 0).
    """

    def __init__(self, source: Any, capacity: int | None = None, on_overflow: str = "error",
                 threshold: float = 0.0, name: str | None = None):
        super().__init__(source, name)
        if capacity is not None and (not isinstance(capacity, (int, np.integer)) or isinstance(capacity, bool)
                                     or capacity < 1):
            raise ArgumentError(f"SpikeMonitor capacity must be a whole number >= 1 of events, got {capacity!r}")
        if on_overflow not in ("error", "warn"):
            raise ArgumentError(f"SpikeMonitor on_overflow must be 'error' or 'warn', got {on_overflow!r}")
        self.capacity_arg, self.on_overflow, self.threshold = capacity, on_overflow, float(threshold)

    def bind(self, ctx: Any, steps: int) -> None:
        super().bind(ctx, steps)
        default = max(1024, math.ceil(steps * self.size * self.batch / 10))
        self.capacity = int(self.capacity_arg or default)

    def key(self) -> tuple:
        return super().key() + (self.capacity, self.threshold)

    def init(self) -> Any:
        cap = self.capacity
        return {"i": jnp.zeros((cap,), jnp.int32), "b": jnp.zeros((cap,), jnp.int32),
                "step": jnp.zeros((cap,), jnp.int32), "count": jnp.zeros((), jnp.int32)}

    def update(self, carry: Any, values: dict, n: Any) -> Any:
        fired = (self.read(values) > self.threshold).reshape(-1)
        # slot of each event: after those already stored; entries that did not fire go past the end (dropped)
        pos = jnp.where(fired, carry["count"] + jnp.cumsum(fired, dtype=jnp.int32) - 1, self.capacity)
        flat = jnp.arange(fired.shape[0], dtype=jnp.int32)
        return {"i": carry["i"].at[pos].set(flat % self.size, mode="drop"),
                "b": carry["b"].at[pos].set(flat // self.size, mode="drop"),
                "step": carry["step"].at[pos].set(jnp.broadcast_to(n - 1, pos.shape), mode="drop"),
                "count": carry["count"] + jnp.sum(fired, dtype=jnp.int32)}

    def finish(self, carry: Any, t0: float) -> SpikeEvents:
        count = int(carry["count"])
        kept = min(count, self.capacity)
        step = np.asarray(carry["step"][:kept])
        events = SpikeEvents(i=np.asarray(carry["i"][:kept]), b=np.asarray(carry["b"][:kept]), step=step,
                             t=t0 + (step + 1) * self.dt, count=count, dropped=count - kept, size=self.size,
                             steps=self.steps)
        self.result = events
        self.i, self.t, self.b, self.step, self.count = events.i, events.t, events.b, events.step, count
        return events

    def check_overflow(self) -> None:
        ev = self.result
        if ev is None or ev.dropped == 0:
            return
        text = (f"{self.name} saw {ev.count} spike events but holds capacity={self.capacity}: the last "
                f"{ev.dropped} were dropped. Pass SpikeMonitor({self.path}, capacity={_round_up(ev.count)}) "
                f"(or on_overflow='warn' to keep the first {self.capacity}); the run's state is kept")
        if self.on_overflow == "warn":
            warnings.warn(text, RuntimeWarning, stacklevel=3)
        else:
            raise MonitorOverflowError(text)


class RateMonitor(Monitor):
    """Population rate of ``source`` (spikes, 0/1): the mean over its neurons, in Hz, averaged over
    bins of ``bin`` steps: ``rate[j, b] = 1000 / dt * mean(s)`` over bin ``j``'s steps. A last bin
    shorter than ``bin`` averages the steps it has."""

    def __init__(self, source: Any, bin: int = 1, name: str | None = None):
        super().__init__(source, name)
        if not isinstance(bin, (int, np.integer)) or isinstance(bin, bool) or bin < 1:
            raise ArgumentError(f"RateMonitor bin must be a whole number >= 1 of steps, got {bin!r}")
        self.bin = int(bin)

    def key(self) -> tuple:
        return super().key() + (self.bin,)

    def init(self) -> Any:
        return jnp.zeros((max(1, -(-self.steps // self.bin)), self.batch), jnp.float32)

    def update(self, carry: Any, values: dict, n: Any) -> Any:
        mean = jnp.mean(self.read(values).astype(jnp.float32), axis=1)
        return carry.at[(n - 1) // self.bin].add(mean)

    def finish(self, carry: Any, t0: float) -> PopulationRate:
        n_bins = -(-self.steps // self.bin)
        ends = np.minimum(np.arange(1, n_bins + 1) * self.bin, self.steps)
        lengths = ends - np.arange(n_bins) * self.bin
        rate = np.asarray(carry)[:n_bins] / lengths[:, None] * (1000.0 / self.dt)
        self.result = PopulationRate(t=t0 + ends * self.dt, rate=rate)
        self.t, self.rate = self.result.t, self.result.rate
        return self.result


class _Sampler(Monitor):
    """``record=`` with ``record_every=k``: the values after steps k, 2k, ... (``steps // k`` of them)."""

    def __init__(self, path: str, every: int):
        super().__init__(path, name=path)
        self.every = every

    def key(self) -> tuple:
        return super().key() + (self.every,)

    def bind(self, ctx: Any, steps: int) -> None:
        super().bind(ctx, steps)
        cpt = ctx._compartment(self.path)
        self.dtype = cpt.resolved_dtype(ctx.dtype)

    def init(self) -> Any:
        return jnp.zeros((self.steps // self.every,) + self.full, self.dtype)

    def update(self, carry: Any, values: dict, n: Any) -> Any:
        if carry.shape[0] == 0:
            return carry
        comp, _, name = self.path.partition(".")
        slot = jnp.clip(n // self.every - 1, 0, carry.shape[0] - 1)
        value = jnp.where(n % self.every == 0, values[comp][name].astype(carry.dtype), carry[slot])
        return carry.at[slot].set(value)

    def finish(self, carry: Any, t0: float) -> Any:
        return carry


class MonitorSet:
    """The monitors of one run (and the sampled records of ``record_every``), as one carry."""

    def __init__(self, ctx: Any, monitors: Sequence[Any], record_paths: tuple, every: int, steps: int):
        if isinstance(monitors, Monitor):
            monitors = (monitors,)
        try:
            monitors = tuple(monitors)
        except TypeError:
            raise ArgumentError(f"monitors must be a list such as [SpikeMonitor(z1.s)], got {monitors!r}") from None
        for m in monitors:
            if not isinstance(m, Monitor):
                raise ArgumentError(f"monitors takes SpikeMonitor / RateMonitor objects, got {m!r}; to keep "
                                    f"whole compartments use record=[...]")
        if len({id(m) for m in monitors}) != len(monitors):
            raise ArgumentError("monitors lists one monitor twice")
        self.samplers = tuple(_Sampler(p, every) for p in record_paths) if every > 1 else ()
        self.monitors = monitors
        for m in self.all:
            m.bind(ctx, steps)
        self.key = tuple(m.key() for m in self.all)

    @property
    def all(self) -> tuple:
        return self.monitors + self.samplers

    def init(self) -> Any:
        return (jnp.zeros((), jnp.int32), tuple(m.init() for m in self.all))

    def update(self, carry: Any, values: dict) -> Any:
        n, carries = carry
        n = n + 1
        return n, tuple(m.update(c, values, n) for m, c in zip(self.all, carries))

    def finish(self, carry: Any, t0: float) -> dict:
        """``{key: result}``: sampled records by path, monitors by their name; overflows checked last."""
        _, carries = jax.device_get(carry)
        out = {m.name: m.finish(c, t0) for m, c in zip(self.all, carries)}
        for m in self.monitors:
            if isinstance(m, SpikeMonitor):
                m.check_overflow()
        return out


def _round_up(count: int) -> int:
    """A capacity comfortably above ``count``: the next power of two of 1.25 * count."""
    return 1 << max(10, math.ceil(math.log2(max(1, count) * 1.25)))
