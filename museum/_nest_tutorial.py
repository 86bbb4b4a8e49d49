"""Running one of NEST's e-prop tutorials as shipped, for the exhibits' ``gen_nest.py`` scripts.

Imported only by those scripts, which run under a Python that has NEST (never the project's
environment) and are not run by the tests. Needs nothing but the standard library and NEST.
"""

from __future__ import annotations

import pathlib
import runpy
import sys
import time
import types
from typing import Any


def tutorial_path(filename: str) -> pathlib.Path:
    """The tutorial file in NEST's installed documentation (``.../pynest/eprop_plasticity/<filename>``)."""
    import nest

    return pathlib.Path(nest.__file__).resolve().parent / "doc" / "examples" / "pynest" / "eprop_plasticity" / filename


def stub_ipython() -> None:
    """Stand in for ``IPython.display`` where IPython is missing: the tutorials import ``Image`` from it to
    show a schematic in notebooks. The stand-in leaves ``sys.modules`` as soon as ``Image`` has been
    imported, so that matplotlib does not think it runs in IPython."""
    try:
        import IPython.display  # noqa: F401
    except ImportError:
        stub, display = types.ModuleType("IPython"), types.ModuleType("IPython.display")

        def image(name: str) -> object:
            if name != "Image":
                raise AttributeError(name)
            for mod in ("IPython", "IPython.display"):
                sys.modules.pop(mod, None)
            return lambda *a, **k: None

        display.__getattr__ = image
        stub.display = display
        sys.modules["IPython"], sys.modules["IPython.display"] = stub, display


def run_tutorial(path: pathlib.Path) -> tuple[dict[str, Any], float]:
    """Execute the tutorial unmodified (``runpy``, as ``__main__``, figures drawn with Agg and never shown);
    returns its global variables and the seconds it ran."""
    stub_ipython()
    import matplotlib

    matplotlib.use("Agg")
    t0 = time.perf_counter()
    g = runpy.run_path(str(path), run_name="__main__")
    return g, time.perf_counter() - t0
