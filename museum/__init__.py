"""The museum: runnable exhibits that reproduce classic results of biologically plausible learning.

Each exhibit is a sub-package ``museum.<name>`` with a ``model.yaml``, a ``__main__.py``
(``python -m museum.<name> [--quick] [--seed N] [--out DIR] [--publish]``) and a README with the
measured numbers. See ``museum/README.md`` for the gallery and :mod:`museum._common` for the shared
command line, output and figure helpers.
"""
