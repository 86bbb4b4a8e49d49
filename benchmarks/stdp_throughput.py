"""STDP network throughput: synaptica vs a hand-written pure-JAX ``lax.scan`` vs ngc-learn.

The network (batch 1, dt = 1 ms), the same in all three columns::

    z0  PoissonCell(784, target_freq=63.75)      inputs: a fixed random image in [0, 1]
    W   TraceSTDPSynapse((784, N), A_plus=1e-4, A_minus=1e-6, w_bound=1, weights U(0, 0.3))
    Wi  DenseSynapse((N, N)), hollow, weight 1, resist_scale=-INH   lateral inhibition
    z1  LIFCell(N, tau_m=100, refract_time=5, thr_theta_plus=0.05)  z1.j << W.outputs + Wi.outputs
    tr0 VarTrace(784, tau_tr=20), tr1 VarTrace(N, tau_tr=20)
    Wi.inputs << z1.s.prev;  W.preSpike/preTrace << z0/tr0;  W.postSpike/postTrace << z1/tr1
    per step: advance [z0, W, Wi, z1, tr0, tr1], then evolve [W]

Columns: steps/s of ``ctx.run(["advance", "evolve"], steps=T)`` (and, timed alongside, of the
same with ``ctx.carry_write_only = True``: every compartment carried through the scan, ``dWeights``
stored every step, as the engine did before it left write-only state out); of the same step written by hand
as one ``jax.lax.scan`` (same PRNG keys and initial state, so its final weights are checked equal
to synaptica's); of ngc-learn 3.x (a Python loop over its jit-compiled ``advance``/``evolve``
processes, run by a separate interpreter, ``--ngc-python``; skipped with a note if missing).

    python -m benchmarks.stdp_throughput                       # N in 100 1000 6400, T = 1000
    python -m benchmarks.stdp_throughput --sizes 100 --steps 500 --no-ngc
    python -m benchmarks.stdp_throughput --profile             # where the engine's overhead goes
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from benchmarks.common import add_publish_flag, load_average, run_from_start, table, time_interleaved, write_json

N_IN = 784
PARAMS = dict(target_freq=63.75, A_plus=1e-4, A_minus=1e-6, w_bound=1.0, w_low=0.0, w_high=0.3, inh=2.0,
              tau_m=100.0, R_m=1.0, v_rest=-65.0, v_reset=-60.0, thr=-52.0, refract_time=5.0,
              thr_theta_plus=0.05, tau_theta=1e7, tau_tr=20.0, dt=1.0)
NGC_SCRIPT = Path(__file__).resolve().parent / "_ngc_stdp.py"
DEFAULT_NGC_PYTHON = os.environ.get("SYNAPTICA_NGC_PYTHON", "/tmp/ngc/bin/python")


def image(seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).uniform(0.0, 1.0, (1, N_IN)).astype(np.float32)


# -- synaptica -------------------------------------------------------------------------------------
def lean_classes() -> tuple:
    """Profiling variants of the two synapses (``--profile``), to measure what the engine-side changes
    proposed in ``benchmarks/README.md`` would buy: the STDP synapse without the mask multiply (all
    connections present) and without storing ``dWeights``; the static synapse scaling its output
    vector by ``resist_scale`` instead of its whole weight matrix. Same maths at ``p_conn = 1``."""
    from components.rules.stdp import trace_stdp_update
    from components.synapses.dense import DenseSynapse
    from components.synapses.stdp import TraceSTDPSynapse

    class _LeanSTDP(TraceSTDPSynapse):
        def evolve(self, c: Any, *, t: Any, dt: float, key: Any) -> dict:
            dW = trace_stdp_update(c.preSpike, c.postSpike, c.preTrace, c.postTrace, c.weights,
                                   A_plus=self.A_plus, A_minus=self.A_minus, mu=self.mu, w_bound=self.w_bound,
                                   pretrace_target=self.pretrace_target)
            return {"weights": jnp.clip(c.weights + self.eta * dW, 0.0, self.w_bound)}

    class _LeanDense(DenseSynapse):
        def advance_state(self, c: Any, *, t: Any, dt: float, key: Any) -> dict:
            return {"outputs": (c.inputs @ c.weights) * self.resist_scale + c.biases}

    return _LeanSTDP, _LeanDense


def build_synaptica(n: int, seed: int = 0, p: dict = PARAMS, lean: bool = False) -> tuple:
    from components.cells import LIFCell, PoissonCell, VarTrace
    from components.synapses.dense import DenseSynapse
    from components.synapses.stdp import TraceSTDPSynapse
    from contexts import Context, summation

    if lean:
        TraceSTDPSynapse, DenseSynapse = lean_classes()  # noqa: N806

    with Context("stdp_bench", dt=p["dt"], batch_size=1, seed=seed) as ctx:
        z0 = PoissonCell("z0", N_IN, target_freq=p["target_freq"])
        W = TraceSTDPSynapse("W", (N_IN, n), A_plus=p["A_plus"], A_minus=p["A_minus"], w_bound=p["w_bound"],
                             weight_init={"dist": "uniform", "low": p["w_low"], "high": p["w_high"]})
        Wi = DenseSynapse("Wi", (n, n), weight_init={"dist": "constant", "value": 1.0, "zero_diagonal": True},
                          resist_scale=-p["inh"])
        z1 = LIFCell("z1", n, tau_m=p["tau_m"], R_m=p["R_m"], v_rest=p["v_rest"], v_reset=p["v_reset"],
                     thr=p["thr"], refract_time=p["refract_time"], thr_theta_plus=p["thr_theta_plus"],
                     tau_theta=p["tau_theta"])
        tr0 = VarTrace("tr0", N_IN, tau_tr=p["tau_tr"])
        tr1 = VarTrace("tr1", n, tau_tr=p["tau_tr"])
        W.inputs << z0.outputs
        Wi.inputs << z1.s.prev
        z1.j << summation(W.outputs, Wi.outputs)
        tr0.inputs << z0.outputs
        tr1.inputs << z1.s
        W.preSpike << z0.outputs
        W.postSpike << z1.s
        W.preTrace << tr0.trace
        W.postTrace << tr1.trace
        ctx.command("advance", [z0, W, Wi, z1, tr0, tr1])
        ctx.command("evolve", [W])
    ctx.clamp(z0.inputs, image(seed))
    return ctx, z1


# -- the same network written by hand ---------------------------------------------------------------
def hand_scan(ctx: Any, steps: int, *, mask: bool = False, dweights: bool = False, tols: bool = False,
              engine_keys: bool = True, p: dict = PARAMS) -> tuple:
    """``(run, state0)``: ``run(state0) -> state`` is the whole network as one jitted ``lax.scan``.

    Starts from the Context's initial arrays. The flags add what the engine's components do beyond
    the bare maths (multiply by the weight mask, store dWeights, stamp tols); ``engine_keys`` derives
    the Poisson key exactly as the engine does (three ``fold_in``), else one ``fold_in``.
    """
    from contexts.compile import step_key

    v0 = ctx.state["values"]
    dt = p["dt"]
    dec_tr = float(np.exp(-dt / p["tau_tr"]))
    dec_th = float(np.exp(-dt / p["tau_theta"]))
    p_spike = jnp.asarray(v0["z0"]["inputs"] * (p["target_freq"] * dt / 1000.0))
    wi = v0["Wi"]["weights"] * (-p["inh"])
    base_key = ctx.state["clock"]["key"]
    state0 = {"W": v0["W"]["weights"], "v": v0["z1"]["v"], "rfr": v0["z1"]["rfr"], "th": v0["z1"]["thr_theta"],
              "s1": v0["z1"]["s"], "x0": v0["tr0"]["trace"], "x1": v0["tr1"]["trace"], "t": jnp.float32(0.0),
              "k": jnp.int32(0)}
    if dweights:
        state0["dW"] = v0["W"]["dWeights"]
    if tols:
        state0["tols0"], state0["tols1"] = v0["z0"]["tols"], v0["z1"]["tols"]
    m = v0["W"]["mask"]

    def step(c: dict, _: Any) -> tuple:
        k, t = c["k"] + 1, c["t"] + dt
        key = step_key(base_key, k, "z0", "advance_state") if engine_keys else jax.random.fold_in(base_key, k)
        s0 = (jax.random.uniform(key, p_spike.shape, p_spike.dtype) < jnp.clip(p_spike, 0.0, 1.0)).astype(jnp.float32)
        j = s0 @ c["W"] + c["s1"] @ wi
        open_ = (c["rfr"] <= 1e-3 * dt).astype(jnp.float32)
        v = c["v"] + dt / p["tau_m"] * (p["v_rest"] + p["R_m"] * j * open_ - c["v"])
        s1 = (v > p["thr"] + c["th"]).astype(jnp.float32)
        v = jnp.where(s1 > 0, p["v_reset"], v)
        rfr = jnp.where(s1 > 0, p["refract_time"], jnp.maximum(c["rfr"] - dt, 0.0))
        th = c["th"] * dec_th + p["thr_theta_plus"] * s1
        x0 = c["x0"] * dec_tr + s0
        x1 = c["x1"] * dec_tr + s1
        dW = p["A_plus"] * (x0.T @ s1) - p["A_minus"] * (s0.T @ x1)
        w = jnp.clip(c["W"] + dW, 0.0, p["w_bound"])
        if mask:
            w = w * m
        new = {"W": w, "v": v, "rfr": rfr, "th": th, "s1": s1, "x0": x0, "x1": x1, "t": t, "k": k}
        if dweights:
            new["dW"] = dW
        if tols:
            new["tols0"] = jnp.where(s0 > 0, t, c["tols0"])
            new["tols1"] = jnp.where(s1 > 0, t, c["tols1"])
        return new, None

    @jax.jit
    def run(state: dict) -> dict:
        return jax.lax.scan(step, state, None, length=steps)[0]

    return run, state0


# -- measurements ----------------------------------------------------------------------------------------
def candidates(n: int, steps: int, profile: bool = False) -> tuple[Any, dict]:
    """``(ctx, {name: fn})``: each fn runs ``steps`` steps from the same initial state."""
    ctx, _ = build_synaptica(n)
    fns = {"synaptica": run_from_start(ctx, steps)}
    full, _ = build_synaptica(n)
    full.carry_write_only = True    # the engine as before write-only state left the scan's carry
    fns["synaptica_carry_all"] = run_from_start(full, steps)
    if profile:
        fns["synaptica_lean"] = run_from_start(build_synaptica(n, lean=True)[0], steps)
    variants = {"hand_scan": {}}
    if profile:
        variants.update({"hand+mask": {"mask": True}, "hand+dweights": {"dweights": True}, "hand+tols": {"tols": True},
                         "hand+all": {"mask": True, "dweights": True, "tols": True},
                         "hand_1key": {"engine_keys": False}})
    for name, flags in variants.items():
        run, s0 = hand_scan(ctx, steps, **flags)
        fns[name] = (lambda run=run, s0=s0: run(s0))
    return ctx, fns


def ngc_rate(python: str, n: int, steps: int, repeats: int) -> tuple[dict | None, str]:
    if not Path(python).exists():
        return None, (f"ngc-learn interpreter {python} not found "
                      "(python3 -m venv /tmp/ngc && /tmp/ngc/bin/pip install ngclearn)")
    cmd = [python, str(NGC_SCRIPT), "--n", str(n), "--steps", str(steps), "--repeats", str(repeats),
           "--params", json.dumps(PARAMS)]
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env.setdefault("JAX_PLATFORMS", "cpu")
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=3600, env=env, cwd="/tmp")
    except subprocess.TimeoutExpired:
        return None, "ngc-learn run timed out"
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")]
    if proc.returncode != 0 or not lines:
        return None, "ngc-learn failed: " + (proc.stderr.strip().splitlines() or ["?"])[-1][:300]
    res = json.loads(lines[-1][7:])
    return res, f"ngclearn {res['version']}"


def check_equal(ctx: Any, hand_state: dict) -> float:
    """Max |W_synaptica - W_hand| after the same number of steps from the same state and keys."""
    return float(jnp.max(jnp.abs(ctx.state["values"]["W"]["weights"] - hand_state["W"])))


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 6400])
    ap.add_argument("--steps", type=int, default=1000)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--ngc-python", default=DEFAULT_NGC_PYTHON, help="interpreter with ngclearn installed")
    ap.add_argument("--ngc-steps", type=int, default=None, help="steps for ngc-learn (default: --steps)")
    ap.add_argument("--no-ngc", action="store_true")
    ap.add_argument("--profile", action="store_true", help="hand scan plus each engine extra, one at a time")
    ap.add_argument("--tag", default="", help="suffix of the JSON file name (several runs side by side)")
    add_publish_flag(ap)
    args = ap.parse_args(argv)

    rows, results, notes = [], [], []
    head = ["N", "synaptica steps/s", "hand scan steps/s", "ngc-learn steps/s", "hand/synaptica (median)",
            "hand/synaptica (best)", "hand/synaptica (CPU time)", "synaptica/ngc-learn",
            "synaptica/ngc-learn (CPU time)",
            "max|W_syn - W_hand|"]
    for n in args.sizes:
        ctx, fns = candidates(n, args.steps, args.profile)
        t = time_interleaved(fns, repeats=args.repeats)
        assert ctx.compile_count == 1, ctx.compile_count
        diff = check_equal(ctx, fns["hand_scan"]())   # both: `steps` steps from the same state and keys
        rate = {k: args.steps / v["median"] for k, v in t.items()}
        best = {k: args.steps / v["min"] for k, v in t.items()}
        cpu = {k: args.steps / v["cpu_median"] for k, v in t.items()}
        row = {"N": n, "steps_per_s_median": rate, "steps_per_s_best": best, "steps_per_cpu_s": cpu,
               "max_abs_W_diff": diff,
               "load_average_1min": load_average()}
        row["carry_all_over_synaptica"] = {
            "median": t["synaptica_carry_all"]["median"] / t["synaptica"]["median"],
            "best": t["synaptica_carry_all"]["min"] / t["synaptica"]["min"],
            "cpu": t["synaptica_carry_all"]["cpu_median"] / t["synaptica"]["cpu_median"]}
        syn, hand = rate["synaptica"], rate["hand_scan"]
        ngc = ngc_cpu = None
        if not args.no_ngc:
            res, note = ngc_rate(args.ngc_python, n, args.ngc_steps or args.steps, args.repeats)
            row["ngclearn"], row["ngclearn_note"] = res, note
            if res is None:
                notes.append(f"N={n}: ngc-learn column skipped: {note}")
            else:
                ngc, ngc_cpu = res["steps_per_s"], res["steps_per_cpu_s"]
        results.append(row)
        rows.append([n, syn, hand, ngc, hand / syn, best["hand_scan"] / best["synaptica"],
                     cpu["hand_scan"] / cpu["synaptica"], (syn / ngc) if ngc else None,
                     (cpu["synaptica"] / ngc_cpu) if ngc_cpu else None, f"{diff:.1e}"])
        print(table(head, rows[-1:]), flush=True)
    print()
    print(table(head, rows))
    print("\nwrite-only state: time of the engine carrying every compartment (ctx.carry_write_only = True) "
          "/ time of the default engine, same run:")
    print(table(["N", "median", "best", "CPU time"],
                [[r["N"]] + [r["carry_all_over_synaptica"][k] for k in ("median", "best", "cpu")] for r in results]))
    if args.profile:
        keys = ["hand_scan", "hand+mask", "hand+dweights", "hand+tols", "hand+all", "hand_1key", "synaptica",
                "synaptica_lean"]
        print("\nsteps/s, best of the interleaved repeats:")
        print(table(["N"] + keys, [[r["N"]] + [r["steps_per_s_best"][k] for k in keys] for r in results]))
        print("\nsteps per CPU-second of this process (median), less disturbed by other jobs:")
        print(table(["N"] + keys, [[r["N"]] + [r["steps_per_cpu_s"][k] for k in keys] for r in results]))
    for note in notes:
        print(note)
    name = "stdp_throughput" + (f"_{args.tag}" if args.tag else "")
    path = write_json(name, {"params": PARAMS, "steps": args.steps, "repeats": args.repeats, "rows": results,
                             "notes": notes}, args.publish)
    print(f"wrote {path}")


if __name__ == "__main__":
    main(sys.argv[1:])
