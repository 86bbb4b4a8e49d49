"""EventSTDPSynapse: event-driven, postsynaptically triggered STDP from presynaptic spike times."""

from __future__ import annotations

from typing import Any

from contexts import Input, State
from contexts.params import nonnegative, positive

from ..rules.stdp import event_stdp_update, in_window
from ..rules.traces import NEVER
from .dense import DenseSynapse

EVENT_W_LOW = 0.01  # ngc-learn keeps event-STDP weights in [0.01, w_bound]


class EventSTDPSynapse(DenseSynapse):
    """Event-driven STDP (Tavanaei, Masquelier & Maida 2018, eq. 18 generalised as in ngc-learn).

    Nothing changes until a postsynaptic spike. Then, for each of that neuron's synapses, with
    ``inwin = 1`` iff the presynaptic neuron's last spike (``pre_tols``, ms) lies in the window of
    ``presyn_win_len`` ms ending now (this step included)::

        dW = s_post * [ A_plus (w_bound - (1 + lmbda) W)   if inwin      (toward w_bound / (1 + lmbda))
                      | -A_minus (1 + lmbda) W             otherwise ]   (decay)
        W <- clip(W + eta * sum_batch(dW), 0.01, w_bound) * mask

    The window counts steps: a pre spike ``k`` steps ago is inside iff ``k * dt < presyn_win_len``
    or ``k = 0`` (so ``presyn_win_len = 0`` means "this step"); spike times never compared for
    float equality. ``pre_tols`` of a neuron that never spiked must be a large negative number
    (cells use ``NEVER = -1e9``); a spike at ``t = 0`` counts.

    Args:
        name: component name.
        shape: ``(n_in, n_out)``.
        eta: global learning rate (default 1).
        lmbda: synaptic "disconnect": LTP drives W toward ``w_bound / (1 + lmbda)`` (default 0.01).
        A_plus: LTP strength (default 1).
        A_minus: LTD (decay) strength (default 1).
        presyn_win_len: presynaptic window in ms (default 2.0, as ngc-learn's code).
        w_bound: largest weight (default 1).
        weight_init, resist_scale, p_conn, connectivity, weight_mask: as :class:`DenseSynapse`.

    Compartments: ``pre_tols`` (input, (batch, n_in), ms), ``postSpike`` (input, (batch, n_out)),
    ``dWeights`` (state, (n_in, n_out): last update before ``eta``), plus DenseSynapse's.
    Reference: Tavanaei, Masquelier & Maida (2018) "Representation learning using event-based
    STDP", Neural Networks 105:294-303.
    """

    param_rules = {"lmbda": nonnegative(), "A_plus": nonnegative(), "A_minus": nonnegative(),
                   "presyn_win_len": nonnegative("ms"), "w_bound": positive(fix="the largest weight")}

    def __init__(self, name: str, shape: tuple, eta: float = 1.0, lmbda: float = 0.01, A_plus: float = 1.0,
                 A_minus: float = 1.0, presyn_win_len: float = 2.0, w_bound: float = 1.0,
                 weight_init: dict | None = None, resist_scale: float = 1.0, p_conn: float = 1.0,
                 connectivity: Any = None, weight_mask: Any = None):
        super().__init__(name, shape, weight_init, None, resist_scale, p_conn, "dense", connectivity, weight_mask)
        self.eta, self.lmbda, self.A_plus, self.A_minus = eta, lmbda, A_plus, A_minus
        self.presyn_win_len, self.w_bound = presyn_win_len, w_bound
        n_in, n_out = self.shape
        self.pre_tols = Input((n_in,), init=NEVER, doc="presynaptic time of last spike (ms; -1e9 = never)")
        self.postSpike = Input((n_out,), doc="postsynaptic spikes s_post (0/1)")
        self.dWeights = State((n_in, n_out), batched=False, doc="last update before eta (summed over batch)")

    def evolve(self, c: Any, *, t: Any, dt: float, key: Any) -> dict:
        inwin = in_window(c.pre_tols, t, dt, self.presyn_win_len)
        dW = event_stdp_update(inwin, c.postSpike, c.weights, A_plus=self.A_plus, A_minus=self.A_minus,
                               lmbda=self.lmbda, w_bound=self.w_bound)
        w = self.constrain(c.weights + self.eta * dW, c, EVENT_W_LOW, self.w_bound)
        return {"weights": w, "dWeights": dW}
