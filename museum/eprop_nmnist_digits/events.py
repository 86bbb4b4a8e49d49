"""Static images to ON/OFF event streams by simulated saccades, as the N-MNIST data set was recorded
(Orchard et al. 2015, Front. Neurosci. 9:437): a camera that reports only changes looks at a still
image while it is moved along a small triangle, three straight saccades back to the start.

Here the camera is simulated in NumPy. At every step the image is shifted (bilinear interpolation,
sub-pixel shifts, zero outside) to the current point of the path; each pixel remembers the intensity
at its latest event (at first: the unshifted image) and emits an ON event when its intensity has risen
by more than ``threshold`` since then, an OFF event when it has fallen by more than ``threshold``; the
event resets that reference to the current intensity. Channels are NEST's order for N-MNIST:
``polarity * n_pixels + row * width + col`` with polarity 0 = OFF, 1 = ON. Optional background noise
(``noise``: probability of a spurious event per channel and step) is the only random part, drawn
from ``seed``.
"""

from __future__ import annotations

import numpy as np

#: the corners of the triangle, (down, right) in pixels for amplitude 1: down-right, up-right, back left
TRIANGLE = ((0.0, 0.0), (1.0, 0.5), (0.0, 1.0), (0.0, 0.0))


def saccade_path(steps_per_saccade: int, amplitude: float = 1.0) -> np.ndarray:
    """The camera's offset ``(3 * steps_per_saccade + 1, 2)`` (down, right), from (0, 0) at step 0
    along the three sides of :data:`TRIANGLE` scaled by ``amplitude``, at constant speed per side."""
    corners = np.asarray(TRIANGLE) * amplitude
    points = [corners[0]]
    for a, b in zip(corners[:-1], corners[1:]):
        f = np.arange(1, steps_per_saccade + 1)[:, None] / steps_per_saccade
        points.extend(a + f * (b - a))
    return np.asarray(points)


def shift(images: np.ndarray, down: float, right: float) -> np.ndarray:
    """``images`` (..., H, W) moved by (``down``, ``right``) pixels, bilinear, zero where nothing lands."""
    h, w = images.shape[-2:]
    pad = int(np.ceil(max(abs(down), abs(right)))) + 1
    big = np.pad(images, [(0, 0)] * (images.ndim - 2) + [(pad, pad), (pad, pad)])
    y0, x0 = int(np.floor(down)), int(np.floor(right))
    fy, fx = down - y0, right - x0

    def window(dy: int, dx: int) -> np.ndarray:  # the image moved by whole pixels (dy, dx)
        return big[..., pad - dy:pad - dy + h, pad - dx:pad - dx + w]

    return ((1 - fy) * (1 - fx) * window(y0, x0) + (1 - fy) * fx * window(y0, x0 + 1)
            + fy * (1 - fx) * window(y0 + 1, x0) + fy * fx * window(y0 + 1, x0 + 1))


def encode(images: np.ndarray, steps_per_saccade: int = 30, amplitude: float = 1.0, threshold: float = 0.1,
           noise: float = 0.0, seed: int = 0) -> np.ndarray:
    """Event streams of ``images`` (N, H, W), intensities in [0, 1]: ``(N, 3 * steps_per_saccade,
    2 * H * W)`` uint8, 1 where a channel has an event at a step (see the module's description)."""
    images = np.asarray(images, dtype=np.float64)
    if images.ndim == 2:
        images = images[None]
    n, h, w = images.shape
    path = saccade_path(steps_per_saccade, amplitude)
    ref = images.reshape(n, h * w).copy()
    out = np.zeros((n, len(path) - 1, 2 * h * w), dtype=np.uint8)
    for t, (down, right) in enumerate(path[1:]):
        now = shift(images, down, right).reshape(n, h * w)
        on = now - ref > threshold
        off = ref - now > threshold
        out[:, t, h * w:] = on
        out[:, t, :h * w] = off
        fired = on | off
        ref[fired] = now[fired]
    if noise > 0:
        rng = np.random.default_rng(seed)
        out |= (rng.random(out.shape) < noise).astype(np.uint8)
    return out


def load_digits_events(steps_per_saccade: int = 30, threshold: float = 0.1, noise: float = 0.0,
                       seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """scikit-learn's bundled 8 x 8 digits (1797 images, shipped with scikit-learn: nothing is
    downloaded) as event streams: ``(events (1797, T, 128) uint8, labels (1797,), images (1797, 8, 8)
    in [0, 1])``."""
    from sklearn.datasets import load_digits

    d = load_digits()
    images = d.images / 16.0
    return encode(images, steps_per_saccade, threshold=threshold, noise=noise, seed=seed), d.target, images
