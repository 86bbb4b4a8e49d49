"""e-prop classifies event streams with NEST's newer e-prop models (Bellec et al. 2020, Nat. Commun.
11:3625; NEST tutorial ``eprop_supervised_classification_neuromorphic_mnist``: ``eprop_iaf`` +
``eprop_readout`` + ``eprop_synapse``), on scikit-learn's 8 x 8 digits made into ON/OFF events by
simulated saccades (:mod:`museum.eprop_nmnist_digits.events`), a small stand-in for N-MNIST.

The network is ``model.yaml``. Samples follow each other without any reset; during training every
synapse takes its gradient step every time step (``advance`` + ``accumulate``), with the readouts'
error switched on only in the last ``WINDOW`` steps of each sample. Testing runs ``advance`` alone
(no learning). A sample's class is the readout with the largest mean over that window.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

HERE = Path(__file__).resolve().parent
MODEL = HERE / "model.yaml"
N_CLASSES = 10
WINDOW = 10  # steps at the end of each sample in which the error (and the learning signal) is non-zero
INPUTS = ("W_in.inputs", "out.target", "out.window")


DENSITY = {"W_in": 0.25, "W_rec": 0.01}  # NEST's tutorial: 75 % and 99 % of the connections removed


def build(seed: int = 0, dtype: str = "float32", overrides: dict | None = None,
          density: dict | None = None) -> Any:
    """The network of ``model.yaml`` as a Context (batch 1), with the connections of ``W_in`` and ``W_rec``
    thinned to ``density`` (default :data:`DENSITY`): each one kept with that probability (drawn from
    ``seed``), the others set to 0 and kept at 0 by the synapse's mask."""
    from contexts import load_model

    ctx = load_model(MODEL, overrides={"seed": seed, "dtype": dtype, **(overrides or {})})
    rng = np.random.default_rng([seed, 1])
    for name, p in (DENSITY if density is None else density).items():
        w = np.asarray(ctx.get(f"{name}.weights"), np.float64)
        mask = (rng.random(w.shape) < p).astype(np.float64)
        ctx.clamp(f"{name}.mask", mask)
        ctx.clamp(f"{name}.weights", w * mask)
    return ctx


def split(n: int, n_test: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A shuffled split of ``range(n)``: (train indices, the last ``n_test`` as test indices)."""
    order = np.random.default_rng(seed).permutation(n)
    return order[:n - n_test], order[n - n_test:]


class Classifier:
    """Online e-prop over a stream of samples, compiled: ``train(events, labels)`` feeds the samples one
    after the other, learning as it goes; ``test(events, labels)`` the same without learning. Both
    continue from the Context's state and return, per sample, the loss (NEST's definition:
    ``0.5 sum_{window} sum_k (y_k - y*_k)^2 / n_classes``) and the readouts' mean over the window
    ``(n, n_classes)``. ``trace(events, label)`` runs one sample without learning and without
    keeping its state, and returns the readouts and spikes of every step."""

    def __init__(self, ctx: Any, T: int, window: int = WINDOW):
        self.ctx, self.T, self.window = ctx, int(T), int(window)
        self.dtype = jnp.dtype(ctx.dtype)
        w = np.zeros((self.T, 1, 1))
        w[-self.window:] = 1.0
        self._w = jnp.asarray(w, self.dtype)
        self._fns: dict = {}

    def _xs(self, events: Any, label: Any) -> dict:
        target = jax.nn.one_hot(label, N_CLASSES, dtype=self.dtype)
        return {"W_in.inputs": events.astype(self.dtype)[:, None, :],
                "out.target": jnp.broadcast_to(target, (self.T, 1, N_CLASSES)), "out.window": self._w}

    def _stream(self, learn: bool) -> Any:
        if learn not in self._fns:
            commands = ["advance", "accumulate"] if learn else ["advance"]
            seq = self.ctx.compile_run(commands, self.T, ("out.loss", "out.y"), INPUTS)

            def body(state: dict, sample: tuple) -> tuple:
                state, recs, _ = seq(state, self._xs(*sample))
                loss = jnp.sum(recs["out.loss"]) / N_CLASSES
                return state, (loss, jnp.mean(recs["out.y"][-self.window:, 0, :], axis=0))

            self._fns[learn] = jax.jit(lambda s, ev, lab: jax.lax.scan(body, s, (ev, lab)))
        return self._fns[learn]

    def _run(self, learn: bool, events: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        state, (loss, mean_y) = self._stream(learn)(self.ctx.state, jnp.asarray(events, jnp.uint8),
                                                    jnp.asarray(labels, jnp.int32))
        self.ctx.state = state
        return np.asarray(loss), np.asarray(mean_y)

    def train(self, events: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Learn from the samples in order; (loss per sample, window-mean readouts)."""
        return self._run(True, events, labels)

    def test(self, events: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The samples in order with frozen weights; (loss per sample, window-mean readouts)."""
        return self._run(False, events, labels)

    def trace(self, events: np.ndarray, label: int) -> dict:
        """One sample with frozen weights, the Context's state left as it was: ``out.y`` (T, n_classes)
        and ``rec.s`` (T, n_rec)."""
        seq = self.ctx.compile_run(["advance"], self.T, ("out.y", "rec.s"), INPUTS)
        _, recs, _ = seq(self.ctx.state, self._xs(jnp.asarray(events), jnp.asarray(label)))
        return {k: np.asarray(v)[:, 0] for k, v in recs.items()}


def accuracy(mean_y: np.ndarray, labels: np.ndarray) -> float:
    """Fraction of samples whose largest window-mean readout is their label's."""
    return float(np.mean(np.argmax(mean_y, axis=1) == np.asarray(labels)))
