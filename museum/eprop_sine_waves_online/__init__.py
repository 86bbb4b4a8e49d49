"""e-prop learns to generate a sine-wave pattern online, with NEST's newer e-prop models
(Bellec et al. 2020, Nat. Commun. 11:3625, Fig. 2; NEST tutorial ``eprop_supervised_regression_sine-waves``,
``eprop_iaf`` + ``eprop_readout`` + ``eprop_synapse``).

The network is ``model.yaml``. Unlike ``museum.eprop_sine_waves`` nothing is reset between sequences
and there is no separate update command: the 1000-step sequence is fed again and again, and every
synapse takes its gradient step within ``advance`` + ``accumulate``, every time step.
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
NEST_LOSSES = HERE / "nest_losses.json"
T_SEQ = 1000
N_IN = N_REC = 100


def build(seed: int = 0, dtype: str = "float32", overrides: dict | None = None) -> Any:
    """The network of ``model.yaml`` as a Context (batch 1)."""
    from contexts import load_model

    return load_model(MODEL, overrides={"seed": seed, "dtype": dtype, **(overrides or {})})


def make_task(seed: int = 0, T: int = T_SEQ, n_in: int = N_IN, p: float = 0.05) -> tuple[np.ndarray, np.ndarray]:
    """Frozen Poisson input ``x`` (T, n_in), spike probability ``p`` per step, and the target ``y*`` (T, 1):
    four sines (periods 1000, 500, 333, 200 ms; amplitudes U(0.5, 2); phases U(0, 2 pi)), shifted to
    ``y*_0 = 0`` and scaled to ``max |y*| = 1``."""
    rng = np.random.default_rng(seed)
    x = (rng.random((T, n_in)) < p).astype(np.float64)
    t = np.arange(T, dtype=np.float64)
    amps = rng.uniform(0.5, 2.0, 4)
    phases = rng.uniform(0.0, 2 * np.pi, 4)
    y = sum(a * np.sin(2 * np.pi * t / per + ph) for a, per, ph in zip(amps, (1000.0, 500.0, 333.0, 200.0), phases))
    y = y - y[0]
    y = y / np.max(np.abs(y))
    return x, y[:, None]


def load_init(ctx: Any, path: str | Path = NEST_INIT) -> tuple[np.ndarray, np.ndarray]:
    """Set NEST's initial weights (``W_in``, ``W_rec``, ``W_out`` stored [pre, post]; ``B`` [n_rec, n_out])
    from ``path`` and return NEST's frozen input ``x`` (T, 100) and target ``y_star`` (T, 1)."""
    data = np.load(path)
    for name in ("W_in", "W_rec", "W_out"):
        ctx.clamp(f"{name}.weights", np.asarray(data[name], np.float64))
    ctx.clamp("B.weights", np.asarray(data["B"], np.float64).T)  # ours is [pre = out, post = rec]
    return np.asarray(data["x"], np.float64), np.asarray(data["y_star"], np.float64).reshape(-1, 1)


class Trainer:
    """Online e-prop on one frozen (x, y*) pair, compiled.

    ``train(n)`` runs ``n`` more iterations (sequences) in one compiled call, continuing from the
    Context's state, and returns the loss of each (``0.5 * sum_t (y - y*)^2``, NEST's definition).
    The compartments in ``record`` are kept for the first and the last sequence of each call
    (``records_first``, ``records_last``).
    """

    def __init__(self, ctx: Any, x: np.ndarray, y: np.ndarray, record: tuple = ()):
        self.ctx = ctx
        dtype = jnp.dtype(ctx.dtype)
        self.T = int(x.shape[0])
        self.xs = {"W_in.inputs": jnp.asarray(x, dtype), "out.target": jnp.asarray(y, dtype)}
        self.record = tuple(record)
        self._seq = ctx.compile_run(["advance", "accumulate"], self.T, ("out.loss",) + self.record, tuple(self.xs))
        self._train: dict = {}
        self.records_first: dict = {}
        self.records_last: dict = {}

    def sequence(self, state: dict) -> tuple:
        """One sequence, learning as it goes: ``(state, loss per sample, records)``."""
        state, recs, _ = self._seq(state, self.xs)
        return state, jnp.sum(recs.pop("out.loss"), axis=0), recs

    def _compiled(self, n: int) -> Any:
        if n not in self._train:
            self._train[n] = compile_iterations(self.sequence, n)
        return self._train[n]

    def train(self, n: int) -> np.ndarray:
        """``n`` iterations from the Context's state (which is then updated); returns losses (n,)."""
        state, losses, self.records_first, self.records_last = self._compiled(n)(self.ctx.state)
        self.ctx.state = state
        return np.asarray(losses)[:, 0]
