"""synaptica: biologically plausible learning systems from components with named compartments.

The public namespace in one import::

    import synaptica as sy
    from synaptica.cells import LIFCell, PoissonCell
    from synaptica.synapses import TraceSTDPSynapse

    with sy.Context("stdp", dt=1.0) as ctx:
        ...

``synaptica.cells``, ``synaptica.synapses``, ``synaptica.rules``, ``synaptica.errors`` and
``synaptica.monitors`` are the library's own modules (``components.cells``, ... and
``contexts.errors``, ``contexts.monitors``) under a second name, not copies: a class imported either
way is the same class. ``synaptica.plots`` draws rasters, rates, traces and weights (matplotlib).
``synaptica.nir`` exports and imports NIR graphs (:mod:`contexts.nir_io`).
"""

from __future__ import annotations

import sys
from importlib import metadata

from components import cells, rules, synapses
from contexts import errors, monitors
from contexts.compartment import Compartment, Input, Output, Param, State
from contexts.component import Component
from contexts.context import Context, Records
from contexts.errors import (
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
from contexts.graph_yaml import load_model, load_model_string
from contexts.monitors import MonitorOverflowError, RateMonitor, SpikeMonitor
from contexts.registry import register
from contexts.wiring import negated, summation, weighted

from . import nir  # noqa: E402  (synaptica.nir.export / import_; the nir package loads on first use)

# `from synaptica.cells import LIFCell` and `import synaptica.cells` find the real modules
for _name, _module in {"cells": cells, "synapses": synapses, "rules": rules, "errors": errors,
                      "monitors": monitors}.items():
    sys.modules.setdefault(f"{__name__}.{_name}", _module)

try:
    __version__: str = metadata.version("synaptica")
except metadata.PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0+unknown"

__all__ = [
    "ArgumentError", "Compartment", "Component", "Context", "ContextError", "Input", "ModelFileError",
    "MonitorOverflowError", "NonFiniteError", "NotACompartmentError", "Output", "Param", "PersistenceError",
    "RateMonitor", "Records", "ShapeError", "SpikeMonitor", "State", "StepTraceError", "SynapticaError",
    "UnknownCommandError", "ValidationError", "WiringError", "__version__", "cells", "errors", "load_model",
    "load_model_string", "monitors", "negated", "nir", "register", "rules", "summation", "synapses", "weighted",
]
