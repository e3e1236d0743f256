"""Optimizer state: state_dict laid out as torch's, saved beside the model and resumed bit for bit;
parameter groups and their checks."""

import copy
import json
import math
import os
import pickle

import numpy as np
import pytest
from reference import requires_torch, torch

import autograd
from autograd import Value
from nn import (
    MLP,
    SGD,
    Adagrad,
    Adam,
    AdamW,
    OptimizerFileError,
    RMSprop,
    StepLR,
    load_model,
    load_optimizer,
    make_moons,
    mse_loss,
    save_model,
    save_optimizer,
    train,
)

OPTIMIZERS = {
    "sgd": lambda p: SGD(p, lr=0.1, momentum=0.9, nesterov=True, weight_decay=1e-3),
    "sgd-groups": lambda p: SGD(
        [{"params": p[:-3], "weight_decay": 1e-2}, {"params": p[-3:], "lr": 0.05}],
        lr=0.1,
        momentum=0.5,
    ),
    "adam": lambda p: Adam(p, lr=0.02, amsgrad=True, weight_decay=1e-3),
    "adamw": lambda p: AdamW(p, lr=0.02),
    "rmsprop": lambda p: RMSprop(p, lr=0.005, momentum=0.5, centered=True),
    "adagrad": lambda p: Adagrad(p, lr=0.1, lr_decay=0.01, initial_accumulator_value=0.1),
}


def bits(model):
    return [float.hex(p.data) for p in model.parameters()]


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_training_resumed_from_files_equals_an_uninterrupted_run_bit_for_bit(name, tmp_path):
    X, y = make_moons(40, noise=0.1, seed=0)
    y = 2 * y - 1
    make_optimizer = OPTIMIZERS[name]
    settings = dict(loss="hinge", batch_size=None, engine="eager")

    uninterrupted = MLP(2, [6, 1], seed=3)
    train(
        uninterrupted,
        X,
        y,
        optimizer=make_optimizer(uninterrupted.parameters()),
        epochs=9,
        **settings,
    )

    first = MLP(2, [6, 1], seed=3)
    train(
        first,
        X,
        y,
        optimizer=(optimizer := make_optimizer(first.parameters())),
        epochs=4,
        **settings,
    )
    save_model(first, tmp_path / "model.json")
    save_optimizer(optimizer, tmp_path / "optimizer.json")

    resumed = load_model(tmp_path / "model.json")
    fresh = make_optimizer(resumed.parameters())
    load_optimizer(fresh, tmp_path / "optimizer.json")
    assert fresh.state_dict() == optimizer.state_dict()
    train(resumed, X, y, optimizer=fresh, epochs=5, **settings)
    assert bits(resumed) == bits(uninterrupted)


def test_a_fresh_optimizer_differs_from_a_resumed_one():
    # The resume test can fail: without the saved state the run ends elsewhere.
    X, y = make_moons(40, noise=0.1, seed=0)
    models = [MLP(2, [6, 1], seed=3) for _ in range(2)]
    optimizer = Adam(models[0].parameters(), lr=0.02)
    train(models[0], X, y, optimizer=optimizer, epochs=2, batch_size=None)
    for p, q in zip(models[0].parameters(), models[1].parameters()):
        q.data = p.data
    train(models[0], X, y, optimizer=optimizer, epochs=2, batch_size=None)
    train(
        models[1], X, y, optimizer=Adam(models[1].parameters(), lr=0.02), epochs=2, batch_size=None
    )
    assert bits(models[0]) != bits(models[1])


@requires_torch
@pytest.mark.parametrize(
    "ours, theirs, settings",
    [
        (SGD, "SGD", dict(lr=0.1, momentum=0.9, dampening=0.1)),
        (Adam, "Adam", dict(lr=0.01, amsgrad=True)),
        (AdamW, "AdamW", dict(lr=0.01)),
        (RMSprop, "RMSprop", dict(lr=0.01, momentum=0.5, centered=True)),
        (Adagrad, "Adagrad", dict(lr=0.1)),
    ],
)
def test_state_dict_has_torchs_names_and_numbers(ours, theirs, settings):
    grads = [[0.5, -1.0, 2.0], [0.25, 0.0, -3.0], [1.0, 1.0, 1.0]]
    params = [Value(x) for x in (0.1, -0.2, 0.3)]
    tensors = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in (0.1, -0.2, 0.3)]
    optimizer = ours(params, **settings)
    reference = getattr(torch.optim, theirs)(tensors, **settings)
    for step in grads:
        for p, t, g in zip(params, tensors, step):
            p.grad, t.grad = g, torch.tensor(g, dtype=torch.float64)
        optimizer.step()
        reference.step()
    mine, expected = optimizer.state_dict(), reference.state_dict()
    assert set(mine["state"]) == set(expected["state"]) == {0, 1, 2}
    for position, entry in mine["state"].items():
        theirs_entry = {name: float(value) for name, value in expected["state"][position].items()}
        assert set(entry) == set(theirs_entry)
        assert entry == pytest.approx(theirs_entry, rel=1e-15, abs=1e-15)
    (group,), (torch_group,) = mine["param_groups"], expected["param_groups"]
    assert group == {name: torch_group[name] for name in group}


def test_load_state_dict_refuses_a_mismatch_and_changes_nothing():
    params = [Value(1.0), Value(2.0)]
    optimizer = Adam(params, lr=0.1)
    params[0].grad = params[1].grad = 1.0
    optimizer.step()
    before = optimizer.state_dict()
    bigger = Adam([Value(1.0), Value(2.0), Value(3.0)], lr=0.5)
    with pytest.raises(ValueError, match=r"param_groups\[0\] should hold parameters 0 to 2"):
        bigger.load_state_dict(before)
    broken = optimizer.state_dict()
    broken["param_groups"][0]["lr"] = 0.5
    broken["state"][1]["exp_avg_sq"] = "big"
    with pytest.raises(ValueError, match="exp_avg_sq should be a number, not 'big'"):
        optimizer.load_state_dict(broken)
    assert optimizer.state_dict() == before  # the lr was not taken either
    del broken["state"][1]
    with pytest.raises(ValueError, match="state for some parameters but not for parameter 1"):
        optimizer.load_state_dict(broken)
    with pytest.raises(ValueError, match="should hold .*'max_exp_avg_sq'"):
        Adam(params, amsgrad=True).load_state_dict(
            {**before, "param_groups": [{**before["param_groups"][0], "amsgrad": True}]}
        )


def write(path, text):
    path.write_text(text, encoding="utf-8")
    return path


def saved_state(tmp_path):
    params = [Value(1.0), Value(-1.0)]
    optimizer = SGD(params, lr=0.1, momentum=0.9)
    params[0].grad, params[1].grad = 0.5, -0.25
    optimizer.step()
    save_optimizer(optimizer, tmp_path / "opt.json")
    return json.loads((tmp_path / "opt.json").read_text())


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda d: {**d, "format": "valuegrad-mlp"}, "not a valuegrad optimizer file"),
        (lambda d: {**d, "version": 2}, "unknown format version 2"),
        (lambda d: {**d, "optimizer": "Adam"}, "holds the state of 'Adam', not of 'SGD'"),
        (
            lambda d: {**d, "state_dict": {"state": {"x": {}}, "param_groups": []}},
            "'x' is not a parameter position",
        ),
        (
            lambda d: {**d, "state_dict": {"state": {"01": {}}, "param_groups": []}},
            "'01' is not a parameter position",
        ),
        (
            lambda d: {**d, "state_dict": {**d["state_dict"], "state": {"5": {}}}},
            "does not fit this optimizer: state for parameter 5, but the optimizer has parameters 0 to 1",
        ),
    ],
)
def test_a_bad_optimizer_file_is_refused_naming_the_file(tmp_path, change, message):
    document = change(saved_state(tmp_path))
    path = write(tmp_path / "bad.json", json.dumps(document))
    optimizer = SGD([Value(1.0), Value(-1.0)], lr=0.1, momentum=0.9)
    with pytest.raises(
        OptimizerFileError, match=str(path) + ": .*" + message.replace("(", r"\(")
    ) as error:
        load_optimizer(optimizer, path)
    assert "\n" not in str(error.value)
    assert optimizer.state_dict()["state"] == {}


@pytest.mark.parametrize(
    "text, message",
    [
        ("", "not valid JSON"),
        ('{"format": NaN}', "NaN is not allowed in an optimizer file"),
        ("\xff", None),
    ],
)
def test_a_file_that_is_not_json_is_refused(tmp_path, text, message):
    path = tmp_path / "opt.json"
    if message is None:
        path.write_bytes(b"\xff\xfe")
        message = "not a text"
    else:
        write(path, text)
    with pytest.raises(OptimizerFileError, match=message):
        load_optimizer(SGD([Value(1.0)], lr=0.1), path)
    with pytest.raises(OptimizerFileError, match="no such file"):
        load_optimizer(SGD([Value(1.0)], lr=0.1), tmp_path / "missing.json")
    with pytest.raises(OptimizerFileError, match="is a directory"):
        load_optimizer(SGD([Value(1.0)], lr=0.1), tmp_path)


def test_a_non_finite_state_is_not_saved_and_the_old_file_stays(tmp_path):
    params = [Value(1.0)]
    optimizer = Adam(params)
    params[0].grad = 1.0
    optimizer.step()
    path = tmp_path / "opt.json"
    save_optimizer(optimizer, path)
    before = path.read_bytes()
    params[0].grad = math.inf
    optimizer.step()
    with pytest.raises(
        ValueError, match="cannot save the optimizer: exp_avg of parameter 0 is inf"
    ):
        save_optimizer(optimizer, path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["opt.json"]


def test_parameter_groups_have_their_own_settings_and_checks():
    w, b = [Value(1.0), Value(2.0)], [Value(3.0)]
    optimizer = SGD([{"params": w, "weight_decay": 1e-4}, {"params": b, "weight_decay": 0}], lr=0.1)
    assert [g["weight_decay"] for g in optimizer.param_groups] == [1e-4, 0.0]
    assert [g["lr"] for g in optimizer.param_groups] == [0.1, 0.1]
    optimizer.param_groups[1]["lr"] = 0.5
    for p in w + b:
        p.grad = 1.0
    optimizer.step()
    assert [p.data for p in w + b] == [
        1.0 - 0.1 * (1.0 + 1e-4 * 1.0),
        2.0 - 0.1 * (1.0 + 1e-4 * 2.0),
        3.0 - 0.5,
    ]
    snapshot = copy.deepcopy(optimizer.param_groups)
    assert snapshot[1]["lr"] == 0.5 and snapshot[1]["params"][0] is not b[0]
    with pytest.raises(ValueError, match="different learning rates"):
        _ = optimizer.lr
    optimizer.lr = 0.2
    assert [g["lr"] for g in optimizer.param_groups] == [0.2, 0.2]
    with pytest.raises(
        ValueError, match=r"param_groups\[1\]: learning rate must be a finite number >= 0, not nan"
    ):
        optimizer.param_groups[1]["lr"] = math.nan
    with pytest.raises(KeyError, match="'betas' is not a setting of this optimizer"):
        optimizer.param_groups[0]["betas"] = (0.9, 0.99)
    with pytest.raises(
        ValueError, match=r"param_groups\[1\]: parameter 0 is already in param_groups\[0\]"
    ):
        SGD([{"params": w}, {"params": [w[1]]}], lr=0.1)
    with pytest.raises(ValueError, match=r"param_groups\[0\]: weight_decay must lie in \[0, inf\)"):
        SGD([{"params": w, "weight_decay": -1.0}], lr=0.1)
    with pytest.raises(ValueError, match="Nesterov momentum needs momentum > 0 and dampening 0"):
        SGD(w, lr=0.1, nesterov=True)
    with pytest.raises(TypeError, match=r"param_groups\[1\] is list; give either Values or dicts"):
        SGD([{"params": w}, b], lr=0.1)


@pytest.mark.parametrize(
    "make, name",
    [
        (lambda ps: Adam(ps, lr=0.01), "exp_avg_sq"),
        (lambda ps: Adam(ps, lr=0.01, amsgrad=True), "max_exp_avg_sq"),
        (lambda ps: RMSprop(ps, lr=0.01), "square_avg"),
        (lambda ps: Adagrad(ps, lr=0.01), "sum"),
    ],
)
def test_a_negative_sum_of_squares_in_a_saved_state_is_refused(tmp_path, make, name):
    # An adversarial trial: exp_avg_sq = -1 loaded fine, and the next step made the weight NaN
    params = [Value(1.0)]
    optimizer = make(params)
    params[0].grad = 0.5
    optimizer.step()
    save_optimizer(optimizer, tmp_path / "opt.json")
    document = json.loads((tmp_path / "opt.json").read_text())
    document["state_dict"]["state"]["0"][name] = -1.0
    path = write(tmp_path / "bad.json", json.dumps(document))
    fresh = make([Value(1.0)])
    with pytest.raises(
        OptimizerFileError, match=f"{name} is a sum of squares, so it should be >= 0"
    ):
        load_optimizer(fresh, path)


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_a_state_dict_kept_as_json_text_loads_as_it_was(name):
    # JSON writes the int parameter positions as text ("0", "1", ...); they are read back as ints
    X, y = make_moons(30, noise=0.1, seed=1)
    model = MLP(2, [4, 1], seed=0)
    optimizer = OPTIMIZERS[name](model.parameters())
    train(model, X, 2 * y - 1, loss="hinge", optimizer=optimizer, epochs=2, batch_size=None)
    saved = optimizer.state_dict()
    assert saved["state"] and all(type(key) is int for key in saved["state"])
    fresh = OPTIMIZERS[name](model.parameters())
    fresh.load_state_dict(json.loads(json.dumps(saved)))
    assert fresh.state_dict() == saved


def test_a_position_given_both_as_number_and_as_text_is_refused():
    model = MLP(2, [2, 1], seed=0)
    optimizer = Adam(model.parameters(), lr=0.01)
    (model([1.0, 2.0]) ** 2).backward()
    optimizer.step()
    saved = json.loads(json.dumps(optimizer.state_dict()))
    saved["state"][0] = saved["state"]["0"]
    with pytest.raises(ValueError, match="names a parameter position twice"):
        Adam(model.parameters(), lr=0.01).load_state_dict(saved)
    del saved["state"][0]
    saved["state"]["00"] = saved["state"].pop("0")  # not how JSON writes position 0
    with pytest.raises(ValueError, match="'00'"):
        Adam(model.parameters(), lr=0.01).load_state_dict(saved)


@pytest.mark.parametrize("make", [SGD, Adam])
def test_an_optimizer_used_with_a_tape_pickles_and_its_copy_updates_its_own_parameters(make):
    # its array cache held the tape's stored-parameter class, which pickle refused
    model = MLP(2, [3, 1], seed=0)
    optimizer = make(model.parameters(), lr=0.1)
    tape = autograd.trace(lambda a, b, t: mse_loss(model([a, b]), [t]), 3)
    batch = np.array([[0.5, -1.0, 2.0], [1.5, 0.25, -1.0]])
    optimizer.zero_grad()
    tape.backward(batch)
    optimizer.step()
    tape.release()
    model_copy, optimizer_copy = pickle.loads(pickle.dumps((model, optimizer)))
    # the same next step on both: the original and the copy must stay equal
    for m, o in ((model, optimizer), (model_copy, optimizer_copy)):
        o.zero_grad()
        m([0.5, -1.0]).backward()
        o.step()
    assert [p.data for p in model_copy.parameters()] == [p.data for p in model.parameters()]
    assert optimizer_copy.param_groups[0]["params"][0] is model_copy.parameters()[0]
    with pytest.raises(ValueError, match="already in param_groups"):
        optimizer_copy.add_param_group({"params": model_copy.parameters()[:1]})


@pytest.mark.parametrize("copy_of", [copy.deepcopy, lambda o: pickle.loads(pickle.dumps(o))])
def test_a_copied_optimizers_groups_still_check_their_settings(copy_of):
    # a copied group used to be a plain dict: lr=-1 and a misspelt setting went in unchecked
    model = MLP(2, [3, 1], seed=0)
    weights, biases = model.weights(), [p for p in model.parameters() if p.label.endswith(".b")]
    copied = copy_of(Adam([{"params": weights}, {"params": biases, "lr": 0.5}], lr=0.01))
    with pytest.raises(ValueError, match=r"param_groups\[1\]: learning rate must be"):
        copied.param_groups[1]["lr"] = -1.0
    with pytest.raises(KeyError, match="'lrr' is not a setting"):
        copied.param_groups[0]["lrr"] = 3
    assert [g["lr"] for g in copied.param_groups] == [0.01, 0.5]
    schedule = copy_of(StepLR(Adam(model.parameters(), lr=0.1), step_size=1, gamma=0.5))
    schedule.optimizer.step()
    schedule.step()  # the copy's schedule sets its own optimizer's (checked) group
    assert schedule.optimizer.param_groups[0]["lr"] == 0.05


def test_a_parameter_computed_from_others_is_refused():
    # as PyTorch refuses a non-leaf tensor: updating its number would not change its inputs
    w = Value(1.0)
    with pytest.raises(ValueError, match="parameter 1 is computed from other Values"):
        SGD([w, w * 2.0], lr=0.1)
    SGD([w, Value(2.0)], lr=0.1)  # leaves are fine


@pytest.mark.parametrize(
    "make", [lambda ps: Adam(ps, lr=0.1), lambda ps: SGD(ps, lr=0.1, momentum=0.9)]
)
def test_a_groups_params_cannot_be_swapped_or_removed_in_place(make):
    # a PyTorch user swapped a for c in param_groups[0]["params"] after a step: a took a
    # second step and c never moved (PyTorch: a 0.9, c 2.9); a pop crashed inside numpy
    a, b, c = Value(1.0), Value(2.0), Value(3.0)
    optimizer = make([a, b])
    a.grad = b.grad = 1.0
    optimizer.step()
    params = optimizer.param_groups[0]["params"]
    with pytest.raises(TypeError):
        params[0] = c  # type: ignore[index]
    with pytest.raises(AttributeError):
        params.pop(0)  # type: ignore[attr-defined]
    with pytest.raises(
        TypeError, match="params are fixed once the optimizer has them.*add_param_group"
    ):
        optimizer.param_groups[0]["params"] = [c, b]
    optimizer.add_param_group({"params": [c]})  # the way to add one
    a.grad = b.grad = c.grad = 1.0
    before = (a.data, b.data)
    optimizer.step()
    assert c.data < 3.0 and a.data < before[0] and b.data < before[1]
