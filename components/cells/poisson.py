"""Former home of PoissonCell and BernoulliCell, kept so that old imports work: they live in
:mod:`components.cells.encoders`."""

from .encoders.bernoulli import BernoulliCell, bernoulli_spikes
from .encoders.poisson import PoissonCell

__all__ = ["BernoulliCell", "PoissonCell", "bernoulli_spikes"]
