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
