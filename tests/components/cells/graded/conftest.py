"""Runs an error cell for T steps with per-step inputs (the error cells' tests share it)."""

import numpy as np
import pytest

from contexts import Context


@pytest.fixture
def run_error_cell():
    def run(cls, inputs, **kw):
        """``inputs``: compartment name -> (T, batch, n) array; returns every output per step."""
        first = next(iter(inputs.values()))
        with Context("err", dt=1.0, batch_size=first.shape[1]) as ctx:
            z = cls("z", first.shape[-1], **kw)
            ctx.command("advance", [z])
        outs = [c for c in z.compartments.values() if c.kind == "output"]
        rec = ctx.run("advance", steps=len(first), record=outs,
                      inputs={getattr(z, k): np.asarray(v, np.float32) for k, v in inputs.items()})
        return {c.name: np.asarray(rec[c]) for c in outs}

    return run
