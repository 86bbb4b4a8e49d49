"""Error types. Every message names ``component.compartment`` and says how to fix the problem.

Each error is a :class:`SynapticaError`; those that a caller would naturally catch as a builtin
(a wrong argument type, a bad value, a shape mismatch) are also that builtin, so
``except TypeError`` or ``except ValueError`` keep working.
"""

from __future__ import annotations


class SynapticaError(Exception):
    """Base class of every error synaptica raises on purpose."""


class ContextError(SynapticaError):
    """Misuse of a Context: components created outside ``with Context(...)``, duplicate names, ..."""


class ArgumentError(ContextError, TypeError, ValueError):
    """An argument of a Context method that cannot be used: ``steps=2.7``, ``commands=[]``, ..."""


class WiringError(SynapticaError):
    """A wire names a compartment that does not exist, or cannot be wired that way."""


class NotACompartmentError(WiringError, TypeError):
    """Something that is not a compartment stands where one belongs: ``z1.j << 5``,
    ``record=[z1.tau_m]``, ``ctx.clamp(3.0, x)``."""


class ShapeError(SynapticaError, ValueError):
    """Two wired compartments, or a step function's result, disagree on shape."""


class ValidationError(SynapticaError):
    """A model that cannot be compiled as written: unwired inputs, ambiguous order, ..."""


class UnknownCommandError(ArgumentError, ValidationError):
    """A run names a command the Context does not declare."""


class StepTraceError(ValidationError, TypeError):
    """A step function does something that cannot be compiled, such as a Python ``if`` on a value."""


class NonFiniteError(SynapticaError):
    """NaN or Inf appeared in a compartment while ``check_finite`` was on."""


class PersistenceError(SynapticaError):
    """A saved model is missing, corrupt, or does not match the graph it claims to be."""


class ModelFileError(SynapticaError):
    """A YAML model graph is malformed; the message points at the file, line and key."""
