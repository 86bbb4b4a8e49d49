"""RetinalGanglionCell: centre-surround receptive fields on a grid over an image, split into ON and
OFF channels (Kuffler 1953, J. Neurophysiol. 16:37; the difference-of-Gaussians model of Rodieck 1965,
Vision Res. 5:583, and Enroth-Cugell & Robson 1966, J. Physiol. 187:517).

Cell ``c`` sees the patch ``P_c`` of shape ``patch_shape`` at row ``i sy``, column ``j sx`` of the
image (``(sy, sx) = step_shape``, cells numbered row by row) through the filter ``K``::

    G_s(r, q) = exp(-((r - r0)^2 + (q - q0)^2) / (2 s^2)) / sum(...),   (r0, q0) = patch_shape // 2
    K = G_sigma - lmbda G_{k sigma}        ("DoG", default: an ON-centre, OFF-surround field)
    K = G_sigma                            ("gaussian": a blur, no surround)

    response_c = sum_{r, q} K(r, q) P_c(r, q)          (computed as inputs @ W, W fixed)
    on_c  = max(gain response_c, 0),    off_c = max(-gain response_c, 0)
    outputs = [on, off]                               (2 n_cells values)

No dynamics: each step reads the current image. A uniform image gives ``response = (1 - lmbda) x``:
0 for the balanced DoG. Distances are in pixels.
"""

from __future__ import annotations

from typing import Any

import jax.numpy as jnp
import numpy as np

from contexts import Component, Input, Output
from contexts.params import ParameterError, choice, custom, describe, nonnegative, number, positive, real

FILTERS = ("DoG", "gaussian")


def _pair(value: Any, where: str) -> list:
    flat = isinstance(value, (list, tuple)) or (isinstance(value, np.ndarray) and value.ndim == 1)
    if not flat or len(value) != 2:
        raise ParameterError(f"{where} must be two positive integers (rows, columns), got {describe(value)}")
    out = [number(v, where, integer=True) for v in value]
    if not all(1 <= v <= 4096 for v in out):
        raise ParameterError(f"{where} must be two integers in [1, 4096] (rows, columns), got {describe(value)}")
    return out


def _fits(params: dict, dt: float, owner: str) -> None:
    area, patch = params.get("area_shape"), params.get("patch_shape")
    if area is not None and patch is not None and (patch[0] > area[0] or patch[1] > area[1]):
        err = ParameterError(f"{owner}: patch_shape {tuple(patch)} does not fit in area_shape {tuple(area)}")
        err.component, err.parameter = owner, "patch_shape"
        raise err


def gaussian_filter(patch_shape: tuple, sigma: float) -> np.ndarray:
    """Normalised Gaussian of standard deviation ``sigma`` (px) centred at ``patch_shape // 2``."""
    r = np.arange(patch_shape[0])[:, None] - patch_shape[0] // 2
    q = np.arange(patch_shape[1])[None, :] - patch_shape[1] // 2
    g = np.exp(-(r ** 2 + q ** 2) / (2.0 * sigma ** 2))
    return g / g.sum()


def ganglion_filter(patch_shape: tuple, sigma: float, k: float = 1.6, lmbda: float = 1.0,
                    filter_type: str = "DoG") -> np.ndarray:
    """The receptive field K (see the module docstring)."""
    g = gaussian_filter(patch_shape, sigma)
    return g if filter_type == "gaussian" else g - lmbda * gaussian_filter(patch_shape, k * sigma)


def grid(area_shape: tuple, patch_shape: tuple, step_shape: tuple) -> list:
    """Top-left corners of the cells' patches, row by row."""
    rows = range(0, area_shape[0] - patch_shape[0] + 1, step_shape[0])
    cols = range(0, area_shape[1] - patch_shape[1] + 1, step_shape[1])
    return [(i, j) for i in rows for j in cols]


def receptive_fields(area_shape: tuple, patch_shape: tuple, step_shape: tuple, kernel: np.ndarray) -> np.ndarray:
    """``W`` of shape (rows * columns of the image, n_cells): column c is K placed at cell c's patch."""
    corners = grid(area_shape, patch_shape, step_shape)
    W = np.zeros((area_shape[0], area_shape[1], len(corners)), np.float32)
    for c, (i, j) in enumerate(corners):
        W[i:i + patch_shape[0], j:j + patch_shape[1], c] = kernel
    return W.reshape(-1, len(corners))


class RetinalGanglionCell(Component):
    """Centre-surround (difference-of-Gaussians) ganglion cells on a grid, ON and OFF channels (see
    the module docstring).

    Parameters (defaults):
        area_shape: image (rows, columns), px.
        patch_shape: receptive-field (rows, columns), px ((7, 7)).
        step_shape: grid spacing (rows, columns), px ((3, 3)).
        sigma: centre standard deviation, px (1).
        k: surround / centre width ratio (1.6).
        lmbda: surround weight (1: a balanced field, blind to uniform light).
        filter_type: ``"DoG"`` (default) or ``"gaussian"``.
        gain: factor on the response (1).

    Compartments:
        inputs (input, (batch, rows * columns)): the image, flattened row by row.
        response (output, (batch, n_cells)): sum of K times the patch.
        on (output, (batch, n_cells)): max(gain response, 0).
        off (output, (batch, n_cells)): max(-gain response, 0).
        outputs (output, (batch, 2 n_cells)): [on, off].
    """

    param_rules = {"area_shape": custom(_pair, structural=True), "patch_shape": custom(_pair, structural=True),
                   "step_shape": custom(_pair, structural=True), "sigma": positive("px"), "k": positive(),
                   "lmbda": nonnegative(), "filter_type": choice(*FILTERS), "gain": real()}
    param_checks = (_fits,)

    def __init__(self, name: str, area_shape: Any, patch_shape: Any = (7, 7), step_shape: Any = (3, 3),
                 sigma: float = 1.0, k: float = 1.6, lmbda: float = 1.0, filter_type: str = "DoG",
                 gain: float = 1.0):
        super().__init__(name)
        self.area_shape = tuple(area_shape)
        self.patch_shape = tuple(patch_shape)
        self.step_shape = tuple(step_shape)
        self.sigma = sigma
        self.k = k
        self.lmbda = lmbda
        self.filter_type = filter_type
        self.gain = gain
        self.n_cells = len(grid(self.area_shape, self.patch_shape, self.step_shape))
        self.inputs = Input((self.area_shape[0] * self.area_shape[1],), doc="image, flattened row by row")
        self.response = Output((self.n_cells,), doc="filter response")
        self.on = Output((self.n_cells,), doc="ON channel max(gain response, 0)")
        self.off = Output((self.n_cells,), doc="OFF channel max(-gain response, 0)")
        self.outputs = Output((2 * self.n_cells,), doc="[on, off]")

    def weights(self) -> np.ndarray:
        """The fixed receptive fields ``W`` (pixels, n_cells)."""
        kernel = ganglion_filter(self.patch_shape, self.sigma, self.k, self.lmbda, self.filter_type)
        return receptive_fields(self.area_shape, self.patch_shape, self.step_shape, kernel)

    def advance_state(self, c: Any, *, t: Any, dt: float, key: Any) -> dict:
        response = c.inputs @ jnp.asarray(self.weights(), jnp.result_type(c.inputs))
        on, off = jnp.maximum(self.gain * response, 0.0), jnp.maximum(-self.gain * response, 0.0)
        return {"response": response, "on": on, "off": off, "outputs": jnp.concatenate([on, off], axis=-1)}
