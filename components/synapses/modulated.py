"""ModulatedSynapse: a three-factor rule, a two-factor rule gated by a modulator wired from anywhere."""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp

from contexts import Compartment, Input, State
from contexts.errors import ValidationError
from contexts.params import choice, flag, nonnegative, optional

from ..rules.bounds import clip_range
from ..rules.eligibility import check_modulator_shape, eligibility_step, modulated_update, modulator_shapes
from ..rules.hebbian import hebbian_update
from ..rules.stdp import trace_stdp_update
from .dense import DenseSynapse

#: rule -> (its input compartments, its parameters with their defaults)
RULES: dict[str, tuple[tuple[str, ...], dict[str, float]]] = {
    "hebbian": (("pre", "post"), {"pre_wght": 1.0, "post_wght": 1.0}),
    "presynaptic": (("pre",), {"pre_wght": 1.0}),
    "trace_stdp": (("preSpike", "postSpike", "preTrace", "postTrace"),
                   {"A_plus": 1.0, "A_minus": 1.0, "mu": 0.0, "pretrace_target": 0.0}),
}
RULE_PARAMS = ("A_plus", "A_minus", "mu", "pretrace_target", "pre_wght", "post_wght")
_DOCS = {"pre": "presynaptic rate/activity (batch, n_in)", "post": "postsynaptic rate/activity (batch, n_out)",
         "preSpike": "presynaptic spikes (0/1)", "postSpike": "postsynaptic spikes (0/1)",
         "preTrace": "presynaptic trace x", "postTrace": "postsynaptic trace y"}


class _ModulatorInput(Compartment):
    """The ``modulator`` input: a wire of the wrong shape fails with the constructor fix named."""

    def mismatch_hint(self, got: Compartment) -> str:
        syn = self.owner
        allowed = ", ".join(str(s) for s in modulator_shapes(*syn.shape))
        hint = (f"build {syn.name} with modulator_shape={got.shape!r} to match {got.path}"
                if got.shape in modulator_shapes(*syn.shape) else
                f"{got.path} {got.shape_str()} cannot broadcast over {syn.name}'s {syn.shape} weights")
        return f"a modulator's per-sample shape must be one of {allowed}: {hint}"


class ModulatedSynapse(DenseSynapse):
    """Three-factor plasticity: a two-factor rule feeds an eligibility trace, a modulator gates it.

    Per step, with ``D`` the two-factor change of this step per sample ``(batch, n_in, n_out)`` and
    ``m`` the modulator (Izhikevich 2007; Fremaux & Gerstner 2016)::

        e <- e * exp(-dt / tau_elig) + D            (tau_elig = 0: e <- D, no memory)
        dWeights = dt * sum_batch(m * e)            (tau_elig = 0: sum_batch(m * e); no dt, D has it)
        W <- clip(W + eta * dWeights) * mask        (clip to [0 or -w_bound, w_bound] if w_bound > 0)

    i.e. ``de/dt = -e/tau_elig + D``, ``dW/dt = eta * m * e``. Two-factor rules ``D`` (``rule``):

    - ``"hebbian"`` (rates): ``D = dt * (pre_wght pre)^T (post_wght post)`` -- ``dW/dt = eta m pre post``.
    - ``"presynaptic"`` (rates): ``D = dt * pre_wght pre`` for every postsynaptic unit -- the
      two-factor ``dw/dt = lr * r1 * r2`` of a synapse driven by its presynaptic rate and the rate
      of a third population (``W.modulator << pop1.outputs``).
    - ``"trace_stdp"`` (spikes): ``D = A_plus (w_bound-W)^mu (x - x_tar)^T s_post - A_minus W^mu s_pre^T y``
      (Morrison et al. 2007, as :class:`TraceSTDPSynapse`), per pairing event (reward-modulated STDP).

    The modulator is wired from ANY compartment (a reward cell, an error, a third population's
    rate) in one line, ``W.modulator << pop1.outputs``. Its per-sample shape is ``modulator_shape``:
    ``None`` (default) = ``(n_out,)`` (one value per postsynaptic unit, elementwise), ``1`` or
    ``(1,)`` or ``()`` (one value per sample, broadcast to every synapse), or ``(n_in, n_out)`` (one
    per synapse). Each batch sample keeps its own eligibility (memory ``batch * n_in * n_out``);
    the weight update sums over the batch, like every two-factor rule here.

    Args:
        name: component name.
        shape: ``(n_in, n_out)``.
        rule: ``"hebbian"``, ``"presynaptic"`` or ``"trace_stdp"``.
        eta: learning rate (per ms for rate rules; default 1).
        tau_elig: eligibility time constant in ms (default 0: no trace).
        modulator_shape: see above (default ``(n_out,)``).
        A_plus, A_minus, mu, pretrace_target: ``trace_stdp`` only (defaults 1, 1, 0, 0).
        pre_wght, post_wght: ``hebbian``/``presynaptic`` only (defaults 1, 1).
        w_bound: hard bound on |W| (default 0: unbounded; needed by ``trace_stdp`` with ``mu > 0``).
        is_nonnegative: keep ``W >= 0`` (default False).
        weight_init, resist_scale, p_conn, connectivity, weight_mask: as :class:`DenseSynapse`.

    Compartments: the rule's inputs (``pre``, ``post`` / ``preSpike``, ``postSpike``, ``preTrace``,
    ``postTrace``), ``modulator`` (input, ``(batch,) + modulator_shape``), ``eligibility`` (state,
    (batch, n_in, n_out)), ``dWeights`` (state, (n_in, n_out)), plus DenseSynapse's.
    References: Izhikevich (2007) Cereb. Cortex 17:2443; Fremaux & Gerstner (2016) Front. Neural
    Circuits 9:85; Morrison, Aertsen & Diesmann (2007) Neural Comput. 19:1437.
    """

    param_rules = {"rule": choice(*RULES), "tau_elig": nonnegative("ms"), "A_plus": optional(nonnegative()),
                   "A_minus": optional(nonnegative()), "mu": optional(nonnegative()),
                   "w_bound": nonnegative(fix="use 0 for no bound"), "is_nonnegative": flag()}

    def __init__(self, name: str, shape: tuple, rule: str = "hebbian", eta: float = 1.0, tau_elig: float = 0.0,
                 modulator_shape: Any = None, A_plus: float | None = None, A_minus: float | None = None,
                 mu: float | None = None, pretrace_target: float | None = None, pre_wght: float | None = None,
                 post_wght: float | None = None, w_bound: float = 0.0, is_nonnegative: bool = False,
                 weight_init: dict | None = None, resist_scale: float = 1.0, p_conn: float = 1.0,
                 connectivity: Any = None, weight_mask: Any = None):
        super().__init__(name, shape, weight_init, None, resist_scale, p_conn, "dense", connectivity, weight_mask)
        given = {"A_plus": A_plus, "A_minus": A_minus, "mu": mu, "pretrace_target": pretrace_target,
                 "pre_wght": pre_wght, "post_wght": post_wght}
        inputs, defaults = RULES[rule]
        unused = [k for k, v in given.items() if v is not None and k not in defaults]
        if unused:
            raise ValidationError(f"{name}: rule={rule!r} does not use {', '.join(unused)}; its parameters are "
                                  f"{', '.join(defaults)}. Drop them or choose another rule")
        if rule == "trace_stdp":
            if (mu or 0.0) > 0.0 and (w_bound <= 0.0 or not is_nonnegative):
                raise ValidationError(f"{name}: mu > 0 weights STDP by (w_bound - W)^mu and W^mu, so W must stay in "
                                      "[0, w_bound]: give w_bound > 0 and is_nonnegative=True")
        self.rule, self.eta, self.tau_elig = rule, eta, tau_elig
        self.w_bound, self.is_nonnegative = w_bound, is_nonnegative
        self.A_plus, self.A_minus, self.mu, self.pretrace_target = A_plus, A_minus, mu, pretrace_target
        self.pre_wght, self.post_wght = pre_wght, post_wght
        n_in, n_out = self.shape
        self.modulator_shape = modulator_shape
        m_shape = check_modulator_shape(modulator_shape, n_in, n_out, name)
        sizes = {"pre": n_in, "preSpike": n_in, "preTrace": n_in, "post": n_out, "postSpike": n_out,
                 "postTrace": n_out}
        for cname in inputs:
            setattr(self, cname, Input((sizes[cname],), doc=_DOCS[cname]))
        self.modulator = _ModulatorInput("input", m_shape, doc="third factor m (reward, error, a rate, ...)")
        self.eligibility = State((n_in, n_out), doc="eligibility trace e per sample")
        self.dWeights = State((n_in, n_out), batched=False, doc="last update before eta (summed over batch)")

    def _param(self, key: str) -> float:
        value = getattr(self, key)
        return RULES[self.rule][1][key] if value is None else value

    def _two_factor(self, c: Any, dt: float) -> Any:
        """``D`` of this step, per sample ``(batch, n_in, n_out)``."""
        if self.rule == "trace_stdp":
            return trace_stdp_update(c.preSpike, c.postSpike, c.preTrace, c.postTrace, c.weights,
                                     A_plus=self._param("A_plus"), A_minus=self._param("A_minus"),
                                     mu=self._param("mu"), w_bound=self.w_bound,
                                     pretrace_target=self._param("pretrace_target"), per_sample=True)
        pre_w = self._param("pre_wght")
        if self.rule == "hebbian":
            post, post_w = c.post, self._param("post_wght")
        else:  # presynaptic: the postsynaptic factor is 1
            post, post_w = jnp.ones(c.pre.shape[:1] + (self.shape[1],), c.pre.dtype), 1.0
        per_sample = jax.vmap(lambda p, q: hebbian_update(p[None], q[None], pre_w, post_w))
        return dt * per_sample(c.pre, post)

    def evolve(self, c: Any, *, t: Any, dt: float, key: Any) -> dict:
        e = eligibility_step(c.eligibility, self._two_factor(c, dt), dt, self.tau_elig)
        dW = modulated_update(e, c.modulator, dt, self.tau_elig)
        low, high = clip_range(self.w_bound, self.is_nonnegative)
        w = self.constrain(c.weights + self.eta * dW, c, low, high)
        return {"weights": w, "eligibility": e, "dWeights": dW}
