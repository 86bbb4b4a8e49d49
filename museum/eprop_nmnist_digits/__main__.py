"""e-prop classifies event-camera digits with NEST's newer e-prop models (NEST tutorial
eprop_supervised_classification_neuromorphic_mnist: eprop_iaf, eprop_readout, eprop_synapse).

A stand-in for N-MNIST that needs no download: scikit-learn's bundled 8 x 8 digits, each turned into
ON/OFF events by moving the image along a small triangle (three 30 ms saccades) in front of a simulated
event camera (events.py). 128 event channels drive 150 recurrent LIF neurons; 10 leaky readouts, one
per digit, learn online by e-prop. The samples of a shuffled training split stream through the
network epoch after epoch; after each epoch the held-out test split is classified without learning.

    python -m museum.eprop_nmnist_digits                  # 20 epochs of 1397 training samples
    python -m museum.eprop_nmnist_digits --quick          # 1 epoch
    python -m museum.eprop_nmnist_digits --epochs 5 --seed 2
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from museum import _common as mc

NAME = "eprop_nmnist_digits"
GROUP = 100  # samples per training point of the curves (NEST's tutorial: a group of 100 samples per iteration)


def _extra(parser: Any) -> None:
    parser.add_argument("--epochs", type=int, default=20, help="passes over the training split (default: %(default)s)")
    parser.add_argument("--n-test", type=int, default=400, help="held-out test samples (default: %(default)s)")
    parser.add_argument("--n-train", type=int, default=None,
                        help="use only the first N training samples (default: all of the training split)")
    parser.add_argument("--saccade-steps", type=int, default=30,
                        help="time steps (ms) per saccade; a sample lasts three (default: %(default)s)")
    parser.add_argument("--threshold", type=float, default=0.1,
                        help="intensity change (of 1) that makes an event (default: %(default)s)")
    parser.add_argument("--noise", type=float, default=0.0,
                        help="probability of a spurious event per channel and step (default: %(default)s)")
    parser.add_argument("--chunk", type=int, default=500,
                        help="samples per compiled call (the progress bar moves once per call)")


def main(argv: Any = None) -> dict:
    args = mc.parse_args(NAME, __doc__, argv, extra=_extra, resumable=True)
    if args.quick:
        args.epochs = min(args.epochs, 1)
    from museum.eprop_nmnist_digits import WINDOW, Classifier, accuracy, build, split
    from museum.eprop_nmnist_digits.events import load_digits_events

    events, labels, images = load_digits_events(args.saccade_steps, args.threshold, args.noise, args.seed)
    train_idx, test_idx = split(len(labels), args.n_test, args.seed)
    train_idx = train_idx[:args.n_train] if args.n_train else train_idx
    T = events.shape[1]
    mc.progress(NAME, f"{len(labels)} digits as events: {T} steps x {events.shape[2]} channels, "
                      f"{events.sum(axis=(1, 2)).mean():.0f} events per sample; "
                      f"{len(train_idx)} for training, {len(test_idx)} for testing")
    ctx = build(seed=args.seed, overrides=args.overrides)
    clf = Classifier(ctx, T)
    rng = np.random.default_rng([args.seed, 2])

    back = mc.resume(args, ctx)
    if back is None:
        loss0, y0 = clf.test(events[test_idx], labels[test_idx])
        test_acc, test_loss = [accuracy(y0, labels[test_idx])], [float(loss0.mean())]
        mc.progress(NAME, f"before training: test accuracy {test_acc[0]:.3f}, loss {test_loss[0]:.3f}")
        train_loss: list = []
        train_hit: list = []
        t_train, done = 0.0, 0
    else:
        test_acc, test_loss = list(back["test_acc"]), list(back["test_loss"])
        train_loss, train_hit = list(back["train_loss"]), list(back["train_hit"])
        t_train, done = float(back["t_train"]), int(back["done"])
        rng.bit_generator.state = back["rng"]
    n_total = args.epochs * len(train_idx)
    with tqdm(total=n_total, initial=done * len(train_idx), unit="sample", desc="e-prop", file=sys.stderr,
              dynamic_ncols=True) as bar:
        for epoch in range(done, args.epochs):
            order = rng.permutation(train_idx)
            for k in range(0, len(order), args.chunk):
                idx = order[k:k + args.chunk]
                t0 = time.perf_counter()
                loss, mean_y = clf.train(events[idx], labels[idx])
                t_train += time.perf_counter() - t0
                train_loss.extend(loss.tolist())
                train_hit.extend((np.argmax(mean_y, axis=1) == labels[idx]).tolist())
                bar.set_postfix(loss=f"{np.mean(train_loss[-GROUP:]):.3f}",
                                acc=f"{np.mean(train_hit[-GROUP:]):.2f}", refresh=False)
                bar.update(len(idx))
            loss, mean_y = clf.test(events[test_idx], labels[test_idx])
            test_acc.append(accuracy(mean_y, labels[test_idx]))
            test_loss.append(float(loss.mean()))
            mc.progress(NAME, f"epoch {epoch + 1}: test accuracy {test_acc[-1]:.3f}, loss {test_loss[-1]:.3f}")
            mc.checkpoint(args, epoch + 1, ctx, done=epoch + 1, test_acc=test_acc, test_loss=test_loss,
                          train_loss=train_loss, train_hit=train_hit, t_train=t_train,
                          rng=rng.bit_generator.state)
    _, mean_y = clf.test(events[test_idx], labels[test_idx]) if done == args.epochs else (None, mean_y)
    pred_test = np.argmax(mean_y, axis=1)
    _, y_train = clf.test(events[train_idx], labels[train_idx])
    rate = _rate(clf, events[test_idx[:50]], labels[test_idx[:50]])
    n_groups = len(train_loss) // GROUP
    g_loss = np.asarray(train_loss[:n_groups * GROUP]).reshape(n_groups, GROUP).mean(1)
    g_acc = np.asarray(train_hit[:n_groups * GROUP], float).reshape(n_groups, GROUP).mean(1)
    results = {"seed": args.seed, "epochs": args.epochs, "n_train": len(train_idx), "n_test": len(test_idx),
               "steps_per_sample": T, "learning_window_steps": WINDOW, "saccade_steps": args.saccade_steps,
               "threshold": args.threshold, "noise": args.noise,
               "events_per_sample": float(events.sum(axis=(1, 2)).mean()), "chance": 0.1,
               "test_accuracy": test_acc[-1], "test_accuracy_before": test_acc[0],
               "test_accuracy_per_epoch": test_acc[1:], "test_loss_per_epoch": test_loss[1:],
               "test_loss_before": test_loss[0],
               "train_accuracy_frozen": accuracy(y_train, labels[train_idx]),
               "train_loss_first_group": float(g_loss[0]), "train_loss_last_group": float(g_loss[-1]),
               "train_accuracy_first_group": float(g_acc[0]), "train_accuracy_last_group": float(g_acc[-1]),
               "train_loss_per_group": g_loss.tolist(), "train_accuracy_per_group": g_acc.tolist(),
               "rate_hz_test": rate, "train_seconds": t_train}
    if not args.quick:
        results.update(_baselines(events, labels, images, train_idx, test_idx))
    mc.progress(NAME, f"test accuracy {test_acc[-1]:.3f} (chance 0.1), on the training split (frozen) "
                      f"{results['train_accuracy_frozen']:.3f}; {rate:.1f} Hz")
    _figure(args.out, clf, events, labels, images, test_idx, pred_test, g_loss, g_acc, test_acc, len(train_idx))
    mc.save_results(args.out, results)
    mc.publish(args, __file__)
    return results


def _baselines(events: np.ndarray, labels: np.ndarray, images: np.ndarray, train_idx: np.ndarray,
               test_idx: np.ndarray) -> dict:
    """Test accuracy of a non-spiking linear classifier (scikit-learn's logistic regression, defaults) on
    the same split: on each channel's event count (/ 10) and on the images' pixels."""
    from sklearn.linear_model import LogisticRegression

    out = {}
    for key, x in (("event_counts", events.sum(axis=1) / 10.0), ("pixels", images.reshape(len(labels), -1))):
        model = LogisticRegression(max_iter=5000).fit(x[train_idx], labels[train_idx])
        out[f"logistic_regression_{key}_test_accuracy"] = float(model.score(x[test_idx], labels[test_idx]))
    mc.progress(NAME, "logistic regression, test accuracy: on event counts "
                      f"{out['logistic_regression_event_counts_test_accuracy']:.3f}, on pixels "
                      f"{out['logistic_regression_pixels_test_accuracy']:.3f}")
    return out


def _rate(clf: Any, events: np.ndarray, labels: np.ndarray) -> float:
    """Mean rate (Hz) of the recurrent neurons over some samples, without learning or changing the state."""
    return float(np.mean([clf.trace(e, int(y))["rec.s"].mean() for e, y in zip(events, labels)]) * 1000.0)


def _figure(out: Path, clf: Any, events: np.ndarray, labels: np.ndarray, images: np.ndarray, test_idx: np.ndarray,
            pred_test: np.ndarray, g_loss: np.ndarray, g_acc: np.ndarray, test_acc: list, n_train: int) -> Path:
    import matplotlib.pyplot as plt

    from museum.eprop_nmnist_digits import WINDOW
    from synaptica.plots import confusion

    i = int(test_idx[0])
    ev, T = events[i], events.shape[1]
    npx = ev.shape[1] // 2
    rec = clf.trace(ev, int(labels[i]))
    fig, ax = plt.subplots(2, 3, figsize=(15, 8.5))
    side = int(round(np.sqrt(npx)))
    on = ev[:, npx:].sum(0).reshape(side, side)
    off = ev[:, :npx].sum(0).reshape(side, side)
    both = np.concatenate([images[i], np.full((side, 1), np.nan), on / max(on.max(), 1),
                           np.full((side, 1), np.nan), off / max(off.max(), 1)], axis=1)
    ax[0, 0].imshow(both, cmap="gray_r")
    ax[0, 0].set(xticks=[], yticks=[], title=f"test digit '{labels[i]}': image | ON events | OFF events\n"
                                             f"({int(on.sum())} ON, {int(off.sum())} OFF in {T} ms)")
    t_on, c_on = np.nonzero(ev[:, npx:])
    t_off, c_off = np.nonzero(ev[:, :npx])
    ax[0, 1].plot(t_on, c_on + npx, "|", ms=3, color="tab:red", label="ON")
    ax[0, 1].plot(t_off, c_off, "|", ms=3, color="tab:blue", label="OFF")
    s = rec["rec.s"]
    ts, ns = np.nonzero(s)
    ax[0, 1].plot(ts, ns + 2 * npx + 10, "|", ms=2, color="k")
    for x in (T // 3, 2 * T // 3):
        ax[0, 1].axvline(x, color="grey", lw=0.5, ls=":")
    ax[0, 1].set(xlim=(0, T), xlabel="time in the sample (ms; dotted: saccade turns)", ylabel="channel / neuron",
                 title=f"input events (OFF, ON) and recurrent spikes (black, {s.mean() * 1000:.0f} Hz)")
    ax[0, 1].legend(loc="upper left", fontsize=7, markerscale=3)
    y = rec["out.y"]
    for k in range(y.shape[1]):
        hit = k == labels[i]
        ax[0, 2].plot(np.arange(T), y[:, k], lw=2.2 if hit else 0.8, color="tab:red" if hit else "grey",
                      label=f"readout '{k}' (target)" if hit else None, zorder=3 if hit else 2)
    ax[0, 2].axvspan(T - WINDOW, T, color="gold", alpha=0.3, label="learning / decision window")
    ax[0, 2].set(xlabel="time in the sample (ms)", ylabel="readout y_k",
                 title=f"readouts after training: predicted '{int(np.argmax(y[-WINDOW:].mean(0)))}'")
    ax[0, 2].legend(fontsize=7, loc="upper left")
    x = np.arange(1, len(g_loss) + 1) * 100
    ax[1, 0].plot(x, g_loss, color="tab:purple")
    ax[1, 0].set(xlabel="training samples seen", ylabel="loss (mean of a group of 100)", title="training loss")
    ax[1, 1].plot(x, g_acc, color="tab:green", lw=1, label="training (online, while learning)")
    ax[1, 1].plot(np.arange(len(test_acc)) * n_train, test_acc, "o-", color="k", ms=4,
                  label=f"held-out test (frozen): {test_acc[-1]:.3f}")
    ax[1, 1].axhline(0.1, color="grey", ls="--", lw=1, label="chance")
    ax[1, 1].set(xlabel="training samples seen", ylabel="accuracy", ylim=(0, 1), title="accuracy")
    ax[1, 1].legend(fontsize=8, loc="lower right")
    confusion(labels[test_idx], pred_test, ax=ax[1, 2], n_classes=10,
              title=f"test confusion matrix ({len(test_idx)} held-out digits)")
    fig.tight_layout()
    path = mc.save_figure(fig, out / f"{NAME}.png")
    mc.progress(NAME, f"figure: {path}")
    return path


if __name__ == "__main__":
    mc.pin_to_one_core()  # batch 1, 150 neurons: one core is faster than XLA's thread pool
    sys.exit(mc.run_main(main, NAME))
