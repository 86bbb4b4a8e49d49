"""ALIFCell against an independent NumPy reference; adaptation lengthens ISIs; beta = 0 is LIF."""

import numpy as np
import pytest

from components.cells import ALIFCell, LIFCell
from contexts import Context, ValidationError

P = dict(tau_m=10.0, R_m=1.2, v_rest=-65.0, v_reset=-62.0, thr=-52.0, refract_time=1.5, beta=2.0, tau_a=60.0)


def reference(J, dt, integration, tau_m, R_m, v_rest, v_reset, thr, refract_time, beta, tau_a):
    """Float64 ALIF written from the equations (time since last spike for refractoriness)."""
    shape = J.shape[1:]
    v, a, since, tols = np.full(shape, v_rest), np.zeros(shape), np.full(shape, np.inf), np.full(shape, -1e9)
    out = {k: [] for k in ("v", "s", "a", "tols")}
    for k, j in enumerate(J.astype(np.float64)):
        i = R_m * j * (since >= refract_time)
        if integration == "euler":
            v = v + dt / tau_m * (v_rest - v + i)
        else:
            v = (v_rest + i) + (v - v_rest - i) * np.exp(-dt / tau_m)
        s = (v > thr + beta * a).astype(float)
        v = np.where(s > 0, v_reset, v)
        since = np.where(s > 0, 0.0, since + dt)
        a = a * np.exp(-dt / tau_a) + s
        tols = np.where(s > 0, (k + 1) * dt, tols)
        for name, val in zip(out, (v, s, a, tols)):
            out[name].append(val)
    return {k: np.stack(x) for k, x in out.items()}


def run(cls, J, dt, record, **kw):
    with Context("alif", dt=dt, batch_size=J.shape[1]) as ctx:
        z = cls("z", J.shape[2], **kw)
        ctx.command("advance", [z])
    rec = ctx.run("advance", steps=len(J), record=[getattr(z, r) for r in record], inputs={z.j: J})
    return ctx, z, {r: np.asarray(rec[getattr(z, r)]) for r in record}


@pytest.mark.parametrize("integration", ["euler", "exact"])
def test_matches_numpy_reference(integration):
    T, dt = 200, 0.5
    J = np.random.default_rng(0).uniform(-5.0, 45.0, (T, 2, 6)).astype(np.float32)
    ctx, z, got = run(ALIFCell, J, dt, ("v", "s", "a", "tols"), integration=integration, **P)
    ref = reference(J, dt, integration, **P)
    np.testing.assert_array_equal(got["s"], ref["s"])
    assert ref["s"].sum() > 50 and ref["a"].max() > 1.0
    for name in ("v", "a", "tols"):
        np.testing.assert_allclose(got[name], ref[name], rtol=1e-5, atol=1e-4, err_msg=name)
    ctx.reset()  # adaptation is per trial: reset clears it
    assert float(np.abs(np.asarray(ctx.get(z.a))).max()) == 0.0


def test_adaptation_lengthens_interspike_intervals_and_beta_zero_is_lif():
    T, dt = 2000, 0.1
    J = np.full((T, 1, 1), 25.0, np.float32)
    _, _, ad = run(ALIFCell, J, dt, ("s",), beta=1.5, tau_a=100.0)
    isi = np.diff(np.flatnonzero(ad["s"][:, 0, 0]))
    assert isi[-1] > 1.5 * isi[0] and np.all(np.diff(isi) >= 0)
    _, _, a0 = run(ALIFCell, J, dt, ("s", "v"), beta=0.0)
    _, _, lif = run(LIFCell, J, dt, ("s", "v"))
    np.testing.assert_array_equal(a0["s"], lif["s"])
    np.testing.assert_allclose(a0["v"], lif["v"], rtol=1e-6)


@pytest.mark.parametrize("kw,match", [({"tau_a": 0.0}, "tau_a"), ({"tau_m": -1.0}, "tau_m"),
                                      ({"integration": "rk4"}, "integration")])
def test_bad_parameters_raise(kw, match):
    with Context("bad"), pytest.raises(ValidationError, match=match):
        ALIFCell("z", 3, **kw)
