"""Synaptic kinetics: the time course of a synaptic current or conductance, integrated exactly.

Each kinetic is linear between spikes, so one step of length ``dt`` is the exact solution of its
ODE (no integration error for any ``dt``); the weighted presynaptic input of the step, ``inc``
(``inputs @ W``), is added at the end of the step, so a spike in step ``n`` of weight ``w`` gives,
``m >= 0`` steps later (elapsed time ``s = m dt``), the closed forms below.

Exponential (NEST ``*_psc_exp`` / ``*_cond_exp``; Brian2 ``dg/dt = -g/tau``, ``on_pre: g += w``)::

    tau dg/dt = -g + tau sum_k w delta(t - t_k)        g(s) = w e^{-s/tau}
    step:  g <- g e^{-dt/tau} + inc

Alpha (NEST ``*_psc_alpha`` / ``*_cond_alpha``: peak ``w`` at ``s = tau``)::

    tau dh/dt = -h + e w tau sum_k delta(t - t_k) / tau,   tau dg/dt = -g + tau h
                                                     g(s) = w (s / tau) e^{1 - s/tau}
    step:  g <- (g + dt h) e^{-dt/tau};   h <- h e^{-dt/tau} + (e / tau) inc

Double exponential (rise ``tau_rise`` < decay ``tau_decay``; NEST ``*_cond_beta``, peak ``w``)::

    g = a - b,  tau_decay da/dt = -a,  tau_rise db/dt = -b,  a, b += A w per spike
                                                     g(s) = A w (e^{-s/tau_decay} - e^{-s/tau_rise})
    t_peak = tau_rise tau_decay / (tau_decay - tau_rise) ln(tau_decay / tau_rise)
    A = 1 / (e^{-t_peak/tau_decay} - e^{-t_peak/tau_rise})
    step:  a <- a e^{-dt/tau_decay} + A inc;   b <- b e^{-dt/tau_rise} + A inc

The time constants are in ms, like ``dt``; ``g`` has the unit of the weights (pA for a current,
nS for a conductance).
"""

from __future__ import annotations

import math
from typing import Any

import jax.numpy as jnp

KINETICS = ("exp", "alpha", "double_exp")


def decay(tau: Any, dt: float) -> Any:
    """The propagator ``e^{-dt/tau}`` of ``tau dx/dt = -x`` over one step."""
    return jnp.exp(-dt / jnp.asarray(tau))


def exp_step(g: Any, inc: Any, tau: Any, dt: float) -> Any:
    """Exponential kinetics: ``g e^{-dt/tau} + inc`` (exact)."""
    return g * decay(tau, dt) + inc


def alpha_step(g: Any, h: Any, inc: Any, tau: Any, dt: float) -> tuple:
    """Alpha kinetics, exact: ``(g, h)`` after one step (``h``: the rising variable, ``g``: the output)."""
    d = decay(tau, dt)
    return (g + dt * h) * d, h * d + (math.e / jnp.asarray(tau)) * inc


def double_exp_peak(tau_rise: float, tau_decay: float) -> float:
    """Time of the peak of ``e^{-t/tau_decay} - e^{-t/tau_rise}`` (ms)."""
    return tau_rise * tau_decay / (tau_decay - tau_rise) * math.log(tau_decay / tau_rise)


def double_exp_norm(tau_rise: float, tau_decay: float) -> float:
    """``A`` such that one spike of weight ``w`` peaks at exactly ``w``."""
    tp = double_exp_peak(tau_rise, tau_decay)
    return 1.0 / (math.exp(-tp / tau_decay) - math.exp(-tp / tau_rise))


def double_exp_step(a: Any, b: Any, inc: Any, tau_rise: float, tau_decay: float, dt: float) -> tuple:
    """Double-exponential kinetics, exact: ``(a, b)`` after one step; the output is ``a - b``."""
    norm = double_exp_norm(tau_rise, tau_decay)
    return a * decay(tau_decay, dt) + norm * inc, b * decay(tau_rise, dt) + norm * inc

