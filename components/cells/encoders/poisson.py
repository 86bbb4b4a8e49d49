"""PoissonCell: a rate-code spike encoder (BernoulliCell, in bernoulli.py, draws with probability ``inputs``).

PoissonCell approximates a Poisson process of rate ``inputs * target_freq`` (Hz) by one Bernoulli
draw per step of ``dt`` ms:

    p = clip(inputs * target_freq * dt / 1000, 0, 1),   s ~ Bernoulli(p)

(ngc-learn's convention; exact as dt -> 0). BernoulliCell draws ``s ~ Bernoulli(clip(inputs, 0, 1))``
directly. Both stamp ``tols <- t`` (ms) on a spike; ``tols = -1e9`` means "never spiked".
Diehl & Cook (2015), Front. Comput. Neurosci. 9:99, encode MNIST with intensities/4 -> up to
63.75 Hz, the default ``target_freq``.
"""

from __future__ import annotations

from typing import Any

from contexts import Component, Input, Output
from contexts.params import count, nonnegative

from ...rules.traces import NEVER, update_tols
from .bernoulli import bernoulli_spikes


class PoissonCell(Component):
    """Poisson rate encoder: rate ``inputs * target_freq`` (Hz), ``p = rate * dt / 1000`` per step.

    Parameters:
        n_units: number of units.
        target_freq: firing rate (Hz) of an input of 1; default 63.75 Hz (Diehl & Cook 2015).

    Compartments:
        inputs (input, (batch, n_units)): intensities in [0, 1].
        outputs (output, (batch, n_units)): spikes 0/1.
        tols (output, (batch, n_units)): time of last spike (ms); -1e9 = never.
    """

    param_rules = {"n_units": count(), "target_freq": nonnegative("Hz")}

    def __init__(self, name: str, n_units: int, target_freq: float = 63.75):
        super().__init__(name)
        self.n_units = n_units
        self.target_freq = target_freq
        self.inputs = Input((n_units,), doc="intensities in [0, 1]")
        self.outputs = Output((n_units,), doc="spikes (0/1)")
        self.tols = Output((n_units,), init=NEVER, doc="time of last spike (ms); -1e9 = never")

    def advance_state(self, c: Any, *, t: Any, dt: float, key: Any) -> dict:
        s = bernoulli_spikes(key, c.inputs * (self.target_freq * dt / 1000.0))
        return {"outputs": s, "tols": update_tols(c.tols, s, t)}
