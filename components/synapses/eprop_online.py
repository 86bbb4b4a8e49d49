"""NEST's ``eprop_synapse``: online e-prop with the timing of NEST's newer e-prop family
(Korcsak-Gorzo et al. 2025, arXiv:2511.21674; Bellec et al. 2020, Nat. Commun. 11:3625)."""

from __future__ import annotations

from typing import Any

import jax.numpy as jnp

from contexts import Input, Param, State
from contexts.errors import ValidationError
from contexts.params import ParameterError, choice, count, custom, flag, integer, positive, real

from ..rules.eprop import decay
from ..rules.nest_optimizer import NestOptimizer, nest_call
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
    optimizer.batch_size           1            opt_batch_size         1
    optimize_each_step             True         optimize_each_step     True
    (Adam's catch-up)              always       lazy                   True
    kappa (neuron)                 0.97         kappa                  0.97
    kappa_reg (neuron)             0.97         kappa_reg              0.97
    tau_m (post neuron)    ms      10.0         tau_m                  10.0
    eprop_isi_trace_cutoff steps   max long     cutoff                 2^30
    adapt_beta (neuron)            1.0          adapt_beta             0 (no adaptation)
    adapt_tau (neuron)     ms      10.0         adapt_tau              10.0
    ====================== ======= ============ ====================== =============

    ``nest_gd`` and ``nest_adam`` are NEST's ``WeightOptimizerGradientDescent`` and
    ``WeightOptimizerAdam`` called as ``eprop_synapse`` calls them (``lazy``, the default;
    :mod:`components.rules.nest_optimizer` has the maths). With ``optimize_each_step`` (NEST's
    default) a row calls the optimiser at every step of its cut-off window with that step's gradient
    and the index ``opt_count + 1`` of the clock (``opt_count``, param, advances by one per
    ``accumulate``); with ``optimize_each_step=False`` the gradients of the window are summed
    (``opt_cum``) and the row calls the optimiser once, just before its presynaptic spike is
    transmitted (not at its first spike), with the index ``opt_count``. A call averages the
    gradients of the ``opt_batch_size`` clock steps of its block and runs one Adam iteration per
    block since the row's previous optimisation (``opt_step``, param, (n_in,)): the first with the
    gradient, the others with zero gradients. So a row silent longer than ``cutoff`` keeps its
    weight, ``m`` and ``v`` through the silence (the spike that ends it carries the old weight) and
    catches up at its next call, as in NEST; the catch-up is a loop over the matrix on the steps where
    a row resumes. ``lazy=False`` steps the optimiser at every step instead (zero gradients outside
    the window; ``opt_batch_size`` 1 and ``optimize_each_step`` only), which NEST does not do. The
    optimiser state is shared over the batch, as NEST's (one network): with ``batch > 1`` the
    gradient is the batch mean and a row is in its window (or spikes) when it is in any sample.
    """

    param_rules = {"role": choice(*ROLES), "tau_m": positive("ms"), "tau_out": positive("ms"),
                   "kappa": real(0.0, 1.0), "kappa_reg": real(0.0, 1.0), "eta": real(0.0),
                   "optim_type": custom(check_online_optimizer), "b1": real(0.0, 1.0, high_open=True),
                   "b2": real(0.0, 1.0, high_open=True), "eps": positive(), "w_min": real(), "w_max": real(),
                   "cutoff": integer(1, MAX_CUTOFF), "no_autapses": flag(), "lazy": flag(), "adapt_beta": real(),
                   "adapt_tau": positive("ms"), "opt_batch_size": count(), "optimize_each_step": flag()}

    def __init__(self, name: str, shape: tuple, weight_init: dict | None = None, role: str = "hidden",
                 tau_m: float = 10.0, tau_out: float = 10.0, kappa: float = 0.97, kappa_reg: float = 0.97,
                 eta: float = 1e-4, optim_type: str = "nest_gd", b1: float = 0.9, b2: float = 0.999, eps: float = 1e-7,
                 w_min: float = -100.0, w_max: float = 100.0, cutoff: int = MAX_CUTOFF, no_autapses: bool = False,
                 lazy: bool = True, adapt_beta: float = 0.0, adapt_tau: float = 10.0, opt_batch_size: int = 1,
                 optimize_each_step: bool = True):
        super().__init__(name, shape, weight_init={"dist": "fan_in_gaussian"} if weight_init is None else weight_init,
                         layout="dense")
        if no_autapses and self.shape[0] != self.shape[1]:
            raise ValidationError(f"{name}: no_autapses needs a square (recurrent) shape, got {self.shape}")
        if w_min > w_max:
            raise ValidationError(f"{name}: w_min = {w_min} must not exceed w_max = {w_max}")
        self.role, self.tau_m, self.tau_out, self.kappa, self.kappa_reg = role, tau_m, tau_out, kappa, kappa_reg
        self.eta, self.optim_type, self.b1, self.b2, self.eps = eta, optim_type, b1, b2, eps
        self.w_min, self.w_max, self.cutoff, self.no_autapses = w_min, w_max, int(cutoff), no_autapses
        self.lazy, self.opt_batch_size = bool(lazy), int(opt_batch_size)
        self.optimize_each_step = bool(optimize_each_step)
        self._nest = self.lazy and isinstance(optim_type, str) and optim_type in OPTIMIZERS
        if not self._nest and (self.opt_batch_size != 1 or not self.optimize_each_step):
            raise ValidationError(f"{name}: opt_batch_size > 1 and optimize_each_step=False follow NEST's optimiser "
                                  f"calls: they need optim_type nest_gd or nest_adam with lazy=True")
        if adapt_beta and role != "hidden":
            raise ValidationError(f"{name}: adapt_beta applies to hidden projections onto adaptive cells")
        self.adapt_beta, self.adapt_tau = adapt_beta, adapt_tau
        n_in, n_out = self.shape
        syn = (n_in, n_out)
        self.signal = Input((n_out,), doc="learning signal L (hidden) or readout error (readout)")
        self.zbar = State((n_in,), doc="presynaptic trace zbar")
        self.since = State((n_in,), doc="steps since the latest presynaptic spike")
        self.seen = State((n_in,), doc="1 after the first presynaptic spike")
        if self._nest:
            self.opt_count = Param((), init=0.0, doc="the optimiser's clock: steps accumulated so far")
            self.opt_step = Param((n_in,), init=1.0, doc="each row's next optimisation step (NEST's)")
            if optim_type == "nest_adam":
                self.opt_m = Param(syn, doc="Adam's first moment")
                self.opt_v = Param(syn, doc="Adam's second moment")
            if self.opt_batch_size > 1 or not self.optimize_each_step:
                self.opt_cum = Param(syn, doc="gradients summed since the row's last optimisation")
        else:
            for k, (spec, dtype, init) in state_compartments(self._opt(), syn, self.context.dtype).items():
                setattr(self, f"opt_{k}", Param(spec, dtype=dtype, init=init, doc=f"optimizer state {k}"))
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

    def _batch_gradient(self, c: Any, g: Any) -> Any:
        g = jnp.mean(g, axis=0) * c["mask"]
        if self.no_autapses:
            g = g * (1.0 - jnp.eye(*self.shape, dtype=g.dtype))
        return g

    def _step(self, c: Any, g: Any, live: Any) -> dict:
        """This step's gradient ``g`` (batch, n_in, n_out) into the optimiser; ``live`` (batch, n_in, 1):
        the rows' windows."""
        g = self._batch_gradient(c, g)
        if self._nest:
            rows = jnp.max(live[:, :, 0], axis=0) > 0
            if not self.optimize_each_step:           # summed here, applied at the row's next spike
                return {"opt_cum": c["opt_cum"] + g, "opt_count": c["opt_count"] + 1.0}
            out = self._nest_call(c, g, rows, c["opt_count"] + 1.0)
            out["opt_count"] = c["opt_count"] + 1.0
            return out
        opt = self._opt()
        names = list(opt.state_spec(self.shape))
        step, new = apply_update(opt, g, {k: c[f"opt_{k}"] for k in names}, c["weights"])
        out = {"weights": jnp.clip(c["weights"] - step, self.w_min, self.w_max) * c["mask"]}
        out.update({f"opt_{k}": new[k] for k in names})
        return out

    def _nest_call(self, c: Any, g: Any, rows: Any, idx: Any) -> dict:
        """NEST's optimiser called by the presynaptic ``rows`` at clock index ``idx`` (:func:`nest_call`)."""
        opt = NestOptimizer(self.optim_type, self.eta, self.opt_batch_size, self.b1, self.b2, self.eps,
                            self.w_min, self.w_max)
        adam = self.optim_type == "nest_adam"
        cum = c["opt_cum"] if "opt_cum" in self._compartments else jnp.zeros_like(g)
        m, v = (c["opt_m"], c["opt_v"]) if adam else (None, None)
        w, cum, step, m, v = nest_call(opt, c["weights"], cum, c["opt_step"], m, v, g, rows, idx)
        out = {"weights": w * c["mask"], "opt_step": step}
        if "opt_cum" in self._compartments:
            out["opt_cum"] = cum
        if adam:
            out.update(opt_m=m, opt_v=v)
        return out

    def advance_state(self, c: Any, *, t: Any, dt: float, key: Any) -> dict:
        x = c.inputs
        spike = x != 0
        if self._nest and not self.optimize_each_step:
            # NEST optimises once per presynaptic spike (from the second on), before sending it
            rows = jnp.any(spike & (c.seen > 0), axis=0)
            out = self._nest_call(c, jnp.zeros_like(c.weights), rows, c.opt_count)
            out["outputs"] = (x @ out["weights"]) * self.resist_scale + c.biases
        else:
            out = super().advance_state(c, t=t, dt=dt, key=key)
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
