"""Synapses: projections between cells and the plasticity rules that change them."""

from .alpha_synapse import AlphaSynapse
from .bcm import BCMSynapse
from .dense import DenseSynapse
from .double_exp_synapse import DoubleExpSynapse
from .eprop import EpropSynapse, LearningSignalConnection
from .event_driven import EventDrivenSynapse
from .event_stdp import EventSTDPSynapse
from .exp_synapse import ExpSynapse
from .hebbian import HebbianSynapse
from .istdp import ISTDPSynapse
from .modulated import ModulatedSynapse
from .mstdpet import MSTDPETSynapse
from .reinforce import REINFORCESynapse
from .stdp import ExpSTDPSynapse, TraceSTDPSynapse
from .stp import STPDenseSynapse
from .triplet_stdp import TripletSTDPSynapse

__all__: list[str] = [
    "AlphaSynapse",
    "BCMSynapse",
    "DenseSynapse",
    "DoubleExpSynapse",
    "EpropSynapse",
    "EventDrivenSynapse",
    "EventSTDPSynapse",
    "ExpSTDPSynapse",
    "ExpSynapse",
    "HebbianSynapse",
    "ISTDPSynapse",
    "LearningSignalConnection",
    "MSTDPETSynapse",
    "ModulatedSynapse",
    "REINFORCESynapse",
    "STPDenseSynapse",
    "TraceSTDPSynapse",
    "TripletSTDPSynapse",
]
