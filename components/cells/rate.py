"""RateCell: a leaky integrator of a nonlinearity of its input (ANNarchy's ``LeakyIntegrator``).

ODE (ms)::

    tau_m dr/dt = -r + f(j),     f in {identity, relu, sigmoid, tanh}

Discrete update actually computed (``j`` held over the step):

    euler (default): r <- r + dt/tau_m (f(j) - r)
    exact:           r <- f(j) + (r - f(j)) exp(-dt/tau_m)
    tau_m = 0:       r <- f(j)                (no dynamics: a feed-forward unit)

Dayan & Abbott (2001), *Theoretical Neuroscience*, ch. 7.2 (firing-rate models).
"""

from __future__ import annotations

from typing import Any, Callable

import jax
import jax.numpy as jnp

from contexts import Component, Input, Output
from contexts.params import choice, count, euler_stable, nonnegative

from ..rules.integrators import INTEGRATIONS, relax_step

ACTIVATIONS: dict[str, Callable[[Any], Any]] = {
    "identity": lambda x: x,
    "relu": jax.nn.relu,
    "sigmoid": jax.nn.sigmoid,
    "tanh": jnp.tanh,
}


class RateCell(Component):
    """Leaky rate unit ``tau_m dr/dt = -r + f(j)`` (see the module docstring).

    Parameters (defaults):
        n_units: number of units.
        tau_m: time constant, ms (10); 0 means ``r = f(j)`` at once.
        act_fx: ``"identity"`` (default), ``"relu"``, ``"sigmoid"`` or ``"tanh"``.
        integration: ``"euler"`` (default) or ``"exact"``.

    Compartments:
        j (input, (batch, n_units)): input (summed synaptic drive).
        outputs (output, (batch, n_units)): the rate r; starts at 0.
    """

    param_rules = {"n_units": count(), "tau_m": nonnegative("ms"), "act_fx": choice(*ACTIVATIONS),
                   "integration": choice(*INTEGRATIONS)}
    param_checks = (euler_stable("tau_m", unless=lambda p: p.get("integration") == "exact"),)

    def __init__(self, name: str, n_units: int, tau_m: float = 10.0, act_fx: str = "identity",
                 integration: str = "euler"):
        super().__init__(name)
        self.n_units = n_units
        self.tau_m = tau_m
        self.act_fx = act_fx
        self.integration = integration
        self.j = Input((n_units,), doc="input drive")
        self.outputs = Output((n_units,), doc="rate r")

    def advance_state(self, c: Any, *, t: Any, dt: float, key: Any) -> dict:
        target = ACTIVATIONS[self.act_fx](c.j)
        if self.tau_m == 0:
            return {"outputs": target}
        return {"outputs": relax_step(c.outputs, target, self.tau_m, dt, self.integration)}
