"""Gradient clipping against torch.nn.utils: the clipped gradients and the returned norm."""

import math
import random
import warnings

import numpy as np
import pytest
from reference import requires_torch, torch

from autograd import Value
from autograd.compile.storage import ParameterArrays, storage_of, store
from nn import MLP, clip_grad_norm, clip_grad_value


def gradients(seed, n=12):
    rng = random.Random(seed)
    return [rng.gauss(0.0, 10.0 ** rng.randint(-3, 1)) for _ in range(n)]


def both(grads):
    """Parameters holding ``grads``: ours, and torch's (one 0-dim float64 tensor each)."""
    params = [Value(0.0) for _ in grads]
    tensors = [torch.zeros((), dtype=torch.float64, requires_grad=True) for _ in grads]
    for p, t, g in zip(params, tensors, grads):
        p.grad, t.grad = g, torch.tensor(g, dtype=torch.float64)
    return params, tensors


@requires_torch
@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("norm_type", [2.0, 1.0, math.inf, 3.5])
@pytest.mark.parametrize("max_norm", [0.05, 1.0, 1e6])
def test_clip_grad_norm_agrees_with_torch(seed, norm_type, max_norm):
    params, tensors = both(gradients(seed))
    total = clip_grad_norm(params, max_norm, norm_type=norm_type)
    expected = torch.nn.utils.clip_grad_norm_(tensors, max_norm, norm_type=norm_type)
    assert total == pytest.approx(expected.item(), rel=1e-14)
    assert [p.grad for p in params] == pytest.approx(
        [t.grad.item() for t in tensors], rel=1e-14, abs=1e-300
    )


@requires_torch
@pytest.mark.parametrize("clip_value", [1e-3, 0.5, 100.0])
def test_clip_grad_value_agrees_with_torch(clip_value):
    grads = gradients(7) + [-0.0, math.inf, -math.inf]
    params, tensors = both(grads)
    assert clip_grad_value(params, clip_value) is None
    torch.nn.utils.clip_grad_value_(tensors, clip_value)
    assert [float.hex(p.grad) for p in params] == [float.hex(t.grad.item()) for t in tensors]


def test_a_nan_gradient_stays_nan_and_non_finite_norms_can_be_refused():
    params = [Value(0.0), Value(0.0)]
    params[0].grad, params[1].grad = math.nan, 3.0
    clip_grad_value(params, 1.0)
    assert math.isnan(params[0].grad) and params[1].grad == 1.0
    assert math.isnan(clip_grad_norm(params, 1.0))
    assert math.isnan(params[1].grad)  # as torch: a NaN norm makes every gradient NaN
    params[0].grad = params[1].grad = math.inf
    with pytest.raises(ValueError, match="total 2-norm of the gradients is inf"):
        clip_grad_norm(params, 1.0, error_if_nonfinite=True)
    assert params[0].grad == math.inf


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="clip_grad_norm: max_norm must be a number > 0, not -1"):
        clip_grad_norm([Value(1.0)], -1)
    with pytest.raises(ValueError, match="clip_grad_norm: norm_type must be a number > 0, not 0"):
        clip_grad_norm([Value(1.0)], 1.0, norm_type=0)
    with pytest.raises(TypeError, match="clip_grad_value: parameter 1 is float, not a Value"):
        clip_grad_value([Value(1.0), 2.0], 1.0)
    with pytest.raises(ValueError, match="clip_value must be a number > 0, not nan"):
        clip_grad_value([Value(1.0)], math.nan)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("which", ["all", "first half", "reversed"])
@pytest.mark.parametrize("max_norm", [0.05, 1e6])
def test_parameters_in_a_tapes_storage_clip_as_plain_values_do(dtype, which, max_norm, monkeypatch):
    """Stored parameters (a compiled tape's) are read and scaled as arrays, in one step: the
    same norm and the same bits as the plain Values' path, after rounding to the storage's dtype."""
    scaled = []
    real_set = ParameterArrays.set_grads
    monkeypatch.setattr(
        ParameterArrays, "set_grads", lambda self, g: (scaled.append(g), real_set(self, g))
    )
    grads = gradients(3, n=40)
    stored = [Value(0.0) for _ in grads]
    store(stored, dtype=dtype)
    for p, g in zip(stored, grads):
        p.grad = g
    assert storage_of(stored[0]) is not None
    picked = {"all": slice(None), "first half": slice(0, 20), "reversed": slice(None, None, -1)}
    clipped = stored[picked[which]]
    plain = [Value(0.0) for _ in clipped]
    for p, s in zip(plain, clipped):
        p.grad = s.grad  # the stored number, already rounded to the storage's dtype
    untouched = [p.grad for p in stored[20:]]

    total = clip_grad_norm(clipped, max_norm)
    expected_total = clip_grad_norm(plain, max_norm)

    assert total == expected_total
    rounded = [float(dtype(p.grad)) for p in plain]
    assert [p.grad for p in clipped] == rounded
    if which == "first half":
        assert [p.grad for p in stored[20:]] == untouched
    assert len(scaled) == (1 if max_norm < 1 else 0)  # one array step, not a loop over Values
    storage_of(stored[0]).release()


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("clip", ["value", "norm"])
def test_stored_gradients_with_nan_inf_and_minus_zero_clip_as_plain_values_do(dtype, clip):
    grads = [*gradients(5), -0.0, math.inf, -math.inf, 1e-3]
    if clip == "value":
        grads.append(math.nan)  # (a NaN would make the norm NaN, not inf)
    stored = [Value(0.0) for _ in grads]
    store(stored, dtype=dtype)
    plain = [Value(0.0) for _ in grads]
    for p, s, g in zip(plain, stored, grads):
        s.grad = g
        p.grad = s.grad  # the stored number, rounded to the storage's dtype
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # inf * 0 is NaN quietly, as with Python floats
        if clip == "value":
            clip_grad_value(stored, 0.1)
            clip_grad_value(plain, 0.1)
        else:
            assert math.isinf(clip_grad_norm(stored, 1.0))
            assert math.isinf(clip_grad_norm(plain, 1.0))
    expected = [float.hex(float(dtype(p.grad))) for p in plain]
    assert [float.hex(p.grad) for p in stored] == expected
    storage_of(stored[0]).release()


@pytest.mark.parametrize("intruder", [np.array([1.0, 2.0]), "x", 3.0])
def test_a_non_value_among_stored_parameters_is_named(intruder):
    stored = [Value(1.0) for _ in range(3)]
    store(stored)
    for clip in (lambda ps: clip_grad_norm(ps, 1.0), lambda ps: clip_grad_value(ps, 1.0)):
        with pytest.raises(
            TypeError, match=f"parameter 2 is {type(intruder).__name__}, not a Value"
        ):
            clip([stored[0], stored[1], intruder])
    storage_of(stored[0]).release()


def test_a_stored_parameter_listed_twice_is_scaled_twice_as_plain_values_and_torch_do():
    stored, plain = [Value(0.0) for _ in range(3)], [Value(0.0) for _ in range(3)]
    store(stored)
    for s, p, g in zip(stored, plain, [3.0, 4.0, 0.5]):
        s.grad = p.grad = g
    assert clip_grad_norm([stored[0], stored[0], stored[1]], 1.0) == clip_grad_norm(
        [plain[0], plain[0], plain[1]], 1.0
    )
    assert [s.grad for s in stored] == [p.grad for p in plain]
    storage_of(stored[0]).release()


@pytest.mark.parametrize("size", [1e200, 1e-200])
def test_the_2_norm_of_huge_or_tiny_gradients_is_not_lost_to_overflow(size):
    """The reference is math.hypot, which neither overflows nor underflows (torch gives inf
    here: it combines the per-tensor norms unscaled)."""
    grads = [size, -2 * size, 0.5 * size]
    params = [Value(0.0) for _ in grads]
    for p, g in zip(params, grads):
        p.grad = g
    total = clip_grad_norm(params, 1.0)
    assert total == pytest.approx(math.hypot(*grads), rel=1e-15)
    scale = min(1.0, 1.0 / (math.hypot(*grads) + 1e-6))
    assert [p.grad for p in params] == pytest.approx([g * scale for g in grads], rel=1e-15)


def test_a_model_or_a_number_given_for_the_parameters_says_what_to_pass():
    # clip_grad_norm(model, 1.0) failed with "Value after * must be an iterable, not MLP"
    model = MLP(2, [3], seed=0)
    for clip in (clip_grad_norm, clip_grad_value):
        with pytest.raises(
            TypeError, match="takes the parameters, not the MLP itself: pass model.parameters"
        ):
            clip(model, 1.0)
        with pytest.raises(
            TypeError, match=r"takes a list of parameters \(model.parameters\(\)\), not int"
        ):
            clip(3, 1.0)


def test_an_mlp_given_one_size_for_its_layers_says_it_wants_a_list():
    with pytest.raises(TypeError, match=r"nouts is the list of layer sizes, such as \[16, 16, 3\]"):
        MLP(2, 3)  # type: ignore[arg-type]
