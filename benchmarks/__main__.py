"""Run every benchmark of issues 6 and 16 and print the tables: ``python -m benchmarks [--quick]``.

1. the moons step at batch 100 (all systems) and at batch 10,000 (compiled vs torch):
   persistent worker processes take turns for ``--rounds`` rounds; medians of wall time;
1b. the MLP size sweep (issue 16, ``benchmarks.sweep``): a training step of six networks,
   compiled tape vs torch vs the matrix products alone, float64 and float32, one thread
   and default threads, with the trace times; the same protocol, with ``--processes``
   workers per system (default 3) and 3 rounds unless ``--rounds`` says (``--only sweep``);
2. a deep chain (v = v * w + c) of 3e4 ... 3e6 ops: seconds and nanoseconds per op;
3. a 1e5-term sum: builtin ``sum`` (a chain of additions) and ``autograd.sum`` (one node);
4. bytes per graph node (tracemalloc, 1e5-node chain, gradients filled).
micrograd and torch are measured when installed (``pip install -e ".[bench]"``).
"""

from __future__ import annotations

import argparse
import importlib.util
import itertools
import json
import math
import os
import statistics
import subprocess
import sys
import time

from . import machine, sweep

PYTHON = sys.executable


def _available(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


ONE_THREAD = (
    " (1 thread)"  # a system name with this suffix runs with BLAS/OpenMP limited to one thread
)


class Worker:
    """A process that runs k steps of one workload on request (``kind`` "moons" or "mlp")."""

    def __init__(self, system: str, batch: int | str, kind: str = "moons") -> None:
        self.system = system
        env = dict(os.environ)
        if system.endswith(ONE_THREAD):
            env.update(OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
        self.process = subprocess.Popen(
            [
                PYTHON,
                "-m",
                "benchmarks.worker",
                kind,
                system.removesuffix(ONE_THREAD),
                str(batch),
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=env,
        )
        self.times: list[tuple[float, float]] = []  # (wall, cpu) seconds per step
        self.info: dict = {}

    def wait_ready(self) -> None:
        """Wait for the set-up to finish (workers start side by side: tracing and imports take seconds)."""
        line = self.process.stdout.readline().strip()
        if not line.startswith("ready"):
            self.process.kill()
            raise RuntimeError(f"{self.system} worker failed to start: {line!r}")
        self.info = json.loads(line.removeprefix("ready") or "{}")  # e.g. the trace time

    def run(self, steps: int) -> list[tuple[float, float]]:
        self.process.stdin.write(f"run {steps}\n")
        self.process.stdin.flush()
        times = json.loads(self.process.stdout.readline())
        self.times.extend(times)
        return times

    def close(self) -> None:
        self.process.stdin.write("exit\n")
        self.process.stdin.flush()
        self.process.wait(timeout=60)


def moons(
    systems: list[str], batch: int, rounds: int, seconds_per_turn: float
) -> dict[str, list[tuple[float, float]]]:
    """Moons step times per system (see ``alternate``)."""
    return alternate(systems, batch, rounds, seconds_per_turn, "moons")[0]


def alternate(
    systems: list[str],
    spec: int | str,
    rounds: int,
    seconds_per_turn: float,
    kind: str,
    processes: int = 1,
) -> tuple[dict[str, list[tuple[float, float]]], dict[str, dict]]:
    """Step times per system, and what each worker reported when ready (its trace time);
    the workers alternate, one turn each per round (order rotated). A worker that fails to
    start is left out (and its system, when none of its workers starts).

    ``processes``: workers per system, whose times are pooled. One program's step time differs
    by 10 to 15% from one process to the next (four tape and four PyTorch workers of one
    64-64-64-10 step at 1,797 rows, side by side: 1.99 to 2.29 and 2.14 to 2.41 ms), so one
    process per side can decide a close cell by that draw alone.
    """
    workers = [Worker(system, spec, kind) for _ in range(processes) for system in systems]
    try:
        for worker in list(workers):
            try:
                worker.wait_ready()
            except RuntimeError as error:
                print(f"  skipped: {error}", file=sys.stderr)
                workers.remove(worker)
        if not workers:  # nothing to time (e.g. torch missing for a torch-only cell)
            return {}, {}
        steps: dict[str, int] = {}
        for worker in workers:  # calibrate: enough steps for about seconds_per_turn per turn
            first = worker.run(1)[0][0]
            worker.times.clear()
            # one count per system, so that each of its workers weighs the same in the median
            if worker.system not in steps:
                steps[worker.system] = max(1, min(2000, round(seconds_per_turn / max(first, 1e-6))))
        for turn in range(rounds):
            order = workers[turn % len(workers) :] + workers[: turn % len(workers)]
            for worker in order:
                time.sleep(0.3)  # let the previous worker's BLAS/OpenMP threads stop spinning
                worker.run(steps[worker.system])
        times: dict[str, list[tuple[float, float]]] = {}
        info: dict[str, dict] = {}
        for worker in workers:
            times.setdefault(worker.system, []).extend(worker.times)
            info.setdefault(worker.system, worker.info)
        return times, info
    finally:
        for worker in workers:
            worker.close()


def measure(kind: str, system: str, size: int | str) -> object:
    """One measurement in a fresh process; its JSON result, or the error it died of."""
    done = subprocess.run(
        [PYTHON, "-m", "benchmarks.worker", kind, system, str(size)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    if done.returncode != 0:
        return "fails: " + (done.stderr.strip().splitlines() or ["?"])[-1][:80]
    return json.loads(done.stdout)


def _ms(seconds: float) -> str:
    return f"{seconds * 1e3:.3f}" if seconds < 0.01 else f"{seconds * 1e3:.1f}"


def _ratio(a: float | None, b: float | None) -> str:
    if a is None or b is None:
        return "-"
    return f"{a / b:.1f}x" if a / b >= 10 else f"{a / b:.2f}x"


def moons_table(title: str, times: dict[str, list[tuple[float, float]]]) -> list[str]:
    """Medians of wall time (the issue's protocol) and of CPU time (what contention from
    other processes does not inflate; torch's counts both of its threads)."""
    wall = {system: statistics.median(w for w, _ in t) for system, t in times.items()}
    cpu = {system: statistics.median(c for _, c in t) for system, t in times.items()}
    lines = [
        f"### {title}",
        "",
        "| system | median ms/step (wall) | micrograd / system | torch / system | torch-f64 / system | steps | "
        "median ms/step (CPU) | micrograd / system (CPU) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for system in times:
        threads = ONE_THREAD * system.endswith(ONE_THREAD)  # compare with torch on as many threads
        lines.append(
            f"| {system} | {_ms(wall[system])} | {_ratio(wall.get('micrograd'), wall[system])} | "
            f"{_ratio(wall.get('torch' + threads), wall[system])} | {_ratio(wall.get('torch-f64' + threads), wall[system])} | "
            f"{len(times[system])} | {_ms(cpu[system])} | {_ratio(cpu.get('micrograd'), cpu[system])} |"
        )
    return lines + [""]


def _parameters(network: str) -> int:
    sizes = sweep.sizes_of(network)
    return sum((nin + 1) * nout for nin, nout in itertools.pairwise(sizes))


def size_sweep(quick: bool, rounds: int, processes: int) -> list[str]:
    """Issue 16's table: a training step of each MLP, tape vs torch vs the matrix-product floor,
    float64 and float32, one thread and default threads (``benchmarks.sweep``); ``processes``
    workers per system (see ``alternate``)."""
    rows = list(sweep.ROWS)
    swept = ["64-32-10"] if quick else ["64-32-10", "64-128-128-10", "784-128-10"]
    rows += [(network, batch) for network in swept for batch in sweep.BATCH_SWEEP]
    systems = ["tape", "train", "torch", "floor", "tape-f32", "torch-f32", "floor-f32"]
    systems += [system + ONE_THREAD for system in systems]
    medians: dict[tuple[str, int], dict[str, float]] = {}
    for network, batch in rows:
        print(f"  sweep: {network}, batch {batch}", file=sys.stderr, flush=True)
        times, _ = alternate(
            systems, f"{network}:{batch}", rounds, 0.15 if quick else 0.4, "mlp", processes
        )
        # One thread: CPU time (equal to wall time on an idle machine, and not stretched when
        # other jobs take the core away); default threads: wall time (CPU time would add the threads up).
        medians[(network, batch)] = {
            s: statistics.median(c if s.endswith(ONE_THREAD) else w for w, c in t)
            for s, t in times.items()
        }
    # Trace times alone (fresh process each, networks in turns): the workers above start side by side.
    networks = list(dict.fromkeys(network for network, _ in rows))
    trace_runs: dict[str, list[tuple[float, float]]] = {network: [] for network in networks}
    for _ in range(1 if quick else 3):
        for network in networks:
            result = measure("trace", "tape", network)
            if not isinstance(result, str):
                trace_runs[network].append(result)
    traced = {}
    for network, batch in rows:
        runs = trace_runs[network]
        wall = statistics.median(w for w, _ in runs) if runs else math.nan
        cpu = statistics.median(c for _, c in runs) if runs else math.nan
        traced[(network, batch)] = f"{wall:.2f} / {cpu:.2f}"
    lines = [
        f"### MLP training step: compiled tape vs PyTorch ({rounds} rounds, {processes} "
        f"worker{'s' * (processes > 1)} per system, alternating)",
        "",
        "One SGD step (zero_grad, forward, softmax cross-entropy, backward, update), full batch. "
        "speed = torch time / tape time (above 1: the tape is faster); floor = the step's matrix "
        "products alone, with the tape's BLAS, as a share of the tape's time (1.00: nothing but "
        "the products). float32: the tape keeps the parameters in float32, as PyTorch does.",
        "",
    ]
    for threads, suffix in (
        ("one thread (median CPU time)", ONE_THREAD),
        ("default threads (median wall time)", ""),
    ):
        lines += [
            f"#### {threads}",
            "",
            "| network | batch | parameters | trace s (wall / CPU) | tape f64 ms | torch f64 ms | speed f64 | "
            "floor share f64 | tape f32 ms | torch f32 ms | speed f32 | floor share f32 | "
            "nn.train step f64 ms |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for (network, batch), m in medians.items():
            cells = [
                network,
                f"{batch:,}",
                f"{_parameters(network):,}",
                traced[(network, batch)],
            ]
            for precision in ("", "-f32"):
                tape, torch_time = (
                    m.get(f"tape{precision}{suffix}"),
                    m.get(f"torch{precision}{suffix}"),
                )
                floor = m.get(f"floor{precision}{suffix}")
                cells += [
                    _ms(tape) if tape else "-",
                    _ms(torch_time) if torch_time else "-",
                    _ratio(torch_time, tape),
                    _ratio(floor, tape),
                ]
            train = m.get(f"train{suffix}")
            cells.append(_ms(train) if train else "-")
            lines.append("| " + " | ".join(cells) + " |")
        lines.append("")
    return lines


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks", description=__doc__.splitlines()[0]
    )
    parser.add_argument(
        "--quick", action="store_true", help="fewer rounds and smaller sizes (about a minute)"
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=None,
        help="rounds of the moons steps (default 7, quick 3) and of the sweep (default 3)",
    )
    parser.add_argument(
        "--processes",
        type=int,
        default=None,
        help="worker processes per system in the sweep, their times pooled (default 3, quick 1)",
    )
    parser.add_argument(
        "--only", choices=["moons", "sweep", "chain", "sum", "memory"], action="append"
    )
    args = parser.parse_args(argv)
    for name in ("rounds", "processes"):
        if getattr(args, name) is not None and getattr(args, name) < 1:
            parser.error(f"--{name} must be at least 1")
    rounds = args.rounds or (3 if args.quick else 7)
    turn = 0.3 if args.quick else 1.0
    only = set(args.only or ["moons", "sweep", "chain", "sum", "memory"])
    has_micrograd, has_torch = _available("micrograd"), _available("torch")
    started = time.perf_counter()
    out = ["## Benchmarks (issue 6)", "", f"Machine: {machine.describe()}", ""]
    print("\n".join(out), flush=True)

    def emit(lines: list[str]) -> None:
        out.extend(lines)
        print("\n".join(lines), flush=True)

    if "moons" in only:
        systems = ["micrograd"] * has_micrograd + [
            "valuegrad-plain",
            "valuegrad-default",
            "valuegrad-compiled",
        ]
        systems += ["torch", "torch-f64"] * has_torch
        emit(
            moons_table(
                f"Moons step, batch 100 ({rounds} rounds, workers alternating)",
                moons(systems, 100, rounds, turn),
            )
        )
        # Both sides by default (numpy's BLAS and torch's OpenMP use every core) and with one
        # thread: on a busy two-core machine a matrix product split in two waits for its other
        # half whenever that thread is descheduled, and steps stretch to a scheduler tick.
        big = ["valuegrad-compiled", "valuegrad-compiled-f32"] + ["torch", "torch-f64"] * has_torch
        big += [system + ONE_THREAD for system in big]
        emit(
            moons_table(
                f"Moons step, batch 10,000 ({rounds} rounds)", moons(big, 10_000, rounds, turn)
            )
        )

    if "sweep" in only and has_torch:
        sweep_rounds = args.rounds or 3
        emit(size_sweep(args.quick, sweep_rounds, args.processes or (1 if args.quick else 3)))

    if "chain" in only:
        lines = [
            "### Deep chain v = v * w + c (forward + backward, fresh process each, median of 3 runs "
            "taken in turns)",
            "",
            "| system | ops | forward s | backward s | total s | ns per op |",
            "|---|---:|---:|---:|---:|---:|",
        ]
        sizes = [30_000, 300_000, 1_000_000] + ([] if args.quick else [3_000_000])
        runs = [("valuegrad", n) for n in sizes] + [("micrograd", 30_000)] * has_micrograd
        results: dict[tuple[str, int], list] = {run: [] for run in runs}
        for _ in range(1 if args.quick else 3):  # sizes in turns, so a busy minute hits them alike
            for system, n in runs:
                results[(system, n)].append(measure("chain", system, n))
        for (system, n), measured in results.items():
            good = [r for r in measured if not isinstance(r, str)]
            if not good:
                lines.append(f"| {system} | {n:,} | {measured[0]} | | | |")
                continue
            forward, backward = (
                min(good, key=sum) if len(good) < 3 else sorted(good, key=sum)[len(good) // 2]
            )
            lines.append(
                f"| {system} | {n:,} | {forward:.3f} | {backward:.3f} | {forward + backward:.3f} | "
                f"{(forward + backward) / n * 1e9:.0f} |"
            )
        emit(lines + [""])

    if "sum" in only:
        lines = [
            "### Sum of 1e5 Values (forward + backward)",
            "",
            "| system | how | total s |",
            "|---|---|---:|",
        ]
        runs = [
            ("valuegrad-plain", "builtin sum: 1e5 chained + nodes"),
            ("valuegrad-default", "autograd.sum: one node"),
        ]
        runs += [("micrograd", "builtin sum: 1e5 chained + nodes")] * has_micrograd
        for system, how in runs:
            result = measure("sum", system, 100_000)
            lines.append(
                f"| {system} | {how} | {result if isinstance(result, str) else f'{sum(result):.3f}'} |"
            )
        emit(lines + [""])

    if "memory" in only:
        lines = [
            "### Memory per graph node (1e5-op chain, after backward; tracemalloc)",
            "",
            "| system | bytes per node |",
            "|---|---:|",
        ]
        for system in ["valuegrad"] + ["micrograd"] * has_micrograd:
            result = measure("memory", system, 100_000)
            lines.append(f"| {system} | {result if isinstance(result, str) else f'{result:.0f}'} |")
        emit(lines + [""])

    emit(
        [
            f"Total benchmark time: {time.perf_counter() - started:.0f} s. Load average at the end: "
            f"{machine.describe().rsplit('load average ', 1)[-1]}"
        ]
    )


if __name__ == "__main__":
    main()
