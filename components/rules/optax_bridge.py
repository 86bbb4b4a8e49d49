"""optax and our optimisers, each usable as the other.

Our optimisers (:mod:`components.rules.optimizers`) are ``(state_spec, update)`` pairs whose
``update(g, state) -> (step, state)`` returns a step to *subtract* from the weights. optax's
``GradientTransformation`` is an ``(init, update)`` pair whose ``update(g, state, params) ->
(updates, state)`` returns updates to *add*. So ``updates = -step``::

    tx = as_optax("adam", lr=5e-3)                 # ours, as an optax GradientTransformation
    opt = from_optax(optax.chain(optax.clip(1.0), optax.adamw(1e-3)))
    opt.state_spec((n_in, n_out))                  # {"0_count": (), "1_0_mu": (n_in, n_out), ...}
    step, state = opt.update(g, state, params=W)   # W <- W - step

A synapse's ``optim_type`` takes any of (see :func:`resolve`):

- a name of ours, ``"sgd"`` or ``"adam"`` (the synapse's ``eta``, ``b1``, ``b2``, ``eps`` apply;
  the numbers are those of :mod:`~components.rules.optimizers`, unchanged);
- an optax spec, YAML-friendly and saved with the model: ``{optax: adamw, learning_rate: 1e-3,
  weight_decay: 1e-4}``, a chain ``{optax: chain, transforms: [{optax: clip_by_global_norm,
  max_norm: 1.0}, {optax: adam, learning_rate: 1e-3}]}``, and schedules as arguments
  ``{optax: adam, learning_rate: {optax: exponential_decay, init_value: 1e-2, transition_steps: 100,
  decay_rate: 0.5}}``;
- an ``optax.GradientTransformation`` object (in memory only: a model holding one cannot be
  written to YAML or saved; use a spec for that).

An optax transform carries its own learning rate: the synapse's ``eta`` is then not used. Its
state (a pytree) becomes one Param compartment per leaf, named ``opt_<path>`` from the leaf's
place in the pytree (``opt_0_mu``), with the leaf's dtype (the step count is int32); it is
initialised by ``tx.init`` on zero weights of the synapse's shape, so it is saved, loaded,
checkpointed, vmapped and sharded with the rest of the state. Transforms whose initial state copies
the weights' values (e.g. ``optax.ema`` of the parameters) start from zeros here.
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp

from contexts.errors import ValidationError
from contexts.params import ParameterError, describe

from .optimizers import OPTIMIZERS, Optimizer, make_optimizer

OPTAX_KEY = "optax"


def _optax() -> Any:
    try:
        import optax
    except ImportError:  # pragma: no cover - optax is a dependency
        raise ValidationError("optax transforms need the optax package: pip install optax") from None
    return optax


def is_transformation(value: Any) -> bool:
    """An optax ``GradientTransformation`` (or anything with its ``init`` / ``update`` pair)."""
    return callable(getattr(value, "init", None)) and callable(getattr(value, "update", None)) \
        and not isinstance(value, (str, dict))


# -- ours -> optax -----------------------------------------------------------------------------------
def as_optax(opt: Optimizer | str, **kwargs: Any) -> Any:
    """One of our optimisers (an :class:`Optimizer` or its name with arguments) as an optax
    ``GradientTransformation``: ``init(params)`` builds the state of ``state_spec(params.shape)``
    in ``params``' dtype, ``update(g, state, params=None)`` returns ``(-step, state)``. The numbers
    are those of ``opt.update`` exactly (a negation is exact)."""
    optax = _optax()
    if isinstance(opt, str):
        opt = make_optimizer(opt, **kwargs)

    def init(params: Any) -> dict:
        return {k: jnp.zeros(s, jnp.asarray(params).dtype) for k, s in opt.state_spec(jnp.shape(params)).items()}

    def update(updates: Any, state: dict, params: Any = None) -> tuple:
        step, new = opt.update(updates, state)
        return -step, new

    return optax.GradientTransformation(init, update)


# -- optax -> ours -----------------------------------------------------------------------------------
def _key_name(entry: Any) -> str:
    for attr in ("name", "key", "idx"):
        if hasattr(entry, attr):
            return str(getattr(entry, attr))
    return str(entry)


class OptaxOptimizer:
    """An optax transform in our ``(state_spec, update)`` form, state leaves named by their path."""

    def __init__(self, tx: Any, name: str = "optax"):
        self.tx, self.name = tx, name

    def _leaves(self, shape: tuple, dtype: Any) -> tuple[list, Any]:
        state = jax.eval_shape(self.tx.init, jax.ShapeDtypeStruct(tuple(shape), jnp.dtype(dtype)))
        flat, treedef = jax.tree_util.tree_flatten_with_path(state)
        names = ["_".join(_key_name(e) for e in path) or "state" for path, _ in flat]
        return [(n, leaf) for n, (_, leaf) in zip(names, flat)], treedef

    def state_spec(self, shape: tuple) -> dict:
        """``{name: shape}`` of the state leaves for weights of ``shape``."""
        return {n: tuple(leaf.shape) for n, leaf in self._leaves(shape, jnp.float32)[0]}

    def compartments(self, shape: tuple, dtype: Any) -> dict:
        """``{name: (shape, dtype or None, init)}``: dtype None where the leaf has the weights' dtype
        (it then follows the Context's), ``init(key, shape, dtype)`` the leaf of ``tx.init(0)``."""
        leaves, _ = self._leaves(shape, dtype)
        out = {}
        for i, (n, leaf) in enumerate(leaves):
            def init(key: Any, s: tuple, d: Any, i: int = i) -> Any:
                return jax.tree_util.tree_leaves(self.tx.init(jnp.zeros(tuple(shape), dtype)))[i]

            out[n] = (tuple(leaf.shape), None if leaf.dtype == jnp.dtype(dtype) else leaf.dtype, init)
        return out

    def update(self, g: Any, state: dict, params: Any = None) -> tuple:
        """``(step, new_state)`` with ``step = -updates``: subtract it from the weights."""
        leaves, treedef = self._leaves(jnp.shape(g), jnp.result_type(g))
        tree = jax.tree_util.tree_unflatten(treedef, [state[n] for n, _ in leaves])
        updates, new = self.tx.update(g, tree, params)
        new_leaves = jax.tree_util.tree_leaves(new)
        return -updates, {n: jnp.asarray(v).astype(state[n].dtype) for (n, _), v in zip(leaves, new_leaves)}


def from_optax(tx: Any, name: str = "optax") -> OptaxOptimizer:
    """An optax ``GradientTransformation`` in our form (see :class:`OptaxOptimizer`)."""
    return OptaxOptimizer(tx, name)


# -- specs ---------------------------------------------------------------------------------------------
def build_spec(spec: Any, where: str = "optim_type") -> Any:
    """An optax object from a spec ``{optax: NAME, **arguments}`` (arguments may be specs, or lists of
    them, e.g. a chain's ``transforms``); plain values pass through."""
    if isinstance(spec, dict) and OPTAX_KEY in spec:
        optax = _optax()
        name = spec[OPTAX_KEY]
        fn = getattr(optax, name, None) if isinstance(name, str) and not name.startswith("_") else None
        if not callable(fn):
            raise ParameterError(f"{where}: optax has no transform or schedule named {name!r}")
        args = {k: build_spec(v, f"{where}.{k}") for k, v in spec.items() if k != OPTAX_KEY}
        positional = args.pop("transforms", None) if name in ("chain", "named_chain") else None
        try:
            return fn(*positional, **args) if positional is not None else fn(**args)
        except TypeError as e:
            raise ParameterError(f"{where}: optax.{name}({', '.join(args)}) failed: {e}") from None
    if isinstance(spec, list):
        return [build_spec(v, f"{where}[{i}]") for i, v in enumerate(spec)]
    return spec


def check_optimizer(value: Any, where: str) -> Any:
    """The parameter rule of ``optim_type``: a name of ours, an optax spec or an optax transform."""
    if isinstance(value, str) and value in OPTIMIZERS:
        return value
    if is_transformation(value):
        return value
    if isinstance(value, dict) and OPTAX_KEY in value:
        tx = build_spec(value, where)
        if not is_transformation(tx):
            raise ParameterError(f"{where}: {{optax: {value[OPTAX_KEY]}}} is not a GradientTransformation")
        return value
    err = ParameterError(f"{where} must be one of {', '.join(OPTIMIZERS)}, an optax spec such as "
                         f"{{optax: adam, learning_rate: 0.001}}, or an optax GradientTransformation, got "
                         f"{describe(value)}")
    err.component, _, err.parameter = where.rpartition(": ")
    raise err


def resolve(optim_type: Any, **ours: Any) -> Any:
    """The optimiser a synapse uses: ours by name (``ours`` are its arguments, e.g. ``lr``), else the
    optax transform (from a spec or as given) wrapped by :func:`from_optax`."""
    if isinstance(optim_type, str):
        return make_optimizer(optim_type, **ours)
    tx = build_spec(optim_type) if isinstance(optim_type, dict) else optim_type
    name = optim_type.get(OPTAX_KEY, "optax") if isinstance(optim_type, dict) else "optax"
    return from_optax(tx, name=f"optax.{name}")


def is_ours(optim_type: Any) -> bool:
    return isinstance(optim_type, str)


def state_compartments(opt: Any, shape: tuple, dtype: Any) -> dict:
    """``{name: (shape, dtype or None, init)}`` of an optimiser's state for weights of ``shape``:
    what a synapse declares as ``Param`` compartments ``opt_<name>`` (ours: zeros in the Context's dtype)."""
    if isinstance(opt, OptaxOptimizer):
        return opt.compartments(shape, dtype)
    return {k: (s, None, 0.0) for k, s in opt.state_spec(shape).items()}


def apply_update(opt: Any, g: Any, state: dict, params: Any = None) -> tuple:
    """``(step, new_state)``: ``opt.update``, given the weights too where the transform may use them
    (optax's weight decay); subtract ``step`` from the weights."""
    if isinstance(opt, OptaxOptimizer):
        return opt.update(g, state, params)
    return opt.update(g, state)
