"""e-prop learns to generate a sine-wave pattern (Bellec et al. 2020, Nat. Commun. 11:3625, Fig. 2;
NEST tutorial ``eprop_supervised_regression_sine-waves_bsshslm_2020``).

The network is ``model.yaml``; this module builds it, makes the task and trains it with one compiled
function per iteration: ``reset`` -> ``T`` steps of ``advance`` + ``accumulate`` (one scan) -> ``evolve``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jax.numpy as jnp
import numpy as np

from museum._common import compile_iterations

HERE = Path(__file__).resolve().parent
MODEL = HERE / "model.yaml"
NEST_INIT = HERE / "nest_init.npz"
T_SEQ = 1000
N_IN = N_REC = 100
PLASTIC = ("W_in", "W_rec", "W_out")


def build(seed: int = 0, batch_size: int = 1, dtype: str = "float32", overrides: dict | None = None) -> Any:
    """The network of ``model.yaml`` as a Context."""
    from contexts import load_model

    return load_model(MODEL, overrides={"seed": seed, "batch_size": batch_size, "dtype": dtype,
                                        **(overrides or {})})


def make_task(seed: int = 0, T: int = T_SEQ, n_in: int = N_IN, p: float = 0.05) -> tuple[np.ndarray, np.ndarray]:
    """Frozen Poisson input ``x`` (T, n_in) with rate p per step (none in step 0) and the target
    ``y*`` (T, 1): 4 sines (periods 1000, 500, 333, 200 ms; amplitudes U(0.5, 2); phases U(0, 2 pi)),
    shifted to ``y*_0 = 0`` and scaled to ``max |y*| = 1``."""
    rng = np.random.default_rng(seed)
    x = (rng.random((T, n_in)) < p).astype(np.float64)
    x[0] = 0.0
    t = np.arange(T, dtype=np.float64)
    amps = rng.uniform(0.5, 2.0, 4)
    phases = rng.uniform(0.0, 2 * np.pi, 4)
    y = sum(a * np.sin(2 * np.pi * t / per + ph) for a, per, ph in zip(amps, (1000.0, 500.0, 333.0, 200.0), phases))
    y = y - y[0]
    y = y / np.max(np.abs(y))
    return x, y[:, None]


def load_init(ctx: Any, path: str | Path) -> tuple[np.ndarray, np.ndarray]:
    """Set NEST's initial weights (W_in, W_rec, W_out, B, stored [pre, post]) from ``path`` and return
    its frozen input ``x`` (T, 100) and target ``y_star`` (T, 1)."""
    data = np.load(path)
    for name in ("W_in", "W_rec", "W_out"):
        ctx.clamp(f"{name}.weights", data[name])
    ctx.clamp("B.weights", data["B"].T)  # NEST's B is [n_rec, n_out]; ours is [pre = out, post = rec]
    return np.asarray(data["x"]), np.asarray(data["y_star"])


class Trainer:
    """Compiled e-prop training of the sine-wave network on one frozen (x, y*) pair.

    ``iteration(state)`` -> ``(state, loss per sample, records)`` runs one sequence (the network is
    reset first) and then one weight update; ``train(n)`` scans ``n`` iterations in one compiled call.
    The compartments in ``record`` are kept for the first and the last iteration of each ``train``
    call (``records_first``, ``records_last``; recorded during the sequence, before its update).
    The input and target are broadcast over the batch (pass (T, batch, n) arrays for distinct ones).
    When ``W_in`` has ``late_signal`` (NEST's long-run timing, :class:`~components.synapses.eprop.EpropSynapse`),
    its ``next_inputs`` are the frozen input's step 1, the first step of the sequence that follows.
    """

    def __init__(self, ctx: Any, x: np.ndarray, y: np.ndarray, record: tuple = ()):
        self.ctx = ctx
        dtype = jnp.dtype(ctx.dtype)
        self.T = int(x.shape[0])
        self.xs = {"W_in.inputs": jnp.asarray(x, dtype), "out.target": jnp.asarray(y, dtype)}
        self.record = tuple(record)
        self._seq = ctx.compile_run(["advance", "accumulate"], self.T, ("out.loss",) + self.record,
                                    tuple(self.xs))
        self._next: dict = {}
        if getattr(ctx.components.get("W_in"), "late_signal", False):
            self._next = {"W_in.next_inputs": self.xs["W_in.inputs"][1][None]}
        self._evolve = ctx.compile_run(["evolve"], 1, (), tuple(self._next))
        self._reset = ctx.compile_run(["reset"], 1)
        self._train: dict = {}
        self.records_first: dict = {}
        self.records_last: dict = {}

    def iteration(self, state: dict) -> tuple:
        state, _, _ = self._reset(state, {})
        state, recs, _ = self._seq(state, self.xs)
        loss = jnp.sum(recs.pop("out.loss"), axis=0)
        state, _, _ = self._evolve(state, self._next)
        return state, loss, recs

    def _compiled(self, n: int) -> Any:
        if n not in self._train:
            self._train[n] = compile_iterations(self.iteration, n)
        return self._train[n]

    def train(self, n: int, state: dict | None = None) -> tuple[dict, np.ndarray]:
        """``n`` iterations from ``state`` (default: the Context's, which is then updated);
        returns (state, losses (n, batch))."""
        state = self.ctx.state if state is None else state
        state, losses, self.records_first, self.records_last = self._compiled(n)(state)
        self.ctx.state = state
        return state, np.asarray(losses)
