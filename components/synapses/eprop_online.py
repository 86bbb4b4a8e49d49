"""NEST's ``eprop_synapse``: online e-prop with the timing of NEST's newer e-prop family
(Korcsak-Gorzo et al. 2025, arXiv:2511.21674; Bellec et al. 2020, Nat. Commun. 11:3625)."""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp

from contexts import Input, Param, State
from contexts.errors import ValidationError
from contexts.params import ParameterError, choice, custom, flag, integer, positive, real

from ..rules.eprop import decay
from ..rules.optax_bridge import apply_update, check_optimizer, resolve, state_compartments
from .dense import DenseSynapse

ROLES = ("hidden", "readout")
OPTIMIZERS = ("nest_gd", "nest_adam")


def check_online_optimizer(value: Any, where: str) -> Any:
    """NEST's two optimisers by name, or an optax spec / transform (:mod:`components.rules.optax_bridge`)."""
    if isinstance(value, str) and value not in OPTIMIZERS:
        err = ParameterError(f"{where}: optim_type must be one of {', '.join(OPTIMIZERS)} (NEST's), an optax spec "
                             f"such as {{optax: adam, learning_rate: 0.001}} or an optax GradientTransformation, "
                             f"got {value!r}")
        err.component, _, err.parameter = where.rpartition(": ")
        raise err
    return check_optimizer(value, where)
MAX_CUTOFF = 2**30


class EpropOnlineSynapse(DenseSynapse):
    """An e-prop projection updated at every step, as NEST's ``eprop_synapse`` with
    ``optimize_each_step = True`` (weights stored [pre, post]).

    Hidden role (onto an :class:`~components.cells.eprop_iaf_psc_delta.EpropIafPscDeltaCell`;
    ``alpha = exp(-dt/tau_m)`` of the postsynaptic neuron), at step ``t`` with presynaptic arrivals
    ``x(t)`` (``inputs``; wire recurrent ones from ``rec.s.prev``)::

        advance:     outputs = x(t) @ W                         (W holds the gradients of steps <= t-2)
                     zbar = alpha zbar + x(t)
        accumulate:  (step t-1, m = mask(t-1))
                     e = m psi(t-1)[post] (zbar(t-1)[pre] - adapt_beta eps)   (eps = 0 without adaptation)
                     eps = exp(-dt/adapt_tau) eps + e
                     ebar = kappa ebar + e ;  ebar_reg = kappa_reg ebar_reg + (1 - kappa_reg) e
                     g = m [L(t-1) ebar + fr_reg(t-1) ebar_reg] ;  W = clip(W - optimizer(g), w_min, w_max)

    ``L(t-1)`` is the learning signal wired into ``signal`` at step ``t`` (``B err(t)``: the readout's
    error at ``t`` reflects the recurrent spikes of ``t - 1``); ``fr_reg`` is the postsynaptic
    cell's firing-rate signal. Readout role (onto an
    :class:`~components.cells.eprop_readout_nest.EpropReadoutNestCell`, ``kappa_out = exp(-dt/tau_out)``)::

        advance:     outputs = x(t) @ W ;  zbar = kappa_out zbar + x(t)
        accumulate:  W = clip(W - optimizer(mask(t-1) g_prev), ...) ;  g_prev = err(t)[post] zbar[pre]

    ``mask(s)`` is NEST's ISI trace cut-off (``eprop_isi_trace_cutoff``): a step counts only while
    fewer than ``cutoff`` steps have passed since the step before the presynaptic neuron's latest
    spike (``s - (t_spike - 1) < cutoff``), and only after its first spike; outside the window NEST
    computes no eligibility (``e = 0``) and only decays the traces, as here.
    Between spikes NEST computes these increments lazily (at the next spike) and applies each one as
    a step of its optimiser (``batch_size`` 1); for gradient descent that is this per-step update.

    Compartments (besides DenseSynapse's inputs, outputs, weights, biases, mask): signal (input):
    L (hidden) or err (readout); post_psi, post_fr (inputs, hidden): the cell's ``psi`` and ``fr_reg``;
    zbar, zbar_prev (state, (batch, n_in)); ebar, ebar_reg, eps_a (with adapt_beta) (state,
    (batch, n_in, n_out), hidden); g_prev (state, readout); psi_prev, fr_prev (state, hidden);
    since (state, (batch, n_in)): steps since the latest presynaptic spike; seen (state): 1 after
    the first; opt_* (param): optimizer state.

    ``optim_type`` also takes an optax spec or transform (:mod:`components.rules.optax_bridge`; it brings its
    own learning rate); the weights are clipped to ``[w_min, w_max]`` after every step whatever the optimiser.

    NEST parameter mapping (synapse and the eligibility parameters NEST keeps on the neuron):

    ====================== ======= ============ ====================== =============
    NEST                   unit    NEST default ours                   default here
    ====================== ======= ============ ====================== =============
    weight                 pA      1.0          weight_init            fan_in_gaussian
    delay                  ms      1.0          (1 step: wiring)       --
    optimizer.type                 gradient_d.  optim_type             nest_gd
    optimizer.eta                  1e-4         eta                    1e-4
    optimizer.Wmin/Wmax    pA      -100/100     w_min/w_max            -100/100
    optimizer.beta_1/2             0.9/0.999    b1/b2                  0.9/0.999
    optimizer.epsilon              1e-7         eps                    1e-7
    optimizer.batch_size           1            (1 only)               --
    optimize_each_step             True         (True only)            --
    (Adam's catch-up)              always       lazy                   True
    kappa (neuron)                 0.97         kappa                  0.97
    kappa_reg (neuron)             0.97         kappa_reg              0.97
    tau_m (post neuron)    ms      10.0         tau_m                  10.0
    eprop_isi_trace_cutoff steps   max long     cutoff                 2^30
    adapt_beta (neuron)            1.0          adapt_beta             0 (no adaptation)
    adapt_tau (neuron)     ms      10.0         adapt_tau              10.0
    ====================== ======= ============ ====================== =============

    ``nest_adam`` is NEST's ``WeightOptimizerAdam`` as ``eprop_synapse`` drives it (``lazy``, the
    default). NEST calls the optimiser once per step of the cut-off window, with the index of that
    step; each synapse keeps its own next step index and its own powers ``b1^k``, ``b2^k``, and a
    call runs one Adam iteration for every index from the synapse's next one up to the call's: the
    first with the gradient, the others with a zero gradient. Inside the window that is one
    iteration per step, with ``k`` the simulation's step count (``opt_count``). The steps after the
    window closes (a presynaptic neuron silent longer than ``cutoff``) get no call: the synapse's
    ``m``, ``v`` and weight stay as they are, so the spike that ends the silence carries the weight
    without them. At the next window step (whose gradient ``g`` arrives then) the synapse catches
    up, per presynaptic row with ``n`` skipped steps and ``K = opt_count + 1``::

        k = K - n:            m = b1 m + (1-b1) g ;  v = b2 v + (1-b2) g^2 ;  W -= alpha_k m / (sqrt(v) + eps)
        k = K - n + 1 .. K:   m = b1 m ;  v = b2 v ;  W -= alpha_k m / (sqrt(v) + eps)
        W = clip(W, w_min, w_max)            (alpha_k = eta sqrt(1 - b2^k) / (1 - b1^k))

    ``opt_lag`` (param, (n_in,)) counts each row's skipped steps; the catch-up is a loop of
    ``max(n) + 1`` iterations over the matrix on the steps where a row resumes. ``lazy=False``
    steps Adam every step instead (zero gradients outside the window), which NEST does not do.
    Gradient descent needs no catch-up (zero-gradient steps change nothing): it is per step.
    The lazy form holds one shared state per synapse, as NEST's (one network): with ``batch > 1``
    a row counts as in its window when it is in any batch element's.
    """

    param_rules = {"role": choice(*ROLES), "tau_m": positive("ms"), "tau_out": positive("ms"),
                   "kappa": real(0.0, 1.0), "kappa_reg": real(0.0, 1.0), "eta": real(0.0),
                   "optim_type": custom(check_online_optimizer), "b1": real(0.0, 1.0, high_open=True),
                   "b2": real(0.0, 1.0, high_open=True), "eps": positive(), "w_min": real(), "w_max": real(),
                   "cutoff": integer(1, MAX_CUTOFF), "no_autapses": flag(), "lazy": flag(), "adapt_beta": real(),
                   "adapt_tau": positive("ms")}

    def __init__(self, name: str, shape: tuple, weight_init: dict | None = None, role: str = "hidden",
                 tau_m: float = 10.0, tau_out: float = 10.0, kappa: float = 0.97, kappa_reg: float = 0.97,
                 eta: float = 1e-4, optim_type: str = "nest_gd", b1: float = 0.9, b2: float = 0.999, eps: float = 1e-7,
                 w_min: float = -100.0, w_max: float = 100.0, cutoff: int = MAX_CUTOFF, no_autapses: bool = False,
                 lazy: bool = True, adapt_beta: float = 0.0, adapt_tau: float = 10.0):
        super().__init__(name, shape, weight_init={"dist": "fan_in_gaussian"} if weight_init is None else weight_init,
                         layout="dense")
        if no_autapses and self.shape[0] != self.shape[1]:
            raise ValidationError(f"{name}: no_autapses needs a square (recurrent) shape, got {self.shape}")
        if w_min > w_max:
            raise ValidationError(f"{name}: w_min = {w_min} must not exceed w_max = {w_max}")
        self.role, self.tau_m, self.tau_out, self.kappa, self.kappa_reg = role, tau_m, tau_out, kappa, kappa_reg
        self.eta, self.optim_type, self.b1, self.b2, self.eps = eta, optim_type, b1, b2, eps
        self.w_min, self.w_max, self.cutoff, self.no_autapses = w_min, w_max, int(cutoff), no_autapses
        self.lazy = bool(lazy)
        self._lazy_adam = self.lazy and isinstance(optim_type, str) and optim_type == "nest_adam"
        if adapt_beta and role != "hidden":
            raise ValidationError(f"{name}: adapt_beta applies to hidden projections onto adaptive cells")
        self.adapt_beta, self.adapt_tau = adapt_beta, adapt_tau
        n_in, n_out = self.shape
        syn = (n_in, n_out)
        self.signal = Input((n_out,), doc="learning signal L (hidden) or readout error (readout)")
        self.zbar = State((n_in,), doc="presynaptic trace zbar")
        self.since = State((n_in,), doc="steps since the latest presynaptic spike")
        self.seen = State((n_in,), doc="1 after the first presynaptic spike")
        for k, (spec, dtype, init) in state_compartments(self._opt(), syn, self.context.dtype).items():
            setattr(self, f"opt_{k}", Param(spec, dtype=dtype, init=init, doc=f"optimizer state {k}"))
        if self._lazy_adam:
            self.opt_lag = Param((n_in,), init=0.0, doc="steps skipped since the row's cut-off window closed")
        if role == "hidden":
            self.post_psi = Input((n_out,), doc="postsynaptic surrogate gradient psi")
            self.post_fr = Input((n_out,), doc="postsynaptic firing-rate regularisation signal")
            self.ebar = State(syn, doc="filtered eligibility ebar")
            self.ebar_reg = State(syn, doc="filtered eligibility for the firing-rate term")
            self.fr_prev = State((n_out,), doc="fr_reg of the previous step")
            self.psi_prev = State((n_out,), doc="psi of the previous step")
            self.zbar_prev = State((n_in,), doc="zbar of the previous step")
            if adapt_beta:
                self.eps_a = State(syn, doc="adaptation eligibility trace epsilon")
        else:
            self.g_prev = State(syn, doc="gradient increment of the previous step")

    def _opt(self) -> Any:
        kw: dict = {"lr": self.eta, "w_min": self.w_min, "w_max": self.w_max}
        if self.optim_type == "nest_adam":
            kw.update(b1=self.b1, b2=self.b2, eps=self.eps)
        return resolve(self.optim_type, **kw)

    def _step(self, c: Any, g: Any, live: Any) -> dict:
        """The optimiser step on the batch-mean gradient; ``live`` (batch, n_in, 1): the rows' windows."""
        g = jnp.mean(g, axis=0) * c["mask"]
        if self.no_autapses:
            g = g * (1.0 - jnp.eye(*self.shape, dtype=g.dtype))
        if self._lazy_adam:
            return self._lazy_adam_step(c, g, jnp.max(live[:, :, 0], axis=0) > 0)
        opt = self._opt()
        names = list(opt.state_spec(self.shape))
        step, new = apply_update(opt, g, {k: c[f"opt_{k}"] for k in names}, c["weights"])
        out = {"weights": jnp.clip(c["weights"] - step, self.w_min, self.w_max) * c["mask"]}
        out.update({f"opt_{k}": new[k] for k in names})
        return out

    def _lazy_adam_step(self, c: Any, g: Any, live: Any) -> dict:
        """NEST's Adam with its catch-up of the steps a row skipped outside its window (class docstring)."""
        b1, b2, eps, lr = self.b1, self.b2, self.eps, self.eta
        lag = c["opt_lag"]
        runs = jnp.where(live, lag, -1.0)[:, None]           # zero-gradient iterations after the first; -1: none
        k0 = c["opt_count"] + 1.0 - runs                      # the first iteration's step index

        def body(carry: tuple) -> tuple:
            j, m, v, w = carry
            gj = jnp.where(j == 0, g, 0.0)
            m1 = b1 * m + (1.0 - b1) * gj
            v1 = b2 * v + (1.0 - b2) * gj * gj
            k = k0 + j
            w1 = w - lr * jnp.sqrt(1.0 - b2 ** k) / (1.0 - b1 ** k) * m1 / (jnp.sqrt(v1) + eps)
            act = j <= runs
            return j + 1.0, jnp.where(act, m1, m), jnp.where(act, v1, v), jnp.where(act, w1, w)

        start = (jnp.zeros((), g.dtype), c["opt_m"], c["opt_v"], c["weights"])
        _, m, v, w = jax.lax.while_loop(lambda cr: cr[0] <= jnp.max(runs), body, start)
        seen = jnp.max(c["seen"], axis=0) > 0
        return {"weights": jnp.clip(w, self.w_min, self.w_max) * c["mask"], "opt_m": m, "opt_v": v,
                "opt_acc": jnp.zeros_like(c["opt_acc"]), "opt_calls": c["opt_calls"] + 1.0,
                "opt_count": c["opt_count"] + 1.0, "opt_lag": jnp.where(live | ~seen, 0.0, lag + 1.0)}

    def advance_state(self, c: Any, *, t: Any, dt: float, key: Any) -> dict:
        out = super().advance_state(c, t=t, dt=dt, key=key)
        x = c.inputs
        spike = x != 0
        tau = self.tau_m if self.role == "hidden" else self.tau_out
        out.update({"zbar": decay(tau, dt) * c.zbar + x, "since": jnp.where(spike, 0.0, c.since + 1.0),
                    "seen": jnp.where(spike, 1.0, c.seen)})
        if self.role == "hidden":
            out["zbar_prev"] = c.zbar
        return out

    def accumulate(self, c: Any, *, t: Any, dt: float, key: Any) -> dict:
        dtype = c.zbar.dtype
        live = ((c.since < self.cutoff) & (c.seen > 0)).astype(dtype)[:, :, None]   # window of step t - 1
        if self.role == "readout":
            out = self._step(c, live * c.g_prev, live)
            out["g_prev"] = c.zbar[:, :, None] * c.signal[:, None, :]
            return out
        # step t - 1: eligibility (0 outside the window, where NEST only decays the traces), then the gradient
        if self.adapt_beta:
            e = live * c.psi_prev[:, None, :] * (c.zbar_prev[:, :, None] - self.adapt_beta * c.eps_a)
        else:
            e = live * c.zbar_prev[:, :, None] * c.psi_prev[:, None, :]
        ebar = self.kappa * c.ebar + e
        ebar_reg = self.kappa_reg * c.ebar_reg + (1.0 - self.kappa_reg) * e
        out = self._step(c, live * (c.signal[:, None, :] * ebar + c.fr_prev[:, None, :] * ebar_reg), live)
        out.update({"ebar": ebar, "ebar_reg": ebar_reg, "psi_prev": c.post_psi, "fr_prev": c.post_fr})
        if self.adapt_beta:
            out["eps_a"] = decay(self.adapt_tau, dt) * c.eps_a + e
        return out
