"""`import synaptica`: one public namespace over the engine and the component library."""

import importlib
import importlib.metadata

import numpy as np

import components.cells
import components.synapses
import contexts
import synaptica


def test_the_namespace_exports_what_it_lists():
    assert sorted(synaptica.__all__) == sorted(set(synaptica.__all__))
    for name in synaptica.__all__:
        assert hasattr(synaptica, name), name
    assert synaptica.Context is contexts.Context
    assert synaptica.load_model is contexts.load_model
    assert synaptica.summation is contexts.summation
    assert issubclass(synaptica.WiringError, synaptica.SynapticaError)


def test_cells_and_synapses_are_the_library_modules_themselves():
    assert synaptica.cells is components.cells
    assert synaptica.synapses is components.synapses
    from synaptica.cells import LIFCell
    from synaptica.synapses import TraceSTDPSynapse

    assert LIFCell is components.cells.LIFCell
    assert TraceSTDPSynapse is components.synapses.TraceSTDPSynapse
    assert importlib.import_module("synaptica.cells") is components.cells
    assert importlib.import_module("synaptica.errors") is contexts.errors


def test_version_comes_from_the_package_metadata():
    assert synaptica.__version__ == importlib.metadata.version("synaptica")
    assert synaptica.__version__[0].isdigit()


def test_a_model_built_from_the_namespace_alone_runs():
    sy = synaptica
    with sy.Context("ns", dt=1.0) as ctx:
        x = sy.cells.InputCell("x", 3)
        z = sy.cells.LIFCell("z", 3, tau_m=10.0)
        x.outputs >> z.j
        ctx.command("advance", [x, z])
        ctx.command("reset", [x, z])
    rec = ctx.run("advance", steps=3, record=[z.v], inputs={x.inputs: np.full((3, 3), 20.0, np.float32)})
    # Euler from v_rest = -65 mV: v += dt / tau_m * (-(v - v_rest) + R_m * j) with j = 20 pA, R_m = 1
    np.testing.assert_allclose(rec[z.v][:, 0, 0], [-63.0, -61.2, -59.58], rtol=1e-6)
