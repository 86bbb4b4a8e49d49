"""MSTDPETSynapse: reward-modulated STDP with an eligibility trace (Florian 2007)."""

from __future__ import annotations

from typing import Any

from contexts import State
from contexts.params import nonnegative, positive

from ..rules.eligibility import check_modulator_shape, eligibility_step, modulated_update
from ..rules.stdp import decay_term, trace_stdp_update
from .modulated import _ModulatorInput
from .stdp import _TraceSynapse


class MSTDPETSynapse(_TraceSynapse):
    """Modulated STDP (MSTDP) and modulated STDP with an eligibility trace (MSTDP-ET), Florian (2007).

    The STDP "spike-timing function" of a synapse (Florian's ``xi``; ``x``, ``y`` pre/post traces from
    ``VarTrace``s, ``s`` spikes, weights ``[pre, post]``), per sample::

        xi = A_plus (w_bound - W)^mu (x - x_tar)^T s_post - A_minus W^mu s_pre^T y      (mu = 0: no W factors)

    MSTDP-ET (``tau_z > 0``; Florian's eqs. with ``r`` the reward, ``modulator``)::

        tau_z dz/dt = -z + xi                 ->  z <- z exp(-dt / tau_z) + xi / tau_z
        dW/dt = eta r z                       ->  W <- W + eta dt sum_batch(r z)

    MSTDP (``tau_z = 0``: no trace, ``z = xi``)::

        W <- W + eta sum_batch(r xi)

    then ``W <- clip(W - W dt / tau_w, 0, w_bound) * mask``. The trace keeps a pairing eligible for
    reinforcement delivered up to ~``tau_z`` later (Florian: 25 ms); the rule is a gradient ascent
    on the expected reward for stochastic spiking neurons. The modulator is one value per sample by
    default (``modulator_shape=1``, a reward cell), or per postsynaptic unit / per synapse as
    :class:`ModulatedSynapse`.

    Args:
        name: component name.
        shape: ``(n_in, n_out)``.
        A_plus, A_minus: LTP / LTD amplitudes of ``xi`` (>= 0).
        eta: learning rate ``gamma`` (default 1; per ms with a trace).
        tau_z: eligibility time constant in ms (default 25; 0 for MSTDP).
        mu, pretrace_target: weight dependence and ``x_tar`` as :class:`TraceSTDPSynapse` (default 0).
        modulator_shape: per-sample shape of ``modulator`` (default 1: one reward per sample).
        w_bound: largest weight (default 1); weights stay in ``[0, w_bound]``.
        tau_w: weight-decay time constant in ms (default 0: no decay).
        weight_init, resist_scale, p_conn, weight_mask: as :class:`TraceSTDPSynapse`.

    Compartments: ``preSpike``, ``postSpike``, ``preTrace``, ``postTrace``, ``modulator`` (inputs),
    ``eligibility`` (state, (batch, n_in, n_out)), ``dWeights`` (state, (n_in, n_out)), plus
    DenseSynapse's. Reference: Florian (2007) "Reinforcement learning through modulation of
    spike-timing-dependent synaptic plasticity", Neural Comput. 19:1468.
    """

    param_rules = {"tau_z": nonnegative("ms", fix="0 for MSTDP without a trace"),
                   "w_bound": positive(fix="the largest weight")}

    def __init__(self, name: str, shape: tuple, A_plus: float, A_minus: float, eta: float = 1.0, tau_z: float = 25.0,
                 mu: float = 0.0, pretrace_target: float = 0.0, modulator_shape: Any = 1, w_bound: float = 1.0,
                 tau_w: float = 0.0, weight_init: dict | None = None, resist_scale: float = 1.0, p_conn: float = 1.0,
                 weight_mask: Any = None):
        self._setup(name, shape, weight_init, resist_scale, p_conn, "dense", weight_mask, A_plus=A_plus,
                    A_minus=A_minus, eta=eta, tau_z=tau_z, mu=mu, pretrace_target=pretrace_target, w_bound=w_bound,
                    tau_w=tau_w)
        n_in, n_out = self.shape
        self.modulator_shape = modulator_shape
        m_shape = check_modulator_shape(modulator_shape, n_in, n_out, name)
        self.modulator = _ModulatorInput("input", m_shape, doc="reward r (one per sample by default)")
        self.eligibility = State((n_in, n_out), doc="eligibility trace z per sample")

    def evolve(self, c: Any, *, t: Any, dt: float, key: Any) -> dict:
        xi = trace_stdp_update(c.preSpike, c.postSpike, c.preTrace, c.postTrace, c.weights, A_plus=self.A_plus,
                               A_minus=self.A_minus, mu=self.mu, w_bound=self.w_bound,
                               pretrace_target=self.pretrace_target, per_sample=True)
        z = eligibility_step(c.eligibility, xi / self.tau_z if self.tau_z > 0.0 else xi, dt, self.tau_z)
        dW = modulated_update(z, c.modulator, dt, self.tau_z)
        w = c.weights + self.eta * dW - decay_term(c.weights, dt, self.tau_w)
        return {"weights": self.constrain(w, c, 0.0, self.w_bound), "eligibility": z, "dWeights": dW}
