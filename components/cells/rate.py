"""RateCell: a graded unit driven by bottom-up and top-down pressure, with a prior on its activity
(ngc-learn's RateCell; the state units of predictive coding).

ODE (ms)::

    tau_m dz/dt = -gamma phi(z) + R f'(z) j + j_td          output  zF = output_scale f(z)

``j`` is the bottom-up pressure (for predictive coding the error fed back through the weights,
``W^T e``), gated by the derivative of the activation ``f'(z)`` and scaled by ``R = resist_scale``;
``j_td`` the top-down pressure (``-e``, the unit's own prediction error). The prior
``(name, gamma)`` sets the leak ``gamma phi(z) = -gamma d log p(z)/dz``:

    gaussian   phi(z) = z                 (the ordinary leak; gamma = 1: tau_m dz/dt = -z + ...)
    laplacian  phi(z) = sign(z)           (a sparse prior: a constant pull toward 0)
    cauchy     phi(z) = 2 z / (1 + z^2)
    exp        phi(z) = 2 z exp(-z^2)

Discrete update actually computed, with the drive ``J = R f'(z_k) j + j_td`` held over the step
(``f'`` taken at the state the step starts from, as in ngc-learn) and
``g(z) = (J - gamma phi(z)) / tau_m``:

    euler (default):  z <- z + dt g(z)
    midpoint, rk2:    z <- z + dt g(z + dt/2 g(z))
    exact:            z <- z e^{-a} + dt J/tau_m (1 - e^{-a})/a,   a = gamma dt / tau_m  (gaussian only)
    then a threshold, if any:  z <- soft_threshold(z, lmbda)  or  cauchy_threshold(z, lmbda)
    tau_m = 0:        z <- j + j_td     (no dynamics, no f' gate: a feed-forward unit)

``f`` is one of :data:`components.rules.activations.ACTIVATIONS`. With the identity and the default
prior ``("gaussian", 1)`` this is the leaky integrator ``tau_m dz/dt = -z + j + j_td`` (ANNarchy's
``LeakyIntegrator``); ngc-learn's default prior is ``("gaussian", 0)``, no leak.

Rao & Ballard (1999), Nat. Neurosci. 2:79-87; Whittington & Bogacz (2017), Neural Comput.
29:1229-1262; Dayan & Abbott (2001), *Theoretical Neuroscience*, ch. 7.2.
"""

from __future__ import annotations

from typing import Any

from contexts import Component, Input, Output, State
from contexts.errors import ValidationError
from contexts.params import ParameterError, choice, count, custom, nonnegative, real

from ..rules.activations import ACTIVATIONS, THRESHOLDS
from ..rules.integrators import INTEGRATIONS, leaky_step, system_step
from ..rules.priors import ACTIVITY_PRIORS, parse_activity_prior


def _prior(value: Any, where: str) -> Any:
    try:
        name, gamma = parse_activity_prior(value, where)
    except ValidationError as err:
        raise ParameterError(str(err)) from None
    return None if value is None else [name, gamma]


def _threshold(value: Any, where: str) -> Any:
    names = ", ".join(("none",) + tuple(THRESHOLDS))
    if value is None:
        return None
    if (not isinstance(value, (tuple, list)) or len(value) != 2 or not isinstance(value[0], str)
            or value[0] not in (*THRESHOLDS, "none")):
        raise ParameterError(f"{where} must be (name, lmbda) with name one of {names}, e.g. "
                             f"('soft_threshold', 0.1), or None; got {value!r}")
    lmbda = value[1]
    if isinstance(lmbda, bool) or not isinstance(lmbda, (int, float)) or not lmbda >= 0 or lmbda == float("inf"):
        raise ParameterError(f"{where}: lmbda must be a finite number >= 0, got {lmbda!r}")
    return [value[0], float(lmbda)]


def _exact_needs_gaussian(params: dict, dt: float, owner: str) -> None:
    prior = params.get("prior")
    if params.get("integration") == "exact" and prior is not None and str(prior[0]).lower() != "gaussian":
        err = ParameterError(f"{owner}: integration='exact' solves the linear (gaussian) leak only; the "
                             f"{prior[0]!r} prior needs integration='euler' or 'midpoint'")
        err.component, err.parameter = owner, "integration"
        raise err


def _euler_stable(params: dict, dt: float, owner: str) -> None:
    tau, prior = params.get("tau_m"), params.get("prior")
    gamma = 0.0 if prior is None else float(prior[1])
    if (not isinstance(tau, (int, float)) or tau == 0 or params.get("integration") == "exact"
            or prior is None or str(prior[0]).lower() != "gaussian"):
        return
    if gamma * dt > 2.0 * tau:
        err = ParameterError(f"{owner}: gamma dt / tau_m = {gamma * dt / tau:g} > 2, where the explicit step "
                             f"of the leak diverges; use tau_m >= {gamma * dt / 2:g} ms, a smaller dt "
                             f"or integration='exact'")
        err.component, err.parameter = owner, "tau_m"
        raise err


class RateCell(Component):
    """Graded unit ``tau_m dz/dt = -gamma phi(z) + R f'(z) j + j_td``, ``zF = output_scale f(z)``
    (see the module docstring).

    Parameters (defaults):
        n_units: number of units.
        tau_m: time constant, ms (10); 0 means ``z = j + j_td`` at once.
        prior: ``(name, gamma)``, name in gaussian, laplacian, cauchy, exp; ``("gaussian", 1.0)``
            (the ordinary leak); None or a strength 0 means no leak.
        act_fx: ``f``, a name in ``ACTIVATIONS`` (``"identity"``).
        output_scale: factor on ``f(z)`` (1).
        threshold: None (default) or ``(name, lmbda)``, name ``"soft_threshold"`` or
            ``"cauchy_threshold"``, applied to z after each step.
        integration: ``"euler"`` (default), ``"midpoint"`` (= ``"rk2"``) or ``"exact"`` (gaussian prior).
        resist_scale: R, the factor on ``j`` (1).

    Compartments:
        j (input, (batch, n_units)): bottom-up pressure.
        j_td (input, (batch, n_units)): top-down pressure; starts at 0, optional.
        z (state, (batch, n_units)): activity; starts at 0.
        zF (output, (batch, n_units)): ``output_scale f(z)``.
        outputs (output, (batch, n_units)): the same as zF.
    """

    param_rules = {"n_units": count(), "tau_m": nonnegative("ms"), "prior": custom(_prior),
                   "act_fx": choice(*ACTIVATIONS), "output_scale": real(), "threshold": custom(_threshold),
                   "integration": choice(*INTEGRATIONS), "resist_scale": real()}
    param_checks = (_exact_needs_gaussian, _euler_stable)

    def __init__(self, name: str, n_units: int, tau_m: float = 10.0, prior: Any = ("gaussian", 1.0),
                 act_fx: str = "identity", output_scale: float = 1.0, threshold: Any = None,
                 integration: str = "euler", resist_scale: float = 1.0):
        super().__init__(name)
        self.n_units = n_units
        self.tau_m = tau_m
        self.prior = prior
        self.act_fx = act_fx
        self.output_scale = output_scale
        self.threshold = threshold
        self.integration = integration
        self.resist_scale = resist_scale
        self.j = Input((n_units,), doc="bottom-up pressure (gated by f'(z))")
        self.j_td = Input((n_units,), required=False, doc="top-down pressure (0)")
        self.z = State((n_units,), doc="activity z")
        self.zF = Output((n_units,), doc="output_scale * f(z)")
        self.outputs = Output((n_units,), doc="output_scale * f(z) (the same as zF)")

    def advance_state(self, c: Any, *, t: Any, dt: float, key: Any) -> dict:
        f, df = ACTIVATIONS[self.act_fx]
        if self.tau_m == 0:
            z = c.j + c.j_td
        else:
            drive = self.resist_scale * df(c.z) * c.j + c.j_td
            name, gamma = parse_activity_prior(self.prior)
            if name == "gaussian" or gamma == 0.0:
                z = leaky_step(c.z, drive, self.tau_m, dt, self.integration, leak=gamma)
            else:
                phi = ACTIVITY_PRIORS[name]
                method = "midpoint" if self.integration == "rk2" else self.integration
                (z,) = system_step(lambda y: ((drive - gamma * phi(y)) / self.tau_m,), (c.z,), dt, method)
            if self.threshold is not None and self.threshold[0] != "none":
                z = THRESHOLDS[self.threshold[0]](z, self.threshold[1])
        out = self.output_scale * f(z)
        return {"z": z, "zF": out, "outputs": out}

