"""Sparse e-prop on a Brunel-type E/I network (the sine-wave task of :mod:`museum.eprop_sine_waves`).

``N`` recurrent LIF neurons, 80% excitatory, each receiving ``k`` recurrent synapses (fixed in-degree,
no autapses), learn with e-prop to draw a sum of four sines. The recurrent projection keeps its traces
for the existing synapses only (``layout="edges"``) and Dale's law through learning (``dale=True``).
The network is ``model.yaml``; :func:`build` resizes it, scales the inhibitory weights by ``g`` and
can build the dense form of the same network (``layout="dense"``: the connectivity as a mask);
the task and the compiled training loop are the sine-wave exhibit's (``make_task``, ``Trainer``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jax
import numpy as np

from museum.eprop_sine_waves import Trainer, make_task

HERE = Path(__file__).resolve().parent
MODEL = HERE / "model.yaml"
N_IN = 100
EXC_FRACTION = 0.8

__all__ = ["Trainer", "build", "make_task", "recurrent_weights", "sign_check", "state_bytes"]


def build(n: int = 1000, k: int = 100, g: float = 4.0, layout: str = "edges", seed: int = 0,
          dtype: str = "float32", overrides: dict | None = None) -> Any:
    """The network of ``model.yaml`` with ``n`` recurrent neurons (``0.8 n`` excitatory) and in-degree
    ``k``, as a Context; the inhibitory weights are multiplied by ``g``. ``layout="dense"`` builds the
    same network (same connectivity draw, same weights) with traces for all ``n x n`` pairs."""
    from contexts import load_model

    sizes = {"W_in.shape": [N_IN, n], "W_rec.shape": [n, n], "W_rec.n_exc": int(round(EXC_FRACTION * n)),
             "W_rec.connectivity": {"rule": "fixed_in_degree", "k": k, "autapses": False},
             "W_rec.weight_init": {"dist": "gaussian", "sigma": 1.0 / np.sqrt(k)},
             "W_rec.layout": layout, "rec.n_units": n, "W_out.shape": [n, 1], "B.shape": [1, n],
             "B.weight_init": {"dist": "gaussian", "sigma": 1.0 / np.sqrt(n)}}
    ctx = load_model(MODEL, overrides={"seed": seed, "dtype": dtype, **sizes, **(overrides or {})})
    n_exc = ctx.components["W_rec"].n_exc
    w = np.asarray(ctx.get("W_rec.weights"))
    inhibitory = pre_neurons(ctx) >= n_exc
    ctx.clamp("W_rec.weights", np.where(inhibitory, g * w, w))
    return ctx


def pre_neurons(ctx: Any) -> np.ndarray:
    """The presynaptic neuron of each entry of ``W_rec.weights``: ``pre_index`` (k, n) in the edges
    layout, the row index (n, n) in the dense one."""
    comp = ctx.components["W_rec"]
    if comp.layout == "edges":
        return np.asarray(ctx.get("W_rec.pre_index"))
    return np.broadcast_to(np.arange(comp.shape[0])[:, None], comp.shape)


def recurrent_weights(ctx: Any) -> np.ndarray:
    """The recurrent weights as an (n, n) matrix [pre, post] (0 where there is no synapse)."""
    comp = ctx.components["W_rec"]
    if comp.layout == "edges":
        return np.asarray(comp.dense_weights())
    return np.asarray(ctx.get("W_rec.weights"))


def sign_check(ctx: Any, w_before: np.ndarray) -> dict:
    """Dale's law on ``W_rec``: ``sign_flips`` (synapses whose weight has the other sign than at the
    start, or than its presynaptic neuron's type), ``wrong_sign`` (weights against their neuron's type),
    ``pinned_at_zero`` (the fraction of existing synapses held at 0 by the constraint)."""
    comp = ctx.components["W_rec"]
    w = np.asarray(ctx.get("W_rec.weights"))
    exc = pre_neurons(ctx) < comp.n_exc
    exists = np.asarray(ctx.get("W_rec.mask")).astype(bool) if "mask" in ctx.state["values"]["W_rec"] \
        else np.ones(w.shape, bool)
    wrong = exists & ((exc & (w < 0)) | (~exc & (w > 0)))
    flips = exists & (np.sign(w) * np.sign(w_before) < 0)
    return {"sign_flips": int(flips.sum()), "wrong_sign": int(wrong.sum()),
            "pinned_at_zero": float((exists & (w == 0)).sum() / exists.sum()),
            "synapses": int(exists.sum()), "excitatory_synapses": int((exists & exc).sum())}


def state_bytes(ctx: Any, name: str = "W_rec") -> int:
    """Bytes of every compartment of ``name`` in the Context's state (weights, connectivity, traces,
    gradient, optimiser state)."""
    return int(sum(np.asarray(v).nbytes for v in jax.tree_util.tree_leaves(ctx.state["values"][name])))
