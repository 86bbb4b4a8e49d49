"""Write-only state: compartments a run writes but never reads leave the scan's carry.

The engine computes them on the run's last step only, so every result (records, the final state,
``ctx.get``) must be bit-identical to carrying everything (``ctx.carry_write_only = True``)."""

from __future__ import annotations

import jax
import numpy as np
import pytest

from contexts import Context, summation
from contexts.compile import write_only
from tests.contexts.toy import build_net

N_IN, N, B, T = 30, 12, 2, 120
A_PLUS, A_MINUS = 0.02, 0.01


def stdp_net(carry_all: bool = False, seed: int = 3):
    """Poisson(30) -> TraceSTDP -> LIF(12) with traces and lateral inhibition (as benchmarks.stdp_throughput)."""
    from components.cells import LIFCell, PoissonCell, VarTrace
    from components.synapses import DenseSynapse, TraceSTDPSynapse

    with Context("wo", batch_size=B, seed=seed) as ctx:
        z0 = PoissonCell("z0", N_IN, target_freq=200.0)
        W = TraceSTDPSynapse("W", (N_IN, N), A_plus=A_PLUS, A_minus=A_MINUS, w_bound=1.0,
                             weight_init={"dist": "uniform", "low": 0.2, "high": 0.9})
        Wi = DenseSynapse("Wi", (N, N), weight_init={"dist": "constant", "value": 1.0, "zero_diagonal": True},
                          resist_scale=-0.5)
        z1 = LIFCell("z1", N, tau_m=10.0, R_m=4.0, v_rest=-65.0, v_reset=-60.0, thr=-58.0, refract_time=2.0)
        tr0, tr1 = VarTrace("tr0", N_IN, tau_tr=10.0), VarTrace("tr1", N, tau_tr=10.0)
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
    ctx.clamp(z0.inputs, np.random.default_rng(seed).uniform(0.3, 1.0, (N_IN,)).astype(np.float32))
    ctx.carry_write_only = carry_all
    ctx.write_only_min_bytes = 0       # this small model's dWeights is below the default size floor
    return ctx, z0, W, z1, tr0, tr1


def leaves(ctx) -> list:
    return [np.asarray(x) for x in jax.tree_util.tree_leaves(ctx.state)]


def test_write_only_set() -> None:
    ctx, z0, W, z1, tr0, tr1 = stdp_net()
    ctx.validate()
    # dWeights is read by nothing; the traces' `outputs` copies feed no wire (`trace` does)
    assert write_only(ctx, ("advance", "evolve")) == {"W.dWeights", "tr0.outputs", "tr1.outputs"}
    assert write_only(ctx, ("advance", "evolve"), record=("W.dWeights",)) == {"tr0.outputs", "tr1.outputs"}
    assert write_only(ctx, ("advance", "evolve"), keep=("tr0.outputs",)) == {"W.dWeights", "tr1.outputs"}
    # the toy net: every output feeds a wire or a step; W.outputs is wired into z.j
    tctx = build_net()[0]
    tctx.validate()
    assert write_only(tctx, ("advance", "evolve")) == set()


def test_bit_identical_to_carrying_everything() -> None:
    runs = {}
    for carry_all in (True, False):
        ctx, z0, W, z1, tr0, tr1 = stdp_net(carry_all)
        rec1 = ctx.run(["advance", "evolve"], steps=T, record=[z1.s, W.weights])
        rec2 = ctx.run(["advance", "evolve"], steps=7)           # a second run continues from the first
        ctx.run("advance", steps=3)                              # and a run of one command
        runs[carry_all] = (leaves(ctx), np.asarray(rec1[z1.s]), np.asarray(rec1[W.weights]), dict(rec2))
    full, lean = runs[True], runs[False]
    assert len(full[0]) == len(lean[0])
    for a, b in zip(full[0], lean[0]):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(full[1], lean[1])
    np.testing.assert_array_equal(full[2], lean[2])
    assert full[1].sum() > 10                                    # the network spiked: learning happened
    assert np.abs(full[2][-1] - full[2][0]).max() > 1e-3


def test_get_after_a_run_is_the_last_steps_value() -> None:
    """ctx.get(W.dWeights) after a run is the update of its last step (NumPy from recorded spikes/traces)."""
    ctx, z0, W, z1, tr0, tr1 = stdp_net()
    rec = ctx.run(["advance", "evolve"], steps=60, record=[z0.outputs, z1.s, tr0.trace, tr1.trace])
    x, y, s_pre, s_post = (np.asarray(rec[p][-1], np.float64) for p in (tr0.trace, tr1.trace, z0.outputs, z1.s))
    expected = A_PLUS * x.T @ s_post - A_MINUS * s_pre.T @ y
    np.testing.assert_allclose(np.asarray(ctx.get(W.dWeights)), expected, rtol=1e-6, atol=1e-7)
    assert np.asarray(ctx.get(tr1.outputs)).shape == (B, N)
    np.testing.assert_array_equal(ctx.get(tr1.outputs), ctx.get(tr1.trace))   # VarTrace: outputs = trace


def test_recording_a_write_only_compartment() -> None:
    recs = {}
    for carry_all in (True, False):
        ctx, z0, W, z1, tr0, tr1 = stdp_net(carry_all)
        recs[carry_all] = np.asarray(ctx.run(["advance", "evolve"], steps=40, record=[W.dWeights])[W.dWeights])
        np.testing.assert_array_equal(recs[carry_all][-1], ctx.get(W.dWeights))
    np.testing.assert_array_equal(recs[True], recs[False])
    assert np.count_nonzero(recs[False]) > 0 and len(np.unique(recs[False].sum(axis=(1, 2)))) > 5


def _num_carry(ctx, steps: int, record=()) -> int:
    fn = ctx.compile_run(["advance", "evolve"], steps, record=record)
    scans = []

    def walk(jaxpr) -> None:
        for e in jaxpr.eqns:
            if e.primitive.name == "scan":
                scans.append(e)
            for sub in jax.core.jaxprs_in_params(e.params):
                walk(sub)

    walk(jax.make_jaxpr(fn)(ctx.state, {}).jaxpr)
    assert len(scans) == 1
    return scans[0].params["num_carry"]


def test_the_scan_carries_less() -> None:
    ctx = stdp_net()[0]
    full = stdp_net(carry_all=True)[0]
    assert _num_carry(full, 10) - _num_carry(ctx, 10) == 3
    assert _num_carry(full, 10) - _num_carry(ctx, 10, record=["W.dWeights"]) == 2


@pytest.mark.parametrize("steps", [1, 2])
def test_short_runs_and_check_finite(steps: int) -> None:
    a, b = stdp_net(True)[0], stdp_net(False)[0]
    a.run(["advance", "evolve"], steps=steps)
    b.run(["advance", "evolve"], steps=steps, check_finite=(steps == 2))
    for x, y in zip(leaves(a), leaves(b)):
        np.testing.assert_array_equal(x, y)


def test_small_write_only_compartments_stay_in_the_carry() -> None:
    """Below ctx.write_only_min_bytes (default 1 MiB) a write-only compartment is still carried."""
    from contexts.compile import WRITE_ONLY_MIN_BYTES

    ctx = stdp_net()[0]
    ctx.validate()
    del ctx.write_only_min_bytes
    assert WRITE_ONLY_MIN_BYTES == 1 << 20
    assert write_only(ctx, ("advance", "evolve")) == set()          # dWeights: 30 x 12 floats
    ctx.write_only_min_bytes = 30 * 12 * 4                             # exactly dWeights' size
    assert write_only(ctx, ("advance", "evolve")) == {"W.dWeights"}
