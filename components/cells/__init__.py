"""Cells: input encoders, spiking and rate neurons, error units, traces."""

from .alif import ALIFCell
from .eprop import EpropALIFCell, EpropLIFCell, EpropReadoutCell
from .eprop_iaf import EpropIafCell
from .eprop_iaf_psc_delta import EpropIafPscDeltaCell
from .eprop_readout_nest import EpropReadoutNestCell
from .graded.bernoulli_error import BernoulliErrorCell
from .graded.gaussian_error import GaussianErrorCell
from .graded.laplacian_error import LaplacianErrorCell
from .input import InputCell
from .lif import LIFCell
from .poisson import BernoulliCell, PoissonCell
from .rate import RateCell
from .spiking.adex import AdExCell
from .spiking.if_cell import IFCell
from .spiking.izhikevich import IzhikevichCell
from .spiking.quadlif import QuadLIFCell
from .traces import VarTrace

__all__: list[str] = ["ALIFCell", "AdExCell", "BernoulliCell", "BernoulliErrorCell", "EpropALIFCell",
                      "EpropIafCell", "EpropIafPscDeltaCell", "EpropLIFCell", "EpropReadoutCell",
                      "EpropReadoutNestCell", "GaussianErrorCell", "IFCell", "InputCell", "IzhikevichCell", "LIFCell",
                      "LaplacianErrorCell", "PoissonCell", "QuadLIFCell", "RateCell", "VarTrace"]
