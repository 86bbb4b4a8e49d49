"""InputCell: clamped data passed through unchanged.

Discrete update: ``outputs <- inputs`` each step (no dynamics, no units of its own).
"""

from __future__ import annotations

from typing import Any

from contexts import Component, Input, Output
from contexts.params import count


class InputCell(Component):
    """Passes data through: ``outputs = inputs``.

    Parameters:
        n_units: number of units.

    Compartments:
        inputs (input, (batch, n_units)): data (clamped or fed per step with ``ctx.run(inputs=...)``).
        outputs (output, (batch, n_units)): = inputs.
    """

    param_rules = {"n_units": count()}

    def __init__(self, name: str, n_units: int):
        super().__init__(name)
        self.n_units = n_units
        self.inputs = Input((n_units,), doc="data")
        self.outputs = Output((n_units,), doc="the data, unchanged")

    def advance_state(self, c: Any, *, t: Any, dt: float, key: Any) -> dict:
        return {"outputs": c.inputs}
