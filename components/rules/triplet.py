"""Triplet STDP (Pfister & Gerstner 2006) as pure functions of arrays, with the published parameter sets.

Pfister & Gerstner (2006), "Triplets of spikes in a model of spike timing-dependent plasticity",
J. Neurosci. 26:9673. Two presynaptic traces ``r1`` (time constant ``tau_plus``), ``r2``
(``tau_x``) and two postsynaptic traces ``o1`` (``tau_minus``), ``o2`` (``tau_y``); on a spike a
trace jumps by 1 (all-to-all interaction) or is set to 1 (nearest-spike). The weight changes at
spikes (eqs. 3-4 of the paper)::

    post spike:  w <- w + r1 (A2_plus + A3_plus o2(t - eps))
    pre spike:   w <- w - o1 (A2_minus + A3_minus r2(t - eps))

``o2(t - eps)``, ``r2(t - eps)``: the slow trace just before this spike's own jump. In batched
matrix form per step (weights ``[pre, post]``; ``r1``, ``o1`` already include this step's spikes,
so a simultaneous pre and post spike both potentiates and depresses, as the pair rules here)::

    dW = r1^T [s_post * (A2_plus + A3_plus o2_)] - [s_pre * (A2_minus + A3_minus r2_)]^T o1

with ``o2_``, ``r2_`` decayed to this step but before this step's spikes.

:data:`PRESETS` are the paper's fitted rows (Tables 3-4): visual cortex (Sjostrom et al. 2001 data)
and hippocampal culture (Bi & Poo 1998; Wang et al. 2005 data), all-to-all and nearest-spike,
full and minimal models; ``tau_plus = 16.8`` ms and ``tau_minus = 33.7`` ms in every row. In a
minimal model ``A3_minus = 0`` makes ``tau_x`` inert (the paper leaves it blank; 101 ms or 946 ms
is stored).
"""

from __future__ import annotations

from typing import Any

from .stdp import dense_outer

INTERACTIONS = ("all_to_all", "nearest")

#: name -> (interaction, A2_plus, A3_plus, A2_minus, A3_minus, tau_x ms, tau_y ms)
PRESETS: dict[str, tuple[str, float, float, float, float, float, float]] = {
    "visual_cortex_all_to_all": ("all_to_all", 5e-10, 6.2e-3, 7e-3, 2.3e-4, 101.0, 125.0),
    "visual_cortex_all_to_all_minimal": ("all_to_all", 0.0, 6.5e-3, 7.1e-3, 0.0, 101.0, 114.0),
    "visual_cortex_nearest": ("nearest", 8.8e-11, 5.3e-2, 6.6e-3, 3.1e-3, 714.0, 40.0),
    "visual_cortex_nearest_minimal": ("nearest", 0.0, 5e-2, 8e-3, 0.0, 714.0, 40.0),
    "hippocampal_all_to_all": ("all_to_all", 6.1e-3, 6.7e-3, 1.6e-3, 1.4e-3, 946.0, 27.0),
    "hippocampal_all_to_all_minimal": ("all_to_all", 5.3e-3, 8e-3, 3.5e-3, 0.0, 946.0, 40.0),
    "hippocampal_nearest": ("nearest", 4.6e-3, 9.1e-3, 3e-3, 7.5e-9, 575.0, 47.0),
    "hippocampal_nearest_minimal": ("nearest", 4.6e-3, 9.1e-3, 3e-3, 0.0, 575.0, 48.0),
}
TAU_PLUS, TAU_MINUS = 16.8, 33.7  # ms, every row


def trace_mode(interaction: str) -> str:
    """The :func:`components.rules.traces.trace_step` mode of an interaction: jump by 1 or set to 1."""
    return "increment" if interaction == "all_to_all" else "set"


def triplet_stdp_update(pre_spike: Any, post_spike: Any, r1: Any, r2_before: Any, o1: Any, o2_before: Any, *,
                        A2_plus: float, A3_plus: float, A2_minus: float, A3_minus: float, per_sample: bool = False,
                        outer: Any = dense_outer) -> Any:
    """Pfister & Gerstner (2006) triplet STDP, before ``eta``; summed over the batch unless ``per_sample``.

    ``r1``/``o1``: fast traces including this step's spikes; ``r2_before``/``o2_before``: slow
    traces decayed to this step, before this step's spikes.
    """
    ltp = outer(r1, post_spike * (A2_plus + A3_plus * o2_before), per_sample)
    ltd = outer(pre_spike * (A2_minus + A3_minus * r2_before), o1, per_sample)
    return ltp - ltd
