"""Smoke test of museum.stdp_digits: data, one training digit, batched responses, labelling maths."""

import numpy as np

from museum import _common as mc
from museum.stdp_digits import __main__ as ex


def test_data_split_and_scale():
    x_train, y_train, x_test, y_test = ex.load_data(0)
    assert x_train.shape == (1797 - ex.N_TEST, 64) and x_test.shape == (ex.N_TEST, 64)
    assert 0.0 <= x_train.min() and x_train.max() <= 1.0
    assert set(np.unique(y_test)) == set(range(10))


def test_normalise_and_labelling():
    w = ex.normalise(np.random.default_rng(0).random((64, 5)))
    np.testing.assert_allclose(w.sum(0), ex.W_SUM, rtol=1e-6)
    resp = np.array([[5.0, 0.0, 1.0], [0.0, 4.0, 0.0], [4.0, 1.0, 0.0], [0.0, 0.0, 3.0]])
    labels = np.array([0, 1, 0, 2])
    neuron_labels = ex.assign_labels(resp, labels, n_classes=3)
    assert neuron_labels.tolist() == [0, 1, 2]
    assert ex.classify(resp, neuron_labels, n_classes=3).tolist() == [0, 1, 0, 2]


def test_train_one_digit_and_batched_responses(monkeypatch, tmp_path):
    monkeypatch.setattr(ex, "T_PRESENT", 60)  # a short presentation: this is a smoke test
    args = mc.parse_args(ex.NAME, argv=["--out", str(tmp_path)])
    x_train, _, _, _ = ex.load_data(0)
    ctx = mc.load_exhibit_model(ex.__file__, args=args)
    w0 = np.asarray(ctx.get("W.weights"))
    counts = ex.train(ctx, x_train[:1], epochs=1)
    w = np.asarray(ctx.get("W.weights"))
    theta = np.asarray(ctx.get("z.thr_theta"))
    assert counts.shape == (1,) and w.shape == (64, 100) and theta.shape == (1, 100)
    assert np.all(np.isfinite(w)) and w.min() >= 0.0
    np.testing.assert_allclose(w.sum(0), ex.W_SUM, rtol=1e-4)
    assert counts[0] > 0 and not np.allclose(w, ex.normalise(w0))  # it fired and STDP moved the weights
    resp = ex.responses(args, w, theta[0], x_train[:3], batch=4, t_present=60)
    assert resp.shape == (3, 100) and np.all(np.isfinite(resp)) and resp.min() >= 0


def test_labelling_skips_classes_without_examples():
    # classes 1 and 3 have no example: no "mean of empty slice", and no neuron is labelled with them
    resp = np.array([[0.0, 0.0, 2.0], [0.0, 3.0, 1.0], [0.0, 0.0, 0.0]])
    labels = np.array([0, 2, 4])
    neuron_labels = ex.assign_labels(resp, labels, n_classes=5)  # pytest turns a RuntimeWarning into an error
    assert neuron_labels.tolist() == [0, 2, 0]  # a silent neuron falls to the first present class


def test_quick_subset_has_every_class():
    _, y_train, _, _ = ex.load_data(0)
    keep = ex.per_class(y_train, ex.QUICK_PER_CLASS)
    assert len(keep) == 10 * ex.QUICK_PER_CLASS and np.all(np.diff(keep) > 0)
    assert np.bincount(y_train[keep], minlength=10).tolist() == [ex.QUICK_PER_CLASS] * 10
