"""Running a loader in a child process with a time and memory cap, for the tests that feed it
endless or blocking files: a loader that reads forever then fails its test after 30 s instead
of hanging the suite or filling the machine's memory."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _cap_memory() -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (2**31, 2**31))


def error_message_in_a_child_process(loader: str, error: str, path) -> str:
    """The message of the ``nn.<error>`` that ``nn.<loader>(path)`` raises, run in a capped child process."""
    code = (
        "import sys\n"
        f"from nn import {error}, {loader}\n"
        "try:\n"
        f"    {loader}(sys.argv[1])\n"
        f"except {error} as error:\n"
        "    print(error)\n"
    )
    try:
        done = subprocess.run([sys.executable, "-c", code, str(path)], cwd=ROOT, capture_output=True, text=True,
                              timeout=30, preexec_fn=_cap_memory)  # fmt: skip
    except subprocess.TimeoutExpired:
        pytest.fail(f"{loader}({str(path)!r}) was still reading after 30 s")
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()
