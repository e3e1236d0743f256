"""The benchmark workloads compute what they claim (no timing here: see ``python -m benchmarks``).

Each valuegrad variant of the moons step must train the same model to the same numbers:
eager default (fused neurons) and compiled replay agree step by step, and the plain
micrograd-style graph agrees with micrograd itself when micrograd is installed.
"""

from __future__ import annotations

import importlib.util
import math

import numpy as np
import pytest

from benchmarks import workloads


def test_moons_data() -> None:
    X, y = workloads.moons(100)
    assert X.shape == (100, 2) and sorted(set(y.tolist())) == [-1.0, 1.0]
    assert np.array_equal(X, workloads.moons(100)[0])  # fixed seed


def test_default_and_compiled_steps_train_identically() -> None:
    default, compiled = (
        workloads.valuegrad_default_moons(100),
        workloads.valuegrad_compiled_moons(100),
    )
    for _ in range(3):
        a, b = default(), compiled()
        assert math.isclose(a, b, rel_tol=1e-12), (a, b)


@pytest.mark.skipif(
    importlib.util.find_spec("micrograd") is None,
    reason="micrograd is not installed (pip install -e '.[bench]')",
)
def test_plain_graph_matches_micrograd_on_the_same_weights() -> None:
    from micrograd.engine import Value as MicrogradValue

    from autograd import Value

    ours = workloads._MicrogradStyleMLP(Value, 2, workloads.SIZES)
    theirs = workloads._MicrogradStyleMLP(MicrogradValue, 2, workloads.SIZES)
    X, y = workloads.moons(20)
    step_ours, step_theirs = (
        workloads._micrograd_step(Value, ours, X, y),
        workloads._micrograd_step(MicrogradValue, theirs, X, y),
    )
    for _ in range(2):
        assert math.isclose(step_ours(), step_theirs(), rel_tol=1e-12)
    for p, q in zip(ours.parameters(), theirs.parameters()):
        assert math.isclose(p.data, q.data, rel_tol=1e-12, abs_tol=1e-15)


@pytest.mark.parametrize("measure", [workloads.chain, workloads.wide_sum])
def test_chain_and_sum_measurements_run(measure) -> None:
    forward, backward = measure("valuegrad-default", 1000)
    assert forward >= 0.0 and backward >= 0.0


def test_bytes_per_node_is_within_the_issue_budget() -> None:
    assert 0 < workloads.bytes_per_node("valuegrad", 20_000) <= 250


def test_alternate_pools_the_turns_of_every_worker_process() -> None:
    from benchmarks.__main__ import alternate

    # a turn this short is one step, so the pooled count tells how many workers took turns
    times, info = alternate(["valuegrad-compiled"], 8, 2, 1e-9, "moons", processes=2)
    assert len(times["valuegrad-compiled"]) == 2 * 2
    assert set(info) == {"valuegrad-compiled"}


def test_alternate_with_no_worker_started_returns_nothing_to_time(capsys) -> None:
    from benchmarks.__main__ import alternate

    # a system no worker knows fails to start: skipped with its reason, and no crash after
    times, info = alternate(["no-such-system"], 8, 2, 1e-9, "moons")
    assert times == {} and info == {}
    assert "no-such-system worker failed to start" in capsys.readouterr().err
