"""LeakyNoiseCell: a leaky rate unit driven by Gaussian noise (an Ornstein-Uhlenbeck process), the unit
of noisy recurrent rate networks (e.g. Song, Yang & Wang 2016, PLoS Comput. Biol. 12:e1004792).

SDE (ms)::

    tau_x dx = (-leak_scale x + j_input + j_recurrent) dt + sigma_pre sqrt(2 tau_x) dW
    r  = f(x) + sigma_post xi,     r_prime = f'(x)

With ``leak_scale = 1`` and no input, x is stationary with variance ``sigma_pre^2``.

Discrete update actually computed (Euler-Maruyama; eps, xi ~ N(0, 1), independent, fresh each step):
the noise enters the drive, held over the step,

    drive = j_input + j_recurrent + sigma_pre sqrt(2 tau_x / dt) eps
    euler:          x <- x + dt/tau_x (drive - leak_scale x)
                    (= x + dt/tau_x (j - leak_scale x) + sigma_pre sqrt(2 dt / tau_x) eps)
    midpoint, rk2:  x <- x + dt g(x + dt/2 g(x)),   g(y) = (drive - leak_scale y) / tau_x
    r <- f(x) + sigma_post xi,   r_prime <- f'(x)

(``components/rules/integrators.py``: ``leaky_step``). With the Euler step the stationary variance
is ``sigma_pre^2 / (1 - dt/(2 tau_x))``, ``sigma_pre^2`` as dt -> 0.
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp

from contexts import Component, Input, Output, State
from contexts.params import choice, count, euler_stable, nonnegative, positive

from ...rules.activations import ACTIVATIONS
from ...rules.integrators import leaky_step


class LeakyNoiseCell(Component):
    """Noisy leaky unit ``tau_x dx = (-leak_scale x + j) dt + sigma_pre sqrt(2 tau_x) dW``,
    ``r = f(x) + sigma_post xi`` (see the module docstring).

    Parameters (defaults):
        n_units: number of units.
        tau_x: time constant, ms (10).
        act_fx: ``f``, a name in ``ACTIVATIONS`` (``"relu"``).
        integration: ``"euler"`` (default), ``"midpoint"`` or ``"rk2"``.
        sigma_pre: standard deviation of the state noise (stationary, for leak_scale 1) (0.1).
        sigma_post: standard deviation of the noise added to the output (0.1).
        leak_scale: the leak's strength (1).

    Compartments:
        j_input (input, (batch, n_units)): input drive.
        j_recurrent (input, (batch, n_units)): recurrent drive; starts at 0, optional.
        x (state, (batch, n_units)): activity; starts at 0.
        r (output, (batch, n_units)): f(x) + sigma_post xi.
        r_prime (output, (batch, n_units)): f'(x).
    """

    param_rules = {"n_units": count(), "tau_x": positive("ms"), "act_fx": choice(*ACTIVATIONS),
                   "integration": choice("euler", "midpoint", "rk2"), "sigma_pre": nonnegative(),
                   "sigma_post": nonnegative(), "leak_scale": nonnegative()}
    param_checks = (euler_stable("tau_x"),)

    def __init__(self, name: str, n_units: int, tau_x: float = 10.0, act_fx: str = "relu",
                 integration: str = "euler", sigma_pre: float = 0.1, sigma_post: float = 0.1,
                 leak_scale: float = 1.0):
        super().__init__(name)
        self.n_units = n_units
        self.tau_x = tau_x
        self.act_fx = act_fx
        self.integration = integration
        self.sigma_pre = sigma_pre
        self.sigma_post = sigma_post
        self.leak_scale = leak_scale
        self.j_input = Input((n_units,), doc="input drive")
        self.j_recurrent = Input((n_units,), required=False, doc="recurrent drive (0)")
        self.x = State((n_units,), doc="activity x")
        self.r = Output((n_units,), doc="f(x) + sigma_post xi")
        self.r_prime = Output((n_units,), doc="f'(x)")

    def advance_state(self, c: Any, *, t: Any, dt: float, key: Any) -> dict:
        k_pre, k_post = jax.random.split(key)
        eps = jax.random.normal(k_pre, jnp.shape(c.x), jnp.result_type(c.x))
        xi = jax.random.normal(k_post, jnp.shape(c.x), jnp.result_type(c.x))
        drive = c.j_input + c.j_recurrent + self.sigma_pre * jnp.sqrt(2.0 * self.tau_x / dt) * eps
        x = leaky_step(c.x, drive, self.tau_x, dt, self.integration, leak=self.leak_scale)
        f, df = ACTIVATIONS[self.act_fx]
        return {"x": x, "r": f(x) + self.sigma_post * xi, "r_prime": df(x)}
