"""The COBA and CUBA networks of Vogels & Abbott (2005) / Brette et al. (2007), built from the
exhibit's YAML models (``model.yaml``: COBA, ``cuba.yaml``: CUBA) at any size.

    from museum.coba_cuba.network import build_network
    ctx = build_network("coba", n=4000, p=0.02, dt=0.1, seed=0)
    rec = ctx.run("advance", steps=10_000, record=["E.s", "I.s"])
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
FILES = {"coba": "model.yaml", "cuba": "cuba.yaml"}
E_FRACTION = 0.8


def sizes(n: int) -> tuple[int, int]:
    """``(n_e, n_i)``: 80 % excitatory, 20 % inhibitory."""
    n_e = int(round(E_FRACTION * n))
    return n_e, n - n_e


PROJECTIONS = {"EE": ("E", "E"), "EI": ("E", "I"), "IE": ("I", "E"), "II": ("I", "I")}
CONNECTIVITY = ("bernoulli", "fixed_indegree")


def rule(n_pre: int, p: float, connectivity: str) -> dict:
    """The connectivity rule of one projection: each pair with probability ``p`` (Brian2's
    ``connect(p=...)``, NEST's ``pairwise_bernoulli``) or exactly ``round(p n_pre)`` inputs per neuron."""
    if p >= 1.0:
        return {"rule": "all_to_all"}
    if connectivity == "fixed_indegree":
        return {"rule": "fixed_in_degree", "k": max(1, int(round(p * n_pre)))}
    return {"rule": "bernoulli", "p": p}


def overrides(kind: str, n: int, p: float, dt: float, seed: int, connectivity: str = "bernoulli") -> dict:
    """The YAML overrides that resize the model to ``n`` neurons with connection probability ``p``."""
    n_e, n_i = sizes(n)
    size = {"E": n_e, "I": n_i}
    out: dict[str, Any] = {"dt": dt, "seed": seed, "E.n_units": n_e, "I.n_units": n_i}
    for name, (pre, post) in PROJECTIONS.items():
        out[f"{name}.shape"] = [size[pre], size[post]]
        out[f"{name}.connectivity"] = rule(size[pre], p, connectivity)
        if p >= 1.0:
            out[f"{name}.layout"] = "dense"
    return out


def initial_v(kind: str, n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Random initial potentials (mV) of E and I: COBA ``N(-55, 5)`` (Brian2's and BrainPy's benchmark
    scripts), CUBA uniform between reset (-60) and threshold (-50) (Brian2's CUBA example)."""
    rng = np.random.default_rng(seed)
    v = rng.normal(-55.0, 5.0, n) if kind == "coba" else rng.uniform(-60.0, -50.0, n)
    n_e, _ = sizes(n)
    return v[:n_e].astype(np.float32), v[n_e:].astype(np.float32)


def build_network(kind: str = "coba", n: int = 4000, p: float = 0.02, dt: float = 0.1, seed: int = 0,
                  connectivity: str = "bernoulli", extra: dict | None = None) -> Any:
    """The Context of the COBA or CUBA network with ``n`` neurons (80 % E), connection probability ``p``,
    step ``dt`` (ms), seeded by ``seed`` (connections and initial potentials). One command,
    ``advance``; spikes in ``E.s`` and ``I.s``.

    ``connectivity``: ``"bernoulli"`` (each pair connected with probability ``p``, as in Brian2's and
    BrainPy's scripts; stored as out-edges, as many slots per neuron as the largest out-degree, the
    unused ones at weight 0) or ``"fixed_indegree"`` (exactly ``round(p n_pre)`` inputs per neuron).
    Connections are drawn from the Context's seed (``seed``). The initial
    potentials and, for COBA, the constant drive ``I = 20 mV`` are set on the returned Context
    (``ctx.reset()`` puts v back to rest: call :func:`prepare` after a reset). ``extra``: more YAML
    overrides."""
    from contexts import load_model

    if kind not in FILES:
        raise ValueError(f"kind must be 'coba' or 'cuba', got {kind!r}")
    if connectivity not in CONNECTIVITY:
        raise ValueError(f"connectivity must be one of {CONNECTIVITY}, got {connectivity!r}")
    ctx = load_model(HERE / FILES[kind], overrides={**overrides(kind, n, p, dt, seed, connectivity),
                                                     **(extra or {})})
    prepare(ctx, kind, seed)
    return ctx


def prepare(ctx: Any, kind: str, seed: int = 0) -> None:
    """Set the random initial potentials (and COBA's constant drive) on a freshly built or reset Context."""
    n = ctx.components["E"].n_units + ctx.components["I"].n_units
    v_e, v_i = initial_v(kind, n, seed)
    ctx.clamp("E.v", v_e)
    ctx.clamp("I.v", v_i)
    if kind == "coba":
        ctx.clamp("E.j", 20.0)
        ctx.clamp("I.j", 20.0)
