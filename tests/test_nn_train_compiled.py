"""Compiled training (nn.compiled): the same run as the eager engine, and "auto" choosing safely."""

import math

import numpy as np
import pytest

from autograd import UntraceableError
from nn import MLP, Adam, Layer, Module, Neuron, NonFiniteLossError, squared_error, train

RNG = np.random.default_rng(7)
X = RNG.normal(size=(12, 3)).tolist()
SIGNS = [1.0 if row[0] + 0.5 * row[1] > 0 else -1.0 for row in X]
CLASSES = [int(k) for k in RNG.integers(0, 3, size=12)]

# (loss, output width, output activation, targets)
CASES = [
    ("mse", 1, "linear", [row[0] - row[2] for row in X]),
    ("mse", 2, "linear", [[row[0], row[1] * row[2]] for row in X]),
    ("squared_error", 1, "tanh", [math.tanh(row[1]) for row in X]),
    ("half_squared_error", 2, "sigmoid", [[0.2, 0.9] if s > 0 else [0.7, 0.1] for s in SIGNS]),
    ("hinge", 1, "linear", SIGNS),
    ("bce_with_logits", 1, "linear", [(s + 1) / 2 for s in SIGNS]),
    ("bce_with_logits", 1, "linear", [0.25 if s > 0 else 0.8 for s in SIGNS]),  # soft labels
    ("softmax_cross_entropy", 3, "linear", CLASSES),
    ("softmax_cross_entropy", 3, "linear", [[0.1, 0.6, 0.3]] * 12),
]


def twin_runs(loss, nout, output, targets, **options):
    runs = {}
    for engine in ("eager", "compiled"):
        model = MLP(3, [5, 4, nout], activation="tanh", output_activation=output, seed=3)
        optimizer = Adam(model.parameters(), lr=0.05)
        history = train(
            model, X, targets, loss=loss, optimizer=optimizer, engine=engine, seed=11, **options
        )
        runs[engine] = (history, [p.data for p in model.parameters()])
    return runs


@pytest.mark.parametrize(
    "loss, nout, output, targets", CASES, ids=[f"{c[0]}-{c[1]}" for c in CASES]
)
@pytest.mark.parametrize("batch_size, l2", [(None, 0.0), (5, 1e-3)])
def test_compiled_training_follows_the_eager_run(loss, nout, output, targets, batch_size, l2):
    runs = twin_runs(loss, nout, output, targets, epochs=8, batch_size=batch_size, l2=l2)
    (eager_history, eager_params), (compiled_history, compiled_params) = (
        runs["eager"],
        runs["compiled"],
    )
    assert eager_history.engine == "eager" and compiled_history.engine == "compiled"
    assert compiled_history == pytest.approx(eager_history, rel=1e-12, abs=1e-15)
    assert compiled_params == pytest.approx(eager_params, rel=1e-10, abs=1e-13)
    assert compiled_params != [
        p.data for p in MLP(3, [5, 4, nout], "tanh", output, seed=3).parameters()
    ]  # it trained


def test_one_compiled_step_has_the_eager_gradients_to_1e12():
    model, twin = MLP(3, [6, 1], seed=0), MLP(3, [6, 1], seed=0)
    for engine, m in (("eager", model), ("compiled", twin)):
        train(
            m, X, SIGNS, loss="hinge", l2=0.01, lr=0.0, epochs=1, engine=engine
        )  # lr 0: gradients only
    for p, q in zip(model.parameters(), twin.parameters()):
        assert q.grad == pytest.approx(p.grad, rel=1e-12, abs=1e-15)
    assert any(p.grad != 0.0 for p in model.parameters())


def test_auto_compiles_only_nn_modules_with_branch_free_losses():
    def fresh():
        return MLP(3, [4, 1], output_activation="sigmoid", seed=0)

    probabilities = [(s + 1) / 2 for s in SIGNS]
    assert train(fresh(), X, SIGNS, loss="hinge", epochs=1).engine == "compiled"
    assert train(Neuron(3, "linear", seed=0), X, SIGNS, loss="mse", epochs=1).engine == "compiled"
    assert (
        train(
            Layer(3, 3, "linear", seed=0), X, CLASSES, loss="softmax_cross_entropy", epochs=1
        ).engine
        == "compiled"
    )
    # "bce" clamps log(p) depending on p: a trace would freeze one branch, so auto stays eager
    assert train(fresh(), X, probabilities, loss="bce", epochs=1).engine == "eager"
    # a user's loss or module may branch on data in ways two trial traces miss: eager unless asked
    assert (
        train(fresh(), X, SIGNS, loss=lambda p, t: squared_error(p, t), epochs=1).engine == "eager"
    )

    class Wrapped(Module):
        def __init__(self):
            self.inner = fresh()

        def __call__(self, x):
            return self.inner(x)

        def parameters(self):
            return self.inner.parameters()

    assert train(Wrapped(), X, SIGNS, loss="mse", epochs=1).engine == "eager"
    assert train(Wrapped(), X, SIGNS, loss="mse", epochs=1, engine="compiled").engine == "compiled"

    class ClippedMLP(MLP):  # a subclass of nn's own MLP that branches on the data
        def __call__(self, x):
            return super().__call__([xi if float(xi) > 0 else 0.0 for xi in x])

    assert train(ClippedMLP(3, [2, 1], seed=0), X, SIGNS, loss="mse", epochs=1).engine == "eager"

    class OwnLayer(Layer):  # a user's layer inside nn's MLP: its __call__ could branch too
        pass

    mlp = fresh()
    mlp.layers[0] = OwnLayer(3, 4, seed=0)
    assert train(mlp, X, SIGNS, loss="mse", epochs=1).engine == "eager"


def test_forcing_eager_and_refusing_what_cannot_compile():
    model = MLP(3, [4, 1], output_activation="sigmoid", seed=0)
    assert train(model, X, SIGNS, loss="mse", epochs=1, engine="eager").engine == "eager"
    probabilities = [(s + 1) / 2 for s in SIGNS]
    with pytest.raises(UntraceableError, match='cannot compile.*engine="eager"'):
        train(model, X, probabilities, loss="bce", epochs=1, engine="compiled")

    def branching_loss(prediction, target):
        return (prediction - target) ** 2 if prediction.data > 0 else (prediction - target) * -1.0

    signed = Neuron.from_weights([1.0, 0.0, 0.0], 0.0, "linear")
    with pytest.raises(UntraceableError, match="different graph"):
        train(
            signed,
            [[5.0, 0.0, 0.0], [-5.0, 0.0, 0.0]],
            [0.0, 0.0],
            loss=branching_loss,
            epochs=1,
            engine="compiled",
        )

    def frozen_target_loss(prediction, target):
        return (prediction - float(target)) ** 2  # float() freezes the target into the trace

    sorted_by_label = [[0.0, 0.0, 0.0], [0.1, 0.0, 0.0], [1.0, 0.0, 0.0], [1.1, 0.0, 0.0]]
    with pytest.raises(UntraceableError, match="constant that changed with the inputs"):
        train(
            MLP(3, [1], seed=0),
            sorted_by_label,
            [0.0, 0.0, 1.0, 1.0],
            loss=frozen_target_loss,
            epochs=1,
            engine="compiled",
        )  # the first two rows share a label: the trial trace takes the most different row
    with pytest.raises(
        ValueError, match="engine must be one of 'auto', 'compiled', 'eager', not 'fast'"
    ):
        train(model, X, SIGNS, epochs=1, engine="fast")


def test_compiled_training_checks_every_target_like_the_eager_loss():
    labels = list(SIGNS)
    labels[9] = 0.0
    with pytest.raises(ValueError, match=r"label must be -1 or \+1, got 0"):
        train(MLP(3, [2, 1], seed=0), X, labels, loss="hinge", epochs=1, engine="compiled")
    classes = list(CLASSES)
    classes[4] = 3
    with pytest.raises(ValueError, match="class index 3 outside 0..2"):
        train(
            Layer(3, 3, "linear", seed=0),
            X,
            classes,
            loss="softmax_cross_entropy",
            epochs=1,
            engine="compiled",
        )


def test_a_compiled_step_that_overflows_stops_naming_the_step():
    def exp_loss(prediction, target):
        return (prediction * 3.0).exp()

    inputs = [
        [1.0, 0.0, 0.0],
        [2.0, 0.0, 0.0],
        [300.0, 0.0, 0.0],
    ]  # the trace runs on the first two rows
    model = Neuron.from_weights([1.0, 0.0, 0.0], 0.0, "linear")
    with pytest.raises(
        NonFiniteLossError, match=r"loss became inf at epoch 1, step 1 \(exp\(900.0\) overflows"
    ):
        train(model, inputs, [0.0] * 3, loss=exp_loss, lr=0.0, epochs=1, engine="compiled")


def test_when_the_trial_trace_overflows_training_runs_eagerly_and_names_the_step():
    model = Neuron.from_weights(
        [1e200, 0.0, 0.0], 0.0, "linear"
    )  # (1e200 - y)^2 overflows on every row
    for engine in ("auto", "compiled"):
        with pytest.raises(NonFiniteLossError, match="loss became inf at epoch 1, step 1"):
            train(model, X, SIGNS, loss="mse", epochs=1, engine=engine)
        history = train(
            model, X, SIGNS, loss="mse", lr=0.0, epochs=2, engine=engine, allow_nonfinite=True
        )
        assert history == [math.inf, math.inf] and history.engine == "eager"


def test_target_rows_of_plain_numbers_match_their_hand_written_matrices() -> None:
    # The array fast path for plain numbers against the matrices written out by hand.
    from nn.compiled import _target_rows
    from nn.losses import mse_loss, softmax_cross_entropy

    assert _target_rows([0.5, -2.0, 3], mse_loss, 1).tolist() == [[0.5], [-2.0], [3.0]]
    assert _target_rows([2, 0, 1], softmax_cross_entropy, 3).tolist() == [
        [0.0, 0.0, 1.0],
        [1.0, 0.0, 0.0],
        [0.0, 1.0, 0.0],
    ]
    assert _target_rows([[0.0, 1.0], [1.0, 0.0]], mse_loss, 2).tolist() == [[0.0, 1.0], [1.0, 0.0]]


def test_a_range_of_rows_is_read_as_a_view_with_the_numbers_of_the_same_rows_listed() -> None:
    """nn.train hands a full batch over as a range (no gather of the whole data each step)."""
    from nn.compiled import compiled_objective
    from nn.losses import softmax_cross_entropy

    model = MLP(3, [4, 3], seed=2)
    objective = compiled_objective(model, softmax_cross_entropy, X, CLASSES, [], 0.0)
    grads = []
    for rows in (range(2, 10), list(range(2, 10))):
        model.zero_grad()
        loss = objective(rows)
        grads.append((loss, [p.grad for p in model.parameters()]))
    objective.release()
    assert grads[0] == grads[1]  # bit for bit


def test_finite_gradients_whose_sum_overflows_are_not_taken_for_non_finite() -> None:
    from autograd import Value
    from autograd.compile.storage import ParameterArrays, store
    from nn.train import _first_nonfinite_grad

    params = [Value(0.0) for _ in range(3)]
    storage, _ = store(params)
    arrays = ParameterArrays(params)
    for p, g in zip(params, [1e308, 1e308, -1.0]):
        p.grad = g
    assert _first_nonfinite_grad(arrays) is None
    params[2].grad = math.nan
    assert _first_nonfinite_grad(arrays) is params[2]
    storage.release()
