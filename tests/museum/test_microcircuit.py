"""Smoke test of museum.microcircuit: the tables, the edge layout, and a --quick run."""

import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np

from museum.microcircuit import network as nw

ROOT = Path(__file__).resolve().parents[2]


def test_full_scale_tables():
    s = nw.sizes(1.0)
    assert int(s["n"].sum()) == 77169
    assert 0.29e9 < s["k"].sum() < 0.31e9          # ~0.3e9 synapses
    assert np.allclose(s["dc"], 0.0)                # nothing to compensate at full in-degrees
    w = nw.weight_matrix()
    assert w[0, 2] == 2 * nw.J and w[3, 1] == -4 * nw.J and w[5, 6] == nw.J


def test_scaled_sizes_and_compensation():
    s = nw.sizes(0.1)
    full = nw.sizes(1.0)
    # in-degrees scale with k_scale, weights with 1 / sqrt(k_scale)
    assert np.allclose(s["k"] / s["n"][:, None], 0.1 * full["k"] / full["n"][:, None], rtol=0.02, atol=0.5)
    assert np.allclose(s["w"], full["w"] / math.sqrt(0.1))
    # the compensation restores the mean recurrent input at the full-scale rates
    mean = lambda t: nw.TAU_SYN * 1e-3 * (t["w"] * t["k"] / t["n"][:, None] * nw.FULL_RATES).sum(axis=1)  # noqa: E731
    assert np.allclose(mean(s) + s["dc"], mean(full), rtol=0.02)
    assert abs(nw.charge_factor(0.1) - (1 - math.exp(-0.2)) / 0.2) < 1e-12


def test_edges_in_slots():
    rng = np.random.default_rng(0)
    pre, post = rng.integers(50, size=400), rng.integers(30, size=400)
    w = rng.normal(size=400)
    idx, wt = nw.to_slots(pre, post, w, 30)
    dense = np.zeros((50, 30))
    np.add.at(dense, (pre, post), w)                 # multapses add up
    got = np.zeros((50, 30))
    np.add.at(got, (idx, np.broadcast_to(np.arange(30), idx.shape)), wt)
    assert np.allclose(got, dense) and idx.shape[0] == np.bincount(post).max()


def test_quick_run(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "museum.microcircuit", "--quick", "--out", str(tmp_path)],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert (tmp_path / "microcircuit.png").stat().st_size > 10_000
    res = json.loads((tmp_path / "results.json").read_text())
    rates = [res[f"{p}_rate_hz"] for p in nw.POPS]
    assert all(r > 0 for r in rates), rates
    # the model's layer profile: L2/3e fires far less than L5e (paper ~0.9 vs ~7.6 Hz)
    assert 2 * res["L23e_rate_hz"] < res["L5e_rate_hz"], rates
    assert res["n_neurons"] == 1544 and res["measured_ms"] == 200.0


def test_resume_from_a_checkpoint_gives_the_same_spikes(tmp_path, capsys):
    """A checkpoint is written after 200 ms; --resume from it ends with the rates and CVs of the whole run."""
    from contexts.checkpoint import Checkpointer
    from museum.microcircuit.__main__ import main

    argv = ["--out", str(tmp_path), "--scale", "0.01", "--ms", "150", "--settle", "100"]
    want = main(argv)
    assert Checkpointer(tmp_path / "checkpoints").steps() == [4]
    capsys.readouterr()
    got = main(argv + ["--resume"])
    err = capsys.readouterr().err
    assert "resumed from checkpoint 4" in err and " 200 / 250 ms" not in err   # chunks 1-4 were not run again
    keys = [k for k in want if k.endswith("_rate_hz") or k.endswith("_cv_isi")]
    assert len(keys) == 16 and sum(want[k] for k in keys if k.endswith("_rate_hz")) > 0
    for k in keys:
        np.testing.assert_equal(got[k], want[k], err_msg=k)


def test_poisson_by_inversion_has_poisson_moments():
    import jax
    import jax.numpy as jnp

    from museum.microcircuit import poisson_by_inversion

    for lam in (0.05, 2.3, 7.5):
        x = np.asarray(poisson_by_inversion(jax.random.PRNGKey(1), jnp.full((200_000,), lam)))
        assert np.all(x == np.round(x)) and x.min() >= 0
        assert abs(x.mean() - lam) < 4 * math.sqrt(lam / 2e5), (lam, x.mean())
        assert abs(x.var() / lam - 1) < 0.02, (lam, x.var())


def test_both_layouts_hold_the_same_network():
    """The events (out-edge) and edges (in-edge) builders draw the same synapses for a seed."""
    s = nw.sizes(0.01)
    for src in nw.TYPES:
        for tgt in nw.TYPES:
            n_src, n_tgt = (nw.cell_offsets(s["n"], t)["size"] for t in (src, tgt))
            post_index, w_out = nw.out_edge_arrays(s, src, tgt, np.random.default_rng(3), 0.9)
            pre_index, w_in = nw.in_edge_arrays(s, src, tgt, np.random.default_rng(3), 0.9)
            out, inn = np.zeros((n_src, n_tgt)), np.zeros((n_src, n_tgt))
            np.add.at(out, (np.repeat(np.arange(n_src)[:, None], post_index.shape[1], 1), post_index), w_out)
            np.add.at(inn, (pre_index, np.broadcast_to(np.arange(n_tgt), pre_index.shape)), w_in)
            np.testing.assert_allclose(out, inn, rtol=1e-5, atol=1e-3, err_msg=src + tgt)
            k = s["k"][np.ix_(nw.TYPE_POPS[tgt], nw.TYPE_POPS[src])].sum()
            assert (w_out != 0).sum() == k                     # every synapse, multapses in their own slots
    n = s["n"]
    assert sorted(np.concatenate([nw.to_global(n, t) for t in nw.TYPES])) == list(range(int(n.sum())))


def test_delay_groups_share_out_every_synapse():
    s = nw.sizes(0.01)
    counts = nw.draw_counts(s, "exc", "inh", np.random.default_rng(0))
    parts = nw.split_counts(counts, 4, np.random.default_rng(1))
    for key, c in counts.items():
        np.testing.assert_array_equal(sum(p[key] for p in parts), c)
        assert c.sum() < 1000 or all(0.2 < p[key].sum() / c.sum() < 0.3 for p in parts)   # about a quarter each
    d = nw.delay_values(1.5, 0.1, 4)
    assert np.all(np.diff(d) > 0) and np.allclose(d / 0.1, np.round(d / 0.1)) and d[0] >= 0.1
    assert abs(d.mean() - 1.5) < 0.15                                       # N(1.5, 0.75) truncated at 0.1
