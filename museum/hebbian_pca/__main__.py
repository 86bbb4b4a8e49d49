"""Hebbian learning with Oja normalisation finds the principal components of correlated input.

A linear neuron ``y = x W`` trained with Oja's rule ``dW = eta * y (x - W y)`` (Oja 1982) on
samples of a 10-dimensional correlated Gaussian converges to the first principal component; three
such neurons with the same rule (Oja's subspace rule, Oja 1989) span the top-3 principal subspace.
Both are compared with NumPy's PCA (eigenvectors of the sample covariance).

    python -m museum.hebbian_pca [--quick] [--seed N] [--out DIR] [--publish]
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

import numpy as np

from museum import _common as mc

NAME = "hebbian_pca"
N_DIM = 10
EIGENVALUES = np.array([6.0, 4.0, 2.5, 1.0, 0.6, 0.4, 0.3, 0.2, 0.1, 0.05])


def make_data(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """``n`` samples of a zero-mean Gaussian with a random rotation of ``EIGENVALUES`` as covariance,
    and the principal directions NumPy's PCA finds in them (columns, by decreasing variance)."""
    q, _ = np.linalg.qr(rng.normal(size=(N_DIM, N_DIM)))
    x = (rng.normal(size=(n, N_DIM)) * np.sqrt(EIGENVALUES)) @ q.T
    evals, evecs = np.linalg.eigh(np.cov(x, rowvar=False))
    return x.astype(np.float32), evecs[:, np.argsort(evals)[::-1]]


def subspace_cosines(w: np.ndarray, pcs: np.ndarray) -> np.ndarray:
    """Cosines of the principal angles between span(w) and span(pcs) (1 = same subspace)."""
    q, _ = np.linalg.qr(w)
    return np.clip(np.linalg.svd(q.T @ pcs, compute_uv=False), 0.0, 1.0)


def train(args: Any, k: int, x: np.ndarray, pcs: np.ndarray) -> dict:
    ctx = mc.load_exhibit_model(__file__, overrides={"seed": args.seed, "W.shape": [N_DIM, k], "y.n_units": k},
                                 args=args)
    batch = ctx.batch_size
    steps = len(x) // batch
    xs = x[: steps * batch].reshape(steps, batch, N_DIM)
    rec = ctx.run(["advance", "evolve"], steps=steps, record=["W.weights"], inputs={"x.inputs": xs})
    ws = np.asarray(rec["W.weights"])  # (steps, N_DIM, k)
    stride = max(1, steps // 200)
    curve = np.array([subspace_cosines(ws[i], pcs[:, :k]) for i in range(0, steps, stride)])
    w = ws[-1]
    return {"w": w, "steps": np.arange(0, steps, stride) + 1, "curve": curve, "norms": np.linalg.norm(w, axis=0),
            "cos": subspace_cosines(w, pcs[:, :k]),
            "cos_each": np.abs(w.T @ pcs[:, :k]).max(axis=1) / np.linalg.norm(w, axis=0)}


def plot(one: dict, three: dict, pcs: np.ndarray, batch: int, out: Path) -> None:
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(1, 3, figsize=(13, 3.6))
    ax[0].semilogy(one["steps"] * batch, 1 - one["curve"][:, 0] + 1e-7, label="1 neuron: PC1")
    for i in range(three["curve"].shape[1]):
        ax[0].semilogy(three["steps"] * batch, 1 - three["curve"][:, i] + 1e-7, "--",
                       label=f"3 neurons: principal angle {i + 1}")
    ax[0].axhline(0.01, color="gray", lw=0.8, ls=":")
    ax[0].set(xlabel="samples seen", ylabel="1 - cosine", title="convergence to NumPy's PCA (0.99 dotted)")
    ax[0].legend(fontsize=8, loc="lower right")
    w = one["w"][:, 0] * np.sign(one["w"][:, 0] @ pcs[:, 0])
    idx = np.arange(N_DIM)
    ax[1].bar(idx - 0.2, pcs[:, 0], 0.4, label="PC1 (NumPy)")
    ax[1].bar(idx + 0.2, w, 0.4, label="Oja weight vector")
    ax[1].set(xlabel="input dimension", ylabel="component", title=f"PC1: |cos| = {one['cos'][0]:.4f}")
    ax[1].legend(fontsize=8)
    ax[2].bar(np.arange(1, 4), three["cos"], color="tab:green")
    ax[2].set(ylim=(0.9, 1.001), xticks=[1, 2, 3], xlabel="principal angle", ylabel="cosine",
              title=f"top-3 subspace (|w_i| = {', '.join(f'{n:.3f}' for n in three['norms'])})")
    fig.tight_layout()
    mc.save_figure(fig, out / "hebbian_pca.png")


def main(argv: Sequence[str] | None = None) -> dict:
    args = mc.parse_args(NAME, __doc__, argv)
    rng = np.random.default_rng(args.seed)
    n = 2_000 if args.quick else 60_000
    x, pcs = make_data(rng, n)
    mc.progress(NAME, f"{n} samples of a {N_DIM}-d Gaussian, variances {mc.numbers(EIGENVALUES, 'g')}")
    one = train(args, 1, x, pcs)
    mc.progress(NAME, f"1 neuron: |cos(w, PC1)| = {one['cos'][0]:.5f}, |w| = {one['norms'][0]:.4f}")
    three = train(args, 3, x, pcs)
    mc.progress(NAME, f"3 neurons: principal-angle cosines {mc.numbers(three['cos'], '.5f')}")
    plot(one, three, pcs, batch=10, out=args.out)
    results = {"samples": n, "cos_pc1": float(one["cos"][0]), "norm_w_pc1": float(one["norms"][0]),
               "subspace3_cosines": three["cos"], "subspace3_norms": three["norms"]}
    mc.save_results(args.out, results)
    mc.publish(args, __file__)
    return results


if __name__ == "__main__":
    main()
