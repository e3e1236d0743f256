"""Module.state_dict / load_state_dict: a module's numbers by name, kept and set again, as a
PyTorch user checkpoints a model of their own (save_model takes only an MLP)."""

from __future__ import annotations

import json
import math
import pickle
import types

import numpy as np
import pytest

import autograd
import nn
from autograd import Value


class Scaled(nn.Module):
    """A module of a user's own: an MLP and a scale held directly."""

    def __init__(self, seed: int) -> None:
        self.body = nn.MLP(2, [3, 1], activation="tanh", seed=seed)
        self.scale = Value(1.5 + seed)

    def __call__(self, x):  # type: ignore[no-untyped-def]
        return self.body(x) * self.scale


def numbers(module: nn.Module) -> list[float]:
    return [p.data for p in module.parameters()]


def test_state_dict_names_every_parameter_by_its_attribute_path() -> None:
    model = Scaled(0)
    state = model.state_dict()
    assert list(state) == [name for name, _ in model.named_parameters()]
    assert list(state)[:3] == ["body.L0.N0.w0", "body.L0.N0.w1", "body.L0.N0.b"]
    assert list(state)[-1] == "scale"
    assert list(state.values()) == numbers(model)
    assert all(type(x) is float for x in state.values())


def test_a_state_kept_as_json_or_pickle_makes_another_module_compute_the_same() -> None:
    source = Scaled(0)
    for keep in (lambda s: json.loads(json.dumps(s)), lambda s: pickle.loads(pickle.dumps(s))):
        target = Scaled(1)
        assert numbers(target) != numbers(source)
        assert target.load_state_dict(keep(source.state_dict())) == ([], [])
        assert numbers(target) == numbers(source)
        x = [0.3, -1.2]
        assert target(x).data == source(x).data


def test_the_state_is_a_snapshot() -> None:
    model = Scaled(0)
    state = model.state_dict()
    before = state["scale"]
    model.scale.data += 1.0
    assert state["scale"] == before


def test_numpy_numbers_are_taken_and_an_mlp_works_the_same_way() -> None:
    source, target = nn.MLP(3, [4, 2], seed=0), nn.MLP(3, [4, 2], seed=7)
    state = {name: np.float64(x) for name, x in source.state_dict().items()}
    target.load_state_dict(state)
    for (W, b), (W2, b2) in zip(source.to_numpy(), target.to_numpy()):
        np.testing.assert_array_equal(W, W2)
        np.testing.assert_array_equal(b, b2)


@pytest.mark.parametrize(
    ("change", "error", "message"),
    [
        (lambda s: {**s, "extra": 1.0}, ValueError, "unexpected 'extra'"),
        (lambda s: {k: v for k, v in s.items() if k != "scale"}, ValueError, "missing 'scale'"),
        (lambda s: {**s, "scale": math.nan}, ValueError, "'scale' is nan, not finite"),
        (lambda s: {**s, "scale": math.inf}, ValueError, "'scale' is inf, not finite"),
        (lambda s: {**s, "scale": "2.0"}, TypeError, "'scale' is '2.0', not a real number"),
        (lambda s: {**s, "scale": True}, TypeError, "'scale' is True, not a real number"),
        (lambda s: {**s, "scale": np.complex128(2)}, TypeError, "'scale' is .*, not a real"),
        (lambda s: {**s, "scale": 2j}, TypeError, "'scale' is 2j, not a real number"),
        (lambda s: {**s, "scale": np.ones(2)}, TypeError, "'scale' is a ndarray, not a number"),
        (lambda s: list(s.values()), TypeError, "takes a mapping of names to numbers, not list"),
    ],
)
def test_a_bad_state_is_refused_by_name_and_changes_nothing(change, error, message) -> None:  # type: ignore[no-untyped-def]
    model = Scaled(1)
    before = numbers(model)
    # every other number is new, so a load that changed some before refusing would show
    state = change({name: x + 1.0 for name, x in Scaled(0).state_dict().items()})
    with pytest.raises(error, match=message.replace("(", r"\(")):
        model.load_state_dict(state)
    assert numbers(model) == before


def test_many_mismatched_names_are_counted_not_all_listed() -> None:
    model = nn.MLP(4, [8], seed=0)
    with pytest.raises(ValueError, match=r"missing 'L0.N0.w0', .* and 35 more"):
        model.load_state_dict({})


def test_without_strict_the_shared_names_load_and_the_rest_are_returned() -> None:
    model = Scaled(1)
    body_before = numbers(model.body)
    result = model.load_state_dict({"scale": 4.0, "other": 1.0}, strict=False)
    assert model.scale.data == 4.0
    assert numbers(model.body) == body_before
    assert result.unexpected_keys == ["other"]
    assert result.missing_keys == [f"body.{name}" for name, _ in model.body.named_parameters()]
    assert len(result.missing_keys) == 13


def test_parameters_named_alike_are_refused_rather_than_one_lost() -> None:
    class Twins(nn.Module):
        """Parameters held where no attribute path reaches them: named by their labels."""

        def __init__(self) -> None:
            self.kept = types.SimpleNamespace(pair=[Value(1.0, label="w"), Value(2.0, label="w")])

        def parameters(self) -> list[Value]:
            return list(self.kept.pair)

    twins = Twins()
    with pytest.raises(ValueError, match="state_dict: two parameters are both named 'w'"):
        twins.state_dict()
    with pytest.raises(ValueError, match="load_state_dict: two parameters are both named 'w'"):
        twins.load_state_dict({"w": 5.0})
    assert [p.data for p in twins.parameters()] == [1.0, 2.0]


def test_loading_reaches_a_compiled_tape_that_holds_the_parameters() -> None:
    source, model = nn.MLP(2, [3, 1], seed=0), nn.MLP(2, [3, 1], seed=5)
    tape = autograd.trace(lambda a, b: model([a, b]), 2)
    X = np.array([[0.5, -1.0], [2.0, 0.25]])
    tape.forward(X)  # the tape now keeps the parameters in its arrays
    model.load_state_dict(source.state_dict())
    expected = [source(row).data for row in X.tolist()]
    np.testing.assert_allclose(tape.forward(X), expected, rtol=1e-15, atol=0)
    assert model.state_dict() == source.state_dict()


def test_save_model_of_another_module_points_to_state_dict() -> None:
    with pytest.raises(TypeError, match=r"can only save an MLP, not Scaled: .*state_dict\(\)"):
        nn.save_model(Scaled(0), "unused.json")
