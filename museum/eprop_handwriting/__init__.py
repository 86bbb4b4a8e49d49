"""e-prop learns to write a word (Bellec et al. 2020, Nat. Commun. 11:3625; NEST tutorial
``eprop_supervised_regression_handwriting_bsshslm_2020``).

Two leaky readouts of 200 recurrent adaptive LIF neurons learn to draw the pen trajectory of the word
"spike" (x and y over 1824 ms), which :mod:`museum.eprop_handwriting.pen` generates from our own strokes.
The network is ``model.yaml``; training reuses :class:`museum.eprop_sine_waves.Trainer` (one compiled
function per iteration: ``reset`` -> ``T`` steps of ``advance`` + ``accumulate`` -> ``evolve``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from museum.eprop_handwriting import pen
from museum.eprop_sine_waves import Trainer

HERE = Path(__file__).resolve().parent
MODEL = HERE / "model.yaml"
NEST_INIT = HERE / "nest_init.npz"
NEST_LOSSES = HERE / "nest_losses.json"
N_IN, N_REC, N_OUT = 100, 200, 2
TAU_M_MEAN, TAU_M_STD = 30.0, 2.0
PLASTIC = ("W_in", "W_rec", "W_out")

__all__ = ["MODEL", "NEST_INIT", "NEST_LOSSES", "Trainer", "build", "load_init", "make_task", "nest_loss",
           "draw_tau_m"]


def draw_tau_m(seed: int = 0) -> np.ndarray:
    """One membrane time constant per recurrent neuron, N(30 ms, 2 ms) (as NEST's tutorial draws them)."""
    return np.random.default_rng([seed, 1]).normal(TAU_M_MEAN, TAU_M_STD, N_REC)


def build(seed: int = 0, tau_m: np.ndarray | None = None, batch_size: int = 1, dtype: str = "float32",
          overrides: dict | None = None) -> Any:
    """The network of ``model.yaml`` as a Context, with ``tau_m`` (one per recurrent neuron; default
    :func:`draw_tau_m` of ``seed``)."""
    from contexts import load_model

    tau = [float(v) for v in (draw_tau_m(seed) if tau_m is None else tau_m)]
    units = {f"{c}.tau_m": tau for c in ("rec", "W_in", "W_rec")}
    return load_model(MODEL, allow_import=["museum"],
                      overrides={"seed": seed, "batch_size": batch_size, "dtype": dtype, **units,
                                 **(overrides or {})})


def make_task(seed: int = 0, p: float = 0.05) -> tuple[np.ndarray, np.ndarray]:
    """Frozen Poisson input ``x`` (T, 100) with rate p per step (none in step 0) and the target
    ``y*`` (T, 2): the pen's x and y of :func:`pen.targets`, T = 1824."""
    y = pen.targets(pen.pen_velocities())
    rng = np.random.default_rng(seed)
    x = (rng.random((len(y), N_IN)) < p).astype(np.float64)
    x[0] = 0.0
    return x, y


def load_init(path: str | Path = NEST_INIT, dtype: str = "float32", overrides: dict | None = None) -> tuple:
    """The network in NEST's initial state (weights and tau_m from ``path``), its frozen input ``x``
    (T, 100) and target ``y_star`` (T, 2): ``(ctx, x, y_star)``."""
    data = np.load(path)
    ctx = build(tau_m=data["tau_m"], dtype=dtype, overrides=overrides)
    for name in PLASTIC:
        ctx.clamp(f"{name}.weights", data[name])
    ctx.clamp("B.weights", data["B"].T)  # NEST's B is [n_rec, n_out]; ours is [pre = out, post = rec]
    return ctx, np.asarray(data["x"], np.float64), np.asarray(data["y_star"], np.float64)


def nest_loss(loss_per_sample: Any) -> Any:
    """NEST's tutorial loss from ours: ``out.loss`` sums 0.5 err^2 over both readouts, NEST averages them."""
    return np.asarray(loss_per_sample) / N_OUT
