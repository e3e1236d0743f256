"""The training loop: batch modes, reproducibility, history, the NaN policy, the progress bar."""

import io
import math
import sys
import types

import numpy as np
import pytest

import nn.progress
from nn import MLP, SGD, Neuron, NonFiniteLossError, ProgressBar, predict, squared_error, train
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
