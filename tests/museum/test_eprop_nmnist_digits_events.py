"""The saccade event encoder of the e-prop N-MNIST stand-in (museum/eprop_nmnist_digits/events.py):
events only where edges move, none for a blank image, ON where brightness arrives and OFF where it
leaves, the path as described, and the same events for the same seed."""

from __future__ import annotations

import numpy as np

from museum.eprop_nmnist_digits.events import TRIANGLE, encode, load_digits_events, saccade_path, shift


def test_path_is_a_closed_triangle():
    path = saccade_path(4, amplitude=2.0)
    assert path.shape == (13, 2)
    np.testing.assert_allclose(path[[0, 4, 8, 12]], np.asarray(TRIANGLE) * 2.0)
    np.testing.assert_allclose(path[2], [1.0, 0.5])  # halfway along the first side, at constant speed


def test_shift_whole_and_half_pixels():
    img = np.zeros((5, 5))
    img[2, 2] = 1.0
    np.testing.assert_allclose(shift(img, 1.0, 0.0)[3, 2], 1.0)
    np.testing.assert_allclose(shift(img, 0.0, -1.0)[2, 1], 1.0)
    half = shift(img, 0.0, 0.5)
    np.testing.assert_allclose(half[2, 2:4], [0.5, 0.5])
    assert np.isclose(half.sum(), 1.0)
    np.testing.assert_allclose(shift(img, 0.0, 0.0), img)


def test_blank_and_uniform_images_make_no_events():
    assert encode(np.zeros((8, 8)), 10).sum() == 0
    # a uniform image changes only where the shifted border lets zeros in: interior pixels stay silent
    ev = encode(np.ones((8, 8)), 10)
    interior = np.zeros((8, 8), bool)
    interior[1:-1, 1:-1] = True
    assert ev[0][:, np.concatenate([interior.ravel(), interior.ravel()])].sum() == 0


def test_events_where_an_edge_moves():
    img = np.zeros((8, 8))
    img[:, :4] = 1.0  # bright left half: a vertical edge between columns 3 and 4
    ev = encode(img, 10, amplitude=1.0, threshold=0.1)[0]
    T, n = ev.shape
    assert (T, n) == (30, 128)
    # away from the image's own border (where the shift lets darkness in), rows 2-6, columns 2-7
    off = ev[:, :64].reshape(T, 8, 8)[:, 2:7, 2:]
    on = ev[:, 64:].reshape(T, 8, 8)[:, 2:7, 2:]
    # the first two saccades move the image right: brightness arrives in column 4 (ON), none leaves
    assert on[:20, :, 4 - 2].sum() > 0 and off[:20].sum() == 0
    # only the columns next to the edge ever have events
    cols = np.nonzero((on + off).sum(axis=(0, 1)))[0] + 2
    assert set(cols) <= {3, 4, 5} and 4 in cols
    # the last saccade moves it back left: brightness leaves column 4 (OFF), none arrives
    assert off[20:, :, 4 - 2].sum() > 0 and on[20:].sum() == 0


def test_threshold_and_polarity_per_step():
    img = np.zeros((8, 8))
    img[:, :4] = 1.0
    few = encode(img, 10, threshold=0.45).sum()
    many = encode(img, 10, threshold=0.05).sum()
    assert 0 < few < many
    assert encode(img, 10, threshold=1.5).sum() == 0  # no change exceeds the largest possible


def test_deterministic_by_seed():
    img = np.random.default_rng(0).random((3, 8, 8))
    a = encode(img, 10, noise=0.01, seed=1)
    np.testing.assert_array_equal(a, encode(img, 10, noise=0.01, seed=1))
    assert not np.array_equal(a, encode(img, 10, noise=0.01, seed=2))
    np.testing.assert_array_equal(encode(img, 10), encode(img, 10, seed=5))  # no noise: the seed does not matter


def test_digits_events():
    ev, y, images = load_digits_events(steps_per_saccade=10)
    assert ev.shape == (1797, 30, 128) and ev.dtype == np.uint8 and y.shape == (1797,)
    assert images.max() == 1.0 and ev.sum(axis=(1, 2)).min() > 0
    # ON and OFF events balance over a closed path
    assert abs(int(ev[:, :, 64:].sum()) - int(ev[:, :, :64].sum())) < 0.05 * ev.sum()
