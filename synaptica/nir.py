"""``synaptica.nir``: NIR export and import (:mod:`contexts.nir_io`; needs ``pip install 'synaptica[nir]'``).

    import synaptica as sy
    graph = sy.nir.export(ctx)                 # a nir.NIRGraph
    ctx2 = sy.nir.import_(graph)               # a Context (dt from the graph, or import_(graph, dt=0.1))
"""

from contexts.nir_io import NIRError, NIRExportError, NIRUnsupportedError, export, import_

__all__ = ["NIRError", "NIRExportError", "NIRUnsupportedError", "export", "import_"]
