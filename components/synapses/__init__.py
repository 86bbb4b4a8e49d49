"""Synapses: projections between cells and the plasticity rules that change them."""

from .alpha_synapse import AlphaSynapse
from .bcm import BCMSynapse
from .dense import DenseSynapse
from .double_exp_synapse import DoubleExpSynapse
from .eprop import EpropSynapse, LearningSignalConnection
from .eprop_online import EpropOnlineSynapse
from .event_driven import EventDrivenSynapse
from .event_stdp import EventSTDPSynapse
from .exp_synapse import ExpSynapse
from .hebbian import HebbianSynapse
from .hopfield import HopfieldSynapse
from .istdp import ISTDPSynapse
from .modulated import ModulatedSynapse
from .mstdpet import MSTDPETSynapse
from .reinforce import REINFORCESynapse
from .som import SOMSynapse
from .stdp import ExpSTDPSynapse, TraceSTDPSynapse
from .stp import STPDenseSynapse
from .triplet_stdp import TripletSTDPSynapse
from .vq import VQSynapse

__all__: list[str] = [
    "AlphaSynapse",
    "BCMSynapse",
    "DenseSynapse",
    "DoubleExpSynapse",
    "EpropOnlineSynapse",
    "EpropSynapse",
    "EventDrivenSynapse",
    "EventSTDPSynapse",
    "ExpSTDPSynapse",
    "ExpSynapse",
    "HebbianSynapse",
    "HopfieldSynapse",
    "ISTDPSynapse",
    "LearningSignalConnection",
    "MSTDPETSynapse",
    "ModulatedSynapse",
    "REINFORCESynapse",
    "SOMSynapse",
    "STPDenseSynapse",
    "TraceSTDPSynapse",
    "TripletSTDPSynapse",
    "VQSynapse",
]
