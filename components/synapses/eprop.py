"""e-prop synapses (Bellec et al. 2020, Nat. Commun. 11:3625; NEST ``eprop_synapse_bsshslm_2020`` and
``eprop_learning_signal_connection_bsshslm_2020``).

Three commands drive an e-prop network each time step and once per sequence::

    advance     synapses transmit (and update their presynaptic trace zbar), cells integrate,
                the readout computes its error, the LearningSignalConnection sends L = B err back
    accumulate  synapses update eligibility e, filtered eligibility ebar and the gradient g += ebar L
    evolve      (once per sequence) g += firing-rate term; W -= optimizer(g); accumulators cleared

The maths lives in :mod:`components.rules.eprop`. Weights are stored [pre, post].
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from contexts import Input, Param, State
from contexts.errors import ValidationError
from contexts.params import choice, count, custom, flag, integer, nonnegative, optional, positive, real

from ..rules.delays import MAX_IN_FLIGHT
from ..rules.edges import in_degree
from ..rules.eprop import (
    INPUT_MODES,
    at_synapses,
    decay,
    eligibility,
    factored_eligibility,
    filtered_signal,
    firing_rate_gradient,
    input_factor,
    low_pass,
)
from ..rules.optax_bridge import apply_update, check_optimizer, resolve, state_compartments
from ..rules.optimizers import apply_step
from .dense import DenseSynapse

ROLES = ("hidden", "readout")
UPDATES = ("sequence", "online")
FEEDBACK = ("random", "symmetric")
ELIGIBILITY = ("online", "factored")
EPROP_LAYOUTS = ("dense", "edges")


class EpropSynapse(DenseSynapse):
    """A plastic e-prop projection: input -> recurrent, recurrent -> recurrent, or recurrent -> readout.

    ``role="hidden"`` (onto e-prop neurons; ``alpha = exp(-dt/tau_m)``, ``kappa = exp(-dt/tau_out)``)::

        advance:     outputs = inputs @ W ;  zbar = alpha zbar + c_in inputs     (c_in = 1-alpha or 1)
        accumulate:  e = psi[post] zbar[pre] - psi_beta[post] eps_a ;  eps_a = rho eps_a + e
                     ebar = kappa ebar + (1-kappa) e ;  g += ebar * L[post]
                     sum_e += e ;  n_spikes += z_post ;  n_steps += 1
        evolve:      g += c_reg (n_spikes/n_steps - f_target dt/1000)[post] sum_e / n_steps
                     g *= mask (and 0 on the diagonal if no_autapses) ;  g /= grad_divisor
                     W -= optimizer(mean over batch of g) ;  accumulators -> 0

    ``role="readout"`` (onto an :class:`~components.cells.eprop.EpropReadoutCell`)::

        advance:     outputs = inputs @ W ;  zbar = kappa zbar + (1-kappa) inputs
        accumulate:  g += outer(zbar, err)        (err wired into ``signal``)

    Wire the recurrent projection's ``inputs`` from ``rec.s.prev`` (the previous step's spikes);
    the presynaptic trace then uses ``z_prev`` as in the paper. Reset the network (``reset``
    command) between sequences to reproduce NEST's ``_bsshslm_2020`` models.

    Compartments (besides DenseSynapse's inputs, outputs, weights, biases, mask):
        zbar (state, (batch, n_in)): presynaptic trace.
        signal (input, (batch, n_out)): learning signal L (hidden) or readout error (readout).
        post_psi (input, hidden): pseudo-derivative of the postsynaptic cells.
        post_s (input, hidden, read when c_reg > 0): postsynaptic spikes.
        post_psi_beta (input, hidden with tau_a): the ALIF cell's ``psi_beta``.
        ebar, eps_a (state, (batch, n_in, n_out)): filtered eligibility, adaptation eligibility (only with
        tau_a); e (state, only with store_e=True): this step's eligibility (otherwise e is formed each step
        from zbar, psi and eps_a and used at once, which saves one n_in x n_out write per step).
        grad, sum_e (state): accumulators; n_spikes (state, (batch, n_out)),
        n_steps (state, (batch,)). dWeights (param): the last weight change. opt_* (param): optimizer state.

    Parameters: tau_m = 30 ms (postsynaptic membrane, for zbar), tau_out = 30 ms (readout, for ebar),
    input_mode "leaky"/"direct" (as the postsynaptic cell), tau_a = None (ms; set it for ALIF targets),
    eta = 1e-4, optim_type "sgd" | "adam" (Kingma-Ba) | "nest_gd" | "nest_adam" (NEST's
    ``WeightOptimizer`` forms; :mod:`components.rules.optimizers`) (b1 = 0.9, b2 = 0.999, eps = 1e-8;
    for the NEST forms also opt_batch_size = 1, NEST's ``batch_size``: the optimiser sums the gradients of
    that many ``evolve`` calls and steps on their mean every opt_batch_size-th call, and w_min = -100,
    w_max = 100, NEST's ``Wmin``/``Wmax``: the weights are clipped to them after each step), c_reg = 0,
    f_target = 10 Hz, no_autapses = False, grad_divisor = 1 (150 = the recall window in the
    classification tutorial), update = "sequence" (NEST ``_bsshslm_2020``) | "online" (apply
    ``ebar L`` every step through the optimizer; the firing-rate term is then not applied), store_e = False,
    late_signal = False (see below). ``optim_type`` also takes an optax spec or transform
    (:mod:`components.rules.optax_bridge`; it brings its own learning rate).

    ``late_signal=True`` reproduces a timing detail of NEST's event-driven ``eprop_synapse_bsshslm_2020``
    over many sequences (hidden role only). NEST computes a synapse's gradient of a sequence when the
    presynaptic neuron's first spike of the *next* sequence arrives; the learning signal of the last
    step of a sequence reaches the neuron two steps later (readout delay + feedback delay), so when that
    first spike arrives at step 1 (the earliest step a spike can arrive after the reset) the last step's
    term ``ebar(T-1) L(T-1)`` is still missing from the gradient. With ``late_signal`` the synapse keeps
    that last term (state ``g_last``) and ``evolve`` subtracts it for the presynaptic neurons marked in
    the input ``next_inputs`` (batch, n_in): the presynaptic spikes at step 1 of the sequence that
    follows (for a frozen input, its own step 1; 0 if not wired).

    ``layout="edges"`` stores only the existing synapses (sparse e-prop): ``weights`` is ``(k, n_out)``
    with the presynaptic neuron of each edge in ``pre_index`` (k, n_out) (:mod:`components.rules.edges`),
    and every per-synapse state (``ebar``, ``eps_a``, ``grad``, ``sum_e``, ``e``, ``g_last``, ``dWeights``,
    the optimiser's state) is ``(batch, k, n_out)``: memory O(edges) instead of O(n_in n_out). The
    step is the same, with ``zbar`` read at each edge's presynaptic neuron:
    ``e[s, j] = psi[j] (zbar[pre_index[s, j]] - beta[j] eps_a[s, j])``. The network comes from
    ``connectivity`` / ``weight_mask`` (:mod:`components.rules.connectivity`; the same draw as the dense
    layout, so both layouts hold the same network and learn the same weights), or without them from
    ``p_conn``: a fixed in-degree ``round(p_conn n_in)`` (all-to-all for ``p_conn = 1``).
    ``dense_weights()`` gives the ``(n_in, n_out)`` matrix. Not with ``eligibility="factored"``.

    ``dale=True`` keeps Dale's law through learning: presynaptic neurons ``0 .. n_exc - 1`` are excitatory
    and the rest inhibitory (``n_exc`` None: all excitatory). The initial weights take the sign of their
    presynaptic neuron (``|w|`` or ``-|w|``), and after every optimiser step a weight that would change sign
    is set to 0 (``max(w, 0)`` for excitatory, ``min(w, 0)`` for inhibitory neurons); it may grow back.

    ``eligibility="factored"`` (with ``max_steps``, the longest sequence between two ``evolve``) computes
    the same gradient exactly but once per sequence: ``accumulate`` only stores this step's postsynaptic
    and presynaptic vectors (``zbar``, ``psi``, ``L``, ``psi_beta``; O(n_in + n_out) per step instead of
    O(n_in n_out)), and ``evolve`` forms ``g = Zbar^T (Psi * Lf)`` with the learning signal filtered
    backwards, ``Lf_t = (1 - kappa) L_t + kappa Lf_{t+1}`` (since ``sum_t ebar_t L_t = sum_t e_t Lf_t``),
    one matrix product per sequence; the regulariser's ``sum_t e_t`` joins the same product, and ALIF's
    adaptation eligibility becomes a backward scan over postsynaptic vectors
    (:func:`components.rules.eprop.factored_eligibility`). It needs ``update="sequence"`` and
    O(max_steps x (n_in + n_out)) memory per sample (compartments ``zbar_hist``, ``psi_hist``,
    ``signal_hist``, ``psi_beta_hist``). ``ebar`` and ``eps_a`` hold their end-of-sequence values after
    ``evolve`` (as with the online form) unless ``keep_traces=False``, which sets them to 0 instead and saves
    a second product (exact when every sequence starts from a reset). During a sequence ``grad``,
    ``sum_e``, ``ebar`` and ``eps_a`` keep the values they had at its start. A sequence longer than
    ``max_steps`` makes the update NaN (``check_finite`` names it).
    """

    param_rules = {"role": choice(*ROLES), "tau_m": positive("ms"), "tau_out": positive("ms"),
                   "input_mode": choice(*INPUT_MODES), "tau_a": optional(positive("ms")),
                   "optim_type": custom(check_optimizer),
                   "b1": real(0.0, 1.0, high_open=True), "b2": real(0.0, 1.0, high_open=True), "eps": positive(),
                   "c_reg": nonnegative(), "f_target": nonnegative("Hz"), "no_autapses": flag(),
                   "grad_divisor": positive(), "update": choice(*UPDATES), "store_e": flag(),
                   "eligibility": choice(*ELIGIBILITY), "max_steps": optional(count()), "keep_traces": flag(),
                   "opt_batch_size": integer(1, 2**31 - 1), "w_min": real(), "w_max": real(), "late_signal": flag(),
                   "layout": choice(*EPROP_LAYOUTS), "dale": flag(), "n_exc": optional(integer(0, 2**31 - 1))}

    def __init__(self, name: str, shape: tuple, weight_init: dict | None = None, role: str = "hidden",
                 tau_m: float = 30.0, tau_out: float = 30.0, input_mode: str = "leaky", tau_a: float | None = None,
                 eta: float = 1e-4, optim_type: str = "sgd", b1: float = 0.9, b2: float = 0.999, eps: float = 1e-8,
                 c_reg: float = 0.0, f_target: float = 10.0, no_autapses: bool = False, grad_divisor: float = 1.0,
                 update: str = "sequence", p_conn: float = 1.0, store_e: bool = False,
                 connectivity: Any = None, weight_mask: Any = None, eligibility: str = "online",
                 max_steps: int | None = None, keep_traces: bool = True, opt_batch_size: int = 1,
                 w_min: float = -100.0, w_max: float = 100.0, late_signal: bool = False, layout: str = "dense",
                 dale: bool = False, n_exc: int | None = None):
        w_spec = {"dist": "fan_in_gaussian"} if weight_init is None else weight_init
        if layout == "edges" and connectivity is None and weight_mask is None:
            # p_conn as a fixed in-degree drawn once from the seed, so that pre_index is known here (Dale's signs)
            n_pre = int(shape[0])
            spec = ({"rule": "fixed_in_degree", "k": in_degree(p_conn, n_pre)} if p_conn < 1.0
                    else {"rule": "all_to_all"})
            super().__init__(name, shape, weight_init=w_spec, layout="edges", connectivity=spec)
            self.p_conn, self.connectivity = p_conn, None
        else:
            super().__init__(name, shape, weight_init=w_spec, p_conn=p_conn, layout=layout,
                             connectivity=connectivity, weight_mask=weight_mask)
        if layout == "edges" and eligibility == "factored":
            raise ValidationError(f"{name}: eligibility='factored' needs layout='dense' (its one matrix product per "
                                  "sequence forms every n_in x n_out entry); use eligibility='online' with edges")
        if n_exc is not None and n_exc > self.shape[0]:
            raise ValidationError(f"{name}: n_exc = {n_exc} exceeds the {self.shape[0]} presynaptic neurons")
        self.dale, self.n_exc = dale, n_exc
        if dale:
            self._signed_init()
        if no_autapses and self.shape[0] != self.shape[1]:
            raise ValidationError(f"{name}: no_autapses needs a square (recurrent) shape, got {self.shape}")
        if role == "readout" and tau_a is not None:
            raise ValidationError(f"{name}: tau_a applies to hidden projections onto ALIF cells, not readouts")
        self.role, self.tau_m, self.tau_out, self.input_mode, self.tau_a = role, tau_m, tau_out, input_mode, tau_a
        self.eta, self.optim_type, self.b1, self.b2, self.eps = eta, optim_type, b1, b2, eps
        self.c_reg, self.f_target, self.no_autapses = c_reg, f_target, no_autapses
        self.grad_divisor, self.update, self.store_e = grad_divisor, update, store_e
        if w_min > w_max:
            raise ValidationError(f"{name}: w_min = {w_min} must not exceed w_max = {w_max}")
        if late_signal and (role != "hidden" or update != "sequence"):
            raise ValidationError(f"{name}: late_signal applies to hidden projections with update='sequence'")
        self.opt_batch_size, self.w_min, self.w_max, self.late_signal = opt_batch_size, w_min, w_max, late_signal
        n_in, n_out = self.shape
        syn = tuple(self.weights.shape)  # (n_in, n_out), or (k, n_out) for the edges
        self.zbar = State((n_in,), doc="presynaptic trace zbar")
        self.signal = Input((n_out,), doc="learning signal L (hidden) or readout error (readout)")
        self.grad = State(syn, doc="gradient accumulator g")
        self.dWeights = Param(syn, doc="the last weight change")
        for key, (spec_shape, dtype, init) in state_compartments(self._opt(), syn, self.context.dtype).items():
            setattr(self, f"opt_{key}", Param(spec_shape, dtype=dtype, init=init, doc=f"optimizer state {key}"))
        if role == "hidden":
            self.post_psi = Input((n_out,), doc="postsynaptic pseudo-derivative psi")
            self.post_s = Input((n_out,), required=False, doc="postsynaptic spikes (firing-rate regulariser)")
            if store_e:
                self.e = State(syn, doc="eligibility trace e of the last step")
            self.ebar = State(syn, doc="low-pass filtered eligibility ebar")
            self.sum_e = State(syn, doc="sum of e over the sequence")
            self.n_spikes = State((n_out,), doc="postsynaptic spike count")
            self.n_steps = State((), doc="steps accumulated")
            if late_signal:
                self.g_last = State(syn, doc="the last step's gradient term ebar * L")
                self.next_inputs = Input((n_in,), required=False,
                                         doc="presynaptic spikes at step 1 of the following sequence")
            if tau_a is not None:
                self.post_psi_beta = Input((n_out,), doc="postsynaptic psi * beta (EpropALIFCell.psi_beta)")
                self.eps_a = State(syn, doc="adaptation eligibility trace eps_a")
        self.eligibility, self.max_steps, self.keep_traces = eligibility, max_steps, keep_traces
        if eligibility == "factored":
            if late_signal:
                raise ValidationError(f"{name}: late_signal needs eligibility='online' (it keeps the last step's "
                                      "gradient term, which the factored form never forms)")
            self._declare_factored()

    def _declare_factored(self) -> None:
        """The per-step histories of the factored form (see the class docstring)."""
        name, (n_in, n_out), steps = self.name, self.shape, self.max_steps
        if steps is None:
            raise ValidationError(f"{name}: eligibility='factored' needs max_steps, the number of steps of the "
                                  "longest sequence between two evolve commands")
        if self.update != "sequence":
            raise ValidationError(f"{name}: eligibility='factored' forms the gradient once per sequence, so it "
                                  f"needs update='sequence' (got update='{self.update}'); use the online form")
        if self.store_e:
            raise ValidationError(f"{name}: store_e needs eligibility='online' (the factored form never forms e)")
        self.zbar_hist = State((steps, n_in), doc="zbar at each step of the sequence")
        self.signal_hist = State((steps, n_out), doc="learning signal (or readout error) at each step")
        if self.role == "readout":
            self.n_steps = State((), doc="steps accumulated")
            return
        self.psi_hist = State((steps, n_out), doc="postsynaptic psi at each step")
        if self.tau_a is not None:
            self.psi_beta_hist = State((steps, n_out), doc="postsynaptic psi * beta at each step")

    # -- helpers ----------------------------------------------------------------------------------
    def _pre(self, c: Any) -> Any:
        """``pre_index`` in the edges layout (for :func:`~components.rules.eprop.at_synapses`), else None."""
        return c["pre_index"] if self.layout == "edges" else None

    def _excitatory(self, pre: Any) -> Any:
        """True where the presynaptic neuron ``pre`` (an index array) is excitatory under ``dale``."""
        n_exc = self.shape[0] if self.n_exc is None else self.n_exc
        return pre < n_exc

    def _signed_init(self) -> None:
        """Dale's law at the start: each initial weight gets its presynaptic neuron's sign."""
        w_init = self.weights.init
        if self.layout == "edges":
            pre = np.asarray(self.pre_index.init(None, self.pre_index.shape, jnp.int32))
        else:
            pre = np.broadcast_to(np.arange(self.shape[0])[:, None], self.shape)
        sign = np.where(self._excitatory(pre), 1.0, -1.0)

        def init(key: Any, shape: tuple, dtype: Any) -> Any:
            w = w_init(key, shape, dtype) if callable(w_init) else jnp.broadcast_to(jnp.asarray(w_init, dtype), shape)
            return jnp.abs(w) * jnp.asarray(sign, dtype)

        self.weights.init = init

    def _opt(self) -> Any:
        kw: dict = {"lr": self.eta}
        if self.optim_type in ("adam", "nest_adam"):
            kw.update(b1=self.b1, b2=self.b2, eps=self.eps)
        if self.optim_type in ("nest_gd", "nest_adam"):
            kw.update(batch_size=self.opt_batch_size, w_min=self.w_min, w_max=self.w_max)
        return resolve(self.optim_type, **kw)

    def _apply(self, c: Any, g: Any) -> dict:
        """Mask ``g`` [batch, pre, post] (or [batch, k, post]), average it over the batch and take one
        optimizer step (then Dale's sign constraint, if on)."""
        edges = self.layout == "edges"
        masked = not edges or not self.fully_connected  # the edges layout has a mask only with unused slots
        g = jnp.mean(g, axis=0)
        if masked:
            g = g * c["mask"]
        if self.no_autapses:
            if edges:
                g = jnp.where(c["pre_index"] == jnp.arange(self.shape[1]), 0.0, g)
            else:
                g = g * (1.0 - jnp.eye(*self.shape, dtype=g.dtype))
        opt = self._opt()
        names = list(opt.state_spec(tuple(self.weights.shape)))
        step, new = apply_update(opt, g, {k: c[f"opt_{k}"] for k in names}, c["weights"])
        bounded = getattr(opt, "bounds", None) is not None
        weights = apply_step(opt, c["weights"], step) if bounded else c["weights"] - step
        if self.dale:
            pre = c["pre_index"] if edges else jnp.arange(self.shape[0])[:, None]
            weights = jnp.where(self._excitatory(pre), jnp.maximum(weights, 0.0), jnp.minimum(weights, 0.0))
        if masked:
            weights = weights * c["mask"]
        exact = bounded or self.dale
        out = {"weights": weights, "dWeights": weights - c["weights"] if exact else -step}
        out.update({f"opt_{k}": new[k] for k in names})
        return out

    # -- steps ------------------------------------------------------------------------------------
    def advance_state(self, c: Any, *, t: Any, dt: float, key: Any) -> dict:
        out = super().advance_state(c, t=t, dt=dt, key=key)
        if self.role == "readout":
            kappa = decay(self.tau_out, dt)
            out["zbar"] = low_pass(c.zbar, c.inputs, kappa, 1.0 - kappa)
        else:
            alpha = decay(self.tau_m, dt)
            out["zbar"] = low_pass(c.zbar, c.inputs, alpha, input_factor(self.input_mode, alpha))
        return out

    def accumulate(self, c: Any, *, t: Any, dt: float, key: Any) -> dict:
        if self.eligibility == "factored":
            return self._accumulate_factored(c)
        pre_index = self._pre(c)
        if self.role == "readout":
            g_t = at_synapses(c.zbar, pre_index) * c.signal[:, None, :]
            out = {"grad": c.grad + g_t}
        else:
            kappa = decay(self.tau_out, dt)
            if self.tau_a is None:
                e, _ = eligibility(c.zbar, c.post_psi, pre_index=pre_index)
                out = {}
            else:
                e, eps_a = eligibility(c.zbar, c.post_psi, c.post_psi_beta, c.eps_a, decay(self.tau_a, dt),
                                       pre_index=pre_index)
                out = {"eps_a": eps_a}
            ebar = low_pass(c.ebar, e, kappa, 1.0 - kappa)
            g_t = ebar * c.signal[:, None, :]
            out.update({"ebar": ebar, "grad": c.grad + g_t})
            if self.late_signal:
                out["g_last"] = g_t
            if self.store_e:
                out["e"] = e
            if self.c_reg:
                out.update({"sum_e": c.sum_e + e, "n_spikes": c.n_spikes + c.post_s, "n_steps": c.n_steps + 1.0})
        if self.update == "online":
            out.update(self._apply(c, g_t / self.grad_divisor))
        return out

    def evolve(self, c: Any, *, t: Any, dt: float, key: Any) -> dict:
        if self.eligibility == "factored":
            return self._evolve_factored(c, dt)
        zero = {"grad": jnp.zeros_like(c["grad"])}
        if self.role == "hidden":
            zero.update({"sum_e": jnp.zeros_like(c["sum_e"]), "n_spikes": jnp.zeros_like(c["n_spikes"]),
                         "n_steps": jnp.zeros_like(c["n_steps"])})
        if self.update == "online":
            return zero
        g = c["grad"]
        if self.late_signal:
            g = g - c["g_last"] * at_synapses(c["next_inputs"], self._pre(c))
        if self.role == "hidden" and self.c_reg:
            g = g + firing_rate_gradient(c["sum_e"], c["n_spikes"], c["n_steps"], self.c_reg,
                                         self.f_target * dt / 1000.0)
        out = self._apply(c, g / self.grad_divisor)
        out.update(zero)
        return out

    # -- the factored form ------------------------------------------------------------------------
    def _accumulate_factored(self, c: Any) -> dict:
        """Store this step's vectors at row ``n_steps`` of the histories."""
        row = c.n_steps.reshape(-1)[0].astype(jnp.int32) if c.n_steps.ndim else c.n_steps.astype(jnp.int32)

        def put(buf: Any, x: Any) -> Any:
            return jax.lax.dynamic_update_slice_in_dim(buf, x[:, None, :].astype(buf.dtype), row, axis=1)

        out = {"zbar_hist": put(c.zbar_hist, c.zbar), "signal_hist": put(c.signal_hist, c.signal),
               "n_steps": c.n_steps + 1.0}
        if self.role == "hidden":
            out["psi_hist"] = put(c.psi_hist, c.post_psi)
            if self.tau_a is not None:
                out["psi_beta_hist"] = put(c.psi_beta_hist, c.post_psi_beta)
            if self.c_reg:
                out["n_spikes"] = c.n_spikes + c.post_s
        return out

    def _evolve_factored(self, c: Any, dt: float) -> dict:
        """The sequence's gradient by one matrix product, then the update of :meth:`evolve`."""
        n = c["n_steps"]
        valid = jnp.arange(self.max_steps)[None, :] < n[:, None]
        on = valid[:, :, None].astype(c["zbar_hist"].dtype)
        out: dict = {}
        if self.role == "readout":
            g = c["grad"] + jnp.einsum("bti,btj->bij", c["zbar_hist"], c["signal_hist"] * on)
        else:
            kappa = decay(self.tau_out, dt)
            lf, k_ebar0, w_last, kappa_n = filtered_signal(c["signal_hist"], valid, kappa, self.keep_traces)
            weights = [lf]
            reg = None
            if self.c_reg:
                steps = jnp.maximum(n, 1.0)[:, None]
                reg = self.c_reg * (c["n_spikes"] / steps - self.f_target * dt / 1000.0) / steps   # (batch, post)
                weights = [lf + reg[:, None, :]]
            if self.keep_traces:
                weights.append(w_last)
            alif = self.tau_a is not None
            sums, eps_a = factored_eligibility(
                c["zbar_hist"], c["psi_hist"], weights, valid, psi_beta=c["psi_beta_hist"] if alif else None,
                rho=decay(self.tau_a, dt) if alif else 0.0, eps_a0=c["eps_a"] if alif else None,
                final_eps_a=alif and self.keep_traces)
            g = c["grad"] + sums[0] + c["ebar"] * k_ebar0[:, None, :]
            if reg is not None:
                g = g + reg[:, None, :] * c["sum_e"]
            if self.keep_traces:
                out["ebar"] = sums[1] + c["ebar"] * kappa_n[:, None, None]
            else:
                out["ebar"] = jnp.zeros_like(c["ebar"])
            if alif:
                out["eps_a"] = eps_a if self.keep_traces else jnp.zeros_like(c["eps_a"])
            out.update({"sum_e": jnp.zeros_like(c["sum_e"]), "n_spikes": jnp.zeros_like(c["n_spikes"])})
        g = jnp.where((n > self.max_steps)[:, None, None], jnp.nan, g)   # histories overflowed: never silent
        out.update(self._apply(c, g / self.grad_divisor))
        out.update({"grad": jnp.zeros_like(c["grad"]), "n_steps": jnp.zeros_like(n)})
        return out


class LearningSignalConnection(DenseSynapse):
    """Feedback from the readouts' errors to the recurrent neurons' learning signals
    (NEST ``eprop_learning_signal_connection_bsshslm_2020``; broadcast alignment, Bellec et al. 2020)::

        random:     L = err @ B          B fixed, [n_out, n_rec] (stored [pre = readout, post = rec])
        symmetric:  L = err @ W_out^T    (wire ``w_out << W_out.weights``; exact readout gradient)

    By default the signal arrives in the same step, as in the reference maths (NEST's delays are
    absorbed there). ``delay`` (ms, a whole number of steps ``d = delay / dt``) delivers instead the
    signal of ``d`` steps ago (0 before that): ``L(t) = err(t - d) @ B``, kept in a ``pending``
    state of the last ``d`` signals.

    Compartments: inputs (input, (batch, n_out)): readout error; outputs (output, (batch, n_rec)):
    learning signal L; weights (param, (n_out, n_rec)): B; w_out (input, unbatched (n_rec, n_out),
    symmetric mode only); pending (state, (batch, d, n_rec)): signals in flight, when ``delay > 0``.

    Parameters: shape = (n_out, n_rec); weight_init default N(0, 1) (the classification tutorial;
    use ``{"dist": "gaussian", "sigma": 1/sqrt(n_rec)}`` for the regression one); feedback;
    delay (ms, default 0).
    """

    param_rules = {"feedback": choice(*FEEDBACK), "delay": nonnegative("ms")}

    def __init__(self, name: str, shape: tuple, weight_init: dict | None = None, feedback: str = "random",
                 delay: float = 0.0):
        super().__init__(name, shape, weight_init={"dist": "gaussian", "sigma": 1.0} if weight_init is None
                         else weight_init)
        dt = self.context.dt
        steps = round(delay / dt)
        if abs(steps * dt - delay) > 1e-6 * max(1.0, delay):
            raise ValidationError(f"{name}: delay must be a non-negative multiple of the Context's dt = {dt} ms, "
                                  f"got {delay}")
        if steps * self.shape[1] > MAX_IN_FLIGHT:
            raise ValidationError(f"{name}: delay = {delay} ms is {steps} steps of dt = {dt} ms; the signals in "
                                  f"flight would need {steps} x {self.shape[1]} values (at most {MAX_IN_FLIGHT}): "
                                  f"use a shorter delay")
        self.feedback, self.delay, self.delay_steps = feedback, delay, steps
        n_out, n_rec = self.shape
        if feedback == "symmetric":
            self.w_out = Input((n_rec, n_out), batched=False, doc="readout weights W_out [rec, out]")
        if steps > 0:
            self.pending = State((steps, n_rec), doc="learning signals in flight, oldest first")

    def advance_state(self, c: Any, *, t: Any, dt: float, key: Any) -> dict:
        signal = c.inputs @ (c.w_out.T if self.feedback == "symmetric" else c.weights)
        if self.delay_steps == 0:
            return {"outputs": signal}
        queue = jnp.concatenate([c.pending, signal[:, None, :]], axis=1)
        return {"outputs": queue[:, 0], "pending": queue[:, 1:]}
