"""RAFCell against independent NumPy steps (the complex exponential of Izhikevich 2001, the
symplectic step, RK4), the resonance that names the model, and ngc-learn 3.2.1's trajectories."""

import numpy as np
import pytest

from components.cells import RAFCell
from contexts import Context, load_model_string
from contexts.params import ParameterError
from tests.components.cells.spiking.ngc_reference import ngc_case, run_cell


def run(J, dt, record=("v", "w", "s", "tols"), **kw):
    return run_cell(RAFCell, J, dt, record, **kw)[1]


def np_step(v, w, j, dt, method, tau_v=1.0, tau_w=1.0, omega=10.0, b=-1.0):
    if method == "exact":  # tau_v = tau_w = tau: z = w + i v, dz/dt = ((b + i omega) z + j) / tau
        lam = complex(b, omega) / tau_w
        z = (w + 1j * v) * np.exp(lam * dt) + j / tau_w * (np.exp(lam * dt) - 1.0) / lam
        return z.imag, z.real
    if method == "symplectic":
        w = w + dt * (b * w - omega * v + j) / tau_w
        return v + dt * (b * v + omega * w) / tau_v, w

    def f(v, w):
        return (b * v + omega * w) / tau_v, (b * w - omega * v + j) / tau_w

    k1 = f(v, w)  # rk4
    k2 = f(v + dt / 2 * k1[0], w + dt / 2 * k1[1])
    k3 = f(v + dt / 2 * k2[0], w + dt / 2 * k2[1])
    k4 = f(v + dt * k3[0], w + dt * k3[1])
    return tuple(x + dt / 6 * (a + 2 * b_ + 2 * c + d) for x, a, b_, c, d in zip((v, w), k1, k2, k3, k4))


CASES = {
    "exact": ("exact", {}),
    "exact_no_reset": ("exact", {"post_spike_reset": False, "omega": 6.0, "b": -0.3}),
    "symplectic": ("symplectic", {"v_reset": -0.3, "w_reset": 0.5}),
    "rk4_unequal_taus": ("rk4", {"tau_v": 1.5, "tau_w": 0.8}),
}


@pytest.mark.parametrize("case", list(CASES))
def test_matches_numpy_reference(case):
    method, kw = CASES[case]
    dt, T = 0.01, 1500
    J = np.repeat(np.random.default_rng(5).uniform(-5.0, 30.0, (T // 50, 2, 4)), 50, axis=0).astype(np.float32)
    got = run(J, dt, integration=method, **kw)
    p = {k: kw[k] for k in ("tau_v", "tau_w", "omega", "b") if k in kw}
    v, w = np.zeros((2, 4)), np.zeros((2, 4))
    for k in range(T):
        v_new, w_new = np_step(v, w, J[k].astype(np.float64), dt, method, **p)
        s = (v <= 1.0) & (v_new > 1.0)
        if kw.get("post_spike_reset", True):
            v_new, w_new = np.where(s, kw.get("v_reset", 0.0), v_new), np.where(s, kw.get("w_reset", 0.0), w_new)
        near = np.abs(v_new - 1.0) < 1e-4
        np.testing.assert_array_equal(got["s"][k][~near], s[~near].astype(float), err_msg=f"step {k}")
        ok = ~near
        np.testing.assert_allclose(got["v"][k][ok], v_new[ok], rtol=1e-4, atol=2e-5, err_msg=f"v, step {k}")
        np.testing.assert_allclose(got["w"][k][ok], w_new[ok], rtol=1e-4, atol=2e-5, err_msg=f"w, step {k}")
        v, w = got["v"][k].astype(np.float64), got["w"][k].astype(np.float64)
    assert got["s"].sum() > 20


def test_resonance_to_pulse_doublets():
    # Izhikevich (2001), Fig. 2: one kick of w by 1 rings v up to 0.84 (below thr = 1); a second kick one
    # period (2 pi / omega = 0.628 ms) later adds in phase and fires; half a period later it cancels
    dt, T = 0.01, 300
    gaps = np.array([0.0, 0.628, 0.314, 0.942, 1.257])  # none, 1, 1/2, 3/2, 2 periods
    J = np.zeros((T, 1, len(gaps)), np.float32)
    J[10, 0, :] = 1.0 / dt  # w += R_m j dt / tau_w = 1
    for n, gap in enumerate(gaps[1:], start=1):
        J[10 + int(round(gap / dt)), 0, n] = 1.0 / dt
    got = run(J, dt, record=("v", "s"))
    assert 0.8 < got["v"][:, 0, 0].max() < 0.9
    np.testing.assert_array_equal(got["s"][:, 0].sum(0), [0, 1, 0, 0, 1])


def test_ngclearn_euler_is_our_symplectic_step():
    dt, ngc = ngc_case("raf_euler")
    got = run(ngc["j"], dt, record=("v", "w", "s"), integration="symplectic")
    np.testing.assert_allclose(got["v"], ngc["v"], rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(got["w"], ngc["w"], rtol=1e-5, atol=1e-5)
    np.testing.assert_array_equal(got["s"], ngc["s"])
    exact = run(ngc["j"], dt, record=("s",))["s"].sum(0).ravel()
    # the exact step fires a little less (measured 72, 77, 77 against 73, 81, 81): the symplectic step
    # rotates the phase slightly faster than omega
    assert np.all(exact <= ngc["s"].sum(0).ravel()) and np.all(exact >= 0.9 * ngc["s"].sum(0).ravel())


def test_ngclearn_midpoint_moves_w_then_v():
    dt, ngc = ngc_case("raf_rk2")
    p = dict(tau_v=1.5, omega=8.0, b=-0.5)
    v, w = np.zeros((1, 3)), np.zeros((1, 3))
    for k in range(len(ngc["j"])):  # its rule replayed: midpoint of w with v held, then of v with the new w held
        j = ngc["j"][k].astype(np.float64)
        def fw(w_, v=v, j=j):
            return -0.5 * w_ - 8.0 * v + j

        w = w + dt * fw(w + dt / 2 * fw(w))

        def fv(v_, w=w):
            return (-0.5 * v_ + 8.0 * w) / 1.5

        v = v + dt * fv(v + dt / 2 * fv(v))
        s = v > 1.0
        v, w = np.where(s, -0.2, v), np.where(s, 0.0, w)
        np.testing.assert_allclose(v, ngc["v"][k], rtol=1e-4, atol=1e-4)
        v, w = ngc["v"][k].astype(np.float64), ngc["w"][k].astype(np.float64)
    ours = run(ngc["j"], dt, record=("s",), integration="rk4", v_reset=-0.2, **p)["s"].sum(0).ravel()
    assert np.all(np.abs(ours - ngc["s"].sum(0).ravel()) <= 0.1 * ngc["s"].sum(0).ravel() + 1)


def test_bad_parameters_are_named():
    with Context("bad", dt=0.05):
        with pytest.raises(ParameterError, match="Euler step multiplies"):
            RAFCell("x", 2, integration="euler")  # |1 + dt (b + i omega)| = |0.95 + 0.5 i| = 1.07 at dt = 0.05
        with pytest.raises(ParameterError, match="v_reset"):
            RAFCell("y", 2, v_reset=1.5)
        with pytest.raises(ParameterError, match="omega"):
            RAFCell("z", 2, b=0.0, omega=0.0)
        RAFCell("w", 2, integration="euler", b=-5.0)


def test_builds_from_yaml():
    ctx = load_model_string("""
name: raf
dt: 0.01
components:
  r: {type: RAFCell, n_units: 2, omega: 8.0, integration: symplectic}
commands:
  advance: [r]
clamped: [r.j]
""")
    r = ctx.components["r"]
    assert r.omega == 8.0 and r.integration == "symplectic"
    rec = ctx.run("advance", steps=500, inputs={r.j: np.full((500, 1, 2), [[0.0, 20.0]], np.float32)}, record=[r.s])
    np.testing.assert_array_equal(np.asarray(rec[r.s]).sum((0, 1)) > 0, [False, True])


@pytest.mark.parametrize("A", [[[-1.0, 10.0], [-10.0, -1.0]],      # damped oscillator (complex eigenvalues)
                               [[-3.0, 0.5], [0.2, -0.4]],        # real eigenvalues (cosh branch)
                               [[-1.0, 1.0], [-0.25, 0.0]],       # repeated eigenvalue -1/2
                               [[0.0, 1.0], [0.0, 0.0]]])         # singular (A^-1 does not exist)
def test_linear2_step_matrices(A):
    from components.rules.integrators import linear2_step_matrices

    A = np.array(A)
    h = 0.3
    M, Q = linear2_step_matrices(A, h)
    # independent: integrate d(x, q)/dt on a fine grid with RK4 (q: the response to a held unit input)
    n = 3000
    X, Qr = np.eye(2), np.zeros((2, 2))
    for _ in range(n):
        def f(x, q):
            return A @ x, A @ q + np.eye(2)
        k1 = f(X, Qr)
        k2 = f(X + h / n / 2 * k1[0], Qr + h / n / 2 * k1[1])
        k3 = f(X + h / n / 2 * k2[0], Qr + h / n / 2 * k2[1])
        k4 = f(X + h / n * k3[0], Qr + h / n * k3[1])
        X = X + h / n / 6 * (k1[0] + 2 * k2[0] + 2 * k3[0] + k4[0])
        Qr = Qr + h / n / 6 * (k1[1] + 2 * k2[1] + 2 * k3[1] + k4[1])
    np.testing.assert_allclose(M, X, atol=1e-10)
    np.testing.assert_allclose(Q, Qr, atol=1e-10)
