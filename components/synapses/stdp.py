"""Trace-based STDP synapses: power-law (TraceSTDPSynapse) and exponential (ExpSTDPSynapse) weight dependence.

Both read spikes and traces of the two sides (wire them from spiking cells and ``VarTrace``s) and,
on ``evolve``, apply (all times in ms, weights stored ``[pre, post]``)::

    dWeights = STDP(preSpike, postSpike, preTrace, postTrace, W)      (summed over the batch)
    W <- clip(W + eta * dWeights - W * dt / tau_w, low, high) * mask

The rules themselves live in :mod:`components.rules.stdp`.

Compartments (besides DenseSynapse's ``inputs``, ``outputs``, ``weights``, ``biases``, ``mask``):
    preSpike  (input, (batch, n_in)):   presynaptic spikes s_pre (0/1) of this step
    postSpike (input, (batch, n_out)):  postsynaptic spikes s_post
    preTrace  (input, (batch, n_in)):   presynaptic trace x
    postTrace (input, (batch, n_out)):  postsynaptic trace y
    dWeights  (state, (n_in, n_out)):   the last update, before ``eta``

With ``layout="events"`` (out-edge lists; see :mod:`components.rules.out_edges`) a step updates only
the edges of the neurons that spiked in it, the rows of the spiking pre neurons and the in-edges of
the spiking post neurons, which is the same rule exactly: every other edge has ``dWeights = 0``.
Since the untouched edges are never clipped, the weights start clipped to the bounds, and
``tau_w`` (a decay of every weight every step) must be 0.
"""

from __future__ import annotations

from typing import Any

import jax.numpy as jnp
import numpy as np

from contexts import Input, State
from contexts.errors import ValidationError
from contexts.params import ParameterError, euler_stable, nonnegative, positive

from ..rules.edges import edge_outer
from ..rules.out_edges import plastic_step
from ..rules.stdp import decay_term, dense_outer, exp_stdp_update, trace_stdp_update
from .dense import DenseSynapse

EXP_W_EPS = 0.01  # ngc-learn's ExpSTDP keeps W in [0.01, w_bound - 0.01]


class _TraceSynapse(DenseSynapse):
    """Shared plumbing: spike/trace inputs, ``dWeights``, the weight mask and the evolve step."""

    param_rules = {"A_plus": nonnegative(), "A_minus": nonnegative(), "mu": nonnegative(), "exp_beta": nonnegative(),
                   "w_bound": positive(fix="the largest weight"), "tau_w": nonnegative("ms", fix="0 for no decay")}
    param_checks = (euler_stable("tau_w"),)
    events_plastic = True

    def _setup(self, name: str, shape: tuple, weight_init: dict | None, resist_scale: float, p_conn: float,
               layout: str, weight_mask: Any, connectivity: Any = None, capacity: int | None = None,
               **rule_params: float) -> None:
        """The DenseSynapse part (connections, a ``weight_mask``), the rule's parameters as attributes,
        then the STDP compartments."""
        DenseSynapse.__init__(self, name, shape, weight_init, None, resist_scale, p_conn, layout,
                              connectivity=connectivity, weight_mask=weight_mask, capacity=capacity)
        for key, value in rule_params.items():
            setattr(self, key, value)
        if self.layout == "events":
            self._events_setup(name)
        self._declare()

    def _events_setup(self, name: str) -> None:
        """``layout="events"``: no decay of every weight, and weights that start within the bounds."""
        if self.tau_w > 0.0:
            raise ParameterError(f"{name}: tau_w = {self.tau_w:g} ms decays every weight every step, which "
                                 f"layout='events' (updates on spiking neurons' edges only) does not do; use "
                                 f"tau_w=0 or layout='edges'")
        low, high = self._bounds()
        draw, valid = self.weights.init, np.asarray(self._valid, np.float32)

        def within_bounds(key: Any, shape: tuple, dtype: Any) -> Any:
            return jnp.clip(draw(key, shape, dtype), low, high) * jnp.asarray(valid, dtype)

        self.weights.init = within_bounds

    def _declare(self) -> None:
        n_in, n_out = self.shape
        self.preSpike = Input((n_in,), doc="presynaptic spikes s_pre (0/1)")
        self.postSpike = Input((n_out,), doc="postsynaptic spikes s_post (0/1)")
        self.preTrace = Input((n_in,), doc="presynaptic trace x")
        self.postTrace = Input((n_out,), doc="postsynaptic trace y")
        self.dWeights = State(self.weights.shape, batched=False, doc="last update before eta (summed over batch)")

    def _update(self, c: Any, weights: Any, outer: Any) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    def _outer(self, c: Any) -> Any:
        """The batch-summed outer product ``a^T b`` in this synapse's layout."""
        if self.layout == "edges":
            return lambda a, b, per_sample=False: edge_outer(a, b, c.pre_index, per_sample)
        return dense_outer

    def _bounds(self) -> tuple[float, float]:  # pragma: no cover - abstract
        raise NotImplementedError

    def evolve(self, c: Any, *, t: Any, dt: float, key: Any) -> dict:
        low, high = self._bounds()
        if self.layout == "events":
            return self._evolve_events(c, low, high)
        dW = self._update(c, c.weights, self._outer(c))
        w = c.weights + self.eta * dW - decay_term(c.weights, dt, self.tau_w)
        return {"weights": self.constrain(w, c, low, high), "dWeights": dW}

    def _evolve_events(self, c: Any, low: float, high: float) -> dict:
        """The rule on the edges this step's spikes touch (:func:`components.rules.out_edges.plastic_step`)."""
        mask = None if self.fully_connected else c.mask.reshape(-1)

        def step(position: Any, w: Any, outer: Any) -> tuple[Any, Any]:
            dW = self._update(c, w, outer)
            new = jnp.clip(w + self.eta * dW, low, high)
            return (new, dW) if mask is None else (new * mask[position], dW * mask[position])

        weights, dW = plastic_step(step, c.weights, c.post_index, c.in_slots, c.preSpike, c.postSpike,
                                   self.capacity)
        return {"weights": weights, "dWeights": dW}


class TraceSTDPSynapse(_TraceSynapse):
    """Trace STDP with power-law weight dependence (Morrison, Aertsen & Diesmann 2007).

    Update (before ``eta``; ``x``/``y`` pre/post traces, ``s`` spikes, ``x_tar = pretrace_target``)::

        dW = A_plus (w_bound - W)^mu (x - x_tar)^T s_post - A_minus W^mu s_pre^T y     (mu = 0: no W factors)
        W <- clip(W + eta dW - W dt / tau_w, 0, w_bound) * mask

    With exponential traces (``VarTrace``, ``tau_tr``) a single pairing at ``dt = t_post - t_pre``
    gives ``eta A_plus exp(-dt/tau_tr)`` for ``dt > 0`` and ``-eta A_minus exp(dt/tau_tr)`` for
    ``dt < 0`` (Bi & Poo 2001). ngc-learn's ``TraceSTDPSynapse`` at ``dt = 1`` ms.

    Args:
        name: component name.
        shape: ``(n_in, n_out)``.
        A_plus: LTP strength (>= 0).
        A_minus: LTD strength (>= 0).
        eta: global learning rate (default 1).
        mu: power of the weight dependence (default 0: additive STDP).
        pretrace_target: ``x_tar``, presynaptic "disconnect" target (default 0).
        weight_init, resist_scale, p_conn: as :class:`DenseSynapse`.
        w_bound: largest weight (default 1).
        tau_w: weight-decay time constant in ms (default 0: no decay).
        weight_mask, connectivity: which connections exist, as :class:`DenseSynapse`.
        layout: ``"auto"`` (default), ``"dense"``, ``"edges"`` (sparse, fixed in-degree; the rule
            runs on the edges only) or ``"events"`` (out-edge lists; the rule runs on the edges of the
            neurons that spiked; needs ``tau_w = 0``), as :class:`DenseSynapse`.
        capacity: ``layout="events"``: presynaptic events per sample and step that the transmission
            takes on its fast path (see :class:`DenseSynapse`); the plasticity finds the spiking
            neurons this many at a time (default ``max(16, n_in // 64)``).

    Compartments: ``preSpike``, ``postSpike``, ``preTrace``, ``postTrace`` (inputs), ``dWeights``
    (state), plus DenseSynapse's. References: Morrison et al. (2007) Neural Comput. 19:1437;
    Bi & Poo (2001) Annu. Rev. Neurosci. 24:139.
    """

    def __init__(self, name: str, shape: tuple, A_plus: float, A_minus: float, eta: float = 1.0, mu: float = 0.0,
                 pretrace_target: float = 0.0, weight_init: dict | None = None, resist_scale: float = 1.0,
                 p_conn: float = 1.0, w_bound: float = 1.0, tau_w: float = 0.0, weight_mask: Any = None,
                 layout: str = "auto", connectivity: Any = None, capacity: int | None = None):
        self._setup(name, shape, weight_init, resist_scale, p_conn, layout, weight_mask, connectivity, capacity,
                    A_plus=A_plus, A_minus=A_minus, eta=eta, mu=mu, pretrace_target=pretrace_target, w_bound=w_bound,
                    tau_w=tau_w)

    def _update(self, c: Any, weights: Any, outer: Any) -> Any:
        return trace_stdp_update(c.preSpike, c.postSpike, c.preTrace, c.postTrace, weights,
                                 A_plus=self.A_plus, A_minus=self.A_minus, mu=self.mu, w_bound=self.w_bound,
                                 pretrace_target=self.pretrace_target, outer=outer)

    def _bounds(self) -> tuple[float, float]:
        return 0.0, self.w_bound


class ExpSTDPSynapse(_TraceSynapse):
    """Trace STDP with exponential weight dependence (Nessler, Pfeiffer, Buesing & Maass 2013).

    Update (before ``eta``; ``b = exp_beta``, ``x_tar = pretrace_target``)::

        dW = A_plus [e^{-b W} x^T s_post - e^{-b (w_bound - W)} x_tar^T s_post] - A_minus e^{-b W} s_pre^T y
        W <- clip(W + eta dW - W dt / tau_w, 0.01, w_bound - 0.01) * mask

    ngc-learn's ``ExpSTDPSynapse``, which takes the same ``w_bound`` and ``weight_mask`` but never
    applies its ``tau_w`` decay (the two agree for ``tau_w = 0``).

    Args:
        name: component name.
        shape: ``(n_in, n_out)``.
        A_plus, A_minus: LTP / LTD strengths (>= 0).
        exp_beta: strength of the exponential weight dependence (>= 0).
        eta: global learning rate (default 1).
        pretrace_target: ``x_tar`` (default 0).
        weight_init, resist_scale, p_conn: as :class:`DenseSynapse`.
        w_bound: largest weight (default 1; must exceed 0.02).
        tau_w: weight-decay time constant in ms (default 0: no decay).
        weight_mask, connectivity: which connections exist, as :class:`DenseSynapse`.
        layout, capacity: as :class:`TraceSTDPSynapse`.

    Compartments: ``preSpike``, ``postSpike``, ``preTrace``, ``postTrace`` (inputs), ``dWeights``
    (state), plus DenseSynapse's. References: Nessler et al. (2013) PLoS Comput. Biol. 9:e1003037;
    Bi & Poo (2001) Annu. Rev. Neurosci. 24:139.
    """

    def __init__(self, name: str, shape: tuple, A_plus: float, A_minus: float, exp_beta: float, eta: float = 1.0,
                 pretrace_target: float = 0.0, weight_init: dict | None = None, resist_scale: float = 1.0,
                 p_conn: float = 1.0, w_bound: float = 1.0, tau_w: float = 0.0, weight_mask: Any = None,
                 layout: str = "auto", connectivity: Any = None, capacity: int | None = None):
        if w_bound <= 2 * EXP_W_EPS:
            raise ValidationError(f"{name}: w_bound must exceed {2 * EXP_W_EPS} (weights are kept in "
                                  f"[{EXP_W_EPS}, w_bound - {EXP_W_EPS}]), got {w_bound}")
        self._setup(name, shape, weight_init, resist_scale, p_conn, layout, weight_mask, connectivity, capacity,
                    A_plus=A_plus, A_minus=A_minus, exp_beta=exp_beta, eta=eta, pretrace_target=pretrace_target,
                    w_bound=w_bound, tau_w=tau_w)

    def _update(self, c: Any, weights: Any, outer: Any) -> Any:
        return exp_stdp_update(c.preSpike, c.postSpike, c.preTrace, c.postTrace, weights,
                               A_plus=self.A_plus, A_minus=self.A_minus, exp_beta=self.exp_beta,
                               w_bound=self.w_bound, pretrace_target=self.pretrace_target, outer=outer)

    def _bounds(self) -> tuple[float, float]:
        return EXP_W_EPS, self.w_bound - EXP_W_EPS
