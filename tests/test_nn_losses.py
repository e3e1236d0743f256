"""Losses against PyTorch (value and gradient), their stability at extreme inputs, and L2 without biases."""

import math

import numpy as np
import pytest

from autograd import Value
from nn import (
    MLP,
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    hinge_loss,
    l2_penalty,
    log_softmax,
    mean_loss,
    mse_loss,
    softmax,
    softmax_cross_entropy,
    squared_error,
)

torch = pytest.importorskip(
    "torch",
    reason="PyTorch is not installed: these nn parity tests need it (CI installs torch==2.13.0)",
)
import torch.nn.functional as F  # noqa: E402 - only once torch is known to be there


def values(numbers):
    return [Value(x) for x in numbers]


def torch_leaves(numbers):
    return torch.tensor(numbers, dtype=torch.float64, requires_grad=True)


def check_against_torch(ours, inputs, theirs, rel=1e-12):
    """ours(list of Values) and theirs(tensor) must agree in value and gradient."""
    xs = values(inputs)
    loss = ours(xs)
    loss.backward()
    xt = torch_leaves(inputs)
    reference = theirs(xt)
    reference.backward()
    assert loss.data == pytest.approx(reference.item(), rel=rel, abs=1e-300)
    assert [x.grad for x in xs] == pytest.approx(xt.grad.tolist(), rel=rel, abs=1e-15)


def test_squared_error_with_and_without_the_half():
    check_against_torch(lambda p: squared_error(p, [0.01, 0.99]), [0.75, 0.77],
                        lambda p: ((p - torch.tensor([0.01, 0.99], dtype=torch.float64)) ** 2).sum())  # fmt: skip
    check_against_torch(lambda p: squared_error(p, [0.01, 0.99], half=True), [0.75, 0.77],
                        lambda p: 0.5 * ((p - torch.tensor([0.01, 0.99], dtype=torch.float64)) ** 2).sum())  # fmt: skip
    assert squared_error(Value(3.0), 1.0).data == 4.0


def test_mse_is_the_mean_over_outputs():
    target = [1.0, -2.0, 0.5]
    check_against_torch(lambda p: mse_loss(p, target), [0.3, 0.1, 2.0],
                        lambda p: F.mse_loss(p, torch.tensor(target, dtype=torch.float64)))  # fmt: skip


@pytest.mark.parametrize(
    "z, y", [(0.3, 1.0), (-2.0, 0.0), (5.0, 0.25), (-700.0, 1.0), (800.0, 0.0), (40.0, 1.0)]
)
def test_bce_from_logits_matches_torch_even_far_out(z, y):
    check_against_torch(lambda zs: binary_cross_entropy_with_logits(zs[0], y), [z],
                        lambda zt: F.binary_cross_entropy_with_logits(zt[0], torch.tensor(y, dtype=torch.float64)))  # fmt: skip


def test_bce_from_logits_at_huge_logits_is_finite_and_exact():
    # softplus(z) - y z: for z = -1000, y = 1 the loss is 1000 and its slope -1.
    z = Value(-1000.0)
    loss = binary_cross_entropy_with_logits(z, 1.0)
    loss.backward()
    assert loss.data == 1000.0 and z.grad == -1.0


def test_bce_from_a_sigmoid_probability_uses_its_logit():
    # sigmoid(-40) = 4.2e-18 and 1 - that rounds to 1: naive log(1 - p) loses everything.
    z = Value(40.0)
    loss = binary_cross_entropy(z.sigmoid(), 0.0)
    loss.backward()
    assert loss.data == pytest.approx(40.0 + math.log1p(math.exp(-40.0)), rel=1e-15)
    assert z.grad == pytest.approx(1.0, rel=1e-15)  # s(z) - y


def test_bce_from_plain_probabilities_matches_torch_and_clamps_at_zero():
    check_against_torch(lambda p: binary_cross_entropy(p[0], 1.0), [0.8],
                        lambda p: F.binary_cross_entropy(p[0], torch.tensor(1.0, dtype=torch.float64)))  # fmt: skip
    check_against_torch(lambda p: binary_cross_entropy(p[0], 0.3), [0.6],
                        lambda p: F.binary_cross_entropy(p[0], torch.tensor(0.3, dtype=torch.float64)))  # fmt: skip
    # PyTorch clamps log at -100, so p = 0 with y = 1 costs 100, not infinity.
    assert binary_cross_entropy(Value(0.0), 1.0).data == 100.0
    assert binary_cross_entropy(Value(1.0), 0.0).data == 100.0
    with pytest.raises(ValueError, match=r"probability must lie in \[0, 1\], got 1.5"):
        binary_cross_entropy(Value(1.5), 1.0)
    with pytest.raises(ValueError, match=r"target must lie in \[0, 1\], got 2"):
        binary_cross_entropy_with_logits(Value(0.0), 2)


def test_softmax_cross_entropy_with_a_class_index_matches_torch():
    logits = [1.0, -0.5, 2.5]
    check_against_torch(lambda z: softmax_cross_entropy(z, 2), logits,
                        lambda z: F.cross_entropy(z[None], torch.tensor([2])))  # fmt: skip
    check_against_torch(lambda z: softmax_cross_entropy(z, 1), logits,
                        lambda z: F.cross_entropy(z[None], torch.tensor([1])))  # fmt: skip


def test_one_hot_and_probability_targets_match_torch():
    logits = [0.2, 1.7, -1.1]
    check_against_torch(lambda z: softmax_cross_entropy(z, [0.0, 1.0, 0.0]), logits,
                        lambda z: F.cross_entropy(z[None], torch.tensor([1])))  # fmt: skip
    soft = [0.2, 0.5, 0.3]
    check_against_torch(lambda z: softmax_cross_entropy(z, soft), logits,
                        lambda z: F.cross_entropy(z[None], torch.tensor([soft], dtype=torch.float64)))  # fmt: skip


def test_softmax_cross_entropy_survives_logits_that_would_overflow_exp():
    logits = [1000.0, 990.0, -1000.0]  # exp(1000) overflows; with the max subtracted it is exp(0)
    check_against_torch(lambda z: softmax_cross_entropy(z, 1), logits,
                        lambda z: F.cross_entropy(z[None], torch.tensor([1])))  # fmt: skip


def test_softmax_and_log_softmax_match_torch():
    logits = [3.0, 1.0, -2.0, 1000.0]
    reference = torch.softmax(torch.tensor(logits, dtype=torch.float64), 0).tolist()
    assert [p.data for p in softmax(values(logits))] == pytest.approx(
        reference, rel=1e-14, abs=1e-300
    )
    reference_log = torch.log_softmax(torch.tensor(logits, dtype=torch.float64), 0).tolist()
    assert [p.data for p in log_softmax(values(logits))] == pytest.approx(reference_log, rel=1e-14)


def test_bad_softmax_targets_are_refused():
    with pytest.raises(ValueError, match=r"class index 3 outside 0..2"):
        softmax_cross_entropy(values([1, 2, 3]), 3)
    with pytest.raises(ValueError, match="not one-hot or a probability vector"):
        softmax_cross_entropy(values([1, 2, 3]), [1.0, 1.0, 0.0])
    with pytest.raises(ValueError, match="3 logits but a target of length 2"):
        softmax_cross_entropy(values([1, 2, 3]), [1.0, 0.0])
    # a class index inside a list (targets of shape (N, 1)) is named as what it likely is
    with pytest.raises(ValueError, match=r"length 1 \(a class index inside a list.*shape \(N,\)"):
        softmax_cross_entropy(values([1, 2, 3]), [2])


def test_a_class_index_given_as_a_0d_array_or_tensor_picks_that_class():
    # a torch user indexes targets with y[i]: a 0-d tensor (it was iterated and failed)
    reference = -F.log_softmax(torch.tensor([0.1, 0.2, -0.3], dtype=torch.float64), 0)[1].item()
    for index in (np.array(1), torch.tensor(1), np.int64(1)):
        loss = softmax_cross_entropy(values([0.1, 0.2, -0.3]), index)
        assert loss.data == pytest.approx(reference, rel=1e-15)


@pytest.mark.parametrize(
    "loss", [binary_cross_entropy_with_logits, binary_cross_entropy, hinge_loss]
)
def test_a_one_element_target_counts_as_its_number_as_a_one_element_prediction_does(loss):
    # targets of shape (N, 1), as PyTorch's BCEWithLogitsLoss wants them
    y = -1.0 if loss is hinge_loss else 1.0
    assert loss([Value(0.3)], [y]).data == loss(Value(0.3), y).data
    with pytest.raises(TypeError, match="the target must be one number, not list"):
        loss(Value(0.3), [y, y])


def test_hinge_matches_its_definition_and_wants_plus_minus_one():
    for score, y, expected, slope in [
        (0.3, 1, 0.7, -1.0),
        (-2.0, 1, 3.0, -1.0),
        (2.0, 1, 0.0, 0.0),
        (0.5, -1, 1.5, 1.0),
    ]:
        s = Value(score)
        loss = hinge_loss(s, y)
        loss.backward()
        assert loss.data == pytest.approx(expected) and s.grad == slope
    with pytest.raises(ValueError, match="label must be -1 or \\+1, got 0"):
        hinge_loss(Value(0.0), 0)


def test_l2_penalty_leaves_biases_out():
    model = MLP(2, [2, 1], seed=0)
    for b in model.biases():
        b.data = 5.0
    penalty = l2_penalty(model.weights(), 0.1)
    expected = 0.1 * math.fsum(w.data**2 for w in model.weights())
    assert penalty.data == pytest.approx(expected, rel=1e-15)
    penalty.backward()
    assert all(b.grad == 0.0 for b in model.biases())
    assert [w.grad for w in model.weights()] == pytest.approx(
        [0.2 * w.data for w in model.weights()], rel=1e-15
    )


def test_mean_loss_averages_over_the_batch():
    loss = mean_loss(squared_error, [Value(1.0), Value(3.0)], [0.0, 0.0])
    assert loss.data == 5.0
    with pytest.raises(ValueError, match="2 predictions but 1 targets"):
        mean_loss(squared_error, [Value(1.0), Value(3.0)], [0.0])


# --- Value targets: the branch-free forms that compiled training traces ---------------------


@pytest.mark.parametrize(
    "z, y", [(0.3, 1.0), (-2.0, 0.0), (5.0, 0.25), (-700.0, 1.0), (800.0, 0.0), (30.0, 1.0)]
)
def test_bce_from_logits_with_a_value_target_matches_torch(z, y):
    # absolute tolerance: softplus(z) - y z loses the relative precision of a loss below 1e-16
    xs = values([z])
    loss = binary_cross_entropy_with_logits(xs[0], Value(y))
    loss.backward()
    zt = torch_leaves([z])
    reference = F.binary_cross_entropy_with_logits(zt[0], torch.tensor(y, dtype=torch.float64))
    reference.backward()
    assert loss.data == pytest.approx(reference.item(), rel=1e-12, abs=1e-13)
    assert xs[0].grad == pytest.approx(zt.grad.item(), rel=1e-12, abs=1e-15)


@pytest.mark.parametrize(
    "logits", [[0.2, 1.7, -1.1], [1000.0, 990.0, -1000.0], [-5.0], [3.0, 3.0, 3.0, 3.0]]
)
def test_softmax_cross_entropy_with_value_targets_matches_torch(logits):
    target = [0.0] * len(logits)
    target[-1] = 1.0
    check_against_torch(lambda z: softmax_cross_entropy(z, values(target)), logits,
                        lambda z: F.cross_entropy(z[None], torch.tensor([len(logits) - 1])))  # fmt: skip
    soft = [1.0 / len(logits)] * len(logits)
    check_against_torch(lambda z: softmax_cross_entropy(z, values(soft)), logits,
                        lambda z: F.cross_entropy(z[None], torch.tensor([soft], dtype=torch.float64)))  # fmt: skip


def test_value_targets_give_gradients_to_the_target_too():
    y = Value(-1.0)
    s = Value(0.25)
    hinge_loss(s, y).backward()  # max(0, 1 - y s) = 1.25: d/dy = -s, d/ds = -y
    assert (y.grad, s.grad) == (-0.25, 1.0)
    t = Value(0.5)
    mse_loss(Value(2.0), t).backward()  # (2 - t)^2: d/dt = -2 (2 - t)
    assert t.grad == -3.0


def test_bce_from_probabilities_refuses_a_value_target_naming_the_alternative():
    with pytest.raises(TypeError, match="cannot be traced; binary_cross_entropy_with_logits can"):
        binary_cross_entropy(Value(0.3), Value(1.0))


def test_a_traced_class_index_target_is_refused_with_the_one_hot_way_out():
    import autograd
    from nn import MLP

    model = MLP(2, [3], seed=0)
    with pytest.raises(TypeError, match="under autograd.trace, pass the target one-hot"):
        autograd.trace(lambda a, b, y: softmax_cross_entropy(model([a, b]), y), 3)
