"""BPTT baseline vs independent references, and what is exactly true of e-prop vs BPTT.

- ``bptt.bptt_grad`` (spike with a ``custom_jvp`` pseudo-derivative) == ``jax.grad`` of an
  independent implementation whose spike has a hand-written ``custom_vjp`` (eprop_reference.py).
- e-prop (independent forward-trace reference, no backward pass) with symmetric feedback
  B = W_out == BPTT of the truncated network, for all three weight matrices (Bellec et al. 2020,
  Eq. (1) with dE/dz replaced by its partial derivative).
- e-prop's W_out gradient == full BPTT's for any B (the readout feeds nothing back).
- the truncation is a real approximation: full and truncated BPTT differ for W_rec.
"""

from __future__ import annotations

import dataclasses

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from museum.eprop_evidence_accumulation.task import QUICK, make_batch
from museum.eprop_vs_bptt import bptt
from tests.museum.eprop_reference import bptt_grad_custom_vjp, eprop_grad

CFG = bptt.NetConfig(n_in=8, n_lif=6, n_alif=6, n_out=2, v_th=0.3, tau_a=200.0)
TASK = dataclasses.replace(QUICK, n_in=8)


@pytest.fixture(scope="module")
def grads():
    kw, kx = jax.random.split(jax.random.PRNGKey(1))
    W = bptt.init_weights(kw, CFG)
    W["W_in"] = W["W_in"] * 4.0                      # enough activity on a 160-step toy task
    batch = make_batch(kx, 4, TASK)
    mask = TASK.recall_mask()
    p = dict(alpha=CFG.alpha, kappa=CFG.kappa, rho=CFG.rho, beta=CFG.beta(), v_th=CFG.v_th, gamma=CFG.gamma,
             t_ref=CFG.t_ref, c_reg=CFG.c_reg, f_target=CFG.f_target * CFG.dt / 1000.0)
    args = (batch.x, batch.labels, mask)
    full, aux = bptt.bptt_grad(W, *args, CFG)
    trunc, _ = bptt.bptt_grad(W, *args, CFG, truncated=True)
    return {"full": full, "trunc": trunc, "aux": aux, "rate": float(aux["rate_hz"]) / 1000.0,
            "ref_full": bptt_grad_custom_vjp(W, *args, p),
            "eprop_sym": eprop_grad({**W, "B": W["W_out"]}, *args, p),
            "eprop_rand": eprop_grad(W, *args, p)}


def _close(a, b, rtol=2e-4):
    a, b = np.asarray(a), np.asarray(b)
    np.testing.assert_allclose(a, b, rtol=rtol, atol=rtol * np.abs(b).max())


def test_network_is_active_and_gradients_nonzero(grads):
    assert 0.005 < grads["rate"] < 0.3, grads["rate"]
    for k in ("W_in", "W_rec", "W_out"):
        g = np.asarray(grads["full"][k])
        assert np.all(np.isfinite(g)) and np.abs(g).max() > 0, k
    assert np.all(np.diag(np.asarray(grads["full"]["W_rec"])) == 0)
    assert 0.0 <= float(grads["aux"]["accuracy"]) <= 1.0


def test_bptt_matches_independent_custom_vjp_grad(grads):
    for k in ("W_in", "W_rec", "W_out"):
        _close(grads["full"][k], grads["ref_full"][k])


def test_eprop_with_symmetric_feedback_equals_truncated_bptt(grads):
    for k in ("W_in", "W_rec", "W_out"):
        _close(grads["eprop_sym"][k], grads["trunc"][k])
    full, trunc = grads["full"]["W_rec"], grads["trunc"]["W_rec"]
    assert float(jnp.abs(full - trunc).max()) > 1e-3 * float(jnp.abs(full).max())


def test_output_weight_gradient_is_exact_for_any_feedback(grads):
    _close(grads["eprop_rand"]["W_out"], grads["full"]["W_out"])
    assert bptt.cosine(grads["eprop_rand"]["W_out"], grads["full"]["W_out"]) > 0.9999
    # the random feedback changes the recurrent-weight gradient (it is not the symmetric one)
    assert bptt.cosine(grads["eprop_rand"]["W_rec"], grads["eprop_sym"]["W_rec"]) < 0.999
