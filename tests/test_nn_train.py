"""The training loop: batch modes, reproducibility, history, the NaN policy, the progress bar."""

import io
import math
import sys
import types

import numpy as np
import pytest
from reference import requires_torch, torch

import nn.progress
from autograd import no_grad
from nn import (
    MLP,
    SGD,
    Adam,
    Neuron,
    NonFiniteLossError,
    ProgressBar,
    mean_loss,
    predict,
    squared_error,
    train,
    xor_dataset,
)
from nn.progress import in_notebook, should_show

X = [[0.0, 1.0], [1.0, 0.5], [-1.0, 2.0], [0.5, -1.5], [2.0, 0.0]]
Y = [1.0, 0.0, 2.5, -1.0, 0.5]


class CountingSGD(SGD):
    steps = 0

    def step(self):
        self.steps += 1
        super().step()


def test_full_batch_is_one_step_per_epoch_and_equals_the_loop_written_out():
    model = MLP(2, [3, 1], activation="tanh", seed=0)
    twin = MLP(2, [3, 1], activation="tanh", seed=0)
    optimizer = CountingSGD(model.parameters(), lr=0.1)
    history = train(model, X, Y, loss="mse", optimizer=optimizer, epochs=7)
    assert optimizer.steps == 7 and len(history) == 7

    by_hand = []
    for _ in range(7):
        loss = sum((twin(x) - y) ** 2 for x, y in zip(X, Y)) * (1 / len(X))
        by_hand.append(loss.data)
        twin.zero_grad()
        loss.backward()
        for p in twin.parameters():
            p.data -= 0.1 * p.grad
    assert history == pytest.approx(by_hand, rel=1e-13)
    assert [p.data for p in model.parameters()] == pytest.approx(
        [p.data for p in twin.parameters()], rel=1e-12
    )


def test_online_and_mini_batch_step_counts():
    for batch_size, steps_per_epoch in [(1, 5), (2, 3), (5, 1), (100, 1)]:
        model = Neuron(2, "linear", seed=0)
        optimizer = CountingSGD(model.parameters(), lr=0.01)
        train(model, X, Y, optimizer=optimizer, epochs=4, batch_size=batch_size, seed=0)
        assert optimizer.steps == 4 * steps_per_epoch, batch_size


def test_the_same_seed_gives_the_same_run_and_another_seed_another_order():
    def run(seed):
        model = MLP(2, [4, 1], seed=1)
        history = train(model, X, Y, lr=0.05, epochs=5, batch_size=2, seed=seed)
        return history, [p.data for p in model.parameters()]

    assert run(3) == run(3)
    assert run(3)[1] != run(4)[1]


def test_l2_is_part_of_the_reported_objective():
    model = Neuron(2, "linear", seed=0)
    weights_before = [w.data for w in model.w]
    mse = np.mean([(np.dot(weights_before, x) - y) ** 2 for x, y in zip(X, Y)])
    history = train(model, X, Y, lr=0.0, epochs=1, l2=0.3)
    assert history[0] == pytest.approx(mse + 0.3 * sum(w * w for w in weights_before), rel=1e-13)


def test_lr_schedule_sets_the_rate_each_epoch():
    model = Neuron(2, "linear", seed=0)
    optimizer = SGD(model.parameters(), lr=1.0)
    seen = []
    train(
        model,
        X,
        Y,
        optimizer=optimizer,
        epochs=3,
        lr_schedule=lambda epoch: seen.append(epoch) or 0.01 * (epoch + 1),
    )
    assert seen == [0, 1, 2] and optimizer.lr == 0.03


def test_a_nan_loss_stops_training_naming_the_step():
    model = Neuron(2, "linear", seed=0)
    with pytest.raises(NonFiniteLossError, match=r"loss became nan at epoch 1, step 1"):
        train(model, [[math.nan, 1.0], [1.0, 1.0]], [0.0, 1.0], epochs=3)


def test_divergence_stops_at_the_step_where_it_happens():
    model = Neuron(2, "linear", init="zeros")
    with pytest.raises(NonFiniteLossError) as caught:
        train(model, X, Y, lr=50.0, epochs=500, batch_size=1, seed=0)
    error = caught.value
    assert error.step > 1 and error.epoch == (error.step - 1) // len(X) + 1
    assert f"at epoch {error.epoch}, step {error.step}" in str(
        error
    ) and "allow_nonfinite=True" in str(error)


def test_allow_nonfinite_carries_on():
    model = Neuron(2, "linear", init="zeros")
    history = train(model, X, Y, lr=50.0, epochs=100, allow_nonfinite=True)
    assert len(history) == 100 and math.isfinite(history[0]) and not math.isfinite(history[-1])


def test_predict_gives_plain_floats():
    model = MLP(2, [2], activation="relu", output_activation="linear", seed=0)
    outputs = predict(model, np.array(X[:2]))
    assert len(outputs) == 2 and all(isinstance(v, float) for row in outputs for v in row)
    assert isinstance(predict(Neuron(2, seed=0), X)[0], float)


def test_bad_arguments_are_named():
    model = Neuron(2, seed=0)
    with pytest.raises(ValueError, match="5 inputs but 4 targets"):
        train(model, X, Y[:4])
    with pytest.raises(ValueError, match="batch_size must be a positive int"):
        train(model, X, Y, batch_size=0)
    with pytest.raises(ValueError, match="unknown loss 'l1'"):
        train(model, X, Y, loss="l1")


def test_custom_loss_functions_are_accepted():
    model = Neuron(2, "linear", seed=0)
    history = train(
        model, X, Y, loss=lambda p, t: squared_error(p, t, half=True), lr=0.05, epochs=50
    )
    assert history[-1] < history[0]


class FakeTerminal(io.StringIO):
    def __init__(self, tty):
        super().__init__()
        self.tty = tty

    def isatty(self):
        return self.tty


def test_progress_is_shown_on_a_terminal_or_in_a_notebook_and_never_in_a_pipe(monkeypatch):
    terminal, pipe = FakeTerminal(tty=True), FakeTerminal(tty=False)
    assert should_show(None, terminal) and not should_show(None, pipe)
    assert should_show(True, pipe) and not should_show(False, terminal)  # asked for, or silenced

    class ZMQInteractiveShell:  # the shell class of a Jupyter kernel
        pass

    kernel = types.ModuleType("IPython")
    kernel.get_ipython = ZMQInteractiveShell
    monkeypatch.setitem(sys.modules, "ipykernel", types.ModuleType("ipykernel"))
    monkeypatch.setitem(sys.modules, "IPython", kernel)
    assert in_notebook() and should_show(None, pipe)  # a notebook's stderr is no terminal
    assert not should_show(False, pipe)
    kernel.get_ipython = lambda: None  # IPython loaded, but no kernel running (a plain script)
    assert not in_notebook() and not should_show(None, pipe)


def test_in_a_notebook_without_widgets_the_bar_is_one_output_redrawn_in_place(monkeypatch):
    shown, updates = [], []

    class Handle:
        def update(self, obj):
            updates.append(obj.data)

    def display(obj, display_id):
        shown.append(obj.data)
        return Handle()

    display_module = types.ModuleType("IPython.display")
    display_module.Pretty = lambda text: types.SimpleNamespace(data=text)
    display_module.display = display
    monkeypatch.setitem(sys.modules, "IPython.display", display_module)
    monkeypatch.setattr(nn.progress, "in_notebook", lambda: True)
    monkeypatch.setattr(nn.progress, "_has_widgets", lambda: False)
    with ProgressBar(3, description="epoch", enabled=True) as bar:
        for _ in range(3):
            bar.update(1, postfix="loss=0.25")
    assert len(shown) == 1  # one output, then replaced in place
    assert "3/3" in updates[-1] and "loss=0.25" in updates[-1]
    assert all("\r" not in text for text in shown + updates)


def test_the_bar_shows_the_epoch_and_the_loss_and_waits_a_second_unless_asked():
    terminal = FakeTerminal(tty=True)
    with ProgressBar(4, description="epoch", stream=terminal, enabled=True) as bar:
        for _ in range(4):
            bar.update(1, postfix="loss=0.5")
    text = terminal.getvalue()
    assert "epoch: 100%" in text and "4/4" in text and "loss=0.5" in text
    with ProgressBar(4, stream=FakeTerminal(tty=True)) as bar:
        assert bar._bar.delay == nn.progress.DELAY  # not asked for: only runs longer than ~1 s
    quiet = FakeTerminal(tty=False)
    with ProgressBar(10, stream=quiet) as bar:
        bar.update(10, postfix="loss=1")
    assert quiet.getvalue() == ""


def test_train_shows_its_bar_on_stderr_when_asked(capsys):
    train(Neuron(2, seed=0), X, Y, epochs=3, progress=True)
    assert "3/3" in capsys.readouterr().err
    train(Neuron(2, seed=0), X, Y, epochs=3)  # stderr is not a terminal under pytest: no bar
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize("engine", ["eager", "compiled"])
@pytest.mark.parametrize("l2_biases", [False, True])
def test_l2_biases_puts_the_penalty_on_the_biases_too(engine, l2_biases):
    # Reference: the plain loss's gradient (no penalty) plus 2 l2 p, by hand, on the penalized parameters.
    X = [[0.5, -1.0], [1.5, 0.25], [-0.75, 2.0]]
    y = [1.0, -0.5, 0.25]
    l2, lr = 0.1, 0.5
    reference = MLP(2, [3, 1], seed=4)
    plain = mean_loss(squared_error, [reference(x) for x in X], y)
    plain.backward()
    biases = {id(p) for p in reference.parameters()} - {id(w) for w in reference.weights()}
    expected = [
        p.data - lr * (p.grad + (2 * l2 * p.data if l2_biases or id(p) not in biases else 0.0))
        for p in reference.parameters()
    ]
    model = MLP(2, [3, 1], seed=4)
    history = train(
        model,
        X,
        y,
        loss="squared_error",
        optimizer=SGD(model.parameters(), lr=lr),
        epochs=1,
        l2=l2,
        l2_biases=l2_biases,
        engine=engine,
    )
    assert history.engine == engine
    assert [p.data for p in model.parameters()] == pytest.approx(expected, rel=1e-13, abs=1e-15)
    penalized = reference.parameters() if l2_biases else reference.weights()
    assert history[0] == pytest.approx(
        plain.data + l2 * sum(p.data**2 for p in penalized), rel=1e-13
    )


def _regression_split():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(120, 3))
    y = np.sin(X[:, 0]) + 0.5 * X[:, 1] * X[:, 2] + 0.3 * rng.normal(size=120)
    return X[:90], y[:90], X[90:], y[90:]


@pytest.mark.parametrize("engine", ["eager", "compiled"])
def test_early_stopping_keeps_the_weights_of_the_lowest_validation_loss(engine):
    # A practitioner's trial: nn.train had no validation set, early stopping or best epoch;
    # they wrote it by hand with epoch_end. The reference here is that hand-written loop,
    # with the validation loss computed in numpy.
    X, y, X_valid, y_valid = _regression_split()

    def numpy_validation_loss(model):
        return float(np.mean((np.array(predict(model, X_valid)) - y_valid) ** 2))

    def run(**options):
        model = MLP(3, [16, 1], init="scaled", seed=0)
        optimizer = Adam(model.parameters(), lr=0.03)
        return model, train(model, X, y, optimizer=optimizer, epochs=300, batch_size=30, seed=1,
                            engine=engine, progress=False, **options)  # fmt: skip

    by_hand = {"losses": [], "best": (math.inf, 0, None)}
    hand_model = None

    def epoch_end(epoch, loss):
        valid = numpy_validation_loss(hand_model)
        by_hand["losses"].append(valid)
        if valid < by_hand["best"][0]:
            by_hand["best"] = (valid, epoch, [p.data for p in hand_model.parameters()])
        return epoch - by_hand["best"][1] >= 15

    hand_model = MLP(3, [16, 1], init="scaled", seed=0)
    train(hand_model, X, y, optimizer=Adam(hand_model.parameters(), lr=0.03), epochs=300,
          batch_size=30, seed=1, engine=engine, progress=False, epoch_end=epoch_end)  # fmt: skip
    model, history = run(validation=(X_valid, y_valid), patience=15)

    assert history.validation == pytest.approx(by_hand["losses"], rel=1e-12)
    assert history.best_epoch == by_hand["best"][1] < len(history) < 300  # it stopped early
    assert len(history) == history.best_epoch + 15
    assert [p.data for p in model.parameters()] == by_hand["best"][2]
    assert numpy_validation_loss(model) == pytest.approx(min(history.validation), rel=1e-12)
    # the kept epoch's loss, without the off-by-one of validation[best_epoch] (epochs count from 1)
    assert history.best_validation == min(history.validation)
    assert history.best_validation == pytest.approx(by_hand["best"][0], rel=1e-12)


def test_validation_without_patience_only_records_the_loss():
    X, y, X_valid, y_valid = _regression_split()
    model = MLP(3, [8, 1], init="scaled", seed=0)
    history = train(
        model, X, y, lr=0.05, epochs=20, validation=(X_valid.tolist(), y_valid.tolist())
    )
    assert len(history) == len(history.validation) == 20
    final = float(np.mean((np.array(predict(model, X_valid)) - y_valid) ** 2))
    assert history.validation[-1] == pytest.approx(final, rel=1e-12)  # the last weights kept


@pytest.mark.parametrize(
    "options, error, message",
    [
        ({"patience": 5}, ValueError, r"patience needs validation=\(inputs, targets\)"),
        (
            {"validation": ([[0.0]], [0.0]), "patience": 0},
            ValueError,
            "patience must be an int >= 1",
        ),
        (
            {"validation": ([[0.0], [1.0]], [0.0])},
            ValueError,
            "validation has 2 inputs and 1 targets",
        ),
        ({"validation": [[0.0]]}, TypeError, r"validation must be a pair \(inputs, targets\)"),
    ],
)
def test_bad_validation_options_are_named(options, error, message):
    with pytest.raises(error, match=message):
        train(MLP(1, [1], seed=0), [[0.0], [1.0]], [0.0, 1.0], epochs=1, **options)


def test_the_validation_loss_gives_a_custom_loss_values_as_training_does():
    # A review: the validation loss passed plain floats, so a loss calling .tanh() failed after epoch 1
    X, y, X_valid, y_valid = _regression_split()

    def soft_error(prediction, target):
        return (prediction - target).tanh() ** 2

    model = MLP(3, [4, 1], init="scaled", seed=0)
    history = train(model, X, y, loss=soft_error, lr=0.05, epochs=3, validation=(X_valid, y_valid))
    by_numpy = float(np.mean(np.tanh(np.array(predict(model, X_valid)) - y_valid) ** 2))
    assert history.validation[-1] == pytest.approx(by_numpy, rel=1e-12)


def test_validation_rows_of_the_wrong_width_are_refused_before_training():
    model = MLP(3, [1], seed=0)
    before = [p.data for p in model.parameters()]
    with pytest.raises(ValueError, match="validation row 0 has 2 numbers, the training rows 3"):
        train(model, [[0.0, 1.0, 2.0]], [1.0], epochs=5, validation=([[0.0, 1.0]], [1.0]))
    assert [p.data for p in model.parameters()] == before


class ForeignArray:
    """Another library's array (PyTorch's tensor, say): numpy reads it through __array__, and
    iterating a 0-d one fails, as a 0-d tensor does."""

    def __init__(self, numbers):
        self.numbers = np.asarray(numbers)

    def __array__(self, dtype=None, copy=None):
        return self.numbers if dtype is None else self.numbers.astype(dtype)

    def __len__(self):
        if self.numbers.ndim == 0:
            raise TypeError("len() of a 0-d array")
        return len(self.numbers)

    def __iter__(self):
        if self.numbers.ndim == 0:
            raise TypeError("iteration over a 0-d array")
        return (ForeignArray(row) for row in self.numbers)


def test_inputs_and_targets_from_another_array_library_train_as_numpy_arrays_do():
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(12, 3)), rng.integers(0, 2, size=12)
    runs = []
    for inputs, targets in ((X, y), (ForeignArray(X), ForeignArray(y)), (X, list(ForeignArray(y)))):
        model = MLP(3, [4, 2], seed=0)
        history = train(
            model, inputs, targets, loss="softmax_cross_entropy", epochs=3, progress=False
        )
        runs.append((list(history), model.to_numpy()[0][0].tolist()))
    assert runs[1] == runs[0] and runs[2] == runs[0]


def test_an_optimizer_made_for_another_model_is_refused():
    # a student trial: the model cell run again and the optimizer cell not, training changed nothing
    X, y = xor_dataset()
    stale = SGD(MLP(2, [4, 1], seed=0).parameters(), lr=0.5)
    model = MLP(2, [4, 1], seed=1)
    before = [p.data for p in model.parameters()]
    for engine in ("eager", "compiled"):
        with pytest.raises(ValueError, match="updates none of this model's parameters"):
            train(model, X, y, loss="mse", optimizer=stale, epochs=5, engine=engine)
    assert [p.data for p in model.parameters()] == before


def test_an_optimizer_over_part_of_the_model_still_trains_that_part():
    X, y = xor_dataset()
    model = MLP(2, [4, 1], seed=1)
    head = model.layers[-1].parameters()
    body_before = [p.data for p in model.layers[0].parameters()]
    head_before = [p.data for p in head]
    train(model, X, y, loss="mse", optimizer=SGD(head, lr=0.5), epochs=5)
    assert [p.data for p in model.layers[0].parameters()] == body_before
    assert [p.data for p in head] != head_before


def test_lr_beside_an_optimizer_is_refused_not_ignored():
    # a student trial: train(lr=123, optimizer=SGD(..., lr=0.1)) trained at 0.1 without a word
    X, y = xor_dataset()
    model = MLP(2, [4, 1], seed=0)
    with pytest.raises(
        ValueError, match=r"lr=123.0 is given beside an optimizer, which has its own lr \(0.1\)"
    ):
        train(model, X, y, loss="mse", lr=123.0, optimizer=SGD(model.parameters(), lr=0.1))


def test_lr_alone_sets_the_sgd_that_train_makes():
    X, y = xor_dataset()
    runs = []
    for lr in (None, 0.01, 0.3):
        model = MLP(2, [4, 1], seed=0)
        runs.append(train(model, X, y, loss="mse", epochs=3, **({} if lr is None else {"lr": lr})))
    assert runs[0] == runs[1] != runs[2]


def test_train_called_inside_no_grad_trains_with_either_engine():
    # a PyTorch user's trial: the compiled engine trained there, the eager one raised
    results = {}
    for engine in ("eager", "compiled"):
        model = MLP(2, [4, 1], seed=0)
        with no_grad():
            history = train(model, [[0.0, 1.0], [1.0, 0.0]], [1.0, 0.0], epochs=5, lr=0.1,
                            engine=engine, progress=False)  # fmt: skip
        results[engine] = (list(history), [p.data for p in model.parameters()])
    assert results["eager"][0][-1] < results["eager"][0][0]
    assert results["eager"][0] == pytest.approx(results["compiled"][0], rel=1e-12)


@requires_torch
@pytest.mark.parametrize("engine", ["eager", "compiled"])
def test_max_grad_norm_clips_as_a_pytorch_loop_with_clip_grad_norm(engine):
    # a PyTorch user's trial: train had no clipping, so their loop had to be written by hand
    rng = np.random.default_rng(3)
    X, y = rng.normal(size=(16, 2)), rng.normal(size=16) * 5.0
    model = MLP(2, [4, 1], activation="tanh", seed=0)
    layers = []
    for k, layer in enumerate(model.layers):
        linear = torch.nn.Linear(2 if k == 0 else 4, len(layer.neurons)).double()
        with torch.no_grad():
            weights = [[w.data for w in n.w] for n in layer.neurons]
            linear.weight.copy_(torch.tensor(weights, dtype=torch.float64))
            linear.bias.copy_(torch.tensor([n.b.data for n in layer.neurons], dtype=torch.float64))
        layers += [linear, torch.nn.Tanh()] if k == 0 else [linear]
    theirs = torch.nn.Sequential(*layers)
    optimizer = torch.optim.SGD(theirs.parameters(), lr=0.1)
    inputs, targets = torch.tensor(X), torch.tensor(y)
    expected = []
    for _ in range(10):
        optimizer.zero_grad()
        loss = torch.nn.functional.mse_loss(theirs(inputs)[:, 0], targets)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(theirs.parameters(), 0.05)
        optimizer.step()
        expected.append(loss.item())
    history = train(
        model, X, y, epochs=10, lr=0.1, max_grad_norm=0.05, engine=engine, progress=False
    )
    assert history.engine == engine
    assert list(history) == pytest.approx(expected, rel=1e-12)
    ours = [w.data for n in model.layers[0].neurons for w in n.w]
    assert ours == pytest.approx(theirs[0].weight.flatten().tolist(), rel=1e-12)
    unclipped = train(MLP(2, [4, 1], activation="tanh", seed=0), X, y, epochs=10, lr=0.1,
                      engine=engine, progress=False)  # fmt: skip
    assert unclipped[-1] != pytest.approx(history[-1], rel=1e-3)  # the clip did act


@pytest.mark.parametrize("bad", [0.0, -1.0, float("nan"), True, "1"])
def test_max_grad_norm_must_be_a_positive_number(bad):
    with pytest.raises(ValueError, match="max_grad_norm must be a number > 0"):
        train(MLP(2, [1], seed=0), [[0.0, 1.0]], [1.0], epochs=1, max_grad_norm=bad, progress=False)
