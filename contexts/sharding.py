"""Spread a model's state over several devices with JAX's own sharding.

Two ways to outgrow one device, both served by placing the state pytree on a
:class:`jax.sharding.Mesh` with :class:`jax.sharding.NamedSharding`:

* **data parallel** (``batch_axis``): every batched compartment (leading ``batch`` axis) is split
  along the batch over the mesh axis ``batch_axis``; params are replicated. Independent runs
  (trials, seeds, sweeps) stacked on the batch axis then run on all devices at once.
* **model parallel** (``model_axis``): large dense 2-D params ``(n_in, n_out)`` — weight
  matrices, masks — are split along their *post* axis (columns) over the mesh axis
  ``model_axis``; so are batched per-unit compartments ``(batch, n_out)`` whose size matches,
  so that ``inputs @ W`` needs no gather of the weights.

Only the placement of the state changes. The Context's cached ``jax.jit`` run functions follow
the shardings of their arguments (GSPMD), so ``ctx.run(...)`` runs sharded without recompiling
the model code; outputs keep the placement, so the next run reuses the compiled function. An
axis that does not divide a dimension is left unsplit (replicated) for that array.

    import jax
    from jax.sharding import Mesh
    mesh = Mesh(jax.devices(), ("data",))                 # 1-D: data parallel
    shard(ctx, mesh)                                       # or ctx.shard(mesh)
    mesh = Mesh(np.array(jax.devices()).reshape(2, 4), ("data", "model"))
    shard(ctx, mesh, batch_axis="data", model_axis="model")

Multi-host: call ``jax.distributed.initialize()`` first on every host, build the mesh from
``jax.devices()`` (all hosts' devices); see ``docs/multi_device.md``.
"""

from __future__ import annotations

from typing import Any

import jax
from jax.sharding import Mesh, NamedSharding, PartitionSpec

from .errors import ContextError

#: dense params smaller than this many elements stay replicated under ``model_axis``
MIN_MODEL_SHARD_ELEMENTS = 1 << 16


def _axis_size(mesh: Mesh, axis: str | None) -> int:
    if axis is None:
        return 1
    if axis not in mesh.shape:
        raise ContextError(f"the mesh has axes {tuple(mesh.shape)}, not {axis!r}; build it with "
                           f"Mesh(devices, ({axis!r}, ...)) or pass the right axis name")
    return int(mesh.shape[axis])


def partition_specs(ctx: Any, mesh: Mesh, batch_axis: str | None = "data", model_axis: str | None = None,
                    min_model_elements: int = MIN_MODEL_SHARD_ELEMENTS) -> dict:
    """The :class:`PartitionSpec` of every leaf of ``ctx.state`` (same pytree structure)."""
    n_data, n_model = _axis_size(mesh, batch_axis), _axis_size(mesh, model_axis)
    if batch_axis is not None and ctx.batch_size % n_data:
        raise ContextError(f"batch_size={ctx.batch_size} does not divide over the {n_data} devices of mesh "
                           f"axis {batch_axis!r}; use a batch size that is a multiple of {n_data}, or "
                           "batch_axis=None")
    # post sizes of the weight matrices that get split: per-unit compartments of that size follow them
    split_posts: set[int] = set()
    if model_axis is not None:
        for comp in ctx._components.values():
            for cpt in comp._compartments.values():
                if (not cpt.batched and len(cpt.shape) == 2 and cpt.shape[1] % n_model == 0
                        and cpt.shape[0] * cpt.shape[1] >= min_model_elements):
                    split_posts.add(cpt.shape[1])
    values = {}
    for cname, comp in ctx._components.items():
        values[cname] = {}
        for name, cpt in comp._compartments.items():
            if cpt.batched:
                spec = [batch_axis] + [None] * len(cpt.shape)
                if model_axis is not None and len(cpt.shape) == 1 and cpt.shape[0] in split_posts:
                    spec[1] = model_axis
            else:
                spec = [None] * len(cpt.shape)
                if model_axis is not None and cpt.shape and cpt.shape[-1] in split_posts and (
                        len(cpt.shape) == 2 or len(cpt.shape) == 1):
                    spec[-1] = model_axis
            values[cname][name] = PartitionSpec(*spec)
    clock = {k: PartitionSpec() for k in ("t", "step", "key")}
    return {"clock": clock, "values": values}


def shardings(ctx: Any, mesh: Mesh, batch_axis: str | None = "data", model_axis: str | None = None,
              min_model_elements: int = MIN_MODEL_SHARD_ELEMENTS) -> dict:
    """The :class:`NamedSharding` of every leaf of ``ctx.state``."""
    specs = partition_specs(ctx, mesh, batch_axis, model_axis, min_model_elements)
    return jax.tree_util.tree_map(lambda s: NamedSharding(mesh, s), specs,
                                  is_leaf=lambda x: isinstance(x, PartitionSpec))


def shard(ctx: Any, mesh: Mesh, batch_axis: str | None = "data", model_axis: str | None = None,
          min_model_elements: int = MIN_MODEL_SHARD_ELEMENTS) -> dict:
    """Place ``ctx.state`` on ``mesh``: batch over ``batch_axis``, big weights' post axis over ``model_axis``.

    Returns the shardings used (a pytree like ``ctx.state``). Later runs keep the placement.
    Per-step ``inputs`` may be placed with :func:`shard_inputs` (else JAX moves them).
    """
    target = shardings(ctx, mesh, batch_axis, model_axis, min_model_elements)
    ctx.state = jax.device_put(ctx.state, target)
    return target


def shard_inputs(ctx: Any, mesh: Mesh, xs: Any, batch_axis: str | None = "data") -> Any:
    """Place per-step data ``(steps, batch, ...)`` with its batch axis split like the state's."""
    n_data = _axis_size(mesh, batch_axis)

    def put(x: Any) -> Any:
        x = jax.numpy.asarray(x)
        batched = batch_axis is not None and x.ndim >= 2 and x.shape[1] == ctx.batch_size and x.shape[1] % n_data == 0
        spec = PartitionSpec(None, batch_axis) if batched else PartitionSpec()
        return jax.device_put(x, NamedSharding(mesh, spec))

    return jax.tree_util.tree_map(put, xs)
