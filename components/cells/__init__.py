"""Cells: input encoders, spiking and rate neurons, error units, traces."""

from .alif import ALIFCell
from .encoders.bernoulli import BernoulliCell
from .encoders.latency import LatencyCell
from .encoders.phasor import PhasorCell
from .encoders.poisson import PoissonCell
from .encoders.retinal_ganglion import RetinalGanglionCell
from .encoders.ttfs import TTFSCell
from .eprop import EpropALIFCell, EpropLIFCell, EpropReadoutCell
from .eprop_iaf import EpropIafCell
from .eprop_iaf_psc_delta import EpropIafPscDeltaCell
from .eprop_readout_nest import EpropReadoutNestCell
from .graded.bernoulli_error import BernoulliErrorCell
from .graded.gaussian_error import GaussianErrorCell
from .graded.laplacian_error import LaplacianErrorCell
from .graded.leaky_noise import LeakyNoiseCell
from .graded.reward_error import RewardErrorCell
from .input import InputCell
from .lif import LIFCell
from .rate import RateCell
from .spiking.adex import AdExCell
from .spiking.fitzhugh_nagumo import FitzhughNagumoCell
from .spiking.hodgkin_huxley import HodgkinHuxleyCell
from .spiking.if_cell import IFCell
from .spiking.izhikevich import IzhikevichCell
from .spiking.quadlif import QuadLIFCell
from .spiking.resonate_and_fire import RAFCell
from .spiking.slif import SLIFCell
from .spiking.srm import LIFSRM, RAFSRM
from .spiking.wtas import WTASCell
from .traces import VarTrace

__all__: list[str] = [
    "ALIFCell",
    "AdExCell",
    "BernoulliCell",
    "BernoulliErrorCell",
    "EpropALIFCell",
    "EpropIafCell",
    "EpropIafPscDeltaCell",
    "EpropLIFCell",
    "EpropReadoutCell",
    "EpropReadoutNestCell",
    "FitzhughNagumoCell",
    "GaussianErrorCell",
    "HodgkinHuxleyCell",
    "IFCell",
    "InputCell",
    "IzhikevichCell",
    "LIFCell",
    "LIFSRM",
    "LaplacianErrorCell",
    "LatencyCell",
    "LeakyNoiseCell",
    "PhasorCell",
    "PoissonCell",
    "QuadLIFCell",
    "RAFCell",
    "RAFSRM",
    "RateCell",
    "RetinalGanglionCell",
    "RewardErrorCell",
    "SLIFCell",
    "TTFSCell",
    "VarTrace",
    "WTASCell",
]
