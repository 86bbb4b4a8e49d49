"""One-step integrators shared by cells.

For a linear relaxation ``tau dx/dt = -(x - x_inf)`` with ``x_inf`` held constant over the step:

    euler: x <- x + dt / tau * (x_inf - x)
    exact: x <- x_inf + (x - x_inf) * exp(-dt / tau)        (exponential Euler; exact for
                                                             piecewise-constant input)

Both agree to first order in ``dt / tau``; the exact step is stable for any ``dt`` while the Euler
step oscillates for ``dt > tau`` and diverges for ``dt > 2 tau``.
"""

from __future__ import annotations

from typing import Any

import jax.numpy as jnp

INTEGRATIONS = ("euler", "exact")


def euler_step(x: Any, dxdt: Any, dt: float) -> Any:
    """Forward Euler: ``x + dt * dx/dt``."""
    return x + dt * dxdt


def exp_relax_step(x: Any, x_inf: Any, tau: Any, dt: float) -> Any:
    """Exact step of ``tau dx/dt = -(x - x_inf)`` over ``dt``: ``x_inf + (x - x_inf) e^{-dt/tau}``."""
    return x_inf + (x - x_inf) * jnp.exp(-dt / jnp.asarray(tau))


def relax_step(x: Any, x_inf: Any, tau: Any, dt: float, method: str = "euler") -> Any:
    """One step of ``tau dx/dt = -(x - x_inf)`` by ``method`` (``"euler"`` or ``"exact"``)."""
    if method == "euler":
        return euler_step(x, (x_inf - x) / tau, dt)
    if method == "exact":
        return exp_relax_step(x, x_inf, tau, dt)
    raise ValueError(f"integration must be one of {INTEGRATIONS}, got {method!r}")
