"""Shared by the spiking-cell tests: ngc-learn 3.2.1's recorded trajectories and a runner for our cells."""

import pathlib

import numpy as np

from contexts import Context

NGC = pathlib.Path(__file__).parents[3] / "references" / "ngclearn" / "spiking.npz"


def ngc_case(name):
    """``(dt, {compartment: array})`` of one case of spiking.npz (arrays (T, 1, N); ``<name>0``: before step 0)."""
    with np.load(NGC) as ref:
        assert str(ref["version"]) == "3.2.1"
        keys = [k.split("/", 1)[1] for k in ref.files if k.startswith(name + "/")]
        data = {k: ref[f"{name}/{k}"] for k in keys}
    return float(data.pop("dt")), data


def run_cell(cls, J, dt, record, inputs="j", batch_size=None, **kw):
    """Build ``cls`` in a fresh Context, feed ``J`` (T, batch, n) into ``inputs``, record ``record``."""
    with Context("cell", dt=dt, batch_size=batch_size or J.shape[1]) as ctx:
        z = cls("z", J.shape[-1], **kw)
        ctx.command("advance", [z])
    rec = ctx.run("advance", steps=len(J), record=[getattr(z, r) for r in record], inputs={getattr(z, inputs): J})
    return z, {r: np.asarray(rec[getattr(z, r)]) for r in record}


def crossings(v, thr, v_start):
    """Upward crossings ``v_old <= thr < v_new`` of a recorded trajectory (T, ...), v before step 0 = v_start."""
    prev = np.concatenate([np.full((1,) + v.shape[1:], v_start), v[:-1]])
    return ((prev <= thr) & (v > thr)).astype(float)
