"""Synapses: projections between cells and the plasticity rules that change them."""

from .bcm import BCMSynapse
from .dense import DenseSynapse
from .eprop import EpropSynapse, LearningSignalConnection
from .event_stdp import EventSTDPSynapse
from .hebbian import HebbianSynapse
from .istdp import ISTDPSynapse
from .modulated import ModulatedSynapse
from .mstdpet import MSTDPETSynapse
from .reinforce import REINFORCESynapse
from .stdp import ExpSTDPSynapse, TraceSTDPSynapse
from .triplet_stdp import TripletSTDPSynapse

__all__ = ["BCMSynapse", "DenseSynapse", "EpropSynapse", "EventSTDPSynapse", "ExpSTDPSynapse", "HebbianSynapse",
           "ISTDPSynapse", "LearningSignalConnection", "MSTDPETSynapse", "ModulatedSynapse", "REINFORCESynapse",
           "TraceSTDPSynapse", "TripletSTDPSynapse"]
