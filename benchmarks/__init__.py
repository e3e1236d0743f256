"""valuegrad's benchmarks (issue 6): ``python -m benchmarks`` (or ``make bench``).

Each system runs in its own fresh process (``benchmarks.worker``); the moons-step workers
take turns, round after round, and each ratio is of median step times measured in the same
run. ``workloads`` holds the code each system runs; ``machine`` describes the computer.
"""
