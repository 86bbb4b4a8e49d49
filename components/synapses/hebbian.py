"""HebbianSynapse: a dense synapse learnt by a two-factor Hebbian (or Oja) rule.

Update computed by ``evolve`` from the values before the step (weights ``[pre, post]``)::

    H        = (pre_wght*pre)^T (post_wght*post)            rule="hebbian"  (summed over the batch)
             = sum_b y_b (x_b - W y_b)                      rule="oja"      (Oja 1982; x, y weighted)
    H        <- H * (w_bound - |W|)                          if w_bound > 0  (soft bound, Hebbian term only)
    dWeights = sign_value * H + grad_prior(W)               (before the learning rate, as ngc-learn)
    dBiases  = sign_value * sum_b(post_wght * post)         (only used when bias_init is given)
    W        <- W - optimizer(eta, dWeights)                 sgd: W - eta*dWeights; adam: Kingma & Ba 2015
    W        <- clip(W, 0 or -w_bound, w_bound) * mask       (w_bound = 0: only W >= 0 if is_nonnegative)

The optimiser step is a *descent* on ``dWeights``, as in ngc-learn, so ``sign_value = -1`` (our
default) gives Hebbian growth ``W <- W + eta*H``; ``sign_value = +1`` is anti-Hebbian. ngc-learn's
default is ``sign_value = +1``: pass ``sign_value=1.0`` to reproduce a model that relied on it
(ngc-learn models written with ``sign_value=-1`` transfer unchanged). The prior ``grad_prior``
(:mod:`components.rules.priors`) always pulls ``|W|`` toward zero, whatever ``sign_value``.

Compartments:
    inputs (input, (batch, n_in)), outputs (output, (batch, n_out)): ``outputs = inputs @ (W*resist_scale) + b``
    pre (input, (batch, n_in)):   presynaptic factor (rates, spikes or a trace)
    post (input, (batch, n_out)): postsynaptic factor (for Oja: the neuron's output ``y = x W``)
    weights, biases, mask (param): see :class:`DenseSynapse`
    dWeights (state, (n_in, n_out)), dBiases (state, (n_out,)): last update, before ``eta``
    opt_<k>_weights, opt_<k>_biases (param): optimiser state (adam: ``m``, ``v``, ``count``)

Parameters (defaults):
    eta=0.01 learning rate; w_bound=1.0 (0 disables bounding); is_nonnegative=False;
    prior=None (see priors); sign_value=-1.0; optim_type="sgd" ("sgd" | "adam" | an optax spec or transform,
    :mod:`components.rules.optax_bridge`, which brings its own learning rate in place of eta);
    pre_wght=1.0, post_wght=1.0; rule="hebbian" ("hebbian" | "oja"); plus DenseSynapse's
    weight_init, bias_init, resist_scale, p_conn, connectivity, weight_mask.
"""

from __future__ import annotations

from typing import Any

from contexts import Input, Param, State
from contexts.errors import ValidationError
from contexts.params import choice, custom, flag, nonnegative

from ..rules.bounds import clip_range, soft_bound
from ..rules.hebbian import bias_update, hebbian_update, oja_update
from ..rules.optax_bridge import apply_update, check_optimizer, resolve, state_compartments
from ..rules.priors import parse_prior, prior_gradient
from .dense import DenseSynapse

RULES = ("hebbian", "oja")


def _prior(value: Any, where: str) -> Any:
    parse_prior(value, where)
    return value


class HebbianSynapse(DenseSynapse):
    """Two-factor Hebbian / Oja synapse (Hebb 1949; Oja 1982). See the module docstring."""

    param_rules = {"optim_type": custom(check_optimizer), "rule": choice(*RULES), "prior": custom(_prior),
                   "w_bound": nonnegative(fix="use 0 for no bound"), "is_nonnegative": flag()}

    def __init__(self, name: str, shape: tuple, eta: float = 0.01, weight_init: dict | None = None,
                 bias_init: dict | None = None, w_bound: float = 1.0, is_nonnegative: bool = False,
                 prior: Any = None, sign_value: float = -1.0, optim_type: str = "sgd", pre_wght: float = 1.0,
                 post_wght: float = 1.0, rule: str = "hebbian", resist_scale: float = 1.0, p_conn: float = 1.0,
                 connectivity: Any = None, weight_mask: Any = None):
        super().__init__(name, shape, weight_init, bias_init, resist_scale, p_conn, "dense", connectivity,
                         weight_mask)
        self.eta = eta
        self.w_bound = w_bound
        self.is_nonnegative = is_nonnegative
        self.prior = prior
        self.sign_value = sign_value
        self.optim_type = optim_type
        self.pre_wght = pre_wght
        self.post_wght = post_wght
        self.rule = rule
        n_in, n_out = self.shape
        self.pre = Input((n_in,), doc="presynaptic factor of the Hebbian update")
        self.post = Input((n_out,), doc="postsynaptic factor of the Hebbian update")
        self.dWeights = State((n_in, n_out), batched=False, doc="last weight update, before eta (descent)")
        self.dBiases = State((n_out,), batched=False, doc="last bias update, before eta (descent)")
        opt = resolve(optim_type)
        for target, shp in (("weights", (n_in, n_out)), ("biases", (n_out,))):
            for k, (s, dtype, init) in state_compartments(opt, shp, self.context.dtype).items():
                setattr(self, f"opt_{k}_{target}", Param(s, dtype=dtype, init=init,
                                                         doc=f"{opt.name} optimiser state {k!r} of {target}"))

    def _opt_state(self, c: Any, target: str, optim_type: str) -> dict:
        keys = resolve(optim_type).state_spec(())
        missing = [k for k in keys if f"opt_{k}_{target}" not in self._compartments]
        if missing:
            raise ValidationError(f"{self.name}: optim_type was changed to {optim_type!r} after the synapse was "
                                  f"built, so its optimiser state compartments do not exist; build a new "
                                  f"HebbianSynapse with optim_type={optim_type!r}")
        return {k: c[f"opt_{k}_{target}"] for k in keys}

    def evolve(self, c: Any, *, t: Any, dt: float, key: Any) -> dict:
        W = c.weights
        if self.rule == "oja":
            H = oja_update(c.pre, c.post, W, self.pre_wght, self.post_wght)
        else:
            H = hebbian_update(c.pre, c.post, self.pre_wght, self.post_wght)
        H = soft_bound(H, W, self.w_bound)
        dW = (self.sign_value * H + prior_gradient(W, self.prior)) * c.mask
        db = self.sign_value * bias_update(c.post, self.post_wght)

        opt = resolve(self.optim_type, lr=self.eta)
        step_w, new_w_state = apply_update(opt, dW, self._opt_state(c, "weights", self.optim_type), W)
        low, high = clip_range(self.w_bound, self.is_nonnegative)
        out = {"weights": self.constrain(W - step_w, c, low, high), "dWeights": dW, "dBiases": db}
        out.update({f"opt_{k}_weights": v for k, v in new_w_state.items()})
        if self.bias_init is not None:
            step_b, new_b_state = apply_update(opt, db, self._opt_state(c, "biases", self.optim_type), c.biases)
            out["biases"] = c.biases - step_b
            out.update({f"opt_{k}_biases": v for k, v in new_b_state.items()})
        return out
