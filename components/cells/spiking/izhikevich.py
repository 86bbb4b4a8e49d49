"""IzhikevichCell: Izhikevich's two-variable quadratic spiking neuron, with his published presets.

ODE (ms, mV; ``tau_m = 1 ms`` and ``R_m = 1`` give the paper's equations)::

    tau_m dv/dt = 0.04 v^2 + 5 v + 140 - w + R_m j
          dw/dt = a (b v - w)
    spike when v >= v_thr (30 mV);  then v <- c,  w <- w + d

``w`` is Izhikevich's recovery variable ``u`` (mV/ms units folded in, as in the paper); ``j`` is
his input ``I`` (the paper's constants make ``0.04 v^2`` mV/ms for v in mV, so ``I`` is in mV/ms).

Discrete update actually computed each step (input held over the step):

1. ``(v, w) <- one step of the system`` by ``integration``: ``"euler"`` (default) evaluates both
   derivatives at the start of the step, ``"midpoint"``/``"rk2"`` at the half step
   (:func:`components.rules.integrators.system_step`);
2. ``s = (v >= v_thr)`` on the *new* v: the spike is reported in the step that crosses;
3. where ``s``: ``v <- c`` and ``w <- w + d`` (the new w: the recovery jump adds to the w just
   integrated, as in Izhikevich's own code); ``tols <- t``.

Presets (``preset=``; ``a``, ``b``, ``c``, ``d`` given explicitly override the preset's):

- the cortical and thalamic families of Izhikevich (2003), "Simple model of spiking neurons",
  IEEE Trans. Neural Netw. 14(6):1569, Fig. 2: ``regular_spiking`` (0.02, 0.2, -65, 8),
  ``intrinsically_bursting`` (0.02, 0.2, -55, 4), ``chattering`` (0.02, 0.2, -50, 2),
  ``fast_spiking`` (0.1, 0.2, -65, 2), ``low_threshold_spiking`` (0.02, 0.25, -65, 2),
  ``thalamo_cortical`` (0.02, 0.25, -65, 0.05), ``resonator`` (0.1, 0.26, -65, 2);
- the neuro-computational features of Izhikevich (2004), "Which model to use for cortical spiking
  neurons?", IEEE Trans. Neural Netw. 15(5):1063, Fig. 1 (values of its figure1.m) that use the
  equations above: ``tonic_spiking``, ``phasic_spiking``, ``tonic_bursting``, ``phasic_bursting``,
  ``mixed_mode``, ``spike_frequency_adaptation``, ``class_2_excitable``, ``spike_latency``,
  ``subthreshold_oscillations``, ``resonator_2004``, ``rebound_spike``, ``rebound_burst``,
  ``threshold_variability``, ``bistability``, ``depolarizing_after_potential``,
  ``inhibition_induced_spiking``, ``inhibition_induced_bursting`` (see :data:`PRESETS`).
  Class 1 excitability, integrator and accommodation change the equations themselves
  (``4.1 v + 108``; a different ``dw/dt``) and are not offered.

``w0`` defaults to ``b * v0`` (the paper's initial condition, the fixed point of ``dw/dt``).

Conductance-based synapses (``E_e`` and/or ``E_i`` given): inputs ``g_e``/``g_i`` add
``g_e (E_e - v) + g_i (E_i - v)`` to ``j`` (so a conductance is in units of ``j`` per mV),
evaluated wherever the integrator evaluates the derivative.
"""

from __future__ import annotations

import math
from typing import Any

import jax.numpy as jnp

from contexts import Component, Input, Output, State
from contexts.params import choice, count, optional, positive, real

from ...rules.integrators import EXPLICIT, system_step
from ...rules.traces import NEVER, update_tols
from ..lif import declare_conductances, synaptic_current
from ..surrogate import SURROGATE_RULES, add_surrogate, declare_surrogate, default_width_check

#: ``name: (a, b, c, d)``: a in 1/ms, b dimensionless, c in mV, d in mV/ms
PRESETS: dict[str, tuple[float, float, float, float]] = {
    # Izhikevich (2003), Fig. 2
    "regular_spiking": (0.02, 0.2, -65.0, 8.0),
    "intrinsically_bursting": (0.02, 0.2, -55.0, 4.0),
    "chattering": (0.02, 0.2, -50.0, 2.0),
    "fast_spiking": (0.1, 0.2, -65.0, 2.0),
    "low_threshold_spiking": (0.02, 0.25, -65.0, 2.0),
    "thalamo_cortical": (0.02, 0.25, -65.0, 0.05),
    "resonator": (0.1, 0.26, -65.0, 2.0),
    # Izhikevich (2004), Fig. 1 (panel letter in the comment)
    "tonic_spiking": (0.02, 0.2, -65.0, 6.0),  # A
    "phasic_spiking": (0.02, 0.25, -65.0, 6.0),  # B
    "tonic_bursting": (0.02, 0.2, -50.0, 2.0),  # C
    "phasic_bursting": (0.02, 0.25, -55.0, 0.05),  # D
    "mixed_mode": (0.02, 0.2, -55.0, 4.0),  # E
    "spike_frequency_adaptation": (0.01, 0.2, -65.0, 8.0),  # F
    "class_2_excitable": (0.2, 0.26, -65.0, 0.0),  # H
    "spike_latency": (0.02, 0.2, -65.0, 6.0),  # I
    "subthreshold_oscillations": (0.05, 0.26, -60.0, 0.0),  # J
    "resonator_2004": (0.1, 0.26, -60.0, -1.0),  # K
    "rebound_spike": (0.03, 0.25, -60.0, 4.0),  # M
    "rebound_burst": (0.03, 0.25, -52.0, 0.0),  # N
    "threshold_variability": (0.03, 0.25, -60.0, 4.0),  # O
    "bistability": (0.1, 0.26, -60.0, 0.0),  # P
    "depolarizing_after_potential": (1.0, 0.2, -60.0, -21.0),  # Q
    "inhibition_induced_spiking": (-0.02, -1.0, -60.0, 8.0),  # S
    "inhibition_induced_bursting": (-0.026, -1.0, -45.0, -2.0),  # T
}


def soft_threshold(b: float) -> float:
    """The soft threshold (mV) of the Izhikevich neuron with recovery sensitivity ``b``: the unstable fixed
    point of ``0.04 v^2 + 5 v + 140 - b v = 0`` (v-nullcline on the w-nullcline ``w = b v``), -50 mV for
    ``b = 0.2``; where the two nullclines do not cross (``(5 - b)^2 < 22.4``), the potential where ``dv/dt``
    is smallest, ``-(5 - b) / 0.08``."""
    disc = (5.0 - b) ** 2 - 4.0 * 0.04 * 140.0
    return (-(5.0 - b) + math.sqrt(max(disc, 0.0))) / 0.08


def _surrogate_centre(params: dict) -> float:
    if params.get("surrogate_thr") is not None:
        return params["surrogate_thr"]
    b = params["b"] if params.get("b") is not None else PRESETS[params["preset"]][1]
    return soft_threshold(b)


def izhikevich_derivatives(v: Any, w: Any, drive: Any, *, a: float, b: float, tau_m: float) -> tuple:
    """``(dv/dt, dw/dt)`` of the module docstring, with ``drive = R_m j``."""
    dv = (0.04 * v * v + 5.0 * v + 140.0 - w + drive) / tau_m
    dw = a * (b * v - w)
    return dv, dw


class IzhikevichCell(Component):
    """Izhikevich neuron ``dv/dt = 0.04 v^2 + 5 v + 140 - w + j``, ``dw/dt = a (b v - w)`` (module docstring).

    Parameters (defaults):
        n_units: number of neurons.
        preset: a named parameter family (``"regular_spiking"``); see :data:`PRESETS`.
        a: recovery rate, 1/ms (preset's; ngc-learn's ``1 / tau_w``).
        b: recovery sensitivity to v, dimensionless (preset's; ngc-learn's ``coupling_factor``).
        c: reset potential, mV (preset's; ngc-learn's ``v_reset``).
        d: recovery jump per spike, mV/ms (preset's; ngc-learn's ``w_reset``).
        v_thr: spike cut-off, mV (30).
        tau_m: time scale of v, ms (1: the paper's equation).
        R_m: input scale, (mV/ms) per unit of j (1).
        v0: initial v, mV (-65).
        w0: initial w, mV/ms (None: ``b * v0``).
        integration: ``"euler"`` (default), ``"midpoint"`` (= ``"rk2"``).
        E_e: excitatory reversal potential, mV (None: no ``g_e`` input).
        E_i: inhibitory reversal potential, mV (None: no ``g_i`` input).
        surrogate: surrogate gradient of the spike for e-prop (None: none, no ``psi``); one of
            ``"piecewise_linear"``, ``"exponential"``, ``"fast_sigmoid_derivative"``, ``"arctan_derivative"``.
        surrogate_height: its peak value, dimensionless (1).
        surrogate_width: its width, mV (None: ``|surrogate_thr - v0|``, 15 mV with the defaults).
        surrogate_thr: the potential the surrogate is centred on, mV (None: the soft threshold of
            :func:`soft_threshold` for the ``b`` in use, -50 mV for ``regular_spiking``).

    Surrogate gradient (only with ``surrogate``): ``psi = surrogate(v; surrogate_thr, height, width)`` of the
    v of step 1 (before the reset). It is centred on the soft threshold, beyond which v runs away into a
    spike, not on the cut-off ``v_thr`` = 30 mV (which v passes within a step or two);
    :mod:`components.cells.surrogate`.

    Compartments:
        j (input, (batch, n_units)): input current I.
        g_e, g_i (input, (batch, n_units)): synaptic conductances (only when E_e / E_i is given).
        v (state, (batch, n_units)): membrane potential, mV; starts at v0.
        w (state, (batch, n_units)): recovery variable u; starts at w0.
        s (output, (batch, n_units)): spikes 0/1.
        tols (output, (batch, n_units)): time of last spike, ms; -1e9 = never.
        psi (output, (batch, n_units)): surrogate gradient, dimensionless (only with ``surrogate``).
    """

    param_rules = {"n_units": count(), "preset": choice(*PRESETS), "a": optional(real(unit="1/ms")),
                   "b": optional(real()), "c": optional(real(unit="mV")), "d": optional(real(unit="mV/ms")),
                   "v_thr": real(unit="mV"), "tau_m": positive("ms"), "v0": real(unit="mV"),
                   "w0": optional(real(unit="mV/ms")), "integration": choice(*EXPLICIT),
                   "E_e": optional(real(unit="mV")), "E_i": optional(real(unit="mV")), **SURROGATE_RULES,
                   "surrogate_thr": optional(real(unit="mV"))}
    param_checks = (default_width_check(_surrogate_centre, lambda p: p["v0"], "|surrogate_thr - v0|"),)

    def __init__(self, name: str, n_units: int, preset: str = "regular_spiking", a: float | None = None,
                 b: float | None = None, c: float | None = None, d: float | None = None, v_thr: float = 30.0,
                 tau_m: float = 1.0, R_m: float = 1.0, v0: float = -65.0, w0: float | None = None,
                 integration: str = "euler", E_e: float | None = None, E_i: float | None = None,
                 surrogate: str | None = None, surrogate_height: float = 1.0, surrogate_width: float | None = None,
                 surrogate_thr: float | None = None):
        super().__init__(name)
        self.n_units, self.preset = n_units, preset
        self.a, self.b, self.c, self.d = a, b, c, d
        self.v_thr, self.tau_m, self.R_m = v_thr, tau_m, R_m
        self.v0, self.w0, self.integration = v0, w0, integration
        b_value = self.abcd()[1]
        self.j = Input((n_units,), doc="input current I")
        self.v = State((n_units,), init=v0, doc="membrane potential (mV)")
        self.w = State((n_units,), init=b_value * v0 if w0 is None else w0, doc="recovery variable u")
        self.s = Output((n_units,), doc="spikes (0/1)")
        self.tols = Output((n_units,), init=NEVER, doc="time of last spike (ms); -1e9 = never")
        declare_conductances(self, n_units, E_e, E_i)
        declare_surrogate(self, n_units, surrogate, surrogate_height, surrogate_width)
        self.surrogate_thr = surrogate_thr

    def abcd(self) -> tuple[float, float, float, float]:
        """The ``(a, b, c, d)`` in use: the preset's, each replaced by the value given explicitly."""
        given = (self.a, self.b, self.c, self.d)
        return tuple(p if g is None else g for g, p in zip(given, PRESETS[self.preset]))  # type: ignore[return-value]

    def advance_state(self, c: Any, *, t: Any, dt: float, key: Any) -> dict:
        a, b, v_reset, d = self.abcd()

        def f(v: Any, w: Any) -> tuple:
            drive = self.R_m * (c.j + synaptic_current(c, self, v))
            return izhikevich_derivatives(v, w, drive, a=a, b=b, tau_m=self.tau_m)

        v_int, w = system_step(f, (c.v, c.w), dt, self.integration)
        s = (v_int >= self.v_thr).astype(v_int.dtype)
        v = jnp.where(s > 0, jnp.asarray(v_reset, v_int.dtype), v_int)
        w = w + d * s
        out = {"v": v, "w": w, "s": s, "tols": update_tols(c.tols, s, t)}
        if self.surrogate is None:
            return out
        centre = self.surrogate_centre()
        return add_surrogate(self, out, v_int, centre, abs(centre - self.v0))

    def surrogate_centre(self) -> float:
        """The potential (mV) the surrogate gradient is centred on: ``surrogate_thr``, or the soft threshold."""
        return _surrogate_centre({"surrogate_thr": self.surrogate_thr, "b": self.abcd()[1], "preset": self.preset})
