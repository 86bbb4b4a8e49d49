"""Every new graded cell and encoder survives save / load (tuple parameters as YAML lists) and the
loaded model continues bit for bit."""

import numpy as np

from components.cells import (
    LatencyCell,
    LeakyNoiseCell,
    PhasorCell,
    RateCell,
    RetinalGanglionCell,
    RewardErrorCell,
    TTFSCell,
)
from contexts import Context


def test_save_load_continues_identically(tmp_path):
    with Context("persist", dt=1.0, batch_size=2) as ctx:
        cells = [RateCell("r", 3, prior=("laplacian", 0.1), threshold=("soft_threshold", 0.01), act_fx="tanh"),
                 RewardErrorCell("rw", 3), LeakyNoiseCell("ln", 3), LatencyCell("lat", 3, tau=5.0),
                 TTFSCell("tt", 3, num_steps=10), PhasorCell("ph", 3),
                 RetinalGanglionCell("g", area_shape=(8, 8), patch_shape=(4, 4), step_shape=(2, 2))]
        ctx.command("advance", cells)
    rng = np.random.default_rng(0)
    for c in cells:
        for comp in c.compartments.values():
            if comp.kind == "input" and comp.required:
                ctx.clamp(comp, rng.uniform(0, 1, comp.full_shape(2)).astype(np.float32))
    ctx.run("advance", steps=4)
    ctx.save(str(tmp_path / "m"))
    loaded = Context.load(str(tmp_path / "m"))
    names = ["r.zF", "rw.mu", "ln.r", "lat.outputs", "tt.outputs", "ph.angles", "g.outputs"]
    a, b = ctx.run("advance", steps=6, record=names), loaded.run("advance", steps=6, record=names)
    for k in names:
        np.testing.assert_array_equal(np.asarray(a[k]), np.asarray(b[k]), err_msg=k)
    assert loaded.components["g"].n_cells == 9 and loaded.components["r"].prior[0] == "laplacian"
