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
        ValueError, match="prediction 0 is 0.9, not a whole number, but the labels are whole"
    ):
        accuracy([0.9, 0.2], [1, 0])
    assert accuracy([1.0, 0.0], [1, 0]) == 1.0  # whole numbers as floats are classes
    # rows of probabilities (predict_proba) against classes or one-hot rows: the same mistake
    for labels in ([1, 0], [[0, 1], [1, 0]]):
        with pytest.raises(ValueError, match=r"prediction 0 is \(0.2, 0.8\), not a whole number"):
            accuracy(np.array([[0.2, 0.8], [0.9, 0.1]]), labels)
    assert accuracy([0.3], [float("nan")]) == 0.0  # a NaN label is no whole number: no claim


def test_metrics_read_pandas_objects_as_their_arrays_and_refuse_text_or_none():
    pd = pytest.importorskip("pandas")
    # iterating a DataFrame gives its column names: two one-hot frames, every row wrong, gave 1.0
    ours = pd.DataFrame({"a": [1, 0, 0], "b": [0, 1, 1]})
    theirs = pd.DataFrame({"a": [0, 1, 1], "b": [1, 0, 0]})
    assert accuracy(ours, theirs) == 0.0 and accuracy(pd.DataFrame({"a": [1, 0]}), [1, 0]) == 1.0
    assert mean_squared_error(ours, theirs) == 1.0
    assert accuracy(pd.Series(["x", "y"]), ["x", "x"]) == 0.5
    with pytest.raises(TypeError, match="must be numbers.*not text or None"):
        mean_squared_error(["1", "2"], [1, 2])  # numpy would read the text as numbers
    with pytest.raises(TypeError, match="must be numbers.*not text or None"):
        mean_squared_error([None], [1.0])
    with pytest.raises(ValueError, match="mean_squared_error of no samples"):
        mean_squared_error([], [])
    assert mean_squared_error((x for x in [1.0, 2.0]), [1.0, 3.0]) == 0.5


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
