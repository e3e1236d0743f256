"""Type checkers see the engine's API: a user's annotated script passes ``mypy --strict``,
a wrong use of a Value is reported, and the engine itself passes ``mypy --strict``."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
USER_SCRIPT = ROOT / "tests" / "typing" / "user_script.py"


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("mypy_cache")


def _mypy(cache_dir: Path, *targets: str) -> tuple[int, list[str]]:
    """mypy --strict run from the repository root (so this checkout's packages are the ones
    checked, not an installed copy); its exit status and its error lines."""
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--cache-dir", str(cache_dir), *targets],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    return done.returncode, [line for line in done.stdout.splitlines() if ": error:" in line]


def test_user_script_type_checks_clean(cache_dir: Path) -> None:
    _, errors = _mypy(cache_dir, str(USER_SCRIPT.relative_to(ROOT)))
    # Only the script's own lines: the libraries it imports are checked by the test below.
    assert [e for e in errors if e.startswith("tests")] == []


def test_wrong_uses_of_a_value_are_reported(cache_dir: Path, tmp_path: Path) -> None:
    wrong = tmp_path / "wrong.py"
    wrong.write_text(
        "from autograd import Value\n"
        "Value(1.0).data.upper()\n"  # data is a float
        'Value("2.0")\n'  # the constructor takes a number
        "Value(1.0).tanh().label + 1\n"  # an op returns a Value, whose label is a str
    )
    status, errors = _mypy(cache_dir, str(wrong))
    mine = [e.split(": error: ")[1] for e in errors if e.startswith(str(wrong))]
    assert status == 1
    assert len(mine) == 3, mine
    assert '"float" has no attribute "upper"' in mine[0]
    assert 'Argument 1 to "Value" has incompatible type "str"' in mine[1]
    assert 'Unsupported operand types for + ("str" and "int")' in mine[2]


def test_the_packages_pass_mypy_strict(cache_dir: Path) -> None:
    status, errors = _mypy(cache_dir, "autograd", "nn")
    assert errors == []
    assert status == 0
