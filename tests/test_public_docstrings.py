"""The docs build's docstring check: it passes on autograd and nn, and it names what is missing."""

import importlib.util
import sys
from pathlib import Path

import pytest

pytest.importorskip("griffe", reason="the docs extra (pip install -e '.[docs]') provides griffe")

HOOK = Path(__file__).resolve().parents[1] / "docs" / "hooks" / "public_docstrings.py"


def load_hook():
    spec = importlib.util.spec_from_file_location("public_docstrings", HOOK)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_public_name_of_autograd_and_nn_has_a_docstring():
    assert load_hook().missing_docstrings(["autograd", "nn"]) == []


def test_the_check_names_each_undocumented_public_name(tmp_path, monkeypatch):
    package = tmp_path / "halfdoc"
    package.mkdir()
    (package / "__init__.py").write_text(
        '"""A package with gaps."""\n'
        '__all__ = ["LIMIT", "Shape", "area", "documented"]\n'
        "LIMIT = 3\n"
        "def area(x):\n    return x\n"
        'def documented():\n    """Has one."""\n'
        "class Shape:\n"
        '    """A shape."""\n'
        "    def grow(self):\n        pass\n"
        "    @property\n    def size(self):\n        return 1\n"
        '    def named(self):\n        """Has one."""\n'
        "    def _private(self):\n        pass\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    try:
        missing = load_hook().missing_docstrings(["halfdoc"], search_path=tmp_path)
    finally:
        sys.modules.pop("halfdoc", None)
    assert sorted(missing) == [
        "halfdoc.LIMIT",
        "halfdoc.Shape.grow",
        "halfdoc.Shape.size",
        "halfdoc.area",
    ]
