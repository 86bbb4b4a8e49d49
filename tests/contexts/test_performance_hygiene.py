"""Performance hygiene: no recompilation when only data changes; float32 by default, float64 on request.

The float64 part runs in a subprocess with ``JAX_ENABLE_X64=1`` (x64 is a process-wide switch that
must be set before JAX starts; the rest of the suite runs in float32).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from contexts import Context
from contexts.errors import ContextError
from tests.contexts.toy import ToyLeaky, build_net

ROOT = Path(__file__).resolve().parents[2]


def _leaky(**kw):
    with Context("hyg", batch_size=2, **kw) as ctx:
        z = ToyLeaky("z", 3, tau=5.0, thr=0.5)
        ctx.command("advance", [z])
    return ctx, z


def test_new_data_does_not_recompile() -> None:
    ctx, z = _leaky()
    rng = np.random.default_rng(0)
    outs = []
    for _ in range(3):
        xs = rng.uniform(0.0, 1.0, (10, 2, 3)).astype(np.float32)
        outs.append(np.asarray(ctx.run("advance", steps=10, record=[z.v], inputs={z.j: xs})[z.v]))
    assert ctx.compile_count == 1
    assert not np.allclose(outs[0], outs[1])         # the data really changed the result
    ctx.state = ctx.initial_state(seed=5)             # a new state of the same structure
    ctx.run("advance", steps=10, record=[z.v], inputs={z.j: np.ones((10, 2, 3), np.float32)})
    assert ctx.compile_count == 1
    ctx.run("advance", steps=11, record=[z.v], inputs={z.j: np.ones((11, 2, 3), np.float32)})
    assert ctx.compile_count == 2                     # a new length is a new program (and the counter sees it)


def test_clamped_values_and_learning_do_not_recompile() -> None:
    ctx, noise, W, z = build_net(batch_size=2)
    w0 = np.asarray(W.weights.value)
    for _ in range(3):
        ctx.run(["advance", "evolve"], steps=5, record=[z.s])
    assert ctx.compile_count == 1
    assert not np.allclose(w0, np.asarray(W.weights.value))    # weights learnt, same compiled run
    ctx.clamp(W.weights, w0 * 0.5)
    ctx.run(["advance", "evolve"], steps=5, record=[z.s])
    assert ctx.compile_count == 1
    W.eta = 0.02                                                # a parameter change must recompile
    ctx.run(["advance", "evolve"], steps=5, record=[z.s])
    assert ctx.compile_count == 2


def test_float32_by_default() -> None:
    assert not jax.config.jax_enable_x64
    ctx, noise, W, z = build_net(batch_size=2)
    recs = ctx.run(["advance", "evolve"], steps=4, record=[z.v, W.weights])
    for leaf in jax.tree_util.tree_leaves(ctx.state["values"]):
        if jnp.issubdtype(leaf.dtype, jnp.inexact):
            assert leaf.dtype == jnp.float32
    assert ctx.state["clock"]["t"].dtype == jnp.float32
    assert recs[z.v].dtype == jnp.float32 and recs[W.weights].dtype == jnp.float32
    ctx2, z2 = _leaky()
    recs = ctx2.run("advance", steps=3, record=[z2.v], inputs={z2.j: np.ones((3, 2, 3), np.float64)})
    assert recs[z2.v].dtype == jnp.float32                      # float64 data is cast, not promoted


def test_float64_needs_x64() -> None:
    with pytest.raises(ContextError, match="jax_enable_x64"):
        Context("f64", dtype="float64")


F64_SCRIPT = textwrap.dedent("""
    import json, sys
    import jax, jax.numpy as jnp, numpy as np
    sys.path.insert(0, "tests/contexts")
    from toy import build_net
    assert jax.config.jax_enable_x64
    out = {}
    start = None
    for dtype in ("float32", "float64"):
        ctx, noise, W, z = build_net(batch_size=2, seed=1, dtype=dtype)
        if start is None:
            start = ctx.state
        else:   # the same initial values (random draws differ by dtype), in float64
            ctx.state = jax.tree_util.tree_map(
                lambda a: a.astype(dtype) if jnp.issubdtype(a.dtype, jnp.inexact) else a, start)
        recs = ctx.run(["advance", "evolve"], steps=30, record=[z.v])
        leaves = [l for l in jax.tree_util.tree_leaves(ctx.state["values"]) if jnp.issubdtype(l.dtype, jnp.inexact)]
        out[dtype] = {"dtypes": sorted({str(l.dtype) for l in leaves}), "rec": str(recs[z.v].dtype),
                      "t": str(ctx.state["clock"]["t"].dtype), "W": np.asarray(W.weights.value, np.float64).tolist(),
                      "compiles": ctx.compile_count}
    print("RESULT" + json.dumps(out))
""")


def test_float64_on_request() -> None:
    env = dict(os.environ, JAX_ENABLE_X64="1", JAX_PLATFORMS="cpu")
    env.pop("XLA_FLAGS", None)
    proc = subprocess.run([sys.executable, "-c", F64_SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr[-4000:]
    out = json.loads([ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT")][-1][6:])
    assert out["float64"]["dtypes"] == ["float64"] and out["float64"]["rec"] == "float64"
    assert out["float64"]["t"] == "float64"
    # with x64 switched on, a float32 model stays float32 (Python floats in steps do not promote it)
    assert out["float32"]["dtypes"] == ["float32"] and out["float32"]["rec"] == "float32"
    assert out["float32"]["t"] == "float32"
    w32, w64 = np.asarray(out["float32"]["W"]), np.asarray(out["float64"]["W"])
    np.testing.assert_allclose(w64, w32, rtol=1e-5, atol=1e-6)   # same model, same keys, finer arithmetic
    assert not np.array_equal(w64, w32)                          # ... and it really ran in float64
