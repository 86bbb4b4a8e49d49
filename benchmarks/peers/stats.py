"""Spike statistics shared by the peer scripts (NumPy only): rates and ISI CVs."""

from __future__ import annotations

import argparse

import numpy as np


def spike_stats(idx: np.ndarray, times_ms: np.ndarray, n: int, duration_ms: float) -> dict:
    """Mean rate (Hz) over ``n`` neurons and mean CV of the inter-spike intervals of the neurons with
    at least 3 spikes, from spike indices and times."""
    idx, times_ms = np.asarray(idx, np.int64), np.asarray(times_ms, np.float64)
    counts = np.bincount(idx, minlength=n)
    rate = float(counts.sum() / n / (duration_ms / 1000.0))
    order = np.lexsort((times_ms, idx))
    idx, times_ms = idx[order], times_ms[order]
    cvs = []
    starts = np.r_[0, np.cumsum(counts)]
    for i in np.nonzero(counts >= 3)[0]:
        isi = np.diff(times_ms[starts[i]:starts[i + 1]])
        if isi.mean() > 0:
            cvs.append(isi.std() / isi.mean())
    return {"rate_hz": rate, "cv_isi": float(np.mean(cvs)) if cvs else float("nan"), "n_cv": len(cvs)}


def peak_rss_mb() -> float:
    """Peak resident memory (MB) of this process or of a child it ran (Brian2's standalone binary)."""
    import resource

    return max(resource.getrusage(who).ru_maxrss for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)) / 1024.0


def network_parser() -> argparse.ArgumentParser:
    """The arguments every simulator's COBA / CUBA script takes (the network and the run)."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--kind", default="coba", choices=["coba", "cuba"])
    ap.add_argument("--n", type=int, default=4000)
    ap.add_argument("--p", type=float, default=0.02)
    ap.add_argument("--dt", type=float, default=0.1)
    ap.add_argument("--duration", type=float, default=1000.0, help="ms")
    ap.add_argument("--seed", type=int, default=0)
    return ap
