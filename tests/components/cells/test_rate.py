"""RateCell against an independent NumPy loop (every prior, activation, threshold and integration),
against ngc-learn 3.2.1's RateCell trajectories, the closed-form step response, YAML, and bad values."""

import json
import pathlib

import numpy as np
import pytest

from components.cells import RateCell
from contexts import Context, ValidationError, load_model_string

NGC = pathlib.Path(__file__).parents[2] / "references" / "ngclearn" / "graded.npz"

SIG = lambda x: 1 / (1 + np.exp(-x))  # noqa: E731
F = {"identity": (lambda x: x, lambda x: np.ones_like(x)),
     "relu": (lambda x: np.maximum(x, 0.0), lambda x: (x >= 0).astype(float)),
     "lrelu": (lambda x: np.where(x >= 0, x, 0.01 * x), lambda x: np.where(x >= 0, 1.0, 0.01)),
     "sigmoid": (SIG, lambda x: SIG(x) * (1 - SIG(x))),
     "tanh": (np.tanh, lambda x: 1 - np.tanh(x) ** 2),
     "softplus": (lambda x: np.log1p(np.exp(x)), SIG)}
PHI = {"gaussian": lambda z: z, "laplacian": np.sign, "cauchy": lambda z: 2 * z / (1 + z * z),
       "exp": lambda z: 2 * z * np.exp(-z * z)}


def reference(J, JTD, dt, tau_m=10.0, prior=("gaussian", 1.0), act_fx="identity", output_scale=1.0, threshold=None,
              integration="euler", resist_scale=1.0):
    f, df = F[act_fx]
    name, gamma = prior
    z, zs, outs = np.zeros(J.shape[1:]), [], []
    for j, jtd in zip(J.astype(np.float64), JTD.astype(np.float64)):
        if tau_m == 0:
            z = j + jtd
        else:
            drive = resist_scale * df(z) * j + jtd
            g = lambda y, d=drive: (d - gamma * PHI[name](y)) / tau_m  # noqa: E731
            if integration == "euler":
                z = z + dt * g(z)
            elif integration in ("midpoint", "rk2"):
                z = z + dt * g(z + dt / 2 * g(z))
            else:  # exact, gaussian
                a = gamma * dt / tau_m
                z = z * np.exp(-a) + drive * dt / tau_m * ((1 - np.exp(-a)) / a if a else 1.0)
            if threshold and threshold[0] == "soft_threshold":
                z = np.maximum(z - threshold[1], 0) - np.maximum(-z - threshold[1], 0)
            elif threshold and threshold[0] == "cauchy_threshold":
                inner = np.sqrt(np.maximum(z * z - threshold[1], 0))
                z = 0.5 * (z + inner) * (z >= threshold[1]) + 0.5 * (z - inner) * (z <= -threshold[1])
        zs.append(z)
        outs.append(output_scale * f(z))
    return np.stack(zs), np.stack(outs)


def run_rate(J, JTD, dt, **kw):
    with Context("rate", dt=dt, batch_size=J.shape[1]) as ctx:
        z = RateCell("z", J.shape[2], **kw)
        ctx.command("advance", [z])
    rec = ctx.run("advance", steps=len(J), record=[z.z, z.zF, z.outputs],
                  inputs={z.j: J.astype(np.float32), z.j_td: JTD.astype(np.float32)})
    assert np.array_equal(np.asarray(rec[z.zF]), np.asarray(rec[z.outputs]))
    return np.asarray(rec[z.z]), np.asarray(rec[z.zF])


CONFIGS = [
    dict(),
    dict(act_fx="relu", prior=("gaussian", 0.5), integration="exact", output_scale=2.0),
    dict(act_fx="sigmoid", prior=("laplacian", 0.3), integration="midpoint", tau_m=3.0),
    dict(act_fx="tanh", prior=("cauchy", 0.5), threshold=("soft_threshold", 0.05), resist_scale=1.5),
    dict(act_fx="lrelu", prior=("exp", 0.4), integration="rk2", threshold=("cauchy_threshold", 0.01)),
    dict(act_fx="softplus", tau_m=0.0),
    dict(prior=("gaussian", 0.0), integration="exact", tau_m=4.0),
]


@pytest.mark.parametrize("kw", CONFIGS)
def test_matches_numpy_reference_over_many_steps(kw):
    rng = np.random.default_rng(0)
    J, JTD = rng.normal(0.0, 1.0, (200, 3, 5)), rng.normal(0.0, 0.5, (200, 3, 5))
    z, zF = run_rate(J, JTD, 0.5, **kw)
    rz, rzF = reference(J.astype(np.float32), JTD.astype(np.float32), 0.5, **kw)
    np.testing.assert_allclose(z, rz, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(zF, rzF, rtol=1e-4, atol=1e-5)
    assert np.abs(rz).max() > 0.05  # the units moved


def ngc_cases():
    data = np.load(NGC)
    return sorted({k.split("/")[0] for k in data.files if k.startswith("rate_")})


@pytest.mark.parametrize("case", ngc_cases())
def test_matches_ngclearn_trajectories(case):
    data = np.load(NGC)
    kw = json.loads(str(data[f"{case}/kw"]))
    ours = {"tau_m": kw.pop("tau_m"), "prior": tuple(kw.pop("prior", ("gaussian", 0.0))),
            "integration": kw.pop("integration_type", "euler")}
    if "threshold" in kw:
        ours["threshold"] = tuple(kw.pop("threshold"))
    ours.update(kw)  # act_fx, output_scale, resist_scale: the same names
    z, zF = run_rate(data[f"{case}/j"], data[f"{case}/j_td"], float(data[f"{case}/dt"]), **ours)
    np.testing.assert_allclose(z, data[f"{case}/z"], rtol=1e-4, atol=2e-5)
    np.testing.assert_allclose(zF, data[f"{case}/zF"], rtol=1e-4, atol=2e-5)


def test_step_response_is_the_closed_form_and_exact_beats_euler():
    errs = []
    for dt in (1.0, 0.1):
        n = int(round(20.0 / dt))
        J = np.ones((n, 1, 1))
        exact = run_rate(J, 0 * J, dt, tau_m=5.0, integration="exact")[0][:, 0, 0]
        euler = run_rate(J, 0 * J, dt, tau_m=5.0)[0][:, 0, 0]
        np.testing.assert_allclose(exact, 1 - np.exp(-np.arange(1, n + 1) * dt / 5.0), rtol=1e-5)
        errs.append(np.abs(exact - euler).max())
    assert errs[0] > 0.01 and errs[1] < errs[0] / 5


def test_laplacian_prior_makes_small_drives_sparse():
    # tau dz/dt = -gamma sign(z) + j: |j| < gamma keeps z chattering around 0; |j| > gamma grows it
    J = np.tile(np.array([0.05, 0.5]), (400, 1, 1))
    z = run_rate(J, 0 * J, 1.0, prior=("laplacian", 0.1), threshold=("soft_threshold", 0.01))[0]
    assert abs(z[-1, 0, 0]) < 0.02 and z[-1, 0, 1] > 10.0


def test_builds_from_yaml():
    ctx = load_model_string("""
name: rate_yaml
dt: 1.0
components:
  z: {type: RateCell, n_units: 2, tau_m: 5.0, prior: [laplacian, 0.1], act_fx: relu,
      threshold: [soft_threshold, 0.02], integration: midpoint}
commands:
  advance: [z]
clamped: [z.j]
""")
    z = ctx.components["z"]
    J = np.full((50, 1, 2), 0.5, np.float32)
    got = np.asarray(ctx.run("advance", steps=50, inputs={z.j: J}, record=[z.zF])[z.zF])
    want = reference(J, 0 * J, 1.0, tau_m=5.0, prior=("laplacian", 0.1), act_fx="relu",
                     threshold=("soft_threshold", 0.02), integration="midpoint")[1]
    np.testing.assert_allclose(got, want, rtol=1e-5)


@pytest.mark.parametrize("kw,match", [({"act_fx": "softmaxx"}, "act_fx"), ({"tau_m": -1.0}, "tau_m"),
                                      ({"integration": "rk5"}, "integration"), ({"prior": ("student", 1.0)}, "prior"),
                                      ({"prior": ("gaussian", -1.0)}, "prior"),
                                      ({"threshold": ("hard", 0.1)}, "threshold"),
                                      ({"prior": ("laplacian", 0.1), "integration": "exact"}, "exact"),
                                      ({"tau_m": 0.2}, "tau_m")])
def test_bad_parameters_raise(kw, match):
    with Context("bad"), pytest.raises(ValidationError, match=match):
        RateCell("z", 3, **kw)
