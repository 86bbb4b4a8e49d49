"""VarTrace run in a Context against an independent NumPy reference."""

import numpy as np
import pytest

from components.cells import VarTrace
from contexts import Context, ValidationError


def reference(spikes, dt, tau, a, decay_type, mode, gamma, k):
    d = {"exp": np.exp(-dt / tau), "lin": max(0.0, 1 - dt / tau), "step": 0.0}[decay_type]
    z, out = np.zeros(spikes.shape[1:]), []
    for s in spikes:
        if mode == "increment":
            z = gamma * d * z + a * s
        elif mode == "set":
            z = np.where(s > 0, a, gamma * d * z)
        else:
            z = gamma * d * z + s * (a - z / k)
        out.append(z)
    return np.stack(out)


@pytest.mark.parametrize("decay_type,mode", [("exp", "increment"), ("lin", "set"), ("exp", "nearest"),
                                             ("step", "increment")])
def test_matches_numpy_reference(decay_type, mode):
    T, dt = 200, 0.5
    spikes = (np.random.default_rng(3).random((T, 3, 6)) < 0.15).astype(np.float32)
    with Context("tr", dt=dt, batch_size=3) as ctx:
        tr = VarTrace("tr", 6, tau_tr=9.0, a_delta=0.6, decay_type=decay_type, mode=mode, gamma_tr=0.98,
                      n_nearest_spikes=2.0)
        ctx.command("advance", [tr])
    rec = ctx.run(["advance"], steps=T, record=[tr.trace, tr.outputs], inputs={tr.inputs: spikes})
    ref = reference(spikes, dt, 9.0, 0.6, decay_type, mode, 0.98, 2.0)
    np.testing.assert_allclose(np.asarray(rec[tr.trace]), ref, rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(np.asarray(rec[tr.outputs]), np.asarray(rec[tr.trace]))
    assert ref.max() > 0.5  # the run exercised spikes
    ctx.reset()
    assert float(np.abs(np.asarray(ctx.get(tr.trace))).max()) == 0.0


def test_single_spike_decays_exponentially():
    T = 50
    spikes = np.zeros((T, 1, 1), np.float32)
    spikes[0] = 1.0
    with Context("tr1", dt=1.0) as ctx:
        tr = VarTrace("tr", 1, tau_tr=20.0, a_delta=1.0)
        ctx.command("advance", [tr])
    z = np.asarray(ctx.run("advance", steps=T, record=[tr.trace], inputs={tr.inputs: spikes})[tr.trace])[:, 0, 0]
    np.testing.assert_allclose(z, np.exp(-np.arange(T) / 20.0), rtol=1e-5)


@pytest.mark.parametrize("kw,match", [({"tau_tr": 0.0}, "tau_tr"), ({"mode": "gated"}, "mode"),
                                      ({"decay_type": "cubic"}, "decay_type"), ({"n_units": 0}, "n_units")])
def test_bad_parameters_raise(kw, match):
    args = {"n_units": 2, **kw}
    with Context("bad"), pytest.raises(ValidationError, match=match):
        VarTrace("tr", **args)
