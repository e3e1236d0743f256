"""Adversarial cases of compiled training's in-place storage, direct first layers, merged log_sum_exp,
optimizer views and nn.train's full-batch range: every result checked against the eager engine
(graphs of Values) or numpy written by hand."""

import math

import numpy as np
import pytest

import autograd
from autograd import Value
from autograd.compile.kernels import LogSumExp
from nn import MLP, SGD, Adagrad, Adam, AdamW, Layer, RMSprop, train
from nn.train import _first_nonfinite_grad

RNG = np.random.default_rng(21)
X = RNG.normal(size=(7, 4))


def eager_mean_grads(fn, rows, params):
    """The mean of fn over the rows and d mean / d params, by the eager engine; the params'
    .grad are left as they were."""
    saved = [p.grad for p in params]
    for p in params:
        p.grad = 0.0
    total = autograd.sum([fn(*[Value(x) for x in row]) for row in rows.tolist()]) * (
        1.0 / len(rows)
    )
    total.backward()
    grads = np.array([p.grad for p in params])
    for p, g in zip(params, saved):
        p.grad = g
    return total.data, grads


def grads_of(params):
    return np.array([p.grad for p in params])


def direct_layers(tape):
    return [k for k in tape._kernels if getattr(k, "direct", None) is not None]


# --- 1. a float64 tape's parameter rows are the storage ----------------------------------


def test_two_float64_tapes_on_the_same_and_on_overlapping_parameters_accumulate():
    model, extra = MLP(4, [3, 1], activation="tanh", seed=1), MLP(4, [2, 1], seed=2)
    params = model.parameters()

    def f(*x):
        return model(list(x)) ** 2

    def g(*x):
        return model(list(x)) + extra(list(x))

    _, grad_f = eager_mean_grads(f, X, params)
    _, grad_g = eager_mean_grads(g, X, params)
    a, b, c = autograd.trace(f, 4), autograd.trace(f, 4), autograd.trace(g, 4)
    for p in params:
        p.grad = 0.0
    a.backward(X)  # the storage is a's rows
    b.backward(X)  # b shares it (copies in, adds out)
    a.backward(X)
    np.testing.assert_allclose(grads_of(params), 3 * grad_f, rtol=1e-12, atol=1e-15)
    c.backward(X)  # a superset: a's storage released, c's made
    a.backward(X)  # a now reads c's storage
    np.testing.assert_allclose(grads_of(params), 4 * grad_f + grad_g, rtol=1e-12, atol=1e-15)
    c.release()
    a.release()
    b.backward(X)  # b's own rows now
    a.backward(X)
    np.testing.assert_allclose(grads_of(params), 6 * grad_f + grad_g, rtol=1e-12, atol=1e-15)
    for t in (a, b, c):
        t.release()
    assert all(type(p) is Value for p in params)
    np.testing.assert_allclose(grads_of(params), 6 * grad_f + grad_g, rtol=1e-12, atol=1e-15)


def test_float32_and_float64_tapes_share_parameters_either_way_round():
    model = MLP(4, [3, 1], activation="tanh", seed=4)
    params = model.parameters()

    def f(*x):
        return model(list(x)) ** 2

    _, expected = eager_mean_grads(f, X, params)
    t64, t32 = autograd.trace(f, 4), autograd.trace(f, 4, dtype="float32")
    for p in params:
        p.grad = 0.0
    t64.backward(X)
    t32.backward(X)
    t64.release()
    t32.backward(X)
    t64.backward(X)
    np.testing.assert_allclose(grads_of(params), 4 * expected, rtol=1e-5, atol=1e-6)
    t32.release()
    t64.release()


def test_user_set_grad_and_data_between_calls_are_what_the_tape_uses():
    model = MLP(4, [3, 1], activation="tanh", seed=5)
    params = model.parameters()

    def f(*x):
        return model(list(x)) ** 2

    tape = autograd.trace(f, 4)
    for p in params:
        p.grad = 0.0
    tape.backward(X)
    params[0].grad = 2.5  # a user's own number, kept and added to
    params[1].data = params[1].data + 0.4
    tape.backward(X)
    got = grads_of(params)
    tape.release()
    _, g1 = eager_mean_grads(f, X, params)  # at the new data
    params[1].data -= 0.4
    _, g0 = eager_mean_grads(f, X, params)
    expected = g0 + g1
    expected[0] = 2.5 + g1[0]
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-15)


def test_a_tape_whose_output_is_a_parameter_adds_one_per_call():
    p, q = Value(2.0), Value(-1.0)
    p.grad = 0.5
    tape = autograd.trace(lambda a, b: p, 2)
    assert tape.backward(X[:, :2]) == 2.0
    tape.backward(X[:, :2], reduce="sum")
    assert p.grad == 0.5 + 1.0 + len(X)
    tape.release()
    # and a parameter output beside another tape whose storage holds it
    q.grad = 0.0
    mixed = autograd.trace(lambda a, b: p * q * a + b, 2)
    mixed.backward(X[:, :2])
    tape.backward(X[:, :2])
    assert q.grad == pytest.approx(p.data * X[:, 0].mean(), rel=1e-12)
    assert p.grad == pytest.approx(0.5 + 1.0 + len(X) + q.data * X[:, 0].mean() + 1.0, rel=1e-12)
    mixed.release()
    tape.release()


# --- 2. a first layer reading X's columns itself -----------------------------------------

L_DUP = Layer(3, 2, activation="tanh", seed=1)
L_A, L_B = Layer(4, 3, activation="tanh", seed=2), Layer(4, 2, activation="relu", seed=3)
L_OUT = Layer(4, 1, activation="linear", seed=4)
L_TWO = Layer(2, 2, activation="tanh", seed=5)
L_HALF = Layer(4, 2, activation="tanh", seed=6)
L_REV = Layer(4, 3, activation="tanh", seed=7)
L_LSE = Layer(4, 3, activation="linear", seed=8)


def _one(out):
    return out[0] if isinstance(out, list) else out


LAYER_CASES = {
    "a repeated input": (lambda a, b, c, d: autograd.sum(L_DUP([a, a, b])), L_DUP, None),
    "two layers on x": (
        lambda a, b, c, d: autograd.sum(L_A([a, b, c, d])) * autograd.sum(L_B([a, b, c, d])),
        L_A,
        2,
    ),
    "the output is the layer": (lambda a, b, c, d: _one(L_OUT([a, b, c, d])), L_OUT, 1),
    "a run before another input": (
        lambda a, b, c, d: autograd.sum(L_TWO([a, b])) * d,
        L_TWO,
        1,
    ),
    "a run after another input": (lambda a, b, c, d: autograd.sum(L_TWO([b, c])), L_TWO, None),
    "one neuron used": (lambda a, b, c, d: L_HALF([a, b, c, d])[0], L_HALF, 1),
    "x and x reversed": (
        lambda a, b, c, d: autograd.sum(L_REV([a, b, c, d])) + autograd.sum(L_REV([d, c, b, a])),
        L_REV,
        None,
    ),
    "a log_sum_exp over the layer": (
        lambda a, b, c, d: autograd.log_sum_exp(L_LSE([a, b, c, d])) - a,
        L_LSE,
        None,
    ),
}


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("name", list(LAYER_CASES))
def test_first_layers_read_directly_or_not_have_the_eager_numbers(name, dtype):
    fn, layer, n_direct = LAYER_CASES[name]
    params = layer.parameters()
    mean, expected = eager_mean_grads(fn, X, params)
    tape = autograd.trace(fn, 4, dtype=dtype)
    if n_direct is not None:
        assert len(direct_layers(tape)) == n_direct
    for p in params:
        p.grad = 0.0
    rows = np.asfortranarray(X) if dtype == "float64" else X.tolist()  # any layout
    got = tape.backward(rows)
    got_grads = grads_of(params)
    tape.release()
    rel = 1e-12 if dtype == "float64" else 1e-5
    assert got == pytest.approx(mean, rel=rel, abs=rel)
    np.testing.assert_allclose(got_grads, expected, rtol=rel, atol=rel)


def test_a_direct_layer_over_one_input_given_as_a_vector():
    layer = Layer(1, 1, activation="tanh", seed=9)
    params = layer.parameters()

    def fn(a):
        return _one(layer([a])) ** 2

    mean, expected = eager_mean_grads(fn, X[:, :1], params)
    tape = autograd.trace(fn, 1)
    assert len(direct_layers(tape)) == 1
    for p in params:
        p.grad = 0.0
    assert tape.backward(X[:, 0]) == pytest.approx(mean, rel=1e-12)
    np.testing.assert_allclose(grads_of(params), expected, rtol=1e-12)
    # forward after a batch of another size, then the first size again
    np.testing.assert_allclose(
        tape.forward(X[:3, 0]), [fn(Value(x)).data for x in X[:3, 0]], rtol=1e-12
    )
    np.testing.assert_allclose(
        tape.forward(X[:, 0]), [fn(Value(x)).data for x in X[:, 0]], rtol=1e-12
    )
    tape.release()


# --- 3. log_sum_exp as one kernel ----------------------------------------------------------

W_LSE = [Value(w) for w in (0.7, -1.3, 0.4, 2.0)]
P_LEAF = Value(0.3)


def _w(xs):
    return [w * x for w, x in zip(W_LSE, xs)]


LSE_CASES = {
    "repeated leaves": lambda a, b, c, d: autograd.log_sum_exp([*_w([a, b, c, d]), W_LSE[0] * a]),
    "a parameter leaf": lambda a, b, c, d: autograd.log_sum_exp([*_w([a, b, c]), P_LEAF]),
    "a constant leaf": lambda a, b, c, d: autograd.log_sum_exp([*_w([a, b, c]), 0.0]),
    "nested": lambda a, b, c, d: autograd.log_sum_exp(
        [autograd.log_sum_exp(_w([a, b])), *_w([c, d])[::-1]]
    ),
    "the same subtree twice": lambda a, b, c, d: (lambda t: autograd.log_sum_exp([t, t]))(
        autograd.log_sum_exp(_w([a, b, c]))
    ),
    "inputs as leaves": lambda a, b, c, d: autograd.log_sum_exp([a, b, c, d]) * W_LSE[0],
    "five leaves": lambda a, b, c, d: autograd.log_sum_exp([*_w([a, b, c, d]), a * b]),
    "a static tree beside": lambda a, b, c, d: (
        autograd.log_sum_exp([P_LEAF, W_LSE[1], 1.5]) + autograd.log_sum_exp(_w([a, b, c]))
    ),
    "an inner node read elsewhere": lambda a, b, c, d: (
        lambda t: autograd.log_sum_exp([t, *_w([c, d])]) + t * d
    )(autograd.log_sum_exp(_w([a, b]))),
}


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("name", list(LSE_CASES))
def test_merged_log_sum_exp_has_the_eager_numbers(name, dtype):
    fn = LSE_CASES[name]
    params = [*W_LSE, P_LEAF]
    rows = X * 30.0  # far from 0: the max shift matters
    mean, expected = eager_mean_grads(fn, rows, params)
    tape = autograd.trace(fn, 4, dtype=dtype)
    merged = [k for k in tape._kernels if isinstance(k, LogSumExp)]
    assert bool(merged) == (name not in ("a parameter leaf", "a constant leaf"))
    for p in params:
        p.grad = 0.0
    got = tape.backward(rows)
    got_grads = grads_of(params)
    tape.release()
    rel, atol = (1e-12, 1e-12) if dtype == "float64" else (1e-5, 1e-4)
    assert got == pytest.approx(mean, rel=rel)
    np.testing.assert_allclose(got_grads, expected, rtol=rel, atol=atol)


def test_log_sum_exp_with_two_minus_infinities_paired_and_a_finite_maximum():
    """The tree pairs the first two leaves, both -inf, under a finite maximum. logaddexp(-inf,
    -inf) is -inf (as numpy and PyTorch have it), so the eager tree, the unmerged tape and the
    merged kernel all give log(e^0 + e^1); the two -inf leaves get slope 0."""
    rows = np.array([[-math.inf, -math.inf, 0.0, 1.0], [0.5, -0.2, 0.1, 2.0]])
    w = [Value(1.0) for _ in range(4)]

    def fn(a, b, c, d):
        return autograd.log_sum_exp([wi * x for wi, x in zip(w, (a, b, c, d))])

    expected = np.logaddexp.reduce(rows, axis=1)  # numpy, an independent reference
    eager = [fn(*[Value(x) for x in row]).data for row in rows.tolist()]
    tape = autograd.trace(fn, 4)
    got = tape.forward(rows)
    np.testing.assert_allclose(eager, expected, rtol=1e-15)
    np.testing.assert_allclose(got, expected, rtol=1e-15)
    for p in w:
        p.grad = 0.0
    with np.errstate(invalid="ignore"):  # -inf * 0 in d/dW, NaN on purpose
        tape.backward(rows[:1], reduce="sum")
    tape.release()
    taped = [p.grad for p in w]
    for p in w:
        p.grad = 0.0
    fn(*[Value(x) for x in rows[0].tolist()]).backward()
    # d/dw_i = x_i * softmax_i: -inf * 0 is NaN for the first two (both ways), e/(1+e) for the last
    np.testing.assert_allclose(taped, [p.grad for p in w], rtol=1e-15, equal_nan=True)
    assert taped[3] == pytest.approx(math.e / (1 + math.e), rel=1e-15)


# --- 4. optimizers on stored parameters -----------------------------------------------------

OPTIMIZERS = {
    "sgd nesterov": lambda groups: SGD(groups, lr=0.05, momentum=0.9, nesterov=True),
    "sgd momentum decay": lambda groups: SGD(
        groups, lr=0.05, momentum=0.8, dampening=0.3, weight_decay=0.01
    ),
    "adam amsgrad": lambda groups: Adam(groups, lr=0.02, amsgrad=True, weight_decay=0.01),
    "adamw": lambda groups: AdamW(groups, lr=0.02, weight_decay=0.1),
    "rmsprop centered": lambda groups: RMSprop(groups, lr=0.01, centered=True, momentum=0.5),
    "adagrad": lambda groups: Adagrad(groups, lr=0.1, lr_decay=0.01, initial_accumulator_value=0.1),
}


def _interleaved_groups(params, lr_scale):
    """Two groups whose parameters alternate in storage (index arrays, not slices)."""
    return [{"params": params[::2]}, {"params": params[1::2], "lr": 0.01 * lr_scale}]


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_optimizers_on_stored_interleaved_groups_follow_the_eager_loop(name):
    def fresh():
        return MLP(4, [3, 2], activation="tanh", seed=12)

    eager_model, model = fresh(), fresh()
    eager_opt = OPTIMIZERS[name](_interleaved_groups(eager_model.parameters(), 1.0))
    opt = OPTIMIZERS[name](_interleaved_groups(model.parameters(), 1.0))
    targets = RNG.normal(size=(len(X), 2))
    data = np.column_stack([X, targets])

    def loss_of(m):
        def fn(a, b, c, d, t0, t1):
            h = m([a, b, c, d])
            return (h[0] - t0) ** 2 + (h[1] - t1) ** 2

        return fn

    tape = autograd.trace(loss_of(model), 6)
    eager_fn = loss_of(eager_model)
    for _ in range(5):
        eager_opt.zero_grad()
        total = autograd.sum([eager_fn(*[Value(x) for x in row]) for row in data.tolist()])
        (total * (1.0 / len(data))).backward()
        eager_opt.step()
        opt.zero_grad()
        tape.backward(data)
        opt.step()
    got = [p.data for p in model.parameters()]
    tape.release()
    np.testing.assert_allclose(
        got, [p.data for p in eager_model.parameters()], rtol=1e-10, atol=1e-13
    )


# --- 5. nn.train ----------------------------------------------------------------------------


@pytest.mark.parametrize("batch_size", [None, 1, 3, 7, 100])
@pytest.mark.parametrize("loss", ["mse", "softmax_cross_entropy"])
def test_compiled_train_follows_eager_for_every_batch_size(batch_size, loss):
    inputs = X.tolist()
    targets = (
        [[row[0] - row[1], row[2]] for row in inputs]
        if loss == "mse"
        else [int(k) for k in RNG.integers(0, 2, size=len(X))]
    )
    runs = {}
    for engine in ("eager", "compiled"):
        model = MLP(4, [3, 2], activation="tanh", seed=13)
        optimizer = SGD(model.parameters(), lr=0.1, momentum=0.9, nesterov=True)
        stops = []

        def epoch_end(epoch, value, stops=stops):
            stops.append(value)
            return epoch == 4  # early stopping after the 4th epoch

        history = train(
            model,
            inputs,
            targets,
            loss=loss,
            optimizer=optimizer,
            epochs=9,
            batch_size=batch_size,
            seed=3,
            engine=engine,
            epoch_end=epoch_end,
        )
        runs[engine] = (list(history), [p.data for p in model.parameters()], stops)
        assert history.engine == engine
        assert all(type(p) is Value for p in model.parameters())
    assert len(runs["compiled"][0]) == 4
    np.testing.assert_allclose(runs["compiled"][0], runs["eager"][0], rtol=1e-10)
    np.testing.assert_allclose(runs["compiled"][1], runs["eager"][1], rtol=1e-9, atol=1e-12)


def test_the_first_nonfinite_gradient_is_found_when_the_sum_overflows_or_cancels():
    from autograd.compile.storage import ParameterArrays, store

    params = [Value(0.0) for _ in range(5)]
    storage, _ = store(params)
    arrays = ParameterArrays(params)
    assert arrays.stored()
    storage.grad[:] = [1e308, 1e308, -1.0, 2.0, 3.0]  # finite, the sum overflows
    assert _first_nonfinite_grad(arrays) is None
    storage.grad[:] = [1e308, 1e308, -1e308, -1e308, 3.0]  # inf - inf in the sum: still finite
    assert _first_nonfinite_grad(arrays) is None
    storage.grad[:] = [1.0, 2.0, math.nan, math.inf, 0.0]
    assert _first_nonfinite_grad(arrays) is params[2]
    storage.grad[:] = [1.0, -math.inf, 0.0, math.inf, 0.0]
    assert _first_nonfinite_grad(arrays) is params[1]
    storage.release()


def test_two_float64_tapes_on_partly_overlapping_parameters_take_turns():
    """Neither parameter set holds the other: each call moves the parameters to its own rows."""
    shared = MLP(4, [2, 1], activation="tanh", seed=14)
    left, right = MLP(4, [2, 1], seed=15), MLP(4, [3, 1], seed=16)
    params = shared.parameters() + left.parameters() + right.parameters()

    def f(*x):
        return shared(list(x)) * left(list(x))

    def g(*x):
        return (shared(list(x)) - right(list(x))) ** 2

    _, grad_f = eager_mean_grads(f, X, params)
    _, grad_g = eager_mean_grads(g, X, params)
    a, b = autograd.trace(f, 4), autograd.trace(g, 4)
    for p in params:
        p.grad = 0.0
    for _ in range(3):
        a.backward(X)
        b.backward(X)
        params[0].data = params[0].data  # a user's write in between
    got = grads_of(params)
    a.release()
    b.release()
    np.testing.assert_allclose(got, 3 * grad_f + 3 * grad_g, rtol=1e-12, atol=1e-15)


def test_a_tape_whose_output_is_an_input():
    tape = autograd.trace(lambda a, b: b, 2)
    np.testing.assert_array_equal(tape.forward(X[:, :2]), X[:, 1])
    assert tape.backward(X[:, :2]) == pytest.approx(X[:, 1].mean(), rel=1e-15)


def test_a_tape_whose_backward_raised_midway_gives_the_right_gradients_next_time():
    """Kernels add into .grad as they go, so an error midway leaves the gradients added so far
    (as the eager backward does); the tape itself is unharmed."""
    p, q = Value(1.0), Value(2.0)
    tape = autograd.trace(lambda a: q * (1.0 / (p * a)), 1)
    with pytest.raises(FloatingPointError), np.errstate(all="raise"):
        tape.backward(np.array([1e-200]))  # d/dp overflows
    p.grad = q.grad = 0.0
    tape.backward(np.array([0.5, 2.0]), reduce="sum")
    tape.release()
    # d/dp q/(p a) = -q/(p^2 a), d/dq = 1/(p a), summed over a = 0.5 and 2
    assert p.grad == pytest.approx(-2.0 * (2.0 + 0.5), rel=1e-15)
    assert q.grad == pytest.approx(2.0 + 0.5, rel=1e-15)
