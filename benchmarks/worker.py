"""One system in its own process: ``python -m benchmarks.worker moons <system> <batch>``.

Sets the workload up, freezes every object that exists at that point (``gc.freeze()``, as
issue 6 allows), prints ``ready``, then answers ``run <k>`` lines with the wall-clock and
CPU seconds of k steps (a JSON list of pairs) until ``exit``. The garbage collector stays on, so a
step pays for the collections it causes, as in a user's loop.

``python -m benchmarks.worker mlp <system> <network>:<batch>`` serves the size sweep
(``benchmarks.sweep``) the same way; ``... trace tape <network>`` prints its trace time. ``python -m benchmarks.worker chain|sum|memory <system> <n>`` runs one measurement and
prints its JSON result.
"""

from __future__ import annotations

import gc
import json
import sys
import time
from collections.abc import Callable

from . import sweep, workloads


def serve(step: Callable[[], float], info: dict | None = None) -> None:
    """Answer ``run <k>`` requests with step times (after ``ready``, followed by ``info`` as JSON)."""
    step()  # one warm-up step (imports, first-call caches)
    gc.collect()
    gc.freeze()
    print("ready", json.dumps(info or {}), flush=True)
    for line in sys.stdin:
        command = line.split()
        if not command or command[0] == "exit":
            break
        times = []
        for _ in range(int(command[1])):
            start, start_cpu = time.perf_counter(), time.process_time()
            step()
            times.append((time.perf_counter() - start, time.process_time() - start_cpu))
        print(json.dumps(times), flush=True)


def main(argv: list[str]) -> None:
    kind, system = argv[0], argv[1]
    size = int(argv[2]) if kind not in ("mlp", "trace") else 0
    if kind == "moons":
        serve(workloads.MOONS[system](size))
    elif kind == "mlp":  # size: network:batch, e.g. 784-128-10:256
        network, batch = argv[2].split(":")
        serve(*sweep.SYSTEMS[system](network, int(batch)))
    elif kind == "trace":  # seconds to trace a network's per-sample loss (argv[2]: 784-128-10)
        print(json.dumps(sweep.tape_step(argv[2], 1)[1]["trace_s"]))
    elif kind == "chain":
        sys.setrecursionlimit(max(10_000, 4 * size))  # micrograd's backward recurses once per node
        print(json.dumps(workloads.chain(system, size)))
    elif kind == "sum":
        sys.setrecursionlimit(max(10_000, 4 * size))
        print(json.dumps(workloads.wide_sum(system, size)))
    elif kind == "memory":
        sys.setrecursionlimit(max(10_000, 4 * size))
        print(json.dumps(workloads.bytes_per_node(system, size)))
    else:
        raise SystemExit(f"unknown measurement {kind!r}")


if __name__ == "__main__":
    main(sys.argv[1:])
