"""Sparse coding of natural images learns localised, oriented, Gabor-like filters (Olshausen & Field 1996).

8 x 8 patches of sklearn's two bundled photographs, whitened with the paper's filter
``f exp(-(f/f0)^4)``, are coded by 96 coefficients (1.5 times overcomplete) that settle by
descending ``1/2 |x - a W|^2 + lambda sum log(1 + a^2)`` (the paper's Cauchy prior) in a RateCell;
the dictionary W then learns from the prediction error by a Hebbian step and is renormalised.
Measured on held-out patches: reconstruction error, sparsity (active coefficients, kurtosis) and the
localisation of the filters, each against PCA of the same patches.

    python -m museum.sparse_coding [--quick] [--seed N] [--out DIR] [--publish] [--resume]

The full run takes over a minute: a checkpoint is written every 100 batches, and ``--resume``
continues an interrupted run from the last one.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from museum import _common as mc

NAME = "sparse_coding"
PATCH = 8
SCALE = 3.16      # patch standard deviation: the Cauchy prior's scale sigma = 0.316 std is then 1
F0 = 0.4          # cycles / pixel: the roll-off of the whitening filter (Olshausen & Field: 200 / 512)
ACTIVE = 1.0      # |a| above the prior's scale: where its penalty turns from quadratic to logarithmic
CHECKPOINT_EVERY = 100  # batches


def whiten(img: np.ndarray, f0: float = F0) -> np.ndarray:
    """The paper's whitening (flatten the 1/f amplitude spectrum, roll off the highest frequencies),
    applied in the Fourier domain; scaled to standard deviation ``SCALE``."""
    img = img - img.mean()
    fy, fx = np.fft.fftfreq(img.shape[0])[:, None], np.fft.fftfreq(img.shape[1])[None, :]
    f = np.sqrt(fx ** 2 + fy ** 2)
    out = np.real(np.fft.ifft2(np.fft.fft2(img) * f * np.exp(-(f / f0) ** 4)))
    return SCALE * out / out.std()


def load_images(downsample: int = 2) -> list:
    """sklearn's bundled photographs (china.jpg, flower.jpg), grey, averaged over 2 x 2 blocks, whitened."""
    from sklearn.datasets import load_sample_images

    out = []
    for im in load_sample_images().images:
        g = im.astype(np.float64).mean(-1)
        h, w = (s - s % downsample for s in g.shape)
        g = g[:h, :w].reshape(h // downsample, downsample, w // downsample, downsample).mean((1, 3))
        out.append(whiten(g))
    return out


def sample_patches(images: list, n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` random ``PATCH x PATCH`` patches, flattened (float32)."""
    out = np.empty((n, PATCH * PATCH), np.float32)
    which = rng.integers(len(images), size=n)
    for k, i in enumerate(which):
        im = images[i]
        r, c = rng.integers(im.shape[0] - PATCH), rng.integers(im.shape[1] - PATCH)
        out[k] = im[r:r + PATCH, c:c + PATCH].ravel()
    return out


def set_dictionary(ctx: Any, W: np.ndarray) -> np.ndarray:
    """Install ``W`` with unit-norm rows (dictionary elements) and the feedback ``E = W^T``; returns it."""
    W = W / np.linalg.norm(W, axis=1, keepdims=True)
    state = ctx.state
    values = dict(state["values"])
    values["W"] = {**values["W"], "weights": W.astype(np.float32)}
    values["E"] = {**values["E"], "weights": W.T.astype(np.float32)}
    ctx.state = {**state, "values": values}
    return W


def build(args: Any) -> Any:
    ctx = mc.load_exhibit_model(__file__, overrides={"seed": args.seed}, args=args)
    set_dictionary(ctx, np.asarray(ctx.get("W.weights")))
    return ctx


def settle(ctx: Any, x: np.ndarray, steps: int) -> np.ndarray:
    """Coefficients ``a`` of the batch ``x`` after ``steps`` steps of settling."""
    ctx.reset()
    ctx.clamp("x.inputs", x)
    return np.asarray(ctx.run("advance", steps=steps, record=["z.z"])["z.z"])[-1]


def train(ctx: Any, images: list, batches: int, steps: int, rng: np.random.Generator, args: Any = None) -> list:
    """``batches`` learning steps on fresh patches; (batch, relative reconstruction error) every so often.
    With ``args``, a checkpoint every :data:`CHECKPOINT_EVERY` batches, and ``--resume`` continues there."""
    curve, every, start = [], max(1, batches // 20), 0

    def clamp(extra: dict) -> None:  # checkpoints are written with the inputs clamped, as settle leaves them
        ctx.clamp("x.inputs", np.zeros((ctx.batch_size, PATCH * PATCH), np.float32))

    back = mc.resume(args, ctx, prepare=clamp) if args is not None else None
    if back:
        start, curve = back["done"], [tuple(c) for c in back["curve"]]
        rng.bit_generator.state = back["rng"]
    W = np.asarray(ctx.get("W.weights"))
    for b in range(start, batches):
        x = sample_patches(images, ctx.batch_size, rng)
        a = settle(ctx, x, steps)
        if b % every == 0 or b == batches - 1:  # the batch's error under the dictionary that coded it
            curve.append((b + 1, relative_error(x, a @ W)))
            if b % (every * 5) == 0 or b == batches - 1:
                mc.progress(NAME, f"batch {b + 1}/{batches}: relative reconstruction error {curve[-1][1]:.4f}")
        ctx.run("evolve", steps=1)
        W = set_dictionary(ctx, np.asarray(ctx.get("W.weights")))
        if args is not None and ((b + 1) % CHECKPOINT_EVERY == 0 or b == batches - 1):
            mc.checkpoint(args, b + 1, ctx, done=b + 1, curve=curve, rng=rng.bit_generator.state)
    return curve


def relative_error(x: np.ndarray, recon: np.ndarray) -> float:
    return float(((x - recon) ** 2).sum() / (x ** 2).sum())


def excess_kurtosis(v: np.ndarray) -> float:
    """Mean over coefficients (columns) of each one's excess kurtosis (0 for a Gaussian; sparse: > 0)."""
    v = v - v.mean(0)
    return float(np.mean((v ** 4).mean(0) / (v ** 2).mean(0) ** 2 - 3.0))


def localisation(filters: np.ndarray) -> np.ndarray:
    """Per filter (rows), the fraction of its energy in its 8 strongest of 64 pixels (1/8 if spread evenly)."""
    e = np.sort(filters ** 2, axis=1)[:, ::-1]
    return e[:, :PATCH].sum(1) / e.sum(1)


def best_k_pca(pca: Any, x: np.ndarray, k: np.ndarray) -> np.ndarray:
    """Each patch rebuilt from its own ``k`` largest-magnitude PCA coefficients."""
    c = pca.transform(x)
    order = np.argsort(-np.abs(c), axis=1)
    keep = np.zeros_like(c, bool)
    for i, ki in enumerate(k):
        keep[i, order[i, :ki]] = True
    return pca.inverse_transform(np.where(keep, c, 0.0))


def evaluate(ctx: Any, x: np.ndarray, steps: int, train_x: np.ndarray) -> dict:
    from sklearn.decomposition import PCA

    W = np.asarray(ctx.get("W.weights"))
    a = np.concatenate([settle(ctx, x[i:i + ctx.batch_size], steps) for i in range(0, len(x), ctx.batch_size)])
    active = np.abs(a) > ACTIVE
    pca = PCA(PATCH * PATCH, random_state=0).fit(train_x)
    c = pca.transform(x)
    k = active.sum(1)
    return {"a": a, "W": W, "pca": pca,
            "rel_error": relative_error(x, a @ W),
            "rel_error_active_only": relative_error(x, np.where(active, a, 0.0) @ W),
            "rel_error_pca_same_k": relative_error(x, best_k_pca(pca, x, k)),
            "active_fraction": float(active.mean()), "active_per_patch": float(k.mean()),
            "kurtosis_sparse": excess_kurtosis(a), "kurtosis_pca": excess_kurtosis(c),
            "localisation_sparse": float(np.median(localisation(W))),
            "localisation_pca": float(np.median(localisation(pca.components_))), "pca_coeffs": c}


def plot(ev: dict, x: np.ndarray, curve: list, out: Path) -> None:
    import matplotlib.pyplot as plt

    from synaptica import plots

    W = ev["W"]
    order = np.argsort(-localisation(W))
    fig = plots.receptive_fields(W[order].T, (PATCH, PATCH), cmap="gray", normalise="absmax", columns=12,
                                 title="the 96 learned dictionary elements (rows of W), most localised first")
    fig.set_size_inches(9, 6.4)
    mc.save_figure(fig, out / "dictionary.png")

    fig, ax = plt.subplots(1, 3, figsize=(13, 3.6))
    bins = np.linspace(-8, 8, 81)
    ax[0].hist((ev["a"] / ev["a"].std(0)).ravel(), bins, histtype="step", density=True, log=True,
               label=f"sparse code (excess kurtosis {ev['kurtosis_sparse']:.1f})")
    ax[0].hist((ev["pca_coeffs"] / ev["pca_coeffs"].std(0)).ravel(), bins, histtype="step", density=True, log=True,
               label=f"PCA coefficients ({ev['kurtosis_pca']:.1f})")
    ax[0].set_xlim(-8, 8)
    ax[0].set(xlabel="coefficient / its standard deviation (each unit)", ylabel="density",
              title="coefficient distribution")
    ax[0].legend(fontsize=8)
    b, err = zip(*curve)
    ax[1].plot(b, err)
    ax[1].set(xlabel="batches of 100 patches", ylabel="relative error |x - aW|^2 / |x|^2", title="learning",
              ylim=(0, None))
    ax[2].hist(localisation(W), np.linspace(0, 1, 26), alpha=0.7, label="learned dictionary")
    ax[2].hist(localisation(ev["pca"].components_), np.linspace(0, 1, 26), alpha=0.7, label="PCA components")
    ax[2].axvline(1 / 8, color="gray", ls=":")
    ax[2].set(xlabel="energy in the strongest 8 of 64 pixels", ylabel="filters", title="localisation")
    ax[2].legend(fontsize=8)
    fig.tight_layout()
    mc.save_figure(fig, out / "sparsity.png")

    lim = np.abs(x[:10]).max(1, keepdims=True)  # each patch and its reconstruction on the patch's scale
    pairs = np.concatenate([x[:10] / lim, (ev["a"][:10] @ W) / lim]).T
    fig, ax = plots.figure(size=(9, 2.2))
    plots.receptive_fields(pairs, (PATCH, PATCH), ax, cmap="gray", normalise=None, columns=10, vmin=-1, vmax=1,
                           title="patches (top) and their codes' reconstructions a W (bottom)")
    mc.save_figure(fig, out / "reconstructions.png")


def main(argv: Sequence[str] | None = None) -> dict:
    args = mc.parse_args(NAME, __doc__, argv, resumable=True)
    rng = np.random.default_rng(args.seed)
    batches, steps, n_test = (60, 30, 1000) if args.quick else (3000, 50, 5000)
    images = load_images()
    mc.progress(NAME, f"whitened images {[im.shape for im in images]}; {batches} batches, {steps} settling steps")
    ctx = build(args)
    curve = train(ctx, images, batches, steps, rng, args)
    test = sample_patches(images, n_test, np.random.default_rng(args.seed + 1000))
    ev = evaluate(ctx, test, steps, sample_patches(images, 20_000, np.random.default_rng(args.seed + 2000)))
    results = {"batches": batches, "settling_steps": steps, "test_patches": n_test,
               **{k: v for k, v in ev.items() if isinstance(v, float)}}
    plot(ev, test, curve, args.out)
    mc.save_results(args.out, results)
    mc.publish(args, __file__)
    return results


if __name__ == "__main__":
    sys.exit(mc.run_main(main, NAME))
