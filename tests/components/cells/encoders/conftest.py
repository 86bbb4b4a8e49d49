"""Runs an encoder for T steps on a constant input (the encoders' tests share it)."""

import numpy as np
import pytest

from contexts import Context


@pytest.fixture
def run_encoder():
    def run(cls, x, steps, dt=1.0, seed=0, record=("outputs", "tols"), **kw):
        """``x``: (batch, n) held over the run; returns the recorded compartments per step."""
        x = np.asarray(x, np.float32)
        with Context("enc", dt=dt, batch_size=x.shape[0], seed=seed) as ctx:
            z = cls("z", x.shape[1], **kw)
            ctx.command("advance", [z])
        ctx.clamp(z.inputs, x)
        rec = ctx.run("advance", steps=steps, record=[getattr(z, k) for k in record])
        return {k: np.asarray(rec[getattr(z, k)]) for k in record}

    return run
