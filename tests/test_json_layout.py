"""The JSON layout of model and optimizer files (nn/tables/json_layout.py), against the json module itself."""

from __future__ import annotations

import json
import math

import pytest

from nn import MLP, load_model_with_metadata, save_model
from nn.tables.json_layout import readable_json

DOCUMENT = {
    "format": "valuegrad-mlp",
    "weights": [[0.1, -2.5e-300, 3], [1e300, -0.0, 7]],
    "state": {"0": {"step": 2, "exp_avg": 0.25}, "1": {"step": 2, "exp_avg": -1.5}},
    "flags": [True, False, None],
    "empty": {"list": [], "object": {}, "tuple": ()},
    "text": '[1,2] and {"a": [3 ,4]} \u00e9\n',
    "pairs": (("a", 1), [2.5, "b"]),
    7: "an int key",
    2.5: "a float key",
    None: "a None key",
    True: "a bool key",
}


def test_it_parses_back_to_what_json_dumps_gives() -> None:
    text = readable_json(DOCUMENT)
    assert json.loads(text) == json.loads(json.dumps(DOCUMENT))


def test_without_lists_of_numbers_it_is_json_dumps_with_indent_one() -> None:
    document = {"a": {"b": ["x", True, None], "c": "[1,2]"}, "d": [], "e": [{"f": "g"}]}
    assert readable_json(document) == json.dumps(document, indent=1)


def test_lists_and_objects_of_numbers_are_one_line_each() -> None:
    lines = readable_json(DOCUMENT).splitlines()
    assert "  [0.1, -2.5e-300, 3]," in lines
    assert "  [1e+300, -0.0, 7]" in lines
    assert '  "0": {"step": 2, "exp_avg": 0.25},' in lines
    assert ' "flags": [' in lines  # booleans are not numbers: one per line, as json writes them


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_nan_and_infinities_are_refused_as_json_refuses_them(bad: float) -> None:
    for document in ({"a": [1.0, bad]}, {"a": {"b": bad}}, {"a": bad}, {"a": [[bad], "x"]}):
        with pytest.raises(ValueError, match="JSON compliant"):
            readable_json(document)


def test_what_json_cannot_encode_is_refused_with_its_errors() -> None:
    with pytest.raises(TypeError, match="not JSON serializable"):
        readable_json({"a": [1, object()]})
    with pytest.raises(TypeError, match="keys must be"):
        readable_json({(1, 2): [3, "x"]})
    loop: dict[str, object] = {"x": "y"}
    loop["self"] = loop
    with pytest.raises(ValueError, match="Circular reference"):
        readable_json(loop)


def test_a_string_that_looks_like_a_list_of_numbers_survives_a_model_file(tmp_path) -> None:
    """The earlier layout rewrote number lists with a regular expression over the whole text,
    strings included: metadata "[1,2]" came back as "[1, 2]"."""
    path = tmp_path / "model.json"
    metadata = {"note": "[1,2]", "spaced": "[ 3,4 ]", "hidden": [16, 16]}
    save_model(MLP(2, [3, 1], seed=0), path, metadata)
    _, loaded = load_model_with_metadata(path)
    assert loaded == metadata
