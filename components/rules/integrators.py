"""One-step integrators shared by cells.

Every cell here integrates a linear leaky equation with its drive held constant over the step::

    tau dx/dt = drive - leak * x            (leak >= 0; leak = 0: a pure integrator)

``relax_step`` is the special case ``leak = 1``, ``drive = x_inf``: ``tau dx/dt = -(x - x_inf)``.
With ``f(x) = (drive - leak x) / tau``:

    euler:          x <- x + dt f(x)
    midpoint, rk2:  x <- x + dt f(x + dt/2 f(x))                  (second-order Runge-Kutta)
    exact:          x <- x e^{-z} + dt drive / tau * (1 - e^{-z}) / z,   z = leak dt / tau
                    (exponential Euler: exact for piecewise-constant drive; ``x_inf + (x - x_inf)
                    e^{-dt/tau}`` when leak = 1, ``x + dt drive / tau`` when leak = 0)

All agree to first order in ``dt / tau``; midpoint is second order. The exact step is stable for
any ``dt``; Euler oscillates for ``leak dt > tau`` and diverges for ``leak dt > 2 tau``, midpoint
diverges for ``leak dt > 2 tau``. "midpoint" and "rk2" are two names of one method (as in ngc-learn).

Nonlinear cells (Izhikevich, AdEx, quadratic IF) step their whole state ``x = (v, w, ...)`` at once
with :func:`system_step`, ``dx/dt = f(x)`` with the input held over the step::

    euler:          x <- x + dt f(x)
    midpoint, rk2:  x <- x + dt f(x + dt/2 f(x))        (every variable at the half step)
    rk4:            x <- x + dt/6 (k1 + 2 k2 + 2 k3 + k4),  k1 = f(x), k2 = f(x + dt/2 k1),
                    k3 = f(x + dt/2 k2), k4 = f(x + dt k3)   (classical fourth-order Runge-Kutta)

Conductance-based cells (Hodgkin-Huxley) are *conditionally linear*: each variable obeys
``dx_i/dt = a_i(x) - b_i(x) x_i`` with ``a_i``, ``b_i`` depending on the other variables only.
:func:`exp_euler_system` freezes ``a_i`` and ``b_i`` at the start of the step and integrates each
variable exactly over it (exponential Euler; for gating variables, ``a = alpha``, ``b = alpha + beta``,
this is the Rush-Larsen method, Rush & Larsen 1978, IEEE Trans. Biomed. Eng. 25:389)::

    exp_euler:      x_i <- x_i e^{-b_i dt} + a_i dt (1 - e^{-b_i dt}) / (b_i dt)
                    (= x_inf + (x_i - x_inf) e^{-dt / tau},  x_inf = a_i / b_i,  tau = 1 / b_i)

It is first order, like Euler, but stable for any ``dt`` in the stiff directions (a gate with
``tau`` of 0.1 ms, a membrane with ``C / g`` of 0.01 ms): each variable relaxes towards its
instantaneous target and cannot overshoot it.
"""

from __future__ import annotations

from typing import Any, Callable

import jax.numpy as jnp

INTEGRATIONS = ("euler", "midpoint", "rk2", "exact")
#: the first- and second-order methods of :func:`system_step` (a nonlinear system has no "exact" step)
EXPLICIT = ("euler", "midpoint", "rk2")
#: every method of :func:`system_step`: :data:`EXPLICIT` and the classical fourth-order Runge-Kutta
RUNGE_KUTTA = ("euler", "midpoint", "rk2", "rk4")


def euler_step(x: Any, dxdt: Any, dt: float) -> Any:
    """Forward Euler: ``x + dt * dx/dt``."""
    return x + dt * dxdt


def _phi1(z: Any) -> Any:
    """``(1 - e^{-z}) / z``, continued by 1 at ``z = 0`` (no 0/0 for a pure integrator)."""
    z = jnp.asarray(z)
    small = jnp.abs(z) < 1e-6
    safe = jnp.where(small, 1.0, z)
    return jnp.where(small, 1.0 - z / 2, -jnp.expm1(-safe) / safe)


def leaky_step(x: Any, drive: Any, tau: Any, dt: float, method: str = "euler", leak: Any = 1.0) -> Any:
    """One step of ``tau dx/dt = drive - leak x`` by ``method`` (see the module docstring)."""
    def slope(y: Any) -> Any:
        return (drive - leak * y) / tau

    if method == "euler":
        return euler_step(x, slope(x), dt)
    if method in ("midpoint", "rk2"):
        return euler_step(x, slope(euler_step(x, slope(x), dt / 2)), dt)
    if method == "exact":
        z = jnp.asarray(leak) * dt / jnp.asarray(tau)
        return x * jnp.exp(-z) + drive * (dt / jnp.asarray(tau)) * _phi1(z)
    raise ValueError(f"integration must be one of {INTEGRATIONS}, got {method!r}")


def exp_relax_step(x: Any, x_inf: Any, tau: Any, dt: float) -> Any:
    """Exact step of ``tau dx/dt = -(x - x_inf)`` over ``dt``: ``x_inf + (x - x_inf) e^{-dt/tau}``."""
    return x_inf + (x - x_inf) * jnp.exp(-dt / jnp.asarray(tau))


def relax_step(x: Any, x_inf: Any, tau: Any, dt: float, method: str = "euler") -> Any:
    """One step of ``tau dx/dt = -(x - x_inf)`` by ``method`` (any of ``INTEGRATIONS``)."""
    if method == "exact":  # the closed form keeps x_inf exact for a constant target
        return exp_relax_step(x, x_inf, tau, dt)
    return leaky_step(x, x_inf, tau, dt, method)


def system_step(f: Callable[..., tuple], x: tuple, dt: float, method: str = "euler") -> tuple:
    """One explicit step of the system ``dx/dt = f(*x)`` (``f`` returns one derivative per variable)."""
    def moved(y: tuple, slopes: tuple, h: float) -> tuple:
        return tuple(euler_step(yi, si, h) for yi, si in zip(y, slopes))

    if method == "euler":
        return moved(x, f(*x), dt)
    if method in ("midpoint", "rk2"):
        return moved(x, f(*moved(x, f(*x), dt / 2)), dt)
    if method == "rk4":
        k1 = f(*x)
        k2 = f(*moved(x, k1, dt / 2))
        k3 = f(*moved(x, k2, dt / 2))
        k4 = f(*moved(x, k3, dt))
        slopes = tuple((a + 2 * b + 2 * c + d) / 6 for a, b, c, d in zip(k1, k2, k3, k4))
        return moved(x, slopes, dt)
    raise ValueError(f"integration must be one of {RUNGE_KUTTA}, got {method!r}")


def exp_euler_step(x: Any, a: Any, b: Any, dt: float) -> Any:
    """Exact step of ``dx/dt = a - b x`` with ``a``, ``b`` held over ``dt``:
    ``x e^{-b dt} + a dt (1 - e^{-b dt}) / (b dt)`` (``x + a dt`` where ``b = 0``)."""
    z = jnp.asarray(b) * dt
    return x * jnp.exp(-z) + a * dt * _phi1(z)


def exp_euler_system(coefficients: Callable[..., tuple], x: tuple, dt: float) -> tuple:
    """One exponential-Euler step of a conditionally linear system (module docstring):
    ``coefficients(*x)`` returns one ``(a_i, b_i)`` pair per variable, ``dx_i/dt = a_i - b_i x_i``."""
    return tuple(exp_euler_step(xi, a, b, dt) for xi, (a, b) in zip(x, coefficients(*x)))


def linear2_propagator(A: Any, h: float) -> Any:
    """``exp(A h)`` of a constant 2x2 matrix (float64 NumPy, computed once, outside the traced step).

    Closed form: with ``m = trace / 2`` and ``s^2 = m^2 - det``,
    ``exp(A h) = e^{m h} (c I + S (A - m I))`` where ``c = cosh(s h)``, ``S = sinh(s h) / s`` for
    ``s^2 > 0``, ``c = cos(w h)``, ``S = sin(w h) / w`` with ``w^2 = -s^2`` for ``s^2 < 0`` (a damped
    oscillator: resonate-and-fire), and ``c = 1``, ``S = h`` at ``s = 0``.
    """
    import numpy as np

    A = np.asarray(A, np.float64)
    m = 0.5 * (A[0, 0] + A[1, 1])
    s2 = m * m - (A[0, 0] * A[1, 1] - A[0, 1] * A[1, 0])
    if s2 > 1e-12:
        s = np.sqrt(s2)
        c, S = np.cosh(s * h), np.sinh(s * h) / s
    elif s2 < -1e-12:
        w = np.sqrt(-s2)
        c, S = np.cos(w * h), np.sin(w * h) / w
    else:
        c, S = 1.0, h
    return np.exp(m * h) * (c * np.eye(2) + S * (A - m * np.eye(2)))


def linear2_step_matrices(A: Any, h: float) -> tuple:
    """``(M, Q)`` of the exact step of ``dx/dt = A x + u`` with ``u`` held over ``h``:
    ``x <- M x + Q u``, ``M = exp(A h)``, ``Q = A^{-1} (M - I)`` (``h I`` where ``A = 0``)."""
    import numpy as np

    A = np.asarray(A, np.float64)
    M = linear2_propagator(A, h)
    if abs(np.linalg.det(A)) < 1e-12:  # singular A: integrate the series sum_k A^k h^(k+1) / (k+1)!
        Q, term = np.zeros((2, 2)), h * np.eye(2)
        for k in range(1, 30):
            Q, term = Q + term, term @ A * h / (k + 1)
        return M, Q
    return M, np.linalg.solve(A, M - np.eye(2))
