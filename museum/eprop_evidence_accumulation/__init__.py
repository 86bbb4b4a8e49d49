"""e-prop learns evidence accumulation (Bellec et al. 2020, Nat. Commun. 11:3625, Fig. 3; NEST tutorial
``eprop_supervised_classification_evidence-accumulation_bsshslm_2020``).

The network is ``model.yaml`` (built from EpropSynapse, EpropALIFCell, EpropReadoutCell and
LearningSignalConnection); the task is :mod:`.task`. One training iteration, compiled as one function:
draw a fresh batch from a PRNG key -> ``reset`` -> ``T`` steps of ``advance`` + ``accumulate`` (one
scan) -> ``evolve`` (one step of NEST's Adam on the batch-mean gradient). ``Trainer.train(n)`` scans ``n``
iterations in one compiled call.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jax
import jax.numpy as jnp

from .task import QUICK, Batch, TaskConfig, make_batch

HERE = Path(__file__).resolve().parent
MODEL = HERE / "model.yaml"
PLASTIC = ("W_in", "W_rec", "W_out")
INPUTS = ("W_in.inputs", "out.target", "out.mask")

__all__ = ["MODEL", "PLASTIC", "QUICK", "TaskConfig", "Trainer", "build", "make_batch", "step_inputs"]


def build(seed: int = 0, batch_size: int = 32, dtype: str = "float32", cfg: TaskConfig = TaskConfig(),
          overrides: dict | None = None) -> Any:
    """The network of ``model.yaml`` as a Context; the loss and gradient divisors follow ``cfg.recall``."""
    from contexts import load_model

    window = {f"{c}.grad_divisor": float(cfg.recall) for c in PLASTIC} | {"out.loss_norm": float(cfg.recall)}
    return load_model(MODEL, overrides={"seed": seed, "batch_size": batch_size, "dtype": dtype, **window,
                                        **(overrides or {})})


def step_inputs(batch: Any, cfg: TaskConfig, n_out: int = 2, dtype: Any = jnp.float32) -> dict:
    """Per-step data for ``ctx.run``/``compile_run``: input spikes, one-hot targets, recall mask."""
    T, nb = cfg.steps, batch.labels.shape[0]
    target = jnp.broadcast_to(jax.nn.one_hot(batch.labels, n_out, dtype=dtype)[None], (T, nb, n_out))
    return {"W_in.inputs": batch.x.astype(dtype), "out.target": target,
            "out.mask": cfg.recall_mask().astype(dtype)[:, None]}


class Trainer:
    """Compiled e-prop training on fresh batches of the evidence-accumulation task.

    ``iteration(state, key)`` -> ``(state, metrics)`` with metrics ``loss`` (batch-mean cross-entropy
    per recall step), ``accuracy`` (argmax of the readout's softmax averaged over the recall window),
    ``rate_hz`` (mean recurrent rate) — all measured on the batch *before* its update.
    """

    def __init__(self, ctx: Any, cfg: TaskConfig = TaskConfig()):
        self.ctx, self.cfg = ctx, cfg
        self.dtype = jnp.dtype(ctx.dtype)
        self._seq = ctx.compile_run(["advance", "accumulate"], cfg.steps, ("out.pred", "out.loss"), INPUTS)
        self._evolve = ctx.compile_run(["evolve"], 1)
        self._reset = ctx.compile_run(["reset"], 1)
        self._train: dict = {}

    def sequence(self, state: dict, key: jax.Array, record: tuple = ()) -> tuple:
        """Reset, then run one batch of sequences (no update); returns (state, metrics, records)."""
        return self.sequence_on(state, make_batch(key, self.ctx.batch_size, self.cfg, self.dtype), record)

    def sequence_on(self, state: dict, batch: Any, record: tuple = ()) -> tuple:
        """:meth:`sequence` on a given batch (anything with ``x`` (T, batch, n_in) and ``labels`` (batch,))."""
        fn = self._seq if not record else self.ctx.compile_run(
            ["advance", "accumulate"], self.cfg.steps, ("out.pred", "out.loss") + tuple(record), INPUTS)
        state, _, _ = self._reset(state, {})
        state, recs, _ = fn(state, step_inputs(batch, self.cfg, dtype=self.dtype))
        mask = self.cfg.recall_mask().astype(self.dtype)
        pi_mean = jnp.tensordot(mask, recs["out.pred"], axes=(0, 0)) / jnp.sum(mask)     # (batch, n_out)
        n_spikes = state["values"]["W_in"]["n_spikes"]                                   # (batch, n_rec)
        metrics = {"loss": jnp.mean(jnp.sum(recs["out.loss"], axis=0)),
                   "accuracy": jnp.mean((jnp.argmax(pi_mean, -1) == batch.labels).astype(self.dtype)),
                   "rate_hz": jnp.mean(n_spikes) / self.cfg.steps * 1000.0 / self.ctx.dt}
        recs = {**recs, "labels": batch.labels, "x": batch.x}
        return state, metrics, recs

    def iteration(self, state: dict, key: jax.Array) -> tuple:
        state, metrics, _ = self.sequence(state, key)
        state, _, _ = self._evolve(state, {})
        return state, metrics

    def train_on(self, xs: Any, labels: Any) -> dict:
        """One iteration per given batch: ``xs`` (n, T, batch, n_in) input spikes, ``labels`` (n, batch);
        updates the Context's state and returns the metrics, each of shape (n,) (e.g. to replay NEST's
        own sequences, ``tests/references/nest/``)."""
        def body(state: dict, data: tuple) -> tuple:
            x, lab = data
            state, metrics, _ = self.sequence_on(state, Batch(x, lab, None, None))
            state, _, _ = self._evolve(state, {})
            return state, metrics

        state, metrics = jax.jit(lambda s, d: jax.lax.scan(body, s, d))(
            self.ctx.state, (jnp.asarray(xs, self.dtype), jnp.asarray(labels, jnp.int32)))
        self.ctx.state = state
        return {k: jax.device_get(v) for k, v in metrics.items()}

    def _compiled(self, n: int) -> Any:
        if n not in self._train:
            def run(state: dict, keys: jax.Array) -> tuple:
                return jax.lax.scan(self.iteration, state, keys)

            self._train[n] = jax.jit(run)
        return self._train[n]

    def train(self, n: int, key: jax.Array) -> dict:
        """``n`` iterations (one fresh batch each, keys split from ``key``) from the Context's state,
        which is updated; returns the metrics, each of shape (n,)."""
        keys = jax.random.split(key, n)
        state, metrics = self._compiled(n)(self.ctx.state, keys)
        self.ctx.state = state
        return {k: jax.device_get(v) for k, v in metrics.items()}
