"""A large batch runs in parts on several threads (autograd.compile.parts): the same numbers as
the eager engine, errors and numpy's error settings as on one thread, nothing lost or left running.

The fixture makes every batch large enough to be cut (a part needs only one byte) and pretends
MKL has ``count`` threads, so the parts run on real threads whatever BLAS the machine has.
"""

from __future__ import annotations

import math
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator

import numpy as np
import pytest

import autograd
from autograd import Value
from autograd.compile import blas, parts
from nn import MLP, SGD, train
from nn.losses import softmax_cross_entropy

RNG = np.random.default_rng(11)
X = RNG.normal(size=(7, 6))
CLASSES = RNG.integers(0, 3, size=7)
XY = np.column_stack([X, np.eye(3)[CLASSES]])
WIDTH = XY.shape[1]


@pytest.fixture(params=[2, 3, 8], ids=["2 threads", "3 threads", "8 threads"])
def threads(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setattr(parts, "MIN_PART_BYTES", 1)
    monkeypatch.setattr(blas, "threads", lambda: request.param)
    return int(request.param)


def model() -> MLP:
    # 6 inputs to 4: the first layer reads its columns of the batch where they lie (direct)
    return MLP(6, [4, 3], activation="relu", output_activation="linear", seed=4)


def loss_of(net: MLP) -> Callable[..., Value]:
    def per_sample(*row: Value) -> Value:
        return softmax_cross_entropy(net(list(row[:6])), list(row[6:]))

    return per_sample


def eager_mean_loss(net: MLP, rows: np.ndarray) -> float:
    """The reference: a graph of Values over every row, mean loss, backward."""
    net.zero_grad()
    losses = [loss_of(net)(*[Value(x) for x in row]) for row in rows.tolist()]
    total = autograd.sum(losses) * (1.0 / len(losses))
    total.backward()
    return total.data


def test_the_batch_is_cut_into_as_many_parts_as_threads(threads: int) -> None:
    pieces = parts.split(7, bytes_per_sample=8)
    assert len(pieces) == min(threads, 7)
    rows = [i for part in pieces for i in range(part.start, part.stop)]
    assert rows == list(range(7))  # every row once, in order
    assert max(p.stop - p.start for p in pieces) - min(p.stop - p.start for p in pieces) <= 1


def test_a_small_batch_is_not_cut(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(blas, "threads", lambda: 2)
    assert parts.split(100, bytes_per_sample=8) == [slice(0, 100)]  # 800 bytes
    rows = parts.MIN_PART_BYTES // 8
    assert len(parts.split(2 * rows, bytes_per_sample=8)) == 2
    monkeypatch.setattr(blas, "threads", lambda: 1)
    assert parts.split(10 * rows, bytes_per_sample=8) == [slice(0, 10 * rows)]


# float32: the parameters themselves are rounded to float32, so a gradient that cancels down
# to 1e-5 keeps only an absolute accuracy near float32's epsilon times the gradients' scale
@pytest.mark.parametrize(
    "dtype, rel, absolute", [("float64", 1e-12, 1e-15), ("float32", 1e-5, 1e-6)]
)
def test_backward_in_parts_gives_the_eager_loss_and_gradients(
    threads: int, dtype: str, rel: float, absolute: float
) -> None:
    reference, net = model(), model()
    expected = eager_mean_loss(reference, XY)
    tape = autograd.trace(loss_of(net), WIDTH, dtype=dtype, parameter_dtype=dtype)
    assert any(kernel.direct for kernel in tape._batch_kernels if hasattr(kernel, "direct"))
    net.zero_grad()
    assert tape.backward(XY) == pytest.approx(expected, rel=rel)
    for ours, theirs in zip(net.parameters(), reference.parameters()):
        assert ours.grad == pytest.approx(theirs.grad, rel=rel, abs=absolute)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_the_loss_in_parts_is_the_loss_in_one_piece_to_the_bit(
    threads: int, dtype: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    tape = autograd.trace(loss_of(model()), WIDTH, dtype=dtype)
    in_parts = tape.backward(XY)
    monkeypatch.setattr(blas, "threads", lambda: 1)
    assert tape.backward(XY) == in_parts


def test_parts_add_to_the_gradients_already_there_and_sum_mode_is_not_averaged(
    threads: int,
) -> None:
    reference, net = model(), model()
    eager_mean_loss(reference, XY)
    tape = autograd.trace(loss_of(net), WIDTH)
    for p in net.parameters():
        p.grad = 1.0
    total = tape.backward(XY, reduce="sum")
    assert total == pytest.approx(7 * eager_mean_loss(model(), XY), rel=1e-13)
    for ours, theirs in zip(net.parameters(), reference.parameters()):
        assert ours.grad == pytest.approx(1.0 + 7 * theirs.grad, rel=1e-12)


def test_forward_in_parts_gives_each_rows_value(threads: int) -> None:
    net = model()
    tape = autograd.trace(loss_of(net), WIDTH)
    expected = [loss_of(net)(*row).data for row in XY.tolist()]
    assert tape.forward(XY) == pytest.approx(expected, rel=1e-13)


def test_static_parts_of_the_graph_run_once_and_get_every_parts_gradient(threads: int) -> None:
    # (w * w + b) and exp(w) do not depend on the inputs: the tape computes them once per call
    # (static kernels) and their gradients collect what every part sends them.
    w, b = Value(0.7), Value(-0.3)

    def fn(x: Value, y: Value) -> Value:
        return (w * w + b) * x + w.exp() * y * y

    tape = autograd.trace(fn, 2)
    rows = RNG.normal(size=(9, 2))
    total = tape.backward(rows, reduce="sum")
    x, y = rows[:, 0], rows[:, 1]
    # by hand: d/dw = sum(2 w x + e^w y^2), d/db = sum(x)
    assert total == pytest.approx(float(np.sum((0.49 - 0.3) * x + math.exp(0.7) * y * y)))
    assert w.grad == pytest.approx(float(np.sum(1.4 * x + math.exp(0.7) * y * y)), rel=1e-13)
    assert b.grad == pytest.approx(float(np.sum(x)), rel=1e-13)
    w.data = 0.9  # the static values are computed again from the new number
    expected = (0.81 - 0.3) * x + math.exp(0.9) * y * y
    assert tape.forward(rows) == pytest.approx(expected, rel=1e-13)


def test_an_output_that_does_not_depend_on_the_inputs(threads: int) -> None:
    w = Value(1.5)
    tape = autograd.trace(lambda x: w * w, 1)
    assert tape.backward(np.ones((5, 1)), reduce="sum") == pytest.approx(5 * 2.25)
    assert w.grad == pytest.approx(5 * 3.0)


def test_a_domain_error_in_a_later_part_is_raised_and_the_tape_works_afterwards(
    threads: int,
) -> None:
    w = Value(1.0)
    tape = autograd.trace(lambda x: (w * x).log(), 1)
    rows = np.ones((6, 1))
    rows[-1, 0] = -2.0  # in the last part
    with pytest.raises(ValueError, match="-2"):
        tape.backward(rows)
    w.grad = 0.0
    assert tape.backward(np.full((6, 1), math.e), reduce="sum") == pytest.approx(6.0)
    assert w.grad == pytest.approx(6.0)  # d log(w x) / dw = 1 / w, six rows


def test_numpys_error_settings_reach_every_part(threads: int) -> None:
    w = Value(1.0)
    tape = autograd.trace(lambda x: w * x * x, 1)
    rows = np.ones((6, 1))
    rows[-1, 0] = 1e200  # x * x overflows in the last part only
    with np.errstate(over="raise"), pytest.raises(FloatingPointError, match="overflow"):
        tape.backward(rows)
    with np.errstate(over="ignore"):
        assert tape.forward(rows)[-1] == math.inf


def test_a_call_returns_or_raises_only_when_every_part_has_finished(threads: int) -> None:
    finished: list[int] = []

    def work(k: int, part: slice) -> int:
        if k == 0:
            raise ValueError("the first part fails at once")
        threading.Event().wait(0.2)  # the others are still at work when it does
        finished.append(k)
        return k

    with pytest.raises(ValueError, match="first part"):
        parts.run(work, parts.split(threads, bytes_per_sample=1))
    assert sorted(finished) == list(range(1, threads))


def test_training_in_parts_follows_training_on_one_thread(
    threads: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    xs, ys = X.tolist(), CLASSES.tolist()
    in_parts = model()
    train(in_parts, xs, ys, loss="softmax_cross_entropy", epochs=5, lr=0.1, l2=0.01, progress=False)
    monkeypatch.setattr(blas, "threads", lambda: 1)
    whole = model()
    train(whole, xs, ys, loss="softmax_cross_entropy", epochs=5, lr=0.1, l2=0.01, progress=False)
    for ours, theirs in zip(in_parts.parameters(), whole.parameters()):
        assert ours.data == pytest.approx(theirs.data, rel=1e-12, abs=1e-15)


@pytest.mark.usefixtures("mkl")
def test_a_real_large_batch_runs_in_parts_when_mkl_has_threads(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Where MKL multiplies on several threads, a 64-128-128-10 float64 step over 2,000 rows
    (about 10 MB of batch values) is cut in parts, and MKL's own thread count is as before.
    MKL is taken on any processor here, so an AMD machine runs this too."""
    if blas.threads() < 2:
        pytest.skip("MKL has one thread here (a one-CPU machine, or MKL_NUM_THREADS=1)")
    before = blas.threads()
    net = MLP(64, [128, 128, 10], activation="relu", output_activation="linear", seed=0)
    optimizer = SGD(net.parameters(), lr=0.01)
    tape = autograd.trace(
        lambda *row: softmax_cross_entropy(net(list(row[:64])), list(row[64:])), 74
    )
    rows = np.column_stack([RNG.normal(size=(2000, 64)), np.eye(10)[RNG.integers(0, 10, 2000)]])
    counts: list[int] = []
    run = parts.run

    def counting_run(work: Callable[[int, slice], float], pieces: list[slice]) -> list[float]:
        counts.append(len(pieces))
        return run(work, pieces)

    monkeypatch.setattr(parts, "run", counting_run)
    loss = tape.backward(rows)
    assert counts == [min(before, 2)]
    optimizer.step()
    assert math.isfinite(loss)
    assert blas.threads() == before


@pytest.mark.skipif(not hasattr(os, "fork"), reason="os.fork is POSIX only")
def test_a_forked_child_runs_parts_on_threads_of_its_own(threads: int) -> None:
    """The parent's pool threads do not exist in a forked child: work sent to them would wait
    forever. The child must make its own pool and finish."""
    parts.run(lambda k, part: k, parts.split(threads, bytes_per_sample=1))  # the parent's pool
    child = os.fork()
    if child == 0:  # the child: exit 0 only if the parts ran
        try:
            done = parts.run(lambda k, part: k, parts.split(threads, bytes_per_sample=1))
            os._exit(0 if done == list(range(threads)) else 1)
        finally:
            os._exit(2)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        pid, status = os.waitpid(child, os.WNOHANG)
        if pid:
            assert os.waitstatus_to_exitcode(status) == 0
            return
        time.sleep(0.05)
    os.kill(child, signal.SIGKILL)
    os.waitpid(child, 0)
    pytest.fail("the forked child's parts never finished")


def test_what_the_other_parts_added_is_kept_when_one_part_raises(
    threads: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    w = Value(1.0)
    tape = autograd.trace(lambda x: w * x, 1)  # one kernel, which adds sum(x) to w's gradient
    (kernel,) = tape._batch_kernels
    backward = kernel.backward

    def fails_on_the_calling_thread(*args: object) -> None:
        if threading.current_thread() is threading.main_thread():
            raise RuntimeError("the first part fails in backward")
        backward(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(kernel, "backward", fails_on_the_calling_thread)
    rows = np.arange(1.0, 10.0)[:, None]
    pieces = parts.split(len(rows), bytes_per_sample=1)
    with pytest.raises(RuntimeError, match="first part"):
        tape.backward(rows, reduce="sum")
    later_rows = rows[pieces[0].stop :, 0]
    assert w.grad == pytest.approx(float(later_rows.sum()))


@pytest.fixture
def ctrl_c_raises() -> Iterator[None]:
    """Python's own Ctrl-C handler while the test runs: a process started in the background of
    a shell script inherits SIGINT ignored, and then no KeyboardInterrupt can come."""
    before = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, before)


@pytest.mark.usefixtures("ctrl_c_raises")
def test_ctrl_c_while_waiting_for_the_parts_is_raised_only_when_they_have_finished(
    threads: int,
) -> None:
    finished: list[int] = []
    started, sent = threading.Event(), threading.Event()

    def work(k: int, part: slice) -> None:
        if k:  # the parts on the pool run until well after Ctrl-C, however loaded the machine
            started.set()
            sent.wait(10.0)
            threading.Event().wait(0.2)
            finished.append(k)

    def interrupt() -> None:
        started.wait(10.0)
        signal.pthread_kill(main, signal.SIGINT)
        sent.set()

    main = threading.main_thread().ident
    assert main is not None
    interrupter = threading.Thread(target=interrupt)
    interrupter.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            parts.run(work, parts.split(threads, bytes_per_sample=1))
    finally:
        started.set()
        interrupter.join()
    assert sorted(finished) == list(range(1, threads))
