"""Error types. Every message names ``component.compartment`` and says how to fix the problem."""

from __future__ import annotations


class SynapticaError(Exception):
    """Base class of every error synaptica raises on purpose."""


class ContextError(SynapticaError):
    """Misuse of a Context: components created outside ``with Context(...)``, duplicate names, ..."""


class WiringError(SynapticaError):
    """A wire names a compartment that does not exist, or cannot be wired that way."""


class ShapeError(SynapticaError):
    """Two wired compartments, or a step function's result, disagree on shape."""


class ValidationError(SynapticaError):
    """A model that cannot be compiled as written: unwired inputs, ambiguous order, ..."""


class NonFiniteError(SynapticaError):
    """NaN or Inf appeared in a compartment while ``check_finite`` was on."""


class PersistenceError(SynapticaError):
    """A saved model is missing, corrupt, or does not match the graph it claims to be."""


class ModelFileError(SynapticaError):
    """A YAML model graph is malformed; the message points at the file, line and key."""
