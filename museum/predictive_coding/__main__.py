"""Hierarchical predictive coding learns to generate handwritten digits with local Hebbian updates.

Two layers of RateCells (40 and 20 rectified units) predict the layer below through weights W; the
GaussianErrorCells hold the prediction errors. For each batch of sklearn's 8 x 8 digits the latent
activities settle for T steps by descending the prediction-error energy (Rao & Ballard 1999), then
every weight takes one Hebbian step, error times presynaptic rate (Whittington & Bogacz 2017).
Measured on held-out digits: the reconstruction error of the settled network and of the top layer
alone (against PCA with as many components) and the accuracy of a linear readout of the latent code
(against the same readout of PCA features and of the pixels).

    python -m museum.predictive_coding [--quick] [--seed N] [--out DIR] [--publish] [--resume]

The full run takes over a minute: a checkpoint is written every 10 epochs, and ``--resume``
continues an interrupted run from the last one.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from museum import _common as mc

NAME = "predictive_coding"
N_TRAIN = 1350
CHECKPOINT_EVERY = 10  # epochs


def load_data(seed: int) -> tuple:
    """sklearn's digits (bundled, 1797 images) scaled to [0, 1], shuffled; 1350 to train, 447 to test."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    order = np.random.default_rng(seed).permutation(len(digits.target))
    x = (digits.data[order] / 16.0).astype(np.float32)
    y = digits.target[order]
    return x[:N_TRAIN], y[:N_TRAIN], x[N_TRAIN:], y[N_TRAIN:]


def build(args: Any) -> Any:
    """The YAML model, with each feedback synapse E set to the transpose of its W."""
    ctx = mc.load_exhibit_model(__file__, overrides={"seed": args.seed}, args=args)
    state = ctx.state
    values = dict(state["values"])
    for e, w in (("E1", "W1"), ("E2", "W2")):
        values[e] = {**values[e], "weights": values[w]["weights"].T}
    ctx.state = {**state, "values": values}
    return ctx


def settle(ctx: Any, x: np.ndarray, steps: int) -> dict:
    """Clamp the batch ``x`` (padded to the batch size), let the latents settle for ``steps`` steps;
    the last step's top code, hidden code and reconstruction of x (padding dropped)."""
    n, batch = len(x), ctx.batch_size
    xb = np.zeros((batch, x.shape[1]), np.float32)
    xb[:n] = x
    ctx.reset()
    ctx.clamp("x.inputs", xb)
    rec = ctx.run("advance", steps=steps, record=["z1.zF", "z2.zF", "W1.outputs"])
    return {"z1": np.asarray(rec["z1.zF"])[-1, :n], "z2": np.asarray(rec["z2.zF"])[-1, :n],
            "recon": np.asarray(rec["W1.outputs"])[-1, :n]}


def encode(ctx: Any, x: np.ndarray, steps: int) -> dict:
    """:func:`settle` over all of ``x``, batch by batch, and the top layer's own prediction of x,
    ``W1 f(W2 f(z2))`` (the generative path from z2 alone)."""
    parts = [settle(ctx, x[i:i + ctx.batch_size], steps) for i in range(0, len(x), ctx.batch_size)]
    out = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    w1, w2 = np.asarray(ctx.get("W1.weights")), np.asarray(ctx.get("W2.weights"))
    out["top_down"] = np.maximum(out["z2"] @ w2, 0.0) @ w1
    return out


def train(ctx: Any, x: np.ndarray, epochs: int, steps: int, seed: int, args: Any = None) -> list:
    """``epochs`` passes over ``x`` (whole batches, reshuffled each epoch); the mean squared
    reconstruction error of each epoch's batches, before their weight step. With ``args``, a
    checkpoint every :data:`CHECKPOINT_EVERY` epochs, and ``--resume`` continues there."""
    rng = np.random.default_rng(seed + 1)
    batch, curve, start = ctx.batch_size, [], 0

    def clamp(extra: dict) -> None:  # checkpoints are written with the inputs clamped, as settle leaves them
        ctx.clamp("x.inputs", np.zeros((batch, x.shape[1]), np.float32))

    back = mc.resume(args, ctx, prepare=clamp) if args is not None else None
    if back:
        start, curve = back["done"], list(back["curve"])
        rng.bit_generator.state = back["rng"]
    for epoch in range(start, epochs):
        order = rng.permutation(len(x))
        errs = []
        for i in range(0, len(x) - batch + 1, batch):
            xb = x[order[i:i + batch]]
            errs.append(float(((settle(ctx, xb, steps)["recon"] - xb) ** 2).mean()))
            ctx.run("evolve", steps=1)
        curve.append(float(np.mean(errs)))
        if epoch % 10 == 0 or epoch == epochs - 1:
            mc.progress(NAME, f"epoch {epoch + 1}/{epochs}: train reconstruction MSE {curve[-1]:.5f}")
        if args is not None and ((epoch + 1) % CHECKPOINT_EVERY == 0 or epoch == epochs - 1):
            mc.checkpoint(args, epoch + 1, ctx, done=epoch + 1, curve=curve, rng=rng.bit_generator.state)
    return curve


def baselines(xtr: np.ndarray, ytr: np.ndarray, xte: np.ndarray, yte: np.ndarray, ks: Sequence[int]) -> dict:
    """PCA with ``k`` components: test reconstruction MSE and linear-readout accuracy; pixels' accuracy."""
    from sklearn.decomposition import PCA

    out = {"pixels_acc": readout(xtr, ytr, xte, yte)}
    for k in ks:
        pca = PCA(k, random_state=0).fit(xtr)
        out[f"pca{k}_mse"] = float(((pca.inverse_transform(pca.transform(xte)) - xte) ** 2).mean())
        out[f"pca{k}_acc"] = readout(pca.transform(xtr), ytr, pca.transform(xte), yte)
    return out


def readout(ftr: np.ndarray, ytr: np.ndarray, fte: np.ndarray, yte: np.ndarray) -> float:
    """Test accuracy of a multinomial logistic regression (a linear readout) trained on ``ftr``."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    scale = StandardScaler().fit(ftr)
    clf = LogisticRegression(max_iter=3000).fit(scale.transform(ftr), ytr)
    return float(clf.score(scale.transform(fte), yte))


def plot(xte: np.ndarray, te: dict, w1: np.ndarray, curve: list, base: dict, out: Path) -> None:
    import matplotlib.pyplot as plt

    from synaptica import plots

    rows = np.concatenate([xte[:12], te["recon"][:12], te["top_down"][:12]]).T
    fig, ax = plots.figure(size=(12, 3.6))
    plots.receptive_fields(rows, (8, 8), ax, cmap="gray_r", normalise=None, columns=12, vmin=0, vmax=1,
                           title="held-out digits, the settled network's reconstruction and the top layer's "
                                 "prediction")
    for r, label in enumerate(("digit", "settled", "from z2")):
        ax.text(-0.5, 9 * r + 4.5, label, ha="right", va="center", fontsize=8)
    mc.save_figure(fig, out / "reconstructions.png")

    fig = plots.receptive_fields(w1.T, (8, 8), cmap="RdBu_r", normalise="absmax", columns=10,
                                 title="learned features: the 40 rows of W1 (what each hidden unit predicts), "
                                       "red > 0")
    fig.set_size_inches(10, 4.6)
    mc.save_figure(fig, out / "features.png")

    fig, ax = plt.subplots(figsize=(5.5, 3.6))
    ax.semilogy(np.arange(1, len(curve) + 1), curve, label="predictive coding (train)")
    for k, ls in ((20, "--"), (40, ":")):
        ax.axhline(base[f"pca{k}_mse"], color="gray", ls=ls, label=f"PCA, {k} components (test)")
    ax.set(xlabel="epoch", ylabel="reconstruction MSE", title="learning curve")
    ax.legend(fontsize=8)
    mc.save_figure(fig, out / "learning_curve.png")


def main(argv: Sequence[str] | None = None) -> dict:
    args = mc.parse_args(NAME, __doc__, argv, resumable=True)
    xtr, ytr, xte, yte = load_data(args.seed)
    epochs, steps = (3, 20) if args.quick else (100, 40)
    if args.quick:
        xtr, ytr, xte, yte = xtr[:300], ytr[:300], xte[:100], yte[:100]
    mc.progress(NAME, f"{len(xtr)} training and {len(xte)} test digits; {epochs} epochs, {steps} settling steps")
    ctx = build(args)
    curve = train(ctx, xtr, epochs, steps, args.seed, args)
    tr, te = encode(ctx, xtr, steps), encode(ctx, xte, steps)
    base = baselines(xtr, ytr, xte, yte, (20, 40))
    results = {"epochs": epochs, "settling_steps": steps, "train_digits": len(xtr), "test_digits": len(xte),
               "test_mse_settled": float(((te["recon"] - xte) ** 2).mean()),
               "test_mse_top_down": float(((te["top_down"] - xte) ** 2).mean()),
               "readout_acc_z1": readout(tr["z1"], ytr, te["z1"], yte),
               "readout_acc_z2": readout(tr["z2"], ytr, te["z2"], yte),
               "active_fraction_z1": float((te["z1"] > 0).mean()), "active_fraction_z2": float((te["z2"] > 0).mean()),
               **base}
    plot(xte, te, np.asarray(ctx.get("W1.weights")), curve, base, args.out)
    mc.save_results(args.out, results)
    mc.publish(args, __file__)
    return results


if __name__ == "__main__":
    sys.exit(mc.run_main(main, NAME))
