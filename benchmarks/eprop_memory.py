"""Memory of e-prop vs BPTT as the sequence length T doubles (sine-wave network: 100 in, 100 LIF, 1 out).

e-prop is online: its state (traces zbar, filtered eligibilities ebar, gradient accumulators) is
O(n_pre * n_post) whatever T. BPTT (``jax.grad`` through the scan, surrogate derivative psi) must keep
every step's activations for the backward pass: O(T * n).

Measured with XLA's own accounting of the compiled training step (``compiled.memory_analysis()``):
``temp`` = scratch buffers the executable allocates (the working memory), beside the arguments (the
weights, state and the (T, 100) input, identical for both). Nothing is run, so it is fast.

    python benchmarks/eprop_memory.py            # T = 250 ... 8000
Writes benchmarks/results/local/eprop_memory.json (``--publish``: benchmarks/results/).
"""

from __future__ import annotations

import argparse
import json

import jax
import jax.numpy as jnp
import numpy as np

try:
    from benchmarks.common import add_publish_flag, results_dir
except ImportError:  # run as a script (python benchmarks/eprop_memory.py): its folder is on sys.path
    from common import add_publish_flag, results_dir



def eprop_bytes(T: int) -> dict:
    """Compiled memory of one e-prop iteration (reset, T steps of advance+accumulate, evolve)."""
    from museum.eprop_sine_waves import Trainer, build, make_task

    ctx = build(seed=0, overrides={f"{k}.weight_init": {"dist": "constant", "value": 0.01}
                                   for k in ("W_in", "W_rec", "W_out", "B")})
    x, y = make_task(0, T=T)
    tr = Trainer(ctx, x, y)
    fn = jax.jit(lambda s: tr.iteration(s)[:2])
    mem = fn.lower(ctx.state).compile().memory_analysis()
    return {"temp": int(mem.temp_size_in_bytes), "arguments": int(mem.argument_size_in_bytes),
            "outputs": int(mem.output_size_in_bytes)}


@jax.custom_jvp
def _spike(v: jax.Array) -> jax.Array:  # v - v_th
    return (v >= 0).astype(v.dtype)


@_spike.defjvp
def _spike_jvp(primals: tuple, tangents: tuple) -> tuple:
    (v,), (dv,) = primals, tangents
    return _spike(v), 0.3 / 0.03 * jnp.maximum(0.0, 1.0 - jnp.abs(v) / 0.03) * dv


def bptt_bytes(T: int) -> dict:
    """Compiled memory of the BPTT gradient of the same network and loss (no regulariser)."""
    alpha = kappa = float(np.exp(-1 / 30))
    n = 100
    x = jnp.zeros((T, n), jnp.float32)
    y = jnp.zeros((T, 1), jnp.float32)

    def loss(W: tuple) -> jax.Array:
        w_in, w_rec, w_out = W

        def step(c: tuple, inp: tuple) -> tuple:
            v, z, yo = c
            xt, yt = inp
            v = alpha * v + (1 - alpha) * (xt @ w_in + z @ w_rec) - 0.03 * z
            z = _spike(v - 0.03)
            yo = kappa * yo + (1 - kappa) * (z @ w_out)
            return (v, z, yo), 0.5 * jnp.sum((yo - yt) ** 2)

        c0 = (jnp.zeros(n), jnp.zeros(n), jnp.zeros(1))
        _, losses = jax.lax.scan(step, c0, (x, y))
        return jnp.sum(losses)

    W = (jnp.zeros((n, n)), jnp.zeros((n, n)), jnp.zeros((n, 1)))
    mem = jax.jit(jax.grad(loss)).lower(W).compile().memory_analysis()
    return {"temp": int(mem.temp_size_in_bytes), "arguments": int(mem.argument_size_in_bytes),
            "outputs": int(mem.output_size_in_bytes)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--T", type=int, nargs="+", default=[250, 500, 1000, 2000, 4000, 8000])
    add_publish_flag(parser)
    args = parser.parse_args()
    rows = []
    print(f"{'T':>6} {'e-prop temp (KiB)':>18} {'BPTT temp (KiB)':>16} {'input (KiB)':>12}")
    for T in args.T:
        e, b = eprop_bytes(T), bptt_bytes(T)
        rows.append({"T": T, "eprop": e, "bptt": b, "input_bytes": T * 100 * 4})
        print(f"{T:>6} {e['temp'] / 1024:>18.1f} {b['temp'] / 1024:>16.1f} {T * 100 * 4 / 1024:>12.1f}", flush=True)
    first, last = rows[0], rows[-1]
    growth = {k: last[k]["temp"] / max(first[k]["temp"], 1) for k in ("eprop", "bptt")}
    print(f"T x{last['T'] // first['T']}: e-prop temp x{growth['eprop']:.2f}, BPTT temp x{growth['bptt']:.2f}")
    out = {"benchmark": "eprop_memory", "backend": jax.default_backend(), "jax": jax.__version__,
           "metric": "XLA compiled memory_analysis().temp_size_in_bytes of one training step",
           "rows": rows, "temp_growth_first_to_last": growth}
    path = results_dir(args.publish) / "eprop_memory.json"
    path.write_text(json.dumps(out, indent=2) + "\n")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
