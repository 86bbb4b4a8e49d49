"""RateCell (leaky integrator of f(j)) against a NumPy reference; exact vs Euler; tau_m = 0."""

import numpy as np
import pytest

from components.cells import RateCell
from contexts import Context, ValidationError

F = {"identity": lambda x: x, "relu": lambda x: np.maximum(x, 0.0), "sigmoid": lambda x: 1 / (1 + np.exp(-x)),
     "tanh": np.tanh}


def reference(J, dt, tau, act, integration):
    r, out = np.zeros(J.shape[1:]), []
    for j in J.astype(np.float64):
        f = F[act](j)
        if tau == 0:
            r = f
        elif integration == "euler":
            r = r + dt / tau * (-r + f)
        else:
            r = f + (r - f) * np.exp(-dt / tau)
        out.append(r)
    return np.stack(out)


def run_rate(J, dt, **kw):
    with Context("rate", dt=dt, batch_size=J.shape[1]) as ctx:
        z = RateCell("z", J.shape[2], **kw)
        ctx.command("advance", [z])
    return np.asarray(ctx.run("advance", steps=len(J), record=[z.outputs], inputs={z.j: J})[z.outputs])


@pytest.mark.parametrize("act,integration,tau", [("identity", "euler", 10.0), ("relu", "exact", 10.0),
                                                 ("sigmoid", "euler", 3.0), ("tanh", "exact", 0.0)])
def test_matches_numpy_reference(act, integration, tau):
    J = np.random.default_rng(0).normal(0.0, 2.0, (200, 3, 5)).astype(np.float32)
    got = run_rate(J, 0.5, tau_m=tau, act_fx=act, integration=integration)
    np.testing.assert_allclose(got, reference(J, 0.5, tau, act, integration), rtol=1e-5, atol=1e-6)


def test_step_response_and_exact_vs_euler_as_dt_goes_to_zero():
    errs = []
    for dt in (1.0, 0.1):
        n = int(round(20.0 / dt))
        J = np.ones((n, 1, 1), np.float32)
        exact = run_rate(J, dt, tau_m=5.0, integration="exact")[:, 0, 0]
        euler = run_rate(J, dt, tau_m=5.0, integration="euler")[:, 0, 0]
        np.testing.assert_allclose(exact, 1 - np.exp(-np.arange(1, n + 1) * dt / 5.0), rtol=1e-5)
        errs.append(np.abs(exact - euler).max())
    assert errs[0] > 0.01 and errs[1] < errs[0] / 5


@pytest.mark.parametrize("kw,match", [({"act_fx": "softmax"}, "act_fx"), ({"tau_m": -1.0}, "tau_m"),
                                      ({"integration": "rk4"}, "integration")])
def test_bad_parameters_raise(kw, match):
    with Context("bad"), pytest.raises(ValidationError, match=match):
        RateCell("z", 3, **kw)
