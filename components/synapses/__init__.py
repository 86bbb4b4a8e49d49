"""Synapses: projections between cells and the plasticity rules that change them."""

from .bcm import BCMSynapse
from .dense import DenseSynapse
from .eprop import EpropSynapse, LearningSignalConnection
from .event_stdp import EventSTDPSynapse
from .hebbian import HebbianSynapse
from .hopfield import HopfieldSynapse
from .istdp import ISTDPSynapse
from .modulated import ModulatedSynapse
from .mstdpet import MSTDPETSynapse
from .reinforce import REINFORCESynapse
from .som import SOMSynapse
from .stdp import ExpSTDPSynapse, TraceSTDPSynapse
from .triplet_stdp import TripletSTDPSynapse
from .vq import VQSynapse

__all__ = ["BCMSynapse", "DenseSynapse", "EpropSynapse", "EventSTDPSynapse", "ExpSTDPSynapse", "HebbianSynapse",
           "HopfieldSynapse", "ISTDPSynapse", "LearningSignalConnection", "MSTDPETSynapse", "ModulatedSynapse",
           "REINFORCESynapse", "SOMSynapse", "TraceSTDPSynapse", "TripletSTDPSynapse", "VQSynapse"]
