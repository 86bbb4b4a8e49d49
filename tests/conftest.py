"""Test-suite settings: float32 JAX on one CPU device; multi-device tests run in subprocesses.

Compiled programs are cached on disk for the session (JAX's persistent compilation cache, in a
temporary folder removed at exit, shared with the subprocesses the tests start): many tests build
the same networks, and the exhibits run in several tests compile the same steps."""

import atexit
import os
import shutil
import tempfile

os.environ.setdefault("JAX_PLATFORMS", "cpu")
if "JAX_COMPILATION_CACHE_DIR" not in os.environ:
    _cache = tempfile.mkdtemp(prefix="synaptica-jax-cache-")
    atexit.register(shutil.rmtree, _cache, ignore_errors=True)
    os.environ["JAX_COMPILATION_CACHE_DIR"] = _cache
    os.environ.setdefault("JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS", "0")
    os.environ.setdefault("JAX_PERSISTENT_CACHE_MIN_ENTRY_SIZE_BYTES", "0")
