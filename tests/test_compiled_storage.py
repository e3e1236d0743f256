"""Parameters in array storage during compiled runs: Values always current, plain again at the sync points."""

import copy
import pickle

import numpy as np
import pytest

import autograd
from autograd import Value
from autograd.compile.storage import ParameterArrays
from nn import MLP, SGD, Adam, NonFiniteLossError, train

RNG = np.random.default_rng(3)
X = RNG.normal(size=(16, 3))
Y = np.sin(X[:, 0]) - X[:, 1] * X[:, 2]
XY = np.column_stack([X, Y])


def make_model():
    return MLP(3, [6, 1], activation="tanh", seed=9)


def per_sample_loss(model):
    def loss(x0, x1, x2, y):
        return (model([x0, x1, x2]) - y) ** 2

    return loss


def eager_step(model, optimizer):
    """One full-batch step with graphs of Values (the reference)."""
    optimizer.zero_grad()
    rows = [model([Value(x) for x in row]) for row in X.tolist()]
    loss = autograd.sum([(out - y) ** 2 for out, y in zip(rows, Y.tolist())]) * (1.0 / len(X))
    loss.backward()
    optimizer.step()
    return loss.data


@pytest.mark.parametrize(
    "make_optimizer",
    [
        lambda ps: SGD(ps, lr=0.1),
        lambda ps: SGD(ps, lr=0.1, momentum=0.9),
        lambda ps: SGD(ps, lr=0.1, momentum=0.5, dampening=0.5),
        lambda ps: Adam(ps, lr=0.05),
    ],
    ids=["sgd", "momentum", "dampening", "adam"],
)
def test_a_user_loop_on_stored_parameters_follows_the_eager_loop(make_optimizer):
    eager_model, model = make_model(), make_model()
    eager_optimizer = make_optimizer(eager_model.parameters())
    optimizer = make_optimizer(model.parameters())
    tape = autograd.trace(per_sample_loss(model), 4)
    for _ in range(4):
        expected = eager_step(eager_model, eager_optimizer)
        optimizer.zero_grad()
        assert tape.backward(XY) == pytest.approx(expected, rel=1e-12)
        # Read between backward and step, as a user's logging would: the gradients are current.
        assert [p.grad for p in model.parameters()] == pytest.approx(
            [p.grad for p in eager_model.parameters()], rel=1e-10, abs=1e-14
        )
        optimizer.step()
        assert [p.data for p in model.parameters()] == pytest.approx(
            [p.data for p in eager_model.parameters()], rel=1e-10, abs=1e-14
        )
        assert all(type(p.data) is float and type(p.grad) is float for p in model.parameters())
    tape.release()
    assert all(type(p) is Value for p in model.parameters())


def test_the_vectorized_update_is_bit_for_bit_the_per_parameter_loop():
    stored, plain = make_model(), make_model()
    tapes = [autograd.trace(per_sample_loss(m), 4) for m in (stored, plain)]
    optimizers = [SGD(m.parameters(), lr=0.05, momentum=0.9) for m in (stored, plain)]
    for _ in range(5):
        for tape, optimizer in zip(tapes, optimizers):
            optimizer.zero_grad()
            tape.backward(XY)
        tapes[1].release()  # its optimizer now updates plain Values one by one
        for optimizer in optimizers:
            optimizer.step()
        assert [p.data for p in stored.parameters()] == [p.data for p in plain.parameters()]


def test_a_number_written_into_a_stored_parameter_is_what_the_tape_uses():
    model = make_model()
    tape = autograd.trace(per_sample_loss(model), 4)
    tape.forward(XY)  # parameters now stored
    model.layers[0].neurons[0].b.data = 2.5
    model.layers[1].neurons[0].w[3].data = -1.25
    with autograd.no_grad():
        expected = [
            ((model(row[:3]) - row[3]) ** 2).data for row in XY.tolist()
        ]  # eager forward reads the same stored numbers
    assert tape.forward(XY).tolist() == pytest.approx(expected, rel=1e-13)
    assert model.layers[0].neurons[0].b.data == 2.5


def test_higher_order_gradients_of_a_stored_parameter_release_the_storage():
    model = make_model()
    tape = autograd.trace(per_sample_loss(model), 4)
    tape.backward(XY)
    w = model.layers[0].neurons[0].w[0]
    for p in model.parameters():
        p.grad = 0.0
    out = model([0.3, -0.2, 0.5])
    (out * out).backward(create_graph=True)  # gradients become Values: no place in a float array
    assert type(w) is Value and isinstance(w.grad, Value)
    (curvature,) = autograd.grad(w.grad, [w])
    step = 1e-6
    saved = w.data

    def slope_at(value):
        w.data = value
        return autograd.grad(model([0.3, -0.2, 0.5]) ** 2, [w])[0]

    finite_difference = (slope_at(saved + step) - slope_at(saved - step)) / (2 * step)
    w.data = saved
    assert curvature == pytest.approx(finite_difference, rel=1e-5)


def test_copy_and_pickle_of_a_stored_parameter_give_plain_values():
    model = make_model()
    tape = autograd.trace(per_sample_loss(model), 4)
    tape.backward(XY)
    p = model.layers[1].neurons[0].b
    for clone in (copy.deepcopy(p), pickle.loads(pickle.dumps(p))):
        assert type(clone) is Value
        assert (clone.data, clone.grad, clone.label) == (p.data, p.grad, p.label)
    tape.release()


def test_dropping_the_tape_gives_plain_values_back():
    model = make_model()
    tape = autograd.trace(per_sample_loss(model), 4)
    tape.backward(XY)
    assert all(type(p) is not Value for p in model.parameters())
    del tape
    import gc

    gc.collect()
    assert all(type(p) is Value for p in model.parameters())


def eager_twin(epochs, lr, **options):
    model = make_model()
    try:
        history = train(model, X, Y, lr=lr, epochs=epochs, engine="eager", seed=1, **options)
    except NonFiniteLossError as error:
        history = error
    return model, history


def test_after_train_returns_every_parameter_is_a_plain_value_with_the_trained_numbers():
    eager_model, _ = eager_twin(6, 0.1, batch_size=5)
    model = make_model()
    history = train(model, X, Y, lr=0.1, epochs=6, engine="compiled", seed=1, batch_size=5)
    assert history.engine == "compiled"
    assert all(type(p) is Value for p in model.parameters())
    assert [p.data for p in model.parameters()] == pytest.approx(
        [p.data for p in eager_model.parameters()], rel=1e-10, abs=1e-14
    )


def test_after_train_raises_the_parameters_hold_the_last_step():
    """A non-finite loss and a KeyboardInterrupt: both leave plain Values with the numbers reached."""
    eager_model, error = eager_twin(200, 40.0)
    assert isinstance(error, NonFiniteLossError)
    model = make_model()
    with pytest.raises(NonFiniteLossError):
        train(model, X, Y, lr=40.0, epochs=200, engine="compiled", seed=1)
    assert all(type(p) is Value for p in model.parameters())
    assert [p.data for p in model.parameters()] == pytest.approx(
        [p.data for p in eager_model.parameters()], rel=1e-6
    )

    def interrupt_at_epoch_3(epoch):
        if epoch == 3:
            raise KeyboardInterrupt
        return 0.1

    eager_model, _ = eager_twin(3, 0.1)
    model = make_model()
    with pytest.raises(KeyboardInterrupt):
        train(model, X, Y, epochs=10, engine="compiled", seed=1, lr_schedule=interrupt_at_epoch_3)
    assert all(type(p) is Value for p in model.parameters())
    assert [p.data for p in model.parameters()] == pytest.approx(
        [p.data for p in eager_model.parameters()], rel=1e-10, abs=1e-14
    )


def test_a_tape_used_again_after_release_does_not_keep_its_old_storages() -> None:
    # Each release-and-reuse makes a new storage; the old ones must be freed, not held by
    # one finalizer per cycle for as long as the tape lives.
    import gc
    import weakref

    import autograd
    from nn import MLP

    model = MLP(2, [3, 1], seed=0)
    tape = autograd.trace(lambda a, b: model([a, b]) * 1.0, 2)
    rows = np.array([[0.1, 0.2], [0.3, 0.4]])
    old = []
    for _ in range(4):
        tape.backward(rows)
        old.append(weakref.ref(tape._storage))
        tape.release()
    gc.collect()
    assert [ref() is None for ref in old[:-1]] == [True, True, True]


def test_a_numpy_number_set_on_a_stored_parameter_keeps_the_storage() -> None:
    import autograd
    from autograd.compile.storage import storage_of
    from nn import MLP

    model = MLP(2, [2, 1], seed=0)
    tape = autograd.trace(lambda a, b: model([a, b]) * 1.0, 2)
    tape.backward(np.array([[0.1, 0.2]]))
    weight = model.parameters()[0]
    weight.data = np.float32(0.5)
    assert storage_of(weight) is not None
    assert weight.data == 0.5 and type(weight.data) is float
    tape.release()


def test_a_tape_whose_output_is_a_parameter_adds_its_gradient_to_what_was_there():
    """The parameter rows of a float64 tape are the storage itself, so the seed is added."""
    p = Value(2.0)
    tape = autograd.trace(lambda x: p, 1)
    p.grad = 0.5
    tape.backward(np.zeros((3, 1)), reduce="sum")
    assert p.grad == 3.5
    tape.backward(np.zeros((3, 1)), reduce="mean")
    assert p.grad == 4.5


def test_gradients_accumulate_over_calls_and_a_gradient_set_between_them_counts():
    model = make_model()
    tape = autograd.trace(per_sample_loss(model), 4)
    for p in model.parameters():
        p.grad = 0.0
    tape.backward(XY)
    once = [p.grad for p in model.parameters()]
    first = model.parameters()[0]
    first.grad = 100.0
    tape.backward(XY)
    assert first.grad == pytest.approx(100.0 + once[0], rel=1e-15)
    assert [p.grad for p in model.parameters()[1:]] == pytest.approx(
        [2 * g for g in once[1:]], rel=1e-15
    )


def test_a_stored_gradient_set_to_none_holds_nothing_at_the_next_backward():
    """PyTorch's zeroing (grad = None) on a parameter the tape holds: the next backward gives
    the gradient of that pass alone, as zero_grad would."""
    model = make_model()
    tape = autograd.trace(per_sample_loss(model), 4)
    model.zero_grad()
    tape.backward(XY)
    once = [p.grad for p in model.parameters()]
    tape.backward(XY)
    first = model.parameters()[0]
    first.grad = None
    tape.backward(XY)
    assert first.grad == once[0]
    assert [p.grad for p in model.parameters()[1:]] == pytest.approx(
        [3 * g for g in once[1:]], rel=1e-15
    )


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_a_storage_released_during_backward_still_gets_every_gradient(dtype):
    """As when the garbage collector runs the finalizer of another tape holding the storage
    while this one is in its backward pass: no gradient may be lost."""
    eager_model, model = make_model(), make_model()
    expected_loss = eager_step(eager_model, SGD(eager_model.parameters(), lr=0.0))
    tape = autograd.trace(per_sample_loss(model), 4, dtype=dtype)
    first = next(k for k in reversed(tape._kernels) if k.needs_grad)  # runs first in backward
    run_kernel = first.backward

    def run_then_release(*args):
        run_kernel(*args)
        tape._storage.release()

    first.backward = run_then_release
    for p in model.parameters():
        p.grad = 0.0
    assert tape.backward(XY) == pytest.approx(expected_loss, rel=1e-6)
    rel = 1e-12 if dtype == "float64" else 1e-4
    assert [p.grad for p in model.parameters()] == pytest.approx(
        [p.grad for p in eager_model.parameters()], rel=rel, abs=rel * 1e-2
    )
    tape.release()


def test_model_zero_grad_on_stored_parameters_is_one_array_step(monkeypatch):
    """``model.zero_grad()``, as PyTorch users write it, zeroes the storage's gradient rows in
    one numpy step (a setter per Value cost 76 ms at 101,770 parameters) and only this model's."""
    model, other = make_model(), make_model()
    both = model.parameters() + other.parameters()
    tape = autograd.trace(
        lambda x0, x1, x2, y: (
            per_sample_loss(model)(x0, x1, x2, y) + per_sample_loss(other)(x0, x1, x2, y)
        ),
        4,
    )
    tape.backward(XY)
    assert all(p.grad != 0.0 for p in both)
    other_grads = [p.grad for p in other.parameters()]
    steps = []
    real_zero = ParameterArrays.zero_grads
    monkeypatch.setattr(
        ParameterArrays, "zero_grads", lambda self: (steps.append(1), real_zero(self))
    )

    model.zero_grad()

    assert steps == [1]
    assert [p.grad for p in model.parameters()] == [0.0] * len(model.parameters())
    assert [p.grad for p in other.parameters()] == other_grads
    assert tape.backward(XY) > 0.0  # the tape still uses the same arrays
    assert all(p.grad != 0.0 for p in model.parameters())
    tape.release()
    model.zero_grad()  # plain Values again: the loop
    assert steps == [1] and all(p.grad == 0.0 for p in model.parameters())


def test_zero_grad_of_a_module_whose_parameters_is_a_generator():
    from nn.module import Module

    class Pair(Module):
        def __init__(self):
            self.a, self.b = Value(1.0), Value(2.0)

        def parameters(self):
            yield self.a
            yield self.b

    pair = Pair()
    pair.a.grad, pair.b.grad = 5.0, 6.0
    pair.zero_grad()
    assert (pair.a.grad, pair.b.grad) == (0.0, 0.0)
