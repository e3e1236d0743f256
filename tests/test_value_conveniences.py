"""Value conveniences a PyTorch user reaches for (item, detach, format) and the error for a batch."""

from __future__ import annotations

import numpy as np
import pytest

import nn
from autograd import Value


def test_item_is_the_float() -> None:
    v = Value(2.5) * 2.0
    assert v.item() == 5.0 and type(v.item()) is float


def test_detach_is_a_new_leaf_with_the_same_number_and_stops_gradients() -> None:
    x = Value(3.0)
    y = x * x
    d = y.detach()
    assert d is not y and d.is_leaf and d.data == 9.0 and d.grad == 0.0
    z = d * x  # d/dx (9 x) = 9: nothing flows through the detached x * x
    z.backward()
    assert x.grad == 9.0 and d.grad == 3.0


@pytest.mark.parametrize(
    "spec, expected",
    [(".3f", "3.142"), (".2e", "3.14e+00"), ("8.2f", "    3.14"), ("g", "3.14159")],
)
def test_format_spec_applies_to_the_number(spec: str, expected: str) -> None:
    v = Value(3.14159)
    assert format(v, spec) == expected
    assert f"{v:{spec}}" == expected


def test_empty_format_spec_and_repr_are_unchanged() -> None:
    v = Value(1.5, label="w")
    assert f"{v}" == str(v) == repr(v) == "Value(data=1.5, grad=0.0, label='w')"


def test_a_bad_format_spec_is_an_error() -> None:
    with pytest.raises(ValueError):
        format(Value(1.0), "d")  # as format(1.0, "d")


@pytest.mark.parametrize(
    "batch",
    [[[2, 3, -1], [1, 1, 1]], [[2, 3, -1]] * 3, np.array([[2.0, 3.0, -1.0], [1.0, 1.0, 1.0]])],
    ids=["2 rows", "3 rows (as many as inputs)", "2-D array"],
)
def test_calling_a_model_on_a_batch_says_it_takes_one_sample(batch) -> None:
    model = nn.MLP(3, [4, 1], seed=0)
    with pytest.raises(ValueError, match=r"takes one sample .* nn\.predict\(model, rows\)"):
        model(batch)
    # what the message suggests works
    assert len(nn.predict(model, batch)) == len(batch)
