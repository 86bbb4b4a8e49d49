"""A pen trajectory for the word "spike", drawn from our own strokes (no recorded handwriting).

The word is one continuous cursive line through hand-placed control points (letter by letter, in units
of the x-height: baseline 0, x-height 1, ascender 2, descender -1). A Catmull-Rom spline through the
points is sampled densely and resampled at equal arc length, so the pen moves at constant speed.
:func:`pen_velocities` gives the pen's steps ``(dx, dy)`` per data point, with ``dy`` pointing down
(image coordinates), the layout of a two-column text file of pen velocities; :func:`targets` turns
them into the two readout targets of the task. Everything is deterministic.
"""

from __future__ import annotations

import numpy as np

N_POINTS = 228  #: data points (pen steps) per word
STEPS_PER_POINT = 8  #: time steps per data point: 228 x 8 = 1824 steps of 1 ms

#: control points of "spike", (x, y) with y up; the pen never lifts (the i has no dot)
STROKES: dict[str, list[tuple[float, float]]] = {
    "s": [(0.0, 0.0), (0.25, 0.45), (0.55, 1.0), (0.35, 0.85), (0.35, 0.6), (0.65, 0.4), (0.65, 0.12),
          (0.45, 0.0), (0.2, 0.08)],
    "p": [(0.55, 0.2), (0.85, 0.6), (1.0, 1.0), (0.98, 0.2), (0.95, -0.6), (0.93, -1.0), (0.97, -0.4),
          (1.02, 0.45), (1.25, 0.95), (1.55, 0.85), (1.6, 0.4), (1.4, 0.05), (1.1, 0.2)],
    "i": [(1.55, 0.25), (1.8, 0.6), (1.95, 1.0), (1.95, 0.5), (2.0, 0.1), (2.2, 0.05)],
    "k": [(2.45, 0.6), (2.7, 1.5), (2.7, 2.0), (2.55, 1.95), (2.5, 1.3), (2.5, 0.6), (2.5, 0.0),
          (2.55, 0.55), (2.85, 0.95), (3.0, 0.75), (2.6, 0.45), (2.8, 0.2), (3.0, 0.0), (3.2, 0.1)],
    "e": [(3.5, 0.45), (3.7, 0.75), (3.55, 0.95), (3.35, 0.65), (3.45, 0.15), (3.7, 0.0), (3.95, 0.15)],
}


def control_points(word: str = "spike") -> np.ndarray:
    """The control points of ``word`` (letters from :data:`STROKES`), one (x, y-up) row each."""
    return np.asarray([p for letter in word for p in STROKES[letter]], np.float64)


def _catmull_rom(points: np.ndarray, per_segment: int = 200) -> np.ndarray:
    """A uniform Catmull-Rom spline through ``points`` (ends repeated), ``per_segment`` samples each."""
    p = np.vstack([points[:1], points, points[-1:]])
    u = np.linspace(0.0, 1.0, per_segment, endpoint=False)[:, None]
    out = []
    for i in range(1, len(p) - 2):
        p0, p1, p2, p3 = p[i - 1], p[i], p[i + 1], p[i + 2]
        out.append(0.5 * (2 * p1 + (p2 - p0) * u + (2 * p0 - 5 * p1 + 4 * p2 - p3) * u ** 2
                          + (3 * p1 - p0 - 3 * p2 + p3) * u ** 3))
    out.append(points[-1:])
    return np.vstack(out)


def pen_positions(word: str = "spike", n: int = N_POINTS + 1) -> np.ndarray:
    """``n`` pen positions (x, y-up) at equal arc length along the spline through the word's points."""
    curve = _catmull_rom(control_points(word))
    s = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(curve, axis=0).T))])
    t = np.linspace(0.0, s[-1], n)
    return np.stack([np.interp(t, s, curve[:, 0]), np.interp(t, s, curve[:, 1])], axis=1)


def pen_velocities(word: str = "spike", n: int = N_POINTS) -> np.ndarray:
    """The pen's ``n`` steps ``(dx, dy)`` with ``dy`` pointing down, shape (n, 2), rounded to 6 decimals."""
    d = np.diff(pen_positions(word, n + 1), axis=0)
    d[:, 1] *= -1.0
    return np.round(d, 6)  # what the text file holds (6 decimals), so that file and function agree


def targets(velocities: np.ndarray, steps_per_point: int = STEPS_PER_POINT) -> np.ndarray:
    """The two readout targets (T, 2), T = len(velocities) * steps_per_point: the pen position (the
    cumulative sum of the steps), each coordinate divided by its largest absolute value, then shifted
    to mean 0, and interpolated linearly between data points (held after the last one)."""
    t_eval = np.arange(len(velocities) * steps_per_point) / steps_per_point
    cols = []
    for c in np.cumsum(velocities, axis=0).T:
        c = c / np.max(np.abs(c))
        c = c - np.mean(c)
        cols.append(np.interp(t_eval, np.arange(len(velocities)), c))
    return np.stack(cols, axis=1)


def write(path, word: str = "spike") -> None:
    """Write the pen steps as a two-column text file (one ``dx dy`` row per data point)."""
    np.savetxt(path, pen_velocities(word), fmt="%.6f")
