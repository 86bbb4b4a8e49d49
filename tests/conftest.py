"""Test-suite settings: float32 JAX on one CPU device; multi-device tests run in subprocesses."""

import os

os.environ.setdefault("JAX_PLATFORMS", "cpu")
