"""TripletSTDPSynapse: triplet spike-timing-dependent plasticity (Pfister & Gerstner 2006)."""

from __future__ import annotations

from typing import Any

from contexts import Input, State
from contexts.params import choice, nonnegative, optional, positive

from ..rules.traces import decay_factor, trace_step
from ..rules.triplet import INTERACTIONS, PRESETS, TAU_MINUS, TAU_PLUS, trace_mode, triplet_stdp_update
from .dense import DenseSynapse


class TripletSTDPSynapse(DenseSynapse):
    """Triplet STDP with its own four traces, by preset or by parameters (Pfister & Gerstner 2006).

    Traces (ms; ``d_tau = exp(-dt / tau)``, exact), per step, with ``s`` this step's spikes::

        r1 <- d_plus r1 (+ s_pre)    r2 <- d_x r2 (+ s_pre)      all-to-all: jump by 1
        o1 <- d_minus o1 (+ s_post)  o2 <- d_y o2 (+ s_post)     nearest: set to 1 on a spike

    Weight update actually computed (``r2_``, ``o2_``: slow traces decayed, before this step's
    spikes; summed over the batch)::

        dW = r1^T [s_post (A2_plus + A3_plus o2_)] - [s_pre (A2_minus + A3_minus r2_)]^T o1
        W <- clip(W + eta dW, 0, w_max) * mask

    i.e. a post spike potentiates by ``r1 (A2+ + A3+ o2(t-eps))``, a pre spike depresses by
    ``o1 (A2- + A3- r2(t-eps))`` (eqs. 3-4 of the paper). The triplet term ``A3_plus o2`` makes
    potentiation grow with the postsynaptic rate, which reproduces the frequency dependence of
    pairing protocols (Sjostrom et al. 2001) that pair STDP cannot.

    Presets (``preset=``; see :data:`components.rules.triplet.PRESETS`): ``visual_cortex_all_to_all``,
    ``visual_cortex_all_to_all_minimal``, ``visual_cortex_nearest``, ``visual_cortex_nearest_minimal``,
    ``hippocampal_all_to_all``, ``hippocampal_all_to_all_minimal``, ``hippocampal_nearest``,
    ``hippocampal_nearest_minimal``. Parameters given explicitly override the preset's.

    Args:
        name: component name.
        shape: ``(n_in, n_out)``.
        preset: a published parameter set (default ``"visual_cortex_all_to_all_minimal"``).
        A2_plus, A3_plus, A2_minus, A3_minus: pair/triplet potentiation and depression amplitudes
            (weight units per pairing; preset's).
        tau_plus, tau_minus: fast pre/post trace time constants, ms (16.8 and 33.7).
        tau_x, tau_y: slow pre/post trace time constants, ms (preset's).
        interaction: ``"all_to_all"`` or ``"nearest"`` (preset's).
        eta: learning rate (default 1: the amplitudes are the paper's weight changes).
        w_max: largest weight (default 1); weights stay in ``[0, w_max]``.
        weight_init, resist_scale, p_conn: as :class:`DenseSynapse`.

    Compartments: ``preSpike`` (input, (batch, n_in)), ``postSpike`` (input, (batch, n_out)),
    ``r1``, ``r2`` (state, (batch, n_in)), ``o1``, ``o2`` (state, (batch, n_out)), ``dWeights``
    (state, (n_in, n_out)), plus DenseSynapse's ``inputs``, ``outputs``, ``weights``, ``biases``,
    ``mask``. NEST: ``stdp_triplet_synapse`` (``Aplus`` = A2_plus, ``Aplus_triplet`` = A3_plus,
    ``Aminus`` = A2_minus, ``Aminus_triplet`` = A3_minus, ``tau_plus_triplet`` = tau_x; tau_minus,
    tau_y on the neuron as ``tau_minus``, ``tau_minus_triplet``). Reference: Pfister & Gerstner (2006)
    J. Neurosci. 26:9673.
    """

    param_rules = {"preset": choice(*PRESETS), "interaction": optional(choice(*INTERACTIONS)),
                   "A2_plus": optional(nonnegative()), "A3_plus": optional(nonnegative()),
                   "A2_minus": optional(nonnegative()), "A3_minus": optional(nonnegative()),
                   "tau_plus": positive("ms"), "tau_minus": positive("ms"), "tau_x": optional(positive("ms")),
                   "tau_y": optional(positive("ms")), "w_max": positive(fix="the largest weight")}

    def __init__(self, name: str, shape: tuple, preset: str = "visual_cortex_all_to_all_minimal",
                 A2_plus: float | None = None, A3_plus: float | None = None, A2_minus: float | None = None,
                 A3_minus: float | None = None, tau_plus: float = TAU_PLUS, tau_minus: float = TAU_MINUS,
                 tau_x: float | None = None, tau_y: float | None = None, interaction: str | None = None,
                 eta: float = 1.0, w_max: float = 1.0, weight_init: dict | None = None, resist_scale: float = 1.0,
                 p_conn: float = 1.0):
        super().__init__(name, shape, weight_init, None, resist_scale, p_conn, layout="dense")
        self.preset = preset
        given = (interaction, A2_plus, A3_plus, A2_minus, A3_minus, tau_x, tau_y)
        (self.interaction, self.A2_plus, self.A3_plus, self.A2_minus, self.A3_minus, self.tau_x,
         self.tau_y) = (p if g is None else g for g, p in zip(given, PRESETS[preset]))
        self.tau_plus, self.tau_minus, self.eta, self.w_max = tau_plus, tau_minus, eta, w_max
        n_in, n_out = self.shape
        self.preSpike = Input((n_in,), doc="presynaptic spikes s_pre (0/1)")
        self.postSpike = Input((n_out,), doc="postsynaptic spikes s_post (0/1)")
        self.r1 = State((n_in,), doc="fast presynaptic trace (tau_plus)")
        self.r2 = State((n_in,), doc="slow presynaptic trace (tau_x)")
        self.o1 = State((n_out,), doc="fast postsynaptic trace (tau_minus)")
        self.o2 = State((n_out,), doc="slow postsynaptic trace (tau_y)")
        self.dWeights = State((n_in, n_out), batched=False, doc="last update before eta (summed over batch)")

    def evolve(self, c: Any, *, t: Any, dt: float, key: Any) -> dict:
        mode = trace_mode(self.interaction)
        r1 = trace_step(c.r1, c.preSpike, decay_factor(dt, self.tau_plus), mode=mode)
        o1 = trace_step(c.o1, c.postSpike, decay_factor(dt, self.tau_minus), mode=mode)
        r2_before = c.r2 * decay_factor(dt, self.tau_x)
        o2_before = c.o2 * decay_factor(dt, self.tau_y)
        dW = triplet_stdp_update(c.preSpike, c.postSpike, r1, r2_before, o1, o2_before, A2_plus=self.A2_plus,
                                 A3_plus=self.A3_plus, A2_minus=self.A2_minus, A3_minus=self.A3_minus)
        w = self.constrain(c.weights + self.eta * dW, c, 0.0, self.w_max)
        r2 = trace_step(c.r2, c.preSpike, decay_factor(dt, self.tau_x), mode=mode)
        o2 = trace_step(c.o2, c.postSpike, decay_factor(dt, self.tau_y), mode=mode)
        return {"weights": w, "dWeights": dW, "r1": r1, "r2": r2, "o1": o1, "o2": o2}
