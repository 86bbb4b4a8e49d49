"""LIFCell: leaky integrate-and-fire neuron with refractory period and adaptive threshold.

ODE (ms, mV)::

    tau_m dv/dt = -g_L (v - v_rest) + R_m * j      (j gated off while refractory; g_L = conduct_leak)
    spike when v > thr + thr_theta;  then v <- v_reset, refractory for refract_time ms
    tau_theta dthr_theta/dt = -thr_theta,  thr_theta += thr_theta_plus per spike

``conduct_leak = 0`` is the perfect (non-leaky) integrate-and-fire neuron.

Conductance-based synapses (``E_e`` and/or ``E_i`` given): the cell gets the inputs ``g_e`` and/or
``g_i`` (conductances, in units of ``1 / R_m``: nS when ``R_m`` is in mV/pA = GOhm) and integrates

    tau_m dv/dt = -g_L (v - v_rest) + R_m (j + g_e (E_e - v) + g_i (E_i - v))

still linear in ``v`` over a step (conductances held), so ``"exact"`` integrates it exactly with
the leak ``g_L + R_m (g_e + g_i)``. NEST ``iaf_cond_exp``: ``E_ex``, ``E_in``, ``g_ex``, ``g_in``;
Brian2 writes ``ge * (Ee - v)`` in the equations. Feed ``g_e`` from an
:class:`~components.synapses.ExpSynapse` (or alpha, double-exponential) with non-negative weights.
With ``hold_reset=True`` the potential is held at ``v_reset`` while refractory (NEST's and
Brian2's ``(unless refractory)`` convention; by default the leak keeps acting).

Discrete update actually computed each step (ngc-learn's LIFCell conventions):

1. ``open = (rfr <= 0)`` (not refractory); the drive ``R_m * j * open`` is held over the step
   (the input is gated off while refractory, the leak keeps acting);
2. one step of the ODE by ``integration`` (:mod:`components.rules.integrators`): ``"euler"``
   (default) ``v <- v + dt/tau_m (-g_L (v - v_rest) + R_m j open)``, ``"midpoint"``/``"rk2"``
   (second order) or ``"exact"`` (exponential Euler);
3. ``s = (v > thr + thr_theta)`` with ``thr_theta`` from the previous step (strict ``>``);
4. ``v <- v_reset`` where ``s``, then ``v <- max(v, v_min)`` if ``v_min`` is set;
   ``rfr <- refract_time`` where ``s``, else ``max(rfr - dt, 0)``;
5. ``thr_theta <- thr_theta exp(-dt/tau_theta) + thr_theta_plus * s`` (unchanged if
   ``tau_theta = 0``); ``tols <- t`` where the emitted spike is 1.

``max_one_spike=True`` (ngc-learn's definition): in each sample only the unit with the largest
``v`` at the *start* of the step may emit its spike (``s`` keeps at most that one); every unit
that crossed is still reset, made refractory and raises its ``thr_theta``.

``rfr`` counts the refractory time *left* (ngc-learn counts time since the spike; the gating is
the same: the ``ceil(refract_time/dt)`` steps after a spike get no input). The differences from
ngc-learn 3.2 (defaults, ``tols``, batch size) are listed in docs/from_ngclearn.md.

Adaptive threshold as in Diehl & Cook (2015), "Unsupervised learning of digit recognition using
spike-timing-dependent plasticity", Front. Comput. Neurosci. 9:99. LIF: Gerstner et al. (2014),
*Neuronal Dynamics*, ch. 1.3.
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp

from contexts import Component, Input, Output, Param, State
from contexts.params import choice, count, euler_stable, flag, nonnegative, optional, positive, real

from ..rules.integrators import INTEGRATIONS, leaky_step
from ..rules.traces import NEVER, update_tols
from .surrogate import SURROGATE_RULES, add_surrogate, declare_surrogate, default_width_check

REFRACTORY_EPS = 1e-3  # rfr below REFRACTORY_EPS * dt counts as 0 (absorbs float rounding of rfr - k dt)


def lif_step(v: Any, j: Any, rfr: Any, thr_eff: Any, *, dt: float, tau_m: float, R_m: float, v_rest: float,
             v_reset: float, refract_time: float, integration: str = "euler", conduct_leak: float = 1.0,
             v_min: float | None = None, g_e: Any = None, g_i: Any = None, E_e: float = 0.0, E_i: float = -80.0,
             hold_reset: bool = False) -> tuple:
    """Steps 1-4 of the module docstring: ``(v, s, rfr)`` after one step, given threshold ``thr_eff``.

    ``g_e``, ``g_i`` (None: absent): synaptic conductances with reversal potentials ``E_e``, ``E_i``,
    adding ``R_m (g_e (E_e - v) + g_i (E_i - v))`` to the drive (gated like ``j``); ``hold_reset``:
    ``v`` stays at ``v_reset`` while refractory."""
    v = lif_integrate(v, j, rfr, dt=dt, tau_m=tau_m, R_m=R_m, v_rest=v_rest, v_reset=v_reset,
                      integration=integration, conduct_leak=conduct_leak, g_e=g_e, g_i=g_i, E_e=E_e, E_i=E_i,
                      hold_reset=hold_reset)
    return fire_and_reset(v, rfr, thr_eff, dt=dt, v_reset=v_reset, refract_time=refract_time, v_min=v_min)


def lif_integrate(v: Any, j: Any, rfr: Any, *, dt: float, tau_m: float, R_m: float, v_rest: float, v_reset: float,
                  integration: str = "euler", conduct_leak: float = 1.0, g_e: Any = None, g_i: Any = None,
                  E_e: float = 0.0, E_i: float = -80.0, hold_reset: bool = False, **_: Any) -> Any:
    """Steps 1-2 of the module docstring: the integrated ``v`` of :func:`lif_step`, before threshold and reset
    (the voltage a surrogate gradient is taken of). Extra keyword arguments are ignored."""
    open_ = input_open(rfr, dt).astype(v.dtype)
    drive, leak = R_m * j * open_, conduct_leak
    if g_e is not None or g_i is not None:
        # g (E - v) = g (E - v_rest) - g (v - v_rest): a drive plus an extra leak, linear in v over the step
        g_e = 0.0 if g_e is None else g_e * open_
        g_i = 0.0 if g_i is None else g_i * open_
        drive = drive + R_m * (g_e * (E_e - v_rest) + g_i * (E_i - v_rest))
        leak = conduct_leak + R_m * (g_e + g_i)
    # integrate the deviation from rest: the exact step then keeps v = v_rest exactly at rest
    v = v_rest + leaky_step(v - v_rest, drive, tau_m, dt, integration, leak=leak)
    if hold_reset:
        v = jnp.where(open_ > 0, v, jnp.asarray(v_reset, v.dtype))
    return v


def input_open(rfr: Any, dt: float) -> Any:
    """1 where the refractory time left is (up to rounding) over, else 0: the input gate of step 1."""
    return (rfr <= REFRACTORY_EPS * dt).astype(rfr.dtype)


def fire_and_reset(v: Any, rfr: Any, thr_eff: Any, *, dt: float, v_reset: float, refract_time: float,
                   v_min: float | None = None) -> tuple:
    """Steps 3-4 of the module docstring on the integrated ``v``: ``(v, s, rfr)``."""
    s = (v > thr_eff).astype(v.dtype)
    v = jnp.where(s > 0, jnp.asarray(v_reset, v.dtype), v)
    if v_min is not None:
        v = jnp.maximum(v, jnp.asarray(v_min, v.dtype))
    rfr = jnp.where(s > 0, jnp.asarray(refract_time, rfr.dtype), jnp.maximum(rfr - dt, 0.0))
    return v, s, rfr


#: the parameter rules every leaky integrate-and-fire cell shares (LIF, ALIF)
MEMBRANE_RULES = {"n_units": count(), "tau_m": positive("ms"), "refract_time": nonnegative("ms"),
                  "conduct_leak": nonnegative(), "integration": choice(*INTEGRATIONS)}
MEMBRANE_CHECKS = (euler_stable("tau_m", unless=lambda p: p.get("integration") == "exact"),)


#: with a surrogate and no surrogate_width, the default width |thr - v_rest| must be positive
SURROGATE_WIDTH_CHECK = default_width_check(lambda p: p["thr"], lambda p: p["v_rest"], "|thr - v_rest|")


def declare_membrane(cell: Component, owner: str, n_units: int, tau_m: float, R_m: float, v_rest: float,
                     v_reset: float, thr: float, refract_time: float, integration: str, conduct_leak: float,
                     v_min: float | None) -> None:
    """The parameters and compartments every leaky integrate-and-fire cell shares (LIF, ALIF)."""
    cell.n_units = n_units
    cell.tau_m, cell.R_m, cell.v_rest, cell.v_reset, cell.thr = tau_m, R_m, v_rest, v_reset, thr
    cell.refract_time, cell.integration = refract_time, integration
    cell.conduct_leak, cell.v_min = conduct_leak, v_min
    cell.j = Input((n_units,), doc="input current")
    cell.v = State((n_units,), init=v_rest, doc="membrane potential (mV)")
    cell.rfr = State((n_units,), doc="refractory time left (ms)")
    cell.s = Output((n_units,), doc="spikes (0/1)")
    cell.tols = Output((n_units,), init=NEVER, doc="time of last spike (ms); -1e9 = never")


def membrane_kwargs(cell: Component) -> dict:
    """The keyword arguments of :func:`lif_step` that a cell declared by :func:`declare_membrane` holds."""
    return {"tau_m": cell.tau_m, "R_m": cell.R_m, "v_rest": cell.v_rest, "v_reset": cell.v_reset,
            "refract_time": cell.refract_time, "integration": cell.integration,
            "conduct_leak": cell.conduct_leak, "v_min": cell.v_min}


def declare_conductances(cell: Component, n_units: int, E_e: float | None, E_i: float | None) -> None:
    """The conductance inputs ``g_e`` (if ``E_e`` is given) and ``g_i`` (if ``E_i`` is given) of a cell."""
    cell.E_e, cell.E_i = E_e, E_i
    if E_e is not None:
        cell.g_e = Input((n_units,), doc=f"excitatory conductance (reversal E_e = {E_e:g} mV)")
    if E_i is not None:
        cell.g_i = Input((n_units,), doc=f"inhibitory conductance (reversal E_i = {E_i:g} mV)")


def conductance_kwargs(cell: Component, c: Any) -> dict:
    """``g_e``, ``g_i``, ``E_e``, ``E_i`` of a cell declared by :func:`declare_conductances` (none if absent)."""
    kw: dict = {}
    if cell.E_e is not None:
        kw.update(g_e=c.g_e, E_e=cell.E_e)
    if cell.E_i is not None:
        kw.update(g_i=c.g_i, E_i=cell.E_i)
    return kw


def synaptic_current(c: Any, cell: Component, v: Any) -> Any:
    """``g_e (E_e - v) + g_i (E_i - v)`` for the conductances a cell declares (0 if none)."""
    current = 0.0
    if cell.E_e is not None:
        current = current + c.g_e * (cell.E_e - v)
    if cell.E_i is not None:
        current = current + c.g_i * (cell.E_i - v)
    return current


class LIFCell(Component):
    """Leaky integrate-and-fire: ``tau_m dv/dt = -g_L (v - v_rest) + R_m j`` (see the module docstring).

    Parameters (defaults):
        n_units: number of neurons.
        tau_m: membrane time constant, ms (10).
        R_m: membrane resistance, mV per unit of j (1).
        v_rest: resting potential, mV (-65).
        v_reset: potential after a spike, mV (-60).
        thr: base threshold, mV (-52).
        refract_time: refractory period, ms (0): input gated off, leak still acting.
        thr_theta_plus: threshold increment per spike, mV (0 = no adaptation).
        tau_theta: decay time constant of thr_theta, ms (1e7); 0 = thr_theta never changes.
        integration: ``"euler"`` (default), ``"midpoint"`` (= ``"rk2"``) or ``"exact"``.
        conduct_leak: leak conductance g_L, dimensionless (1); 0 = no leak (perfect integrator).
        v_min: lower bound on v after each step, mV (None = no bound; ``v_rest`` keeps v >= rest).
        max_one_spike: at most one emitted spike per step and sample (False); see the module docstring.
        E_e: excitatory reversal potential, mV (None: no ``g_e`` input); NEST ``E_ex``.
        E_i: inhibitory reversal potential, mV (None: no ``g_i`` input); NEST ``E_in``.
        hold_reset: hold v at v_reset while refractory (False: the leak keeps acting).
        surrogate: surrogate gradient of the spike for e-prop (None: none, no ``psi``); one of
            ``"piecewise_linear"``, ``"exponential"``, ``"fast_sigmoid_derivative"``, ``"arctan_derivative"``.
        surrogate_height: its peak value, dimensionless (1).
        surrogate_width: its width, mV (None: ``|thr - v_rest|``, 13 mV with the defaults).

    Surrogate gradient (only with ``surrogate``): ``psi = surrogate(v; thr + thr_theta, height, width)`` of
    the integrated v of step 2, before the reset (the v compared with the threshold), 0 in the steps whose
    input is gated off by the refractory period (:mod:`components.cells.surrogate`).

    Compartments:
        j (input, (batch, n_units)): input current.
        v (state, (batch, n_units)): membrane potential, mV; starts at v_rest.
        rfr (state, (batch, n_units)): refractory time left, ms; starts at 0.
        s (output, (batch, n_units)): spikes 0/1.
        tols (output, (batch, n_units)): time of last spike, ms; -1e9 = never.
        thr_theta (param, (batch, n_units)): adaptive threshold increment, mV; kept by reset
            (Diehl & Cook). Each batch row is an independent population.
        g_e, g_i (input, (batch, n_units)): synaptic conductances (only when E_e / E_i is given).
        psi (output, (batch, n_units)): surrogate gradient, dimensionless (only with ``surrogate``).
    """

    param_rules = {**MEMBRANE_RULES, "tau_theta": nonnegative("ms"), "E_e": optional(real(unit="mV")),
                   "E_i": optional(real(unit="mV")), "hold_reset": flag(), **SURROGATE_RULES}
    param_checks = MEMBRANE_CHECKS + (SURROGATE_WIDTH_CHECK,)

    def __init__(self, name: str, n_units: int, tau_m: float = 10.0, R_m: float = 1.0, v_rest: float = -65.0,
                 v_reset: float = -60.0, thr: float = -52.0, refract_time: float = 0.0,
                 thr_theta_plus: float = 0.0, tau_theta: float = 1e7, integration: str = "euler",
                 conduct_leak: float = 1.0, v_min: float | None = None, max_one_spike: bool = False,
                 E_e: float | None = None, E_i: float | None = None, hold_reset: bool = False,
                 surrogate: str | None = None, surrogate_height: float = 1.0, surrogate_width: float | None = None):
        super().__init__(name)
        owner = f"LIFCell {name!r}"
        declare_membrane(self, owner, n_units, tau_m, R_m, v_rest, v_reset, thr, refract_time, integration,
                         conduct_leak, v_min)
        self.thr_theta_plus = thr_theta_plus
        self.tau_theta = tau_theta
        self.max_one_spike = max_one_spike
        self.thr_theta = Param((n_units,), batched=True, doc="adaptive threshold increment (mV)")
        declare_conductances(self, n_units, E_e, E_i)
        self.hold_reset = hold_reset
        declare_surrogate(self, n_units, surrogate, surrogate_height, surrogate_width)

    def advance_state(self, c: Any, *, t: Any, dt: float, key: Any) -> dict:
        thr_eff = self.thr + c.thr_theta
        v_int = lif_integrate(c.v, c.j, c.rfr, dt=dt, **membrane_kwargs(self), **conductance_kwargs(self, c),
                              hold_reset=self.hold_reset)
        v, s, rfr = fire_and_reset(v_int, c.rfr, thr_eff, dt=dt, v_reset=self.v_reset,
                                   refract_time=self.refract_time, v_min=self.v_min)
        thr_theta = c.thr_theta
        if self.tau_theta > 0:  # tau_theta = 0: no adaptation at all (ngc-learn's switch)
            thr_theta = thr_theta * jnp.exp(-dt / self.tau_theta) + self.thr_theta_plus * s
        if self.max_one_spike:  # the unit that started the step highest is the only one allowed to emit
            s = s * jax.nn.one_hot(jnp.argmax(c.v, axis=-1), self.n_units, dtype=s.dtype)
        out = {"v": v, "s": s, "rfr": rfr, "thr_theta": thr_theta, "tols": update_tols(c.tols, s, t)}
        return add_surrogate(self, out, v_int, thr_eff, abs(self.thr - self.v_rest), input_open(c.rfr, dt) <= 0)
