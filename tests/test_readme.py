"""The README's Python example runs as written (docs that drift from the code are a defect)."""

import re
from pathlib import Path

import numpy as np


def test_readme_python_example_runs():
    text = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    code = re.search(r"```python\n(.*?)```", text, re.S).group(1)
    namespace: dict = {}
    exec(compile(code, "README.md", "exec"), namespace)  # noqa: S102 - our own README
    records, z1, W = namespace["records"], namespace["z1"], namespace["W"]
    assert records[z1.s].shape == (250, 1, 100)
    assert records[W.weights].shape == (250, 64, 100)
    assert np.isfinite(np.asarray(records[W.weights])).all()
