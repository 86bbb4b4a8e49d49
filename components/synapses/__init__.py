"""Synapses: projections between cells and the plasticity rules that change them."""

from .alpha_synapse import AlphaSynapse
from .bcm import BCMSynapse
from .dense import DenseSynapse
from .double_exp_synapse import DoubleExpSynapse
from .eprop import EpropSynapse, LearningSignalConnection
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

# every class imported above (one import line a component keeps merges of new components conflict-free)
__all__: list[str] = sorted(name for name in dict(globals()) if name[:1].isupper())
