"""contexts.sharding: a sharded run equals the single-device run.

The multi-device part runs in a subprocess with ``XLA_FLAGS=--xla_force_host_platform_device_count=8``
(the flag must be set before JAX starts; the rest of the suite runs on one device).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from jax.sharding import Mesh, PartitionSpec

from contexts.errors import ContextError
from contexts.sharding import partition_specs

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = textwrap.dedent("""
    import json, sys
    import jax, numpy as np
    from jax.sharding import Mesh, PartitionSpec
    sys.path.insert(0, "tests/contexts")
    from toy import build_net
    from contexts.errors import ContextError
    from contexts.sharding import shard, shard_inputs

    assert jax.device_count() == 8, jax.devices()
    B, T, N_IN, N_OUT = 8, 20, 6, 8
    out = {}

    def go(mesh=None, model_axis=None, batch_axis="data"):
        ctx, noise, W, z = build_net(batch_size=B, seed=3, n_in=N_IN, n_out=N_OUT)
        w_init = np.asarray(W.weights.value)
        if mesh is not None:
            shard(ctx, mesh, batch_axis=batch_axis, model_axis=model_axis, min_model_elements=0)
        r1 = ctx.run(["advance", "evolve"], steps=T, record=[z.v, noise.outputs, W.outputs])
        r2 = ctx.run(["advance", "evolve"], steps=T, record=[z.v, noise.outputs, W.outputs])
        leaves = {
            "weights": ctx.state["values"]["W"]["weights"],
            "v": ctx.state["values"]["z"]["v"],
        }
        info = {k: ([str(d) for d in a.sharding.spec] if hasattr(a.sharding, "spec") else ["single"],
                    len(a.sharding.device_set)) for k, a in leaves.items()}
        res = {"v1": np.asarray(r1[z.v]).tolist(), "spikes": np.asarray(r1[noise.outputs]).tolist(),
               "Wout": np.asarray(r1[W.outputs]).tolist(), "v2": np.asarray(r2[z.v]).tolist(),
               "W": np.asarray(ctx.state["values"]["W"]["weights"]).tolist(),
               "compiles": ctx.compile_count, "placement": info,
               "learnt": bool(np.abs(np.asarray(W.weights.value) - w_init).max() > 1e-3)}
        return res

    out["single"] = go()
    devs = np.array(jax.devices())
    out["data"] = go(Mesh(devs, ("data",)))
    out["data_model"] = go(Mesh(devs.reshape(2, 4), ("data", "model")), model_axis="model")

    # reset and clamp keep the placement, and the next run reuses the compiled function
    ctx, noise, W, z = build_net(batch_size=B, seed=3, n_in=N_IN, n_out=N_OUT)
    shard(ctx, Mesh(devs.reshape(2, 4), ("data", "model")), model_axis="model", min_model_elements=0)
    ctx.run(["advance", "evolve"], steps=T)
    ctx.reset()
    ctx.clamp(z.v, np.zeros((B, N_OUT), np.float32))
    ctx.run(["advance", "evolve"], steps=T)
    out["reset_clamp"] = {"devices": {k: len(a.sharding.device_set) for k, a in
                                      (("v", ctx.state["values"]["z"]["v"]), ("t", ctx.state["clock"]["t"]),
                                       ("W", ctx.state["values"]["W"]["weights"]))},
                          "compiles": ctx.compile_count}

    # a batch that does not divide over the devices is refused with a named fix
    ctx, *_ = build_net(batch_size=3)
    try:
        shard(ctx, Mesh(devs, ("data",)))
        out["indivisible"] = "no error"
    except ContextError as e:
        out["indivisible"] = str(e)
    ctx, *_ = build_net(batch_size=8)
    xs_s = shard_inputs(ctx, Mesh(devs, ("data",)), np.zeros((4, 8, 2), np.float32))
    out["xs_spec"] = [str(d) for d in xs_s.sharding.spec]
    print("RESULT" + json.dumps(out))
""")


@pytest.fixture(scope="module")
def result() -> dict:
    env = dict(os.environ)
    env["XLA_FLAGS"] = (env.get("XLA_FLAGS", "") + " --xla_force_host_platform_device_count=8").strip()
    env["JAX_PLATFORMS"] = "cpu"
    env.pop("JAX_ENABLE_X64", None)
    proc = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr[-4000:]
    line = [ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT")][-1]
    return json.loads(line[len("RESULT"):])


@pytest.mark.parametrize("mode", ["data", "data_model"])
def test_sharded_run_equals_single_device(result: dict, mode: str) -> None:
    import numpy as np

    single, sharded = result["single"], result[mode]
    # random draws do not depend on the placement: identical spikes
    np.testing.assert_array_equal(np.asarray(sharded["spikes"]), np.asarray(single["spikes"]))
    for key in ("v1", "Wout", "v2", "W"):
        np.testing.assert_allclose(np.asarray(sharded[key]), np.asarray(single[key]), rtol=1e-5, atol=1e-6,
                                   err_msg=f"{mode}: {key}")
    assert single["learnt"]            # the batch-summed weight update (an all-reduce when sharded) ran
    # two runs, one compilation: the outputs keep the placement, so the cached function is reused
    assert single["compiles"] == 1 and sharded["compiles"] == 1


def test_placement_follows_the_mesh(result: dict) -> None:
    assert result["single"]["placement"]["weights"][1] == 1
    spec, ndev = result["data"]["placement"]["v"]
    assert ndev == 8 and "data" in spec
    spec, ndev = result["data"]["placement"]["weights"]
    assert "data" not in spec and "model" not in spec          # params replicated for data parallel
    spec, ndev = result["data_model"]["placement"]["weights"]
    assert ndev == 8 and spec == ["None", "model"]   # post axis split
    assert result["xs_spec"] == ["None", "data"]


def test_reset_and_clamp_keep_the_placement_without_recompiling(result: dict) -> None:
    rc = result["reset_clamp"]
    assert rc["devices"] == {"v": 8, "t": 8, "W": 8}
    assert rc["compiles"] == 2  # the run and the default reset, nothing compiled again after them


def test_indivisible_batch_is_refused(result: dict) -> None:
    msg = result["indivisible"]
    assert "batch_size=3" in msg and "multiple of 8" in msg


def test_partition_specs_single_process() -> None:
    """The specs alone, on the one-device mesh of the test process."""
    import jax
    import numpy as np

    from tests.contexts.toy import build_net

    ctx, *_ = build_net(batch_size=4, n_in=6, n_out=8)
    mesh = Mesh(np.array(jax.devices()[:1]).reshape(1, 1), ("data", "model"))
    specs = partition_specs(ctx, mesh, "data", "model", min_model_elements=0)
    assert specs["values"]["W"]["weights"] == PartitionSpec(None, "model")
    assert specs["values"]["z"]["v"] == PartitionSpec("data", "model")
    assert specs["values"]["noise"]["outputs"] == PartitionSpec("data", None)
    assert specs["clock"]["key"] == PartitionSpec()
    big_only = partition_specs(ctx, mesh, "data", "model")      # 6x8 weights are below the size floor
    assert big_only["values"]["W"]["weights"] == PartitionSpec(None, None)
    with pytest.raises(ContextError, match="not 'nope'"):
        partition_specs(ctx, mesh, "nope")
