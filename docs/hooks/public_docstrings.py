"""Fail the docs build naming every public name of autograd and nn that has no docstring.

mkdocstrings renders an undocumented name silently; this check makes it an error instead.
Public means: listed in the package's ``__all__``, and for a public class, its own methods and
properties whose names do not start with ``_``.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterable
from pathlib import Path

import griffe
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError

PACKAGES = ("autograd", "nn")
ROOT = Path(__file__).resolve().parents[2]


def _documented(obj: griffe.Object | griffe.Alias) -> bool:
    return obj.docstring is not None and obj.docstring.value.strip() != ""


def _is_method(member: griffe.Object | griffe.Alias) -> bool:
    return member.is_function or "property" in member.labels


def missing_docstrings(packages: Iterable[str], search_path: Path = ROOT) -> list[str]:
    """The dotted names (``pkg.Name``, ``pkg.Class.method``) of public objects without a docstring.

    ``__all__`` is read from the imported package (what users get); docstrings are read the way
    mkdocstrings reads them, with griffe, so constants' attribute docstrings count.
    """
    missing = []
    for package in packages:
        exported = importlib.import_module(package).__all__
        tree = griffe.load(package, search_paths=[str(search_path)])
        for name in exported:
            obj = tree[name].final_target if tree[name].is_alias else tree[name]
            if not _documented(obj):
                missing.append(f"{package}.{name}")
            if obj.is_class:
                missing += [
                    f"{package}.{name}.{member_name}"
                    for member_name, member in obj.members.items()
                    if not member_name.startswith("_")
                    and _is_method(member)
                    and not _documented(member)
                ]
    return missing


def on_config(config: MkDocsConfig) -> MkDocsConfig:
    """Stop the build before rendering if a public name lacks a docstring."""
    sys.path.insert(0, str(ROOT))  # import the same code that griffe reads
    missing = missing_docstrings(PACKAGES)
    if missing:
        raise PluginError("public names without a docstring: " + ", ".join(missing))
    return config
