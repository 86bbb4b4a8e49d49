"""Unsupervised digit learning with STDP, after Diehl & Cook (2015), on scikit-learn's 8x8 digits.

Diehl & Cook (2015), "Unsupervised learning of digit recognition using spike-timing-dependent
plasticity", Front. Comput. Neurosci. 9:99. Poisson-encoded digits drive excitatory LIF neurons with
adaptive thresholds through trace-STDP synapses; lateral inhibition makes them compete, so each
neuron's input weights become a prototype of some digits. No labels are used for learning: after
training, each neuron is labelled with the class it answers most (on the training images, plasticity
off) and a held-out digit is classified by the label group with the highest mean spike count.

Data: ``sklearn.datasets.load_digits`` (1,797 images, shipped with scikit-learn; no download).

    python -m museum.stdp_digits [--quick] [--seed N] [--out DIR] [--publish] [--n-train N] [--epochs E]
                                 [--anneal F] [--set COMP.PARAM=VALUE]
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

import numpy as np

from museum import _common as mc

NAME = "stdp_digits"
T_PRESENT = 250          # ms per digit (Diehl & Cook: 350 ms; 250 suffices here)
N_TEST = 500             # held-out digits
W_SUM = 6.4              # each neuron's input weights sum to this (Diehl & Cook: 78 for 784 inputs, 0.1 each)
MIN_SPIKES = 5           # fewer spikes than this: show the digit again, brighter (Diehl & Cook)
BOOST = 0.5              # ... with the intensity raised by this fraction of the original per retry
MAX_RETRIES = 4
QUICK_PER_CLASS = 4      # --quick: this many training digits of every class (each class gets a neuron)
QUICK_TEST = 100         # --quick: held-out digits (one batch)


def load_data(seed: int) -> tuple:
    """Digits scaled to [0, 1], shuffled with ``seed``; the last N_TEST are held out."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    order = np.random.default_rng(seed).permutation(len(digits.target))
    x = (digits.data[order] / 16.0).astype(np.float32)
    y = digits.target[order]
    return x[:-N_TEST], y[:-N_TEST], x[-N_TEST:], y[-N_TEST:]


def per_class(y: np.ndarray, k: int, n_classes: int = 10) -> np.ndarray:
    """Indices of the first ``k`` examples of every class, in their original order (a balanced subset)."""
    return np.sort(np.concatenate([np.flatnonzero(y == c)[:k] for c in range(n_classes)]))


def normalise(w: np.ndarray, total: float = W_SUM) -> np.ndarray:
    """Scale each neuron's (column's) input weights to sum to ``total`` (Diehl & Cook)."""
    return w * (total / np.maximum(w.sum(0, keepdims=True), 1e-9))


def train(ctx: Any, images: np.ndarray, epochs: int, name: str = NAME, every: int = 200,
          anneal: float = 1.0, args: Any = None) -> np.ndarray:
    """Present each digit for T_PRESENT ms with STDP on; reset v/traces and normalise between digits.
    A digit that drew fewer than MIN_SPIKES spikes is shown again, brighter (up to MAX_RETRIES times).

    After each epoch the STDP rate ``A_plus`` is multiplied by ``anneal`` (1: constant).

    With ``args``, a checkpoint is written every ``every`` digits and ``--resume`` continues there.

    Returns the excitatory spike count of every digit (its last presentation)."""
    counts: list = []
    ctx.clamp("W.weights", normalise(np.asarray(ctx.get("W.weights"))))
    n, W, start = len(images), ctx.components["W"], 0
    back = mc.resume(args, ctx, prepare=lambda e: setattr(W, "A_plus", e["A_plus"])) if args else None
    if back:
        start, counts = back["done"], back["counts"]
    for epoch in range(start // n, epochs):
        for i, img in enumerate(images):
            if epoch * n + i < start:
                continue
            for retry in range(MAX_RETRIES + 1):
                ctx.reset()
                bright = img * (1.0 + BOOST * retry)
                rec = ctx.run(["advance", "evolve"], steps=T_PRESENT, record=["z.s"],
                              inputs={"x.inputs": np.broadcast_to(bright, (T_PRESENT, 1, img.size))})
                ctx.clamp("W.weights", normalise(np.asarray(ctx.get("W.weights"))))
                count = float(np.asarray(rec["z.s"]).sum())
                if count >= MIN_SPIKES:
                    break
            counts.append(count)
            if (i + 1) % every == 0 or i + 1 == n:
                mc.progress(name, f"epoch {epoch + 1}/{epochs}, digit {i + 1}/{n}: "
                                  f"{np.mean(counts[-every:]):.1f} spikes per digit")
                if anneal != 1.0 and i + 1 == n and epoch + 1 < epochs:
                    W.A_plus = W.A_plus * anneal
                    mc.progress(name, f"A_plus -> {W.A_plus:.3g}")
                if args is not None:
                    mc.checkpoint(args, epoch * n + i + 1, ctx, done=epoch * n + i + 1, counts=counts,
                                  A_plus=W.A_plus)
    return np.array(counts)


def responses(args: Any, weights: np.ndarray, theta: np.ndarray, images: np.ndarray, batch: int = 100,
              t_present: int = T_PRESENT) -> np.ndarray:
    """Spike counts ``(n_images, n_neurons)`` with plasticity off and thresholds frozen, ``batch`` digits
    at a time (each batch row is an independent copy of the network). Digits with fewer than
    MIN_SPIKES spikes are shown again, brighter, as in training."""
    ctx = mc.load_exhibit_model(__file__, overrides={"seed": args.seed + 1, "batch_size": batch}, args=args)
    ctx.components["z"].thr_theta_plus = 0.0  # thresholds frozen while testing (Diehl & Cook)
    ctx.clamp("W.weights", weights)
    ctx.clamp("z.thr_theta", theta)
    counts = np.zeros((len(images), weights.shape[1]), np.float32)
    todo = np.arange(len(images))
    for retry in range(MAX_RETRIES + 1):
        for start in range(0, len(todo), batch):
            idx = todo[start:start + batch]
            padded = np.zeros((batch, images.shape[1]), np.float32)
            padded[:len(idx)] = images[idx] * (1.0 + BOOST * retry)
            ctx.reset()
            rec = ctx.run("advance", steps=t_present, record=["z.s"],
                          inputs={"x.inputs": np.broadcast_to(padded, (t_present,) + padded.shape)})
            counts[idx] = np.asarray(rec["z.s"]).sum(0)[:len(idx)]
        todo = todo[counts[todo].sum(1) < MIN_SPIKES]
        if len(todo) == 0:
            break
    return counts


def assign_labels(resp: np.ndarray, labels: np.ndarray, n_classes: int = 10) -> np.ndarray:
    """Each neuron's label: the class with the highest mean response (Diehl & Cook). A class with no
    example is never assigned (its mean is undefined, not zero)."""
    means = np.full((n_classes, resp.shape[1]), -np.inf)  # (class, neuron)
    for c in range(n_classes):
        if np.any(labels == c):
            means[c] = resp[labels == c].mean(0)
    return means.argmax(0)


def classify(resp: np.ndarray, neuron_labels: np.ndarray, n_classes: int = 10) -> np.ndarray:
    """Predict the class whose neurons have the highest mean spike count."""
    scores = np.stack([resp[:, neuron_labels == c].mean(1) if np.any(neuron_labels == c)
                       else np.zeros(len(resp)) for c in range(n_classes)], axis=1)
    return scores.argmax(1)


def plot(weights: np.ndarray, neuron_labels: np.ndarray, y_true: np.ndarray, y_pred: np.ndarray, acc: float,
         out: Path) -> None:
    import matplotlib.pyplot as plt

    n = weights.shape[1]
    side = int(np.ceil(np.sqrt(n)))
    grid = np.ones((side * 9 + 1, side * 9 + 1)) * np.nan
    for k in range(n):
        r, c = divmod(k, side)
        grid[1 + 9 * r:9 + 9 * r, 1 + 9 * c:9 + 9 * c] = weights[:, k].reshape(8, 8) / weights[:, k].max()
    fig, ax = plt.subplots(1, 2, figsize=(12, 5.6), gridspec_kw={"width_ratios": [1.15, 1]})
    ax[0].imshow(grid, cmap="hot_r", interpolation="nearest")
    for k in range(n):
        r, c = divmod(k, side)
        ax[0].text(9 * c + 1.3, 9 * r + 2.6, str(neuron_labels[k]), color="tab:blue", fontsize=7)
    ax[0].set(title=f"receptive fields of the {n} excitatory neurons (blue: assigned label)")
    ax[0].axis("off")
    conf = np.zeros((10, 10))
    for t, p in zip(y_true, y_pred):
        conf[t, p] += 1
    ax[1].imshow(conf / np.maximum(conf.sum(1, keepdims=True), 1), cmap="Blues")
    for t in range(10):
        for p in range(10):
            if conf[t, p]:
                ax[1].text(p, t, int(conf[t, p]), ha="center", va="center", fontsize=7,
                           color="white" if conf[t, p] > conf[t].sum() / 2 else "black")
    ax[1].set(xlabel="predicted", ylabel="true", xticks=range(10), yticks=range(10),
              title=f"held-out digits: accuracy {acc:.1%}")
    fig.tight_layout()
    mc.save_figure(fig, out / "stdp_digits.png")


def extra_args(parser: Any) -> None:
    parser.add_argument("--n-train", type=int, default=None,
                        help="training digits (default: all 1,297; --quick: 4 of every class)")
    parser.add_argument("--epochs", type=int, default=3, help="passes over the training digits (default 3; "
                                                                "--quick: 1)")
    parser.add_argument("--anneal", type=float, default=0.3,
                        help="multiply the STDP rate A_plus by this after each epoch (default 0.3)")


def main(argv: Sequence[str] | None = None) -> dict:
    args = mc.parse_args(NAME, __doc__, argv, extra=extra_args, resumable=True)
    x_train, y_train, x_test, y_test = load_data(args.seed)
    if args.quick:  # a short run that still shows every class to the network and to the labelling
        args.epochs = 1
        x_test, y_test = x_test[:QUICK_TEST], y_test[:QUICK_TEST]
        if args.n_train is None:
            keep = per_class(y_train, QUICK_PER_CLASS)
            x_train, y_train = x_train[keep], y_train[keep]
    n_train = min(args.n_train or len(x_train), len(x_train))
    x_train, y_train = x_train[:n_train], y_train[:n_train]
    ctx = mc.load_exhibit_model(__file__, overrides={"seed": args.seed}, args=args)
    n_neurons = ctx.components["z"].n_units
    mc.progress(NAME, f"{n_neurons} excitatory neurons, {n_train} training digits x {args.epochs} epoch(s), "
                      f"{len(x_test)} held-out digits, {T_PRESENT} ms each")
    counts = train(ctx, x_train, args.epochs, anneal=args.anneal, args=args)
    weights = np.asarray(ctx.get("W.weights"))
    theta = np.asarray(ctx.get("z.thr_theta"))[0]
    np.savez(args.out / "trained.npz", weights=weights, thr_theta=theta)
    mc.progress(NAME, "labelling neurons on the training digits (plasticity off)")
    resp_train = responses(args, weights, theta, x_train)
    neuron_labels = assign_labels(resp_train, y_train)
    mc.progress(NAME, "classifying the held-out digits")
    resp_test = responses(args, weights, theta, x_test)
    pred = classify(resp_test, neuron_labels)
    acc = float(np.mean(pred == y_test))
    train_acc = float(np.mean(classify(resp_train, neuron_labels) == y_train))
    mc.progress(NAME, f"held-out accuracy {acc:.1%} (training digits {train_acc:.1%})")
    plot(weights, neuron_labels, y_test, pred, acc, args.out)
    results = {"n_neurons": n_neurons, "n_train": n_train, "epochs": args.epochs, "n_test": len(x_test),
               "test_accuracy": acc, "train_accuracy": train_acc,
               "spikes_per_digit_training": float(counts.mean()),
               "spikes_per_digit_test": float(resp_test.sum(1).mean()),
               "silent_test_digits": int((resp_test.sum(1) == 0).sum()),
               "classes_covered": int(len(set(neuron_labels.tolist()))),
               "theta_mean_mV": float(theta.mean())}
    mc.save_results(args.out, results)
    mc.publish(args, __file__)
    return results


if __name__ == "__main__":
    main()
