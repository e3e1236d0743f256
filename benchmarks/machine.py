"""A one-paragraph description of the computer a benchmark ran on."""

from __future__ import annotations

import os
import platform
import sys
from importlib import metadata


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def _tape_blas() -> str:
    """Which BLAS the compiled tape's matrix products use (``autograd.compile.blas``)."""
    from autograd.compile import blas

    if blas.backend() == "mkl":
        return f"MKL {_version('mkl')}"
    return "numpy's BLAS"


def describe() -> str:
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "?"
    return (
        f"{_cpu_model()}, {os.cpu_count()} logical CPUs, {platform.system()} {platform.release()}; "
        f"Python {platform.python_version()} ({sys.implementation.name}); numpy {_version('numpy')}, "
        f"torch {_version('torch')}, micrograd {_version('micrograd')}; the tape's matrix "
        f"products: {_tape_blas()}; load average {load}"
    )
