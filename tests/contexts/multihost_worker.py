"""One process of the two-process run in test_multihost.py: ``python multihost_worker.py RANK PORT OUT ROOT``.

Data parallel: each process holds half of the batch (its rows of the per-step data); the state is
sharded over the devices of both processes, so the Hebbian update's sum over the batch is an
all-reduce between them. Model parallel: each process holds half of the weight matrix's columns."""

import sys

import jax

rank, port, out = int(sys.argv[1]), sys.argv[2], sys.argv[3]
jax.distributed.initialize(coordinator_address=f"localhost:{port}", num_processes=2, process_id=rank,
                           initialization_timeout=60)

import numpy as np  # noqa: E402
from jax.experimental import multihost_utils  # noqa: E402
from jax.sharding import Mesh, NamedSharding  # noqa: E402
from jax.sharding import PartitionSpec as P  # noqa: E402

sys.path.insert(0, sys.argv[4])
from contexts import load_model_string  # noqa: E402
from contexts.sharding import shard  # noqa: E402
from tests.contexts.test_multihost import MODEL, RECORD, STEPS, data  # noqa: E402

assert jax.process_count() == 2 and len(jax.devices()) == 2 * len(jax.local_devices())
ctx = load_model_string(MODEL)
mesh = Mesh(np.array(jax.devices()), ("data",))            # every process's devices
shard(ctx, mesh)                                            # batch split over both processes
xs = data()                                                 # (steps, batch, n): this process keeps its rows
half = xs.shape[1] // 2
local = xs[:, rank * half:(rank + 1) * half]
xs = jax.make_array_from_process_local_data(NamedSharding(mesh, P(None, "data")), local, xs.shape)
recs = ctx.run(["advance", "evolve"], steps=STEPS, record=RECORD, inputs={"x.inputs": xs})
gathered = {k: np.asarray(multihost_utils.process_allgather(v, tiled=True)) for k, v in recs.items()}
weights = np.asarray(multihost_utils.process_allgather(ctx.get("W.weights"), tiled=True))
# model parallel: every process holds all the samples and half of each weight matrix's columns
ctx2 = load_model_string(MODEL)
mesh2 = Mesh(np.array(jax.devices()), ("model",))
shard(ctx2, mesh2, batch_axis=None, model_axis="model", min_model_elements=1)
assert not ctx2.get("W.weights").is_fully_addressable  # the columns really live on two processes
full = jax.make_array_from_process_local_data(NamedSharding(mesh2, P()), data())
recs2 = ctx2.run(["advance", "evolve"], steps=STEPS, record=RECORD, inputs={"x.inputs": full})
gathered.update({f"model/{k}": np.asarray(multihost_utils.process_allgather(v, tiled=True)) for k, v in recs2.items()})
if rank == 0:
    np.savez(out, weights=weights, **gathered)
print("done", rank, flush=True)
