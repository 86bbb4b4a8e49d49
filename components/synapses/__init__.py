"""Synapses: projections between cells and the plasticity rules that change them."""

from .bcm import BCMSynapse
from .dense import DenseSynapse
from .eprop import EpropSynapse, LearningSignalConnection
from .eprop_online import EpropOnlineSynapse
from .event_stdp import EventSTDPSynapse
from .hebbian import HebbianSynapse
from .modulated import ModulatedSynapse
from .stdp import ExpSTDPSynapse, TraceSTDPSynapse

__all__ = ["BCMSynapse", "DenseSynapse", "EpropOnlineSynapse", "EpropSynapse", "EventSTDPSynapse", "ExpSTDPSynapse",
           "HebbianSynapse", "LearningSignalConnection", "ModulatedSynapse", "TraceSTDPSynapse"]
