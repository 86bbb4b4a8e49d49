"""Cells: input encoders, spiking and rate neurons, traces."""

from .alif import ALIFCell
from .eprop import EpropALIFCell, EpropLIFCell, EpropReadoutCell
from .input import InputCell
from .lif import LIFCell
from .poisson import BernoulliCell, PoissonCell
from .rate import RateCell
from .spiking.adex import AdExCell
from .spiking.izhikevich import IzhikevichCell
from .traces import VarTrace

__all__: list[str] = ["ALIFCell", "AdExCell", "BernoulliCell", "EpropALIFCell", "EpropLIFCell", "EpropReadoutCell",
                      "InputCell", "IzhikevichCell", "LIFCell", "PoissonCell", "RateCell", "VarTrace"]
