"""Save/load: round trip continues bit-identically; bad files give clear errors and change nothing."""

import numpy as np
import pytest

from contexts import Context, NonFiniteError, PersistenceError
from tests.contexts.toy import build_net


def test_round_trip_continues_bit_identically(tmp_path):
    ctx, *_ = build_net(seed=5)
    ctx.run(["advance", "evolve"], steps=12)
    ctx.save(tmp_path / "m")
    loaded = Context.load(tmp_path / "m")
    assert loaded.to_graph() == ctx.to_graph()
    a = ctx.run(["advance", "evolve"], steps=20, record=["z.v", "W.weights"])
    b = loaded.run(["advance", "evolve"], steps=20, record=["z.v", "W.weights"])
    np.testing.assert_array_equal(a["z.v"], b["z.v"])
    np.testing.assert_array_equal(a["W.weights"], b["W.weights"])


def test_overwrite_replaces_whole_model_and_leaves_no_temp_files(tmp_path):
    ctx, *_ = build_net(seed=1)
    ctx.save(tmp_path / "m")
    ctx.run(["advance", "evolve"], steps=5)
    ctx.save(tmp_path / "m")
    np.testing.assert_array_equal(Context.load(tmp_path / "m").get("W.weights"), ctx.get("W.weights"))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m"]


def test_failed_save_keeps_the_previous_model(tmp_path):
    ctx, _, W, _ = build_net(seed=1)
    ctx.save(tmp_path / "m")
    good = Context.load(tmp_path / "m").get("W.weights")
    ctx.clamp(W.weights, np.full((6, 4), np.nan, np.float32))
    with pytest.raises(NonFiniteError, match=r"W\.weights holds NaN"):
        ctx.save(tmp_path / "m")
    np.testing.assert_array_equal(Context.load(tmp_path / "m").get("W.weights"), good)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m"]


def test_missing_corrupt_and_mismatched_files(tmp_path):
    with pytest.raises(PersistenceError, match="graph.yaml is missing"):
        Context.load(tmp_path / "nothing")
    ctx, *_ = build_net()
    ctx.save(tmp_path / "m")
    (tmp_path / "m" / "state.npz").write_bytes(b"not an npz")
    with pytest.raises(PersistenceError, match="cannot read the model"):
        Context.load(tmp_path / "m")
    ctx.save(tmp_path / "m")
    other, *_ = build_net(n_in=7)
    other.save(tmp_path / "o")
    (tmp_path / "m" / "state.npz").write_bytes((tmp_path / "o" / "state.npz").read_bytes())
    with pytest.raises(PersistenceError, match=r"values/W/inputs has shape \(2, 7\)"):
        Context.load(tmp_path / "m")
