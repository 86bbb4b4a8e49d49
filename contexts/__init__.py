"""synaptica's engine: compartments, components, the Context, compiled commands, persistence."""

from .compartment import Compartment, Input, Output, Param, State
from .component import Component, Values
from .context import Context, Records
from .errors import (
                     ArgumentError,
                     ContextError,
                     ModelFileError,
                     NonFiniteError,
                     NotACompartmentError,
                     PersistenceError,
                     ShapeError,
                     StepTraceError,
                     SynapticaError,
                     UnknownCommandError,
                     ValidationError,
                     WiringError,
)
from .graph import from_graph, to_graph
from .graph_yaml import load_model, load_model_string, to_yaml
from .registry import lookup, register, registered
from .wiring import Source, negated, summation, weighted

__all__ = [
    "ArgumentError", "Compartment", "Component", "Context", "ContextError", "Input", "ModelFileError",
    "NonFiniteError", "NotACompartmentError", "Output", "Param", "PersistenceError", "Records", "ShapeError",
    "Source", "State", "StepTraceError", "SynapticaError", "UnknownCommandError", "ValidationError", "Values",
    "WiringError", "from_graph", "load_model", "load_model_string", "lookup", "negated", "register",
    "registered", "summation", "to_graph", "to_yaml", "weighted",
]
