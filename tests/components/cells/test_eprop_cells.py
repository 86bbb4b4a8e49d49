"""e-prop cells against an independent NumPy reference (Bellec et al. 2020; NEST ``eprop_iaf_bsshslm_2020``,
``eprop_iaf_adapt_bsshslm_2020``, ``eprop_readout_bsshslm_2020``)."""

from __future__ import annotations

import numpy as np
import pytest

from components.cells import EpropALIFCell, EpropLIFCell, EpropReadoutCell
from contexts import Context, ValidationError

T, B, N, K = 300, 3, 8, 3


def numpy_neuron(js, tau_m, v_th, gamma, t_ref, leaky, beta=0.0, tau_a=None):
    al = np.exp(-1 / tau_m)
    rho = np.exp(-1 / tau_a) if tau_a else 0.0
    c_in = 1 - al if leaky else 1.0
    beta = np.broadcast_to(np.asarray(beta, float), js.shape[2:])
    v = np.zeros(js.shape[1:]); z = np.zeros_like(v); r = np.zeros_like(v); a = np.zeros_like(v)  # noqa: E702
    out = {k: [] for k in ("v", "s", "psi", "a", "thr", "psi_beta")}
    for j in js:
        zp = z
        r = np.maximum(r - 1, 0)
        v = al * v + c_in * j - v_th * zp
        a = rho * a + zp
        A = v_th + beta * a
        psi = np.where(r > 0, 0.0, gamma / v_th * np.maximum(0.0, 1 - np.abs(v - A) / v_th))
        z = ((v >= A) & (r == 0)).astype(float)
        r = np.where(z > 0, t_ref, r)
        for k, val in (("v", v), ("s", z), ("psi", psi), ("a", a), ("thr", A), ("psi_beta", psi * beta)):
            out[k].append(val)
    return {k: np.array(v) for k, v in out.items()}


def numpy_readout(js, ys, mask, tau_out, loss_type):
    ka = np.exp(-1 / tau_out)
    y = np.zeros(js.shape[1:])
    out = {"y": [], "error": [], "loss": [], "pred": []}
    for j, tgt, m in zip(js, ys, mask):
        y = ka * y + (1 - ka) * j
        if loss_type == "mse":
            pred = y
            loss = 0.5 * np.sum((y - tgt) ** 2, -1)
        else:
            ex = np.exp(y - y.max(-1, keepdims=True))
            pred = ex / ex.sum(-1, keepdims=True)
            loss = -np.sum(tgt * np.log(pred), -1)
        out["y"].append(y); out["pred"].append(pred)  # noqa: E702
        out["error"].append((pred - tgt) * m); out["loss"].append(loss * m[..., 0])  # noqa: E702
    return {k: np.array(v) for k, v in out.items()}


def test_cells_match_numpy_over_many_steps():
    rng = np.random.default_rng(0)
    beta = np.r_[np.zeros(N // 2), np.full(N - N // 2, 0.8)]
    with Context("cells", batch_size=B) as ctx:
        lif = EpropLIFCell("lif", N, tau_m=30.0, v_th=0.03, gamma=0.3)
        alif = EpropALIFCell("alif", N, tau_m=20.0, v_th=0.6, gamma=0.3, t_ref=5.0, tau_a=100.0, beta=list(beta))
        reg = EpropReadoutCell("reg", K, tau_out=30.0, loss_type="mse")
        cls = EpropReadoutCell("cls", K, tau_out=20.0, loss_type="cross_entropy", loss_norm=2.0)
    cls.target << reg.target  # the same one-hot targets for both
    ctx.command("advance", [lif, alif, reg, cls])
    j_lif = rng.normal(0.06, 0.1, (T, B, N))
    j_alif = rng.normal(0.2, 0.4, (T, B, N))
    j_out = rng.normal(0.0, 2.0, (T, B, K))
    ys = np.broadcast_to(np.eye(K)[rng.integers(0, K, B)], (T, B, K)).astype(float)
    mask = (rng.random((T, B, 1)) < 0.5).astype(float)
    rec = ctx.run("advance", steps=T, inputs={lif.j: j_lif, alif.j: j_alif, reg.j: j_out, cls.j: j_out,
                                              reg.target: ys, reg.mask: mask, cls.mask: mask},
                  record=[lif.v, lif.s, lif.psi, alif.v, alif.s, alif.psi, alif.a, alif.thr, alif.psi_beta,
                          reg.y, reg.error, reg.loss, reg.pred, cls.y, cls.error, cls.loss, cls.pred])
    ref = numpy_neuron(j_lif, 30.0, 0.03, 0.3, 0, True)
    for k in ("v", "s", "psi"):
        np.testing.assert_allclose(rec[f"lif.{k}"], ref[k], rtol=1e-4, atol=1e-5, err_msg=f"lif.{k}")
    assert 0.02 < ref["s"].mean() < 0.5  # the comparison includes resets
    ref = numpy_neuron(j_alif, 20.0, 0.6, 0.3, 5, False, beta=beta, tau_a=100.0)
    for k in ("v", "s", "psi", "a", "thr", "psi_beta"):
        np.testing.assert_allclose(rec[f"alif.{k}"], ref[k], rtol=1e-4, atol=1e-4, err_msg=f"alif.{k}")
    # refractory: after a spike, no spike and psi = 0 for the next 4 steps
    s = ref["s"]
    assert s[:, :, N // 2:].sum() > 5
    t, b, n = np.nonzero(s[:-5])
    for d in range(1, 5):
        np.testing.assert_array_equal(rec["alif.s"][t + d, b, n], 0.0)
        np.testing.assert_array_equal(rec["alif.psi"][t + d, b, n], 0.0)
    for name, loss_type, tau, norm in (("reg", "mse", 30.0, 1.0), ("cls", "cross_entropy", 20.0, 2.0)):
        ref = numpy_readout(j_out, ys, mask, tau, loss_type)
        ref["loss"] = ref["loss"] / norm
        for k in ("y", "error", "loss", "pred"):
            np.testing.assert_allclose(rec[f"{name}.{k}"], ref[k], rtol=1e-4, atol=1e-5, err_msg=f"{name}.{k}")
    np.testing.assert_allclose(rec["cls.pred"].sum(-1), 1.0, rtol=1e-5)


def test_alif_default_beta_is_nest_tutorial_value():
    with Context("b"):
        cell = EpropALIFCell("alif", 4)
    rho, alpha = np.exp(-1 / 2000.0), np.exp(-1 / 20.0)
    np.testing.assert_allclose(cell.beta_value(), 1.7 * (1 - rho) / (1 - alpha))


def test_bad_parameters_raise_validation_errors():
    with Context("bad"):
        with pytest.raises(ValidationError, match="input_mode"):
            EpropLIFCell("a", 3, input_mode="exact")
        with pytest.raises(ValidationError, match="tau_m"):
            EpropLIFCell("b", 3, tau_m=0.0)
        with pytest.raises(ValidationError, match="beta"):
            EpropALIFCell("c", 3, beta=[0.1, 0.2])
        with pytest.raises(ValidationError, match="loss_type"):
            EpropReadoutCell("d", 2, loss_type="hinge")
        with pytest.raises(ValidationError, match="t_ref"):
            EpropALIFCell("e", 3, t_ref=-1.0)
