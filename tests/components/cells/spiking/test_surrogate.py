"""Surrogate gradients (``surrogate=...``, output ``psi``) of AdEx, Izhikevich, IF and quadratic IF cells:
psi against an independent NumPy step and formula, no change without a surrogate, named parameter
errors, and e-prop training through ``post_psi`` onto AdEx and Izhikevich cells."""

import numpy as np
import pytest

from components.cells import AdExCell, EpropReadoutCell, IFCell, IzhikevichCell, QuadLIFCell
from components.cells.spiking.izhikevich import soft_threshold
from components.synapses import EpropSynapse, LearningSignalConnection
from contexts import Context
from contexts.params import ParameterError

KINDS = ("piecewise_linear", "exponential", "fast_sigmoid_derivative", "arctan_derivative")


def numpy_surrogate(kind, v, centre, height, width, refractory=None):
    """The four forms written out independently (float64)."""
    x = np.abs(np.asarray(v, np.float64) - centre) / width
    psi = {"piecewise_linear": lambda: height * np.clip(1.0 - x, 0.0, None),
           "exponential": lambda: height * np.exp(-x),
           "fast_sigmoid_derivative": lambda: height / (1.0 + x) ** 2,
           "arctan_derivative": lambda: height / (1.0 + x ** 2)}[kind]()
    return psi if refractory is None else np.where(refractory, 0.0, psi)


def run(cls, J, dt, record, **kw):
    with Context("sg", dt=dt, batch_size=J.shape[1]) as ctx:
        z = cls("z", J.shape[-1], **kw)
        ctx.command("advance", [z])
    rec = ctx.run("advance", steps=len(J), record=[getattr(z, r) for r in record], inputs={z.j: J})
    return z, {r: np.asarray(rec[getattr(z, r)], np.float64) for r in record}


def integrated(step, state0, got, J):
    """The voltage each step compares with its threshold: one NumPy step from the recorded state before it."""
    out, state = [], state0
    for k in range(len(J)):
        out.append(step(*state, J[k].astype(np.float64)))
        state = tuple(got[name][k] for name in ("v", "w") if name in got)
    return np.array(out)


@pytest.mark.parametrize("kind", KINDS)
def test_adex_psi_is_the_surrogate_of_the_integrated_v_around_V_T(kind):
    dt, T, C, g_L, E_L, V_T, dT = 0.5, 400, 281.0, 30.0, -70.6, -50.4, 2.0
    J = np.random.default_rng(1).uniform(0.0, 1500.0, (T, 2, 3)).astype(np.float32)
    z, got = run(AdExCell, J, dt, ("v", "w", "s", "psi"), surrogate=kind, surrogate_height=0.7)
    assert z.compartments["psi"].kind == "output"

    def step(v, w, j):  # explicit Euler, exponent capped at the cut-off (v_peak = 20 mV)
        dv = (-g_L * (v - E_L) + g_L * dT * np.exp(np.minimum((v - V_T) / dT, (20.0 - V_T) / dT)) - w + j) / C
        return v + dt * dv

    v_int = integrated(step, (np.full((2, 3), E_L), np.zeros((2, 3))), got, J)
    expected = numpy_surrogate(kind, v_int, V_T, 0.7, abs(V_T - E_L))  # default width |V_T - E_L|
    np.testing.assert_allclose(got["psi"], expected, rtol=1e-4, atol=2e-5)
    assert got["s"].sum() > 10 and got["psi"].max() > 0.6  # it fired, and v came close to V_T


@pytest.mark.parametrize("kind", KINDS)
def test_izhikevich_psi_is_centred_on_the_soft_threshold(kind):
    dt, T, b = 0.5, 400, 0.2  # regular_spiking
    J = np.random.default_rng(2).uniform(0.0, 14.0, (T, 2, 3)).astype(np.float32)
    z, got = run(IzhikevichCell, J, dt, ("v", "w", "s", "psi"), surrogate=kind, surrogate_width=8.0)
    assert soft_threshold(0.2) == pytest.approx(-50.0) and z.surrogate_centre() == pytest.approx(-50.0)

    def step(v, w, j):
        return v + dt * (0.04 * v * v + 5.0 * v + 140.0 - w + j)

    v_int = integrated(step, (np.full((2, 3), -65.0), np.full((2, 3), b * -65.0)), got, J)
    np.testing.assert_allclose(got["psi"], numpy_surrogate(kind, v_int, -50.0, 1.0, 8.0), rtol=1e-4, atol=2e-5)
    assert got["s"].sum() > 10 and got["psi"].max() > 0.7


def test_izhikevich_surrogate_thr_and_the_default_width():
    J = np.random.default_rng(3).uniform(0.0, 14.0, (200, 1, 4)).astype(np.float32)
    _, got = run(IzhikevichCell, J, 0.5, ("v", "w", "psi"), surrogate="exponential", surrogate_thr=-45.0)

    def step(v, w, j):
        return v + 0.5 * (0.04 * v * v + 5.0 * v + 140.0 - w + j)

    v_int = integrated(step, (np.full((1, 4), -65.0), np.full((1, 4), -13.0)), got, J)
    expected = numpy_surrogate("exponential", v_int, -45.0, 1.0, 20.0)  # width |surrogate_thr - v0| = 20 mV
    np.testing.assert_allclose(got["psi"], expected, rtol=1e-4, atol=2e-5)
    # presets move the soft threshold: the unstable root of 0.04 v^2 + (5 - b) v + 140 = 0
    b = 0.25
    root = (-(5 - b) + np.sqrt((5 - b) ** 2 - 22.4)) / 0.08
    assert soft_threshold(b) == pytest.approx(root) and 0.04 * root**2 + (5 - b) * root + 140 == pytest.approx(0.0)
    assert soft_threshold(0.3) == pytest.approx(-(5 - 0.3) / 0.08)  # no crossing: where dv/dt is smallest


@pytest.mark.parametrize("cls", [IFCell, QuadLIFCell])
def test_if_and_quadratic_if_psi_with_refractory_period(cls):
    dt, T, tau_m, v_rest, thr = 0.5, 300, 10.0, -65.0, -52.0 if cls is IFCell else -40.0
    J = np.random.default_rng(4).uniform(-5.0, 60.0, (T, 2, 3)).astype(np.float32)
    kw = dict(surrogate="fast_sigmoid_derivative", refract_time=2.0)
    _, got = run(cls, J, dt, ("v", "rfr", "s", "psi"), **kw)
    v, rfr, expected, closed_steps = np.full((2, 3), v_rest), np.zeros((2, 3)), [], 0
    for k in range(T):
        open_ = rfr <= 1e-3 * dt
        if cls is IFCell:  # perfect integrator
            v_int = v + dt / tau_m * J[k] * open_
        else:
            v_int = v + dt / tau_m * (0.1 * (v - v_rest) * (v + 50.0) + J[k] * open_)
        expected.append(numpy_surrogate("fast_sigmoid_derivative", v_int, thr, 1.0, abs(thr - v_rest), ~open_))
        closed_steps += (~open_).sum()
        v, rfr = got["v"][k], got["rfr"][k]
    np.testing.assert_allclose(got["psi"], np.array(expected), rtol=1e-4, atol=1e-5)
    assert got["s"].sum() > 5 and closed_steps > 10 and (got["psi"] == 0).sum() >= closed_steps


@pytest.mark.parametrize("cls, kw", [(AdExCell, {}), (IzhikevichCell, {}), (IFCell, {"refract_time": 1.0}),
                                     (QuadLIFCell, {"thr_theta_plus": 0.5})])
def test_without_a_surrogate_there_is_no_psi_and_the_trajectory_is_the_same(cls, kw):
    J = np.random.default_rng(5).uniform(0.0, 1500.0 if cls is AdExCell else 40.0, (200, 2, 3)).astype(np.float32)
    z0, plain = run(cls, J, 0.5, ("v", "s"), **kw)
    assert "psi" not in z0.compartments and z0.surrogate is None
    _, with_psi = run(cls, J, 0.5, ("v", "s", "psi"), surrogate="arctan_derivative", **kw)
    assert plain["s"].sum() > 5
    np.testing.assert_array_equal(plain["v"], with_psi["v"])
    np.testing.assert_array_equal(plain["s"], with_psi["s"])


@pytest.mark.parametrize("cls", [AdExCell, IzhikevichCell, IFCell, QuadLIFCell])
def test_bad_surrogate_parameters_are_named_errors(cls):
    name = cls.__name__
    with Context("bad"):
        with pytest.raises(ParameterError, match=f"{name} 'z': surrogate.*one of 'piecewise_linear'"):
            cls("z", 2, surrogate="sigmoid")
        with pytest.raises(ParameterError, match=f"{name} 'z': surrogate_width"):
            cls("z", 2, surrogate="exponential", surrogate_width=0.0)
        with pytest.raises(ParameterError, match=f"{name} 'z': surrogate_height"):
            cls("z", 2, surrogate="exponential", surrogate_height=-1.0)
        z = cls("z", 2, surrogate="exponential")
        with pytest.raises(ParameterError, match=f"{name} 'z': surrogate"):
            z.surrogate = None  # whether psi exists is fixed when the cell is built
        z.surrogate_width = 3.0  # the width and height may change


def test_a_zero_default_width_is_refused_by_name():
    with Context("bad"):
        with pytest.raises(ParameterError, match="AdExCell 'a': surrogate_width defaults to"):
            AdExCell("a", 2, surrogate="exponential", E_L=-50.4, v0=-50.4)
        with pytest.raises(ParameterError, match="IzhikevichCell 'i': surrogate_width"):
            IzhikevichCell("i", 2, surrogate="exponential", surrogate_thr=-65.0)
        with pytest.raises(ParameterError, match="IFCell 'f': surrogate_width"):
            IFCell("f", 2, surrogate="exponential", thr=-65.0)
        IFCell("g", 2, thr=-65.0)  # without a surrogate nothing is checked
        AdExCell("h", 2, surrogate="exponential", E_L=-50.4, v0=-50.4, surrogate_width=2.0)


# -- e-prop through post_psi ----------------------------------------------------------------------------------
def eprop_network(cls, n_in, n_rec, n_out, tau_m, eta, batch):
    """Input -> (EpropSynapse, hidden) -> cells -> fixed readout; only W_in learns, through the cells' psi."""
    with Context("eprop_sg", dt=1.0, batch_size=batch) as ctx:
        W_in = EpropSynapse("W_in", (n_in, n_rec), tau_m=tau_m, tau_out=20.0, eta=eta, optim_type="sgd")
        rec = cls("rec", n_rec, surrogate="exponential")
        W_out = EpropSynapse("W_out", (n_rec, n_out), role="readout", tau_out=20.0)
        out = EpropReadoutCell("out", n_out, tau_out=20.0, loss_type="mse")
        fb = LearningSignalConnection("fb", (n_out, n_rec), feedback="symmetric")
    rec.j << W_in.outputs
    W_out.inputs << rec.s
    out.j << W_out.outputs
    fb.inputs << out.error
    fb.w_out << W_out.weights
    W_in.post_psi << rec.psi
    W_in.post_s << rec.s
    W_in.signal << fb.outputs
    ctx.command("advance", [W_in, rec, W_out, out, fb])
    ctx.command("accumulate", [W_in])
    ctx.command("evolve", [W_in])
    ctx.command("reset", [W_in, rec, W_out, out, fb])
    return ctx


@pytest.mark.parametrize("cls, tau_m, scale, eta, seed", [(AdExCell, 281.0 / 30.0, 2000.0, 1000.0, 0),
                                                          (IzhikevichCell, 1.0, 20.0, 6.0, 1)])
def test_eprop_through_psi_learns_a_teacher_network(cls, tau_m, scale, eta, seed):
    """A student with the teacher's fixed readout learns its input weights (only through psi) to
    reproduce the teacher's readout trace: the loss falls by at least a factor 1.5."""
    rng = np.random.default_rng(seed)
    n_in, n_rec, n_out, batch, T, iters = 10, 12, 2, 4, 100, 80
    xs = (rng.random((T, batch, n_in)) < 0.1).astype(np.float32)
    W_out = rng.normal(size=(n_rec, n_out)).astype(np.float32)
    W_teacher = (rng.random((n_in, n_rec)) * scale).astype(np.float32)
    W_student = (rng.random((n_in, n_rec)) * scale).astype(np.float32)
    ctx = eprop_network(cls, n_in, n_rec, n_out, tau_m, eta, batch)
    ctx.clamp("W_out.weights", W_out)
    ctx.clamp("W_in.weights", W_teacher)
    ctx.reset()
    teacher = ctx.run("advance", steps=T, record=["out.y", "rec.s"],
                      inputs={"W_in.inputs": xs, "out.target": np.zeros((T, batch, n_out), np.float32)})
    ys = np.asarray(teacher["out.y"])
    assert np.asarray(teacher["rec.s"]).sum() > 100  # the teacher's cells fire
    ctx.clamp("W_in.weights", W_student)
    losses = []
    for _ in range(iters):
        ctx.reset()
        rec = ctx.run(["advance", "accumulate"], steps=T, record=["out.loss", "rec.psi"],
                      inputs={"W_in.inputs": xs, "out.target": ys})
        ctx.run("evolve")
        losses.append(float(np.asarray(rec["out.loss"]).sum()))
    assert np.asarray(rec["rec.psi"]).max() > 0.5  # psi did reach the learning rule
    assert np.mean(losses[-10:]) < losses[0] / 1.5, losses
    assert not np.allclose(np.asarray(ctx.get("W_in.weights")), W_student)
