"""synaptica's component library: cells and synapses. See components.cells / components.synapses."""

from . import cells, synapses

__all__ = ["cells", "synapses"]
