"""Connectivity rules: which connections of an ``(n_in, n_out)`` projection exist.

A rule is a spec, written the same way in Python and YAML::

    {"rule": "one_to_one"}                                  # i -> i (n_in == n_out)
    {"rule": "all_to_all", "autapses": False}               # every pair, optionally no i -> i
    {"rule": "fixed_in_degree", "k": 100}                   # each post neuron: k distinct pre neurons
    {"rule": "fixed_out_degree", "k": 100}                  # each pre neuron: k distinct post neurons
    {"rule": "fixed_total_number", "n": 5000}               # n distinct pairs in all
    {"rule": "bernoulli", "p": 0.1}                         # each pair independently with probability p
    {"rule": "distance", "sigma": 0.1, "p_max": 1.0}        # p = p_max exp(-d^2 / (2 sigma^2)), see below
    {"rule": "mask", "mask": array}                         # an explicit 0/1 (n_in, n_out) array
    "one_to_one"                                            # a bare name: the rule with its defaults

Every rule but ``one_to_one`` and ``mask`` takes ``"autapses": false`` (no ``i -> i``; square
projections only, i.e. a population onto itself) and any rule takes ``"seed": int``. Connections
are never repeated (no multapses).

``distance`` places the neurons on a line or a plane: ``pre_positions`` ``(n_in,)`` or
``(n_in, d)`` and ``post_positions`` ``(n_out,)`` or ``(n_out, d)`` with ``d`` 1 or 2 (default:
``dims`` 1, ``i / n`` on ``[0, 1)``; ``dims`` 2, a ``side x side`` grid on ``[0, 1)^2``, which
needs ``n = side^2``); ``periodic: true`` measures distances on the unit ring / torus.
``d`` is the Euclidean distance; ``sigma`` is in the units of the positions.

The draw is a pure function of ``(spec, shape, seed)`` (NumPy's PCG64): :func:`draw` returns the
connections in one of two forms, and :func:`as_mask` / :func:`as_edges` give either form of the
same draw, so a dense and an edges synapse built from the same spec and seed hold the same network.
NEST names: ``one_to_one``, ``all_to_all`` (``allow_autapses``), ``fixed_indegree`` (``indegree``),
``fixed_outdegree`` (``outdegree``), ``fixed_total_number`` (``N``), ``pairwise_bernoulli`` (``p``);
Brian2 writes ``connect(j='i')``, ``connect(condition='i != j')``, ``connect(p=...)``.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from typing import Any

import numpy as np

from contexts.params import ParameterError, ParameterTypeError, closest, describe, number

#: rule -> the keys it reads besides "rule" and "seed"
RULES: dict[str, tuple[str, ...]] = {
    "one_to_one": (),
    "all_to_all": ("autapses",),
    "fixed_in_degree": ("k", "autapses"),
    "fixed_out_degree": ("k", "autapses"),
    "fixed_total_number": ("n", "autapses"),
    "bernoulli": ("p", "autapses"),
    "distance": ("sigma", "p_max", "dims", "pre_positions", "post_positions", "periodic", "autapses"),
    "mask": ("mask",),
}
_COMMON = ("rule", "seed")
_REQUIRED = {"fixed_in_degree": ("k",), "fixed_out_degree": ("k",), "fixed_total_number": ("n",),
             "bernoulli": ("p",), "distance": ("sigma",), "mask": ("mask",)}


class ConnectivityError(ParameterError):
    """A connectivity spec that cannot be drawn (unknown rule, degree larger than the population, ...)."""


def _is_array(value: Any) -> bool:
    return isinstance(value, np.ndarray) or hasattr(value, "__jax_array__") or type(value).__name__ == "ArrayImpl"


def _array(value: Any, where: str, what: str) -> np.ndarray:
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise ParameterTypeError(f"{where} must be {what}, got {describe(value)}") from None
    if not np.all(np.isfinite(arr)):
        raise ConnectivityError(f"{where} must hold finite numbers")
    return arr


def check_mask(value: Any, where: str, shape: tuple | None = None) -> np.ndarray:
    """A 0/1 (or boolean) ``(n_in, n_out)`` array as a bool array; a named error otherwise."""
    arr = _array(value, where, "a 0/1 array of shape (n_in, n_out)")
    if arr.ndim != 2 or not np.all((arr == 0) | (arr == 1)):
        raise ConnectivityError(f"{where} must be a 2-D array of 0s and 1s (n_in, n_out), got {describe(value)}"
                                + ("" if arr.ndim != 2 else " with values other than 0 and 1"))
    if shape is not None and arr.shape != tuple(shape):
        raise ConnectivityError(f"{where} must have the synapse's shape {tuple(shape)} (n_in, n_out), "
                                f"got shape {arr.shape}")
    return arr.astype(bool)


def _positions(value: Any, where: str, n: int) -> np.ndarray:
    arr = _array(value, where, f"positions of shape ({n},) or ({n}, d), d = 1 or 2")
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2 or arr.shape[0] != n or arr.shape[1] not in (1, 2):
        raise ConnectivityError(f"{where} must have shape ({n},) or ({n}, d) with d = 1 or 2, got {arr.shape}")
    return arr


def check_rule(spec: Any, where: str = "connectivity", shape: tuple | None = None) -> dict:
    """Validate a connectivity spec; returns it normalised (a name becomes ``{"rule": name}``, arrays
    numpy arrays). With ``shape`` (``(n_in, n_out)``) sizes are checked too (degrees, masks, positions)."""
    example = "{'rule': 'fixed_in_degree', 'k': 10}, 'one_to_one' or {'rule': 'bernoulli', 'p': 0.1}"
    if isinstance(spec, str):
        spec = {"rule": spec}
    if not isinstance(spec, dict):
        raise ParameterTypeError(f"{where} must be a rule such as {example}; got {describe(spec)}")
    rule = spec.get("rule")
    if rule not in RULES:
        raise ConnectivityError(f"{where}: unknown rule {rule!r}.{closest(str(rule), RULES)} "
                                f"Use one of {', '.join(RULES)}")
    keys = _COMMON + RULES[rule]
    for k in spec:
        if k not in keys:
            raise ConnectivityError(f"{where}: rule {rule!r} takes no key {k!r}.{closest(str(k), keys)} "
                                    f"Its keys: {', '.join(keys)}")
    for k in _REQUIRED.get(rule, ()):
        if k not in spec:
            raise ConnectivityError(f"{where}: rule {rule!r} needs {k!r}, e.g. "
                                    f"{ {'k': 10, 'n': 1000, 'p': 0.1, 'sigma': 0.1, 'mask': 'an array'}[k]!r}")
    out: dict[str, Any] = {"rule": rule}
    for k, v in spec.items():
        w = f"{where}.{k}"
        if k == "rule":
            continue
        if k in ("autapses", "periodic"):
            if not isinstance(v, (bool, np.bool_)):
                raise ParameterTypeError(f"{w} must be true or false, got {describe(v)}")
            out[k] = bool(v)
        elif k in ("k", "n", "seed", "dims"):
            out[k] = number(v, w, integer=True)
            if k == "seed" and out[k] < 0:
                raise ConnectivityError(f"{w} must be >= 0, got {out[k]}")
            if k in ("k", "n") and out[k] < 0:
                raise ConnectivityError(f"{w} must be >= 0 (a number of connections), got {out[k]}")
            if k == "dims" and out[k] not in (1, 2):
                raise ConnectivityError(f"{w} must be 1 or 2 (neurons on a line or a plane), got {out[k]}")
        elif k in ("p", "p_max"):
            out[k] = number(v, w)
            if not 0.0 <= out[k] <= 1.0:
                raise ConnectivityError(f"{w} must be a probability in [0, 1], got {out[k]}")
        elif k == "sigma":
            out[k] = number(v, w)
            if out[k] <= 0:
                raise ConnectivityError(f"{w} must be > 0 (the width of the Gaussian), got {out[k]}")
        elif k == "mask":
            out[k] = check_mask(v, w, shape)
        elif k in ("pre_positions", "post_positions"):
            out[k] = _array(v, w, "an array of positions")
    if shape is not None:
        _check_sizes(out, where, tuple(int(d) for d in shape))
    return out


def _check_sizes(spec: dict, where: str, shape: tuple) -> None:
    n_in, n_out = shape
    rule = spec["rule"]
    if (rule == "one_to_one" or not spec.get("autapses", True)) and n_in != n_out:
        what = "one_to_one" if rule == "one_to_one" else "autapses: false"
        raise ConnectivityError(f"{where}: {what} needs a square projection (a population onto itself or "
                                f"one of the same size), got shape {shape}")
    pool_in = n_in - (0 if spec.get("autapses", True) else 1)
    pool_out = n_out - (0 if spec.get("autapses", True) else 1)
    if rule == "fixed_in_degree" and spec["k"] > pool_in:
        raise ConnectivityError(f"{where}: k = {spec['k']} presynaptic partners per neuron, but only {pool_in} "
                                f"exist (n_in = {n_in}{'' if pool_in == n_in else ', no autapses'})")
    if rule == "fixed_out_degree" and spec["k"] > pool_out:
        raise ConnectivityError(f"{where}: k = {spec['k']} postsynaptic partners per neuron, but only {pool_out} "
                                f"exist (n_out = {n_out}{'' if pool_out == n_out else ', no autapses'})")
    if rule == "fixed_total_number" and spec["n"] > n_in * pool_out:
        raise ConnectivityError(f"{where}: n = {spec['n']} connections, but only {n_in * pool_out} distinct "
                                f"pairs exist")
    if rule == "distance":
        for side, n in (("pre_positions", n_in), ("post_positions", n_out)):
            if side in spec:
                spec[side] = _positions(spec[side], f"{where}.{side}", n)
            elif spec.get("dims", 1) == 2 and round(n ** 0.5) ** 2 != n:
                raise ConnectivityError(f"{where}: dims 2 places neurons on a square grid, which needs n = side^2; "
                                        f"{n} is not a square: give {side} explicitly")
        if "pre_positions" in spec and "post_positions" in spec and \
                spec["pre_positions"].shape[1] != spec["post_positions"].shape[1]:
            raise ConnectivityError(f"{where}: pre_positions and post_positions must have the same dimension d")


def grid_positions(n: int, dims: int = 1) -> np.ndarray:
    """Default positions: ``i / n`` on ``[0, 1)`` (dims 1), or a ``side x side`` grid on ``[0, 1)^2``
    with neuron ``i`` at ``(i // side, i % side) / side`` (dims 2)."""
    if dims == 1:
        return (np.arange(n) / n)[:, None]
    side = int(round(n ** 0.5))
    i = np.arange(n)
    return np.stack([i // side, i % side], axis=1) / side


def seed_for(seed: int, name: str) -> int:
    """The seed of a synapse's draw: its own ``seed`` if given, else the Context's mixed with its name
    (two synapses in one model get independent networks)."""
    return (int(seed) * 1_000_003 + zlib.crc32(name.encode())) % (2**63)


@dataclass(frozen=True)
class Connections:
    """One draw: ``pre_index (k, n_out)`` for rules with a fixed in-degree (every slot used), else a
    boolean ``mask (n_in, n_out)``."""

    shape: tuple
    pre_index: np.ndarray | None = None
    mask: np.ndarray | None = None


def _choose(rng: np.random.Generator, n: int, k: int, skip: int | None) -> np.ndarray:
    """``k`` distinct integers of ``range(n)`` (without ``skip``), sorted."""
    if skip is None:
        return np.sort(rng.choice(n, k, replace=False))
    pick = rng.choice(n - 1, k, replace=False)
    return np.sort(pick + (pick >= skip))


def draw(spec: Any, shape: tuple, seed: int) -> Connections:
    """The connections of ``spec`` for an ``(n_in, n_out)`` projection, drawn from ``seed``."""
    spec = check_rule(spec, "connectivity", shape)
    n_in, n_out = (int(d) for d in shape)
    rule, autapses = spec["rule"], spec.get("autapses", True)
    rng = np.random.default_rng(int(spec.get("seed", seed)))
    if rule == "one_to_one":
        return Connections((n_in, n_out), pre_index=np.arange(n_out, dtype=np.int32)[None, :])
    if rule == "all_to_all":
        if autapses:
            return Connections((n_in, n_out), pre_index=np.repeat(np.arange(n_in, dtype=np.int32)[:, None], n_out, 1))
        slots = np.arange(n_in - 1)[:, None]
        post = np.arange(n_out)[None, :]
        return Connections((n_in, n_out), pre_index=(slots + (slots >= post)).astype(np.int32))
    if rule == "fixed_in_degree":
        k = spec["k"]
        idx = np.stack([_choose(rng, n_in, k, None if autapses else j) for j in range(n_out)], axis=1)
        return Connections((n_in, n_out), pre_index=idx.reshape(k, n_out).astype(np.int32))
    mask = np.zeros((n_in, n_out), bool)
    if rule == "fixed_out_degree":
        k = spec["k"]
        for i in range(n_in):
            mask[i, _choose(rng, n_out, k, None if autapses else i)] = True
    elif rule == "fixed_total_number":
        pool = n_out if autapses else n_out - 1
        flat = rng.choice(n_in * pool, spec["n"], replace=False)
        i, j = flat // pool, flat % pool
        if not autapses:
            j = j + (j >= i)
        mask[i, j] = True
    elif rule == "bernoulli":
        mask = _bernoulli_rows(rng, (n_in, n_out), lambda rows: spec["p"])
    elif rule == "distance":
        p_of = distance_rows(spec, (n_in, n_out))
        mask = _bernoulli_rows(rng, (n_in, n_out), p_of)
    else:  # mask
        mask = spec["mask"].copy()
    if not autapses:
        np.fill_diagonal(mask, False)
    return Connections((n_in, n_out), mask=mask)


#: uniforms drawn at a time by the Bernoulli rules (16 MiB of float32), whatever the projection's size
DRAW_BLOCK = 1 << 22


def _bernoulli_rows(rng: np.random.Generator, shape: tuple, p_of: Any) -> np.ndarray:
    """``rng.random(shape, float32) < p`` drawn a block of rows at a time (``p_of(rows)``, a scalar or
    the block's probabilities): the same numbers as one draw (the generator's stream runs on), with
    no ``n_in x n_out`` float array held."""
    n_in, n_out = shape
    mask = np.empty((n_in, n_out), bool)
    step = max(1, DRAW_BLOCK // max(n_out, 1))
    for start in range(0, n_in, step):
        rows = slice(start, min(start + step, n_in))
        mask[rows] = rng.random((rows.stop - start, n_out), dtype=np.float32) < p_of(rows)
    return mask


def distance_rows(spec: dict, shape: tuple) -> Any:
    """``p_of(rows)``: ``p_max exp(-d^2 / (2 sigma^2))`` for the pairs of those pre neurons of a
    ``distance`` spec, ``(len(rows), n_out)``."""
    n_in, n_out = shape
    dims = spec.get("dims", 1)
    pre = spec["pre_positions"] if "pre_positions" in spec else grid_positions(n_in, dims)
    post = spec["post_positions"] if "post_positions" in spec else grid_positions(n_out, dims)

    def p_of(rows: slice) -> np.ndarray:
        diff = np.abs(pre[rows, None, :] - post[None, :, :])
        if spec.get("periodic", False):
            diff = np.minimum(diff, 1.0 - diff)
        d2 = np.sum(diff ** 2, axis=-1)
        return spec.get("p_max", 1.0) * np.exp(-d2 / (2.0 * spec["sigma"] ** 2))

    return p_of


def distance_probability(spec: dict, shape: tuple) -> np.ndarray:
    """``p_max exp(-d^2 / (2 sigma^2))`` for every pair of a ``distance`` spec: ``(n_in, n_out)``."""
    return distance_rows(spec, shape)(slice(0, shape[0]))


def as_mask(conn: Connections) -> np.ndarray:
    """The draw as a boolean ``(n_in, n_out)`` mask."""
    if conn.mask is not None:
        return conn.mask
    mask = np.zeros(conn.shape, bool)
    mask[conn.pre_index, np.broadcast_to(np.arange(conn.shape[1]), conn.pre_index.shape)] = True
    return mask


def as_edges(conn: Connections) -> tuple[np.ndarray, np.ndarray]:
    """The draw as ``(pre_index, valid)``, both ``(k, n_out)``: post neuron ``j``'s presynaptic
    partners in ascending order in ``pre_index[:, j]``, ``k`` the largest in-degree; a post neuron
    with fewer partners has its last slots marked ``valid == False`` (they repeat a real partner, or
    0, and carry weight 0)."""
    if conn.pre_index is not None:
        return conn.pre_index, np.ones(conn.pre_index.shape, bool)
    mask = conn.mask
    n_in, n_out = mask.shape
    degree = mask.sum(axis=0)
    k = max(int(degree.max()) if n_out else 0, 1)
    # rows of each column sorted so that present connections come first, in ascending pre order
    order = np.argsort(~mask, axis=0, kind="stable")[:k]
    valid = np.arange(k)[:, None] < degree[None, :]
    last = np.where(degree > 0, order[np.maximum(degree - 1, 0), np.arange(n_out)], 0)
    pre_index = np.where(valid, order, last[None, :]).astype(np.int32)
    return pre_index, valid


def in_degrees(conn: Connections) -> np.ndarray:
    """Presynaptic partners of each post neuron, ``(n_out,)``."""
    return as_mask(conn).sum(axis=0)


def out_degrees(conn: Connections) -> np.ndarray:
    """Postsynaptic partners of each pre neuron, ``(n_in,)``."""
    return as_mask(conn).sum(axis=1)
