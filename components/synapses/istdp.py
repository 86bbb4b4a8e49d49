"""ISTDPSynapse: inhibitory spike-timing-dependent plasticity (Vogels et al. 2011)."""

from __future__ import annotations

from typing import Any

from contexts.errors import ValidationError
from contexts.params import choice, flag, nonnegative, positive

from ..rules.istdp import DEPRESSIONS, istdp_alpha, istdp_update
from .stdp import _TraceSynapse


class ISTDPSynapse(_TraceSynapse):
    """Inhibitory STDP that drives each postsynaptic neuron to a target rate ``rho0`` (Vogels et al. 2011).

    Rule (weights ``[pre, post]``, all times in ms; ``x`` traces that jump by 1 at a spike and decay
    with ``tau_stdp``: wire them from ``VarTrace(tau_tr=tau_stdp)``), per pre spike of ``j`` and
    post spike of ``i``::

        pre spike:  w_ij += eta (x_i - alpha)      post spike:  w_ij += eta x_j      alpha = 2 rho0 tau_stdp

    Discrete update actually computed each step (``depression="pre_spike"``, the paper's form)::

        dW = A_plus (x_pre^T s_post + s_pre^T x_post) - A_minus alpha s_pre^T 1      (summed over the batch)
        W <- clip(W + eta dW - W dt / tau_w, 0, w_max) * mask                       (w_max = 0: no upper bound)

    ``depression="pre_trace"`` replaces ``s_pre`` in the depression by ``x_pre dt / tau_stdp`` (the
    same mean; ngc-learn's ``InhibitorySTDPSynapse``); ``soft_bounds=True`` multiplies the
    potentiation by ``(w_max - W)`` and the depression by ``W``. For uncorrelated Poisson trains
    ``<dw/dt> = 2 eta tau_stdp r_pre (r_post - rho0)``: inhibition grows onto a neuron firing above
    ``rho0`` and withdraws from one firing below it, which balances excitation and inhibition
    input by input when pre and post activity are correlated.

    Args:
        name: component name.
        shape: ``(n_in, n_out)``: inhibitory (pre) x target (post) neurons.
        eta: learning rate (Vogels et al.: 1e-4 of the conductance scale; default 1e-3).
        rho0: target postsynaptic rate in Hz (default 5 Hz: alpha = 0.2 with tau_stdp = 20 ms).
        tau_stdp: time constant of the traces in ms (default 20), used for alpha (and dt/tau_stdp).
        A_plus, A_minus: factors on potentiation and depression (default 1, 1).
        depression: ``"pre_spike"`` (default, the paper) or ``"pre_trace"``.
        soft_bounds: weight-dependent update (default False; needs ``w_max > 0``).
        w_max: largest weight (default 0: no upper bound). Weights stay >= 0.
        tau_w: weight-decay time constant in ms (default 0: no decay).
        weight_init, resist_scale, p_conn: as :class:`DenseSynapse` (``resist_scale=-1`` makes the
            output an inhibitory, negative current).
        weight_mask: optional fixed 0/1 ``(n_in, n_out)`` array, multiplied into ``mask``.

    Compartments: ``preSpike``, ``postSpike``, ``preTrace``, ``postTrace`` (inputs), ``dWeights``
    (state), plus DenseSynapse's ``inputs``, ``outputs``, ``weights``, ``biases``, ``mask``.
    NEST: ``vogels_sprekeler_synapse`` (``eta``, ``alpha``, ``tau``, ``Wmax``); Brian2 writes the
    same rule in ``on_pre``/``on_post``. Reference: Vogels, Sprekeler, Zenke, Clopath & Gerstner
    (2011) Science 334:1569.
    """

    param_rules = {"rho0": nonnegative("Hz"), "tau_stdp": positive("ms"), "depression": choice(*DEPRESSIONS),
                   "soft_bounds": flag(), "w_max": nonnegative(fix="0 for no upper bound")}

    def __init__(self, name: str, shape: tuple, eta: float = 1e-3, rho0: float = 5.0, tau_stdp: float = 20.0,
                 A_plus: float = 1.0, A_minus: float = 1.0, depression: str = "pre_spike", soft_bounds: bool = False,
                 w_max: float = 0.0, tau_w: float = 0.0, weight_init: dict | None = None, resist_scale: float = 1.0,
                 p_conn: float = 1.0, weight_mask: Any = None):
        if soft_bounds and w_max <= 0.0:
            raise ValidationError(f"{name}: soft_bounds=True scales the update by (w_max - W) and W, so it needs "
                                  f"w_max > 0; give w_max or set soft_bounds=False")
        self._setup(name, shape, weight_init, resist_scale, p_conn, "dense", weight_mask, eta=eta, rho0=rho0,
                    tau_stdp=tau_stdp, A_plus=A_plus, A_minus=A_minus, depression=depression,
                    soft_bounds=soft_bounds, w_max=w_max, tau_w=tau_w)

    @property
    def alpha(self) -> float:
        """``2 rho0 tau_stdp`` (dimensionless): the depression per presynaptic spike."""
        return istdp_alpha(self.rho0, self.tau_stdp)

    def _update(self, c: Any) -> Any:
        return istdp_update(c.preSpike, c.postSpike, c.preTrace, c.postTrace, c.weights, alpha=self.alpha,
                            A_plus=self.A_plus, A_minus=self.A_minus, depression=self.depression,
                            trace_decay=self.context.dt / self.tau_stdp, soft_bounds=self.soft_bounds,
                            w_max=self.w_max)

    def _bounds(self) -> tuple[float, float | None]:
        return 0.0, (self.w_max if self.w_max > 0.0 else None)
