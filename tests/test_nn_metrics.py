"""Metrics on plain lists and on numpy arrays, against hand-counted values."""

import numpy as np
import pytest

from nn import accuracy, mean_squared_error, r2_score


def test_accuracy_counts_matches_in_lists_and_numpy_arrays():
    assert accuracy([1, 0, 1, 1], [1, 1, 1, 0]) == 0.5
    assert accuracy(np.array([True, False, True]), np.array([True, True, True])) == pytest.approx(
        2 / 3
    )


def test_accuracy_of_nothing_or_of_unequal_lengths_is_an_error():
    with pytest.raises(ValueError, match="no samples"):
        accuracy(np.array([]), np.array([]))
    with pytest.raises(ValueError, match="2 predictions but 3 labels"):
        accuracy([1, 0], [1, 0, 1])


def test_mse_and_r2_by_hand():
    # errors 1, -1, 0: MSE 2/3; targets 1, 2, 3 have variance sum 2, so R^2 = 1 - 2/2 = 0
    assert mean_squared_error([2.0, 1.0, 3.0], [1.0, 2.0, 3.0]) == pytest.approx(2 / 3)
    assert r2_score([2.0, 1.0, 3.0], [1.0, 2.0, 3.0]) == pytest.approx(0.0)


def test_mse_and_r2_take_numpy_arrays():
    predicted, actual = np.array([2.0, 1.0, 3.0]), np.array([1.0, 2.0, 3.0])
    assert mean_squared_error(predicted, actual) == pytest.approx(2 / 3)
    assert r2_score(predicted, actual) == pytest.approx(0.0)


def test_accuracy_compares_whole_rows_of_one_hot_arrays_as_of_lists():
    # a PyTorch user's one-hot arrays gave per-column agreement, [1. 0.6 0.6], where the same
    # rows as lists gave 0.6; an (n, 1) column gave an array
    predicted, actual = np.eye(3)[[0, 1, 2, 0, 1]], np.eye(3)[[0, 1, 1, 0, 2]]
    assert accuracy(predicted, actual) == 3 / 5 == accuracy(predicted.tolist(), actual.tolist())
    assert accuracy(np.array([[1], [0]]), np.array([1, 0])) == 1.0
    assert accuracy([[1], [0]], [1, 1]) == 0.5


def test_accuracy_of_probabilities_against_classes_is_an_error_not_zero():
    with pytest.raises(
        ValueError, match="prediction 0 is 0.9, a fraction, but the labels are whole"
    ):
        accuracy([0.9, 0.2], [1, 0])
    assert accuracy([1.0, 0.0], [1, 0]) == 1.0  # whole numbers as floats are classes


def test_mse_and_r2_of_several_outputs_average_the_outputs_as_scikit_learn_does():
    metrics = pytest.importorskip("sklearn.metrics")
    rng = np.random.default_rng(0)
    actual = rng.normal(size=(20, 3))
    predicted = actual + rng.normal(scale=[0.1, 0.5, 1.0], size=(20, 3))
    assert mean_squared_error(predicted, actual) == pytest.approx(
        metrics.mean_squared_error(actual, predicted), rel=1e-14
    )
    assert r2_score(predicted, actual) == pytest.approx(
        metrics.r2_score(actual, predicted), rel=1e-14
    )
    assert mean_squared_error(predicted.tolist(), actual.tolist()) == mean_squared_error(
        predicted, actual
    )
    column = predicted[:, :1]  # (n, 1), as predict gives for one output from an array
    assert r2_score(column, actual[:, 0]) == pytest.approx(
        metrics.r2_score(actual[:, 0], column[:, 0]), rel=1e-14
    )
    with pytest.raises(
        ValueError, match=r"predictions of shape \(20, 3\) and values of shape \(20, 2\)"
    ):
        mean_squared_error(predicted, actual[:, :2])
    with pytest.raises(TypeError, match="must be numbers"):
        r2_score([[1.0, 2.0], [3.0]], [1.0, 2.0])
