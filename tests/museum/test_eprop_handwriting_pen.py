"""The generated pen trajectory of museum/eprop_handwriting: deterministic, the expected shape, smooth,
and a word rather than a scribble."""

from __future__ import annotations

import numpy as np

from museum.eprop_handwriting import pen


def test_deterministic_and_shaped(tmp_path):
    v = pen.pen_velocities()
    assert v.shape == (pen.N_POINTS, 2) and np.all(np.isfinite(v))
    assert np.array_equal(v, pen.pen_velocities())
    pen.write(tmp_path / "a.txt")
    pen.write(tmp_path / "b.txt")
    assert (tmp_path / "a.txt").read_bytes() == (tmp_path / "b.txt").read_bytes()
    assert np.allclose(np.loadtxt(tmp_path / "a.txt"), v, atol=1e-6)
    y = pen.targets(v)
    assert y.shape == (pen.N_POINTS * pen.STEPS_PER_POINT, 2)
    assert np.allclose(y.mean(axis=0), 0.0, atol=0.02)      # shifted to mean 0 (before interpolation)
    assert np.all(np.abs(y) <= 2.0)


def test_smooth_constant_speed():
    v = pen.pen_velocities()
    speed = np.hypot(v[:, 0], v[:, 1])
    step = np.median(speed)
    assert np.all(speed <= 1.02 * step)                     # equal arc length per data point (chords at turns
    assert np.mean(np.abs(speed - step) < 0.02 * step) > 0.9  # are shorter)
    cos = np.sum(v[1:] * v[:-1], axis=1) / (speed[1:] * speed[:-1])
    assert np.mean(cos > np.cos(np.radians(45))) > 0.9      # mostly gentle turns from step to step
    assert np.sum(cos < 0) <= 8                             # sharp reversals only at the few cusps (p, i, k)
    assert np.max(np.linalg.norm(np.diff(v, axis=0), axis=1)) < 2.0 * step   # the velocity never jumps


def test_draws_a_word():
    p = pen.pen_positions()
    width, height = np.ptp(p[:, 0]), np.ptp(p[:, 1])
    assert 3.5 < width < 4.5 and 2.5 < height < 3.5           # five letters wide, descender to ascender
    assert np.all(np.diff(p[::20, 0]) > -0.6)                 # written left to right (small back-strokes)
    y_up = p[:, 1]
    assert np.sum(np.diff(np.sign(np.diff(y_up))) != 0) >= 12  # many up and down strokes
    assert y_up.min() < -0.9 and y_up.max() > 1.9              # the p's descender and the k's ascender
    v = pen.pen_velocities()
    assert np.sum(v[:, 0] < 0) > 20 and np.sum(v[:, 0] > 0) > 100   # loops go back, the word goes forward
