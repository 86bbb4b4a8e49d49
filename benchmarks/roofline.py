"""Roofline note: a large plastic dense synapse is memory bound. Achieved GB/s vs the machine's.

Per step of the square STDP network (:func:`benchmarks.scaling.build_square`, ``N x N`` float32
weights) the weight matrix must be streamed through memory:

* lower bound, 3 passes: read W for ``outputs = inputs @ W``; read W and write W in ``evolve``
  (12 bytes per synapse);
* what the components do, 4 passes: also write ``dWeights`` (16 bytes per synapse; the
  connectivity ``mask`` is not read at ``p_conn = 1``).

Achieved GB/s = bytes / (seconds per step), next to the copy bandwidth of this machine measured in
the same run (NumPy ``copyto`` of 256 MiB on the host, read + write, and ``x <- x + 1`` compiled by JAX,
in place, on the default device: on a GPU that column is the device's bandwidth).

    python -m benchmarks.roofline                         # N in 1000 2000 4000 6400
"""

from __future__ import annotations

import argparse
import sys
import time

import jax
import jax.numpy as jnp

from benchmarks.common import add_publish_flag, memory_bandwidth_gbs, table, write_json
from benchmarks.scaling import seconds_per_run

HEAD = ["N", "W MB", "ms/step", "GB/s (3 passes)", "GB/s (4 passes)", "4-pass / numpy copy", "4-pass / jax copy"]


def jax_copy_bandwidth_gbs(n_bytes: int = 256 << 20, repeats: int = 5) -> float:
    """``x <- x + 1`` compiled by JAX with ``x`` donated (reused in place, as the scan carry is): GB/s."""
    f = jax.jit(lambda a: a + 1.0, donate_argnums=0)
    x = f(jnp.ones((n_bytes // 4,), jnp.float32)).block_until_ready()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        x = f(x).block_until_ready()
        times.append(time.perf_counter() - start)
    return 2 * n_bytes / min(times) / 1e9


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 2000, 4000, 6400])
    ap.add_argument("--steps", type=int, default=50)
    ap.add_argument("--repeats", type=int, default=3)
    add_publish_flag(ap)
    args = ap.parse_args(argv)
    bw_np = memory_bandwidth_gbs()
    bw_jax = jax_copy_bandwidth_gbs()
    print(f"copy bandwidth: numpy {bw_np:.1f} GB/s, jax {bw_jax:.1f} GB/s", flush=True)
    rows, results = [], []
    for n in args.sizes:
        t = seconds_per_run(n, args.steps, args.repeats)
        per_step = t["min"] / args.steps
        mb = 4 * n * n / 1e6
        gbs3, gbs4 = 12 * n * n / per_step / 1e9, 16 * n * n / per_step / 1e9
        results.append({"N": n, "W_MB": mb, "s_per_step": per_step, "GBs_3pass": gbs3, "GBs_4pass": gbs4,
                        "fraction_of_numpy_copy_4pass": gbs4 / bw_np, "fraction_of_jax_copy_4pass": gbs4 / bw_jax})
        rows.append([n, mb, 1e3 * per_step, gbs3, gbs4, gbs4 / bw_np, gbs4 / bw_jax])
        print(table(HEAD, rows[-1:]), flush=True)
    print()
    print(f"machine copy bandwidth (read+write): numpy {bw_np:.1f} GB/s, jax {bw_jax:.1f} GB/s")
    print(table(HEAD, rows))
    print("wrote", write_json("roofline", {"steps": args.steps, "numpy_copy_GBs": bw_np, "jax_copy_GBs": bw_jax,
                                           "rows": results}, args.publish))


if __name__ == "__main__":
    main(sys.argv[1:])
