"""Fuzzing the two file loaders: model JSON (nn.tables.serialize) and CSV tables (nn.tables.columns and TableModel, as valuegrad train and predict read them).

Whatever bytes are on disk, a loader either succeeds with a usable result or raises its own
exception (ModelFileError, DataError) naming the file; never another exception type, and it
never changes the file. About 3,300 generated files per run under the ``ci`` profile (see
the ``max_examples`` of each test); the profile is derandomized, so every run sees the same.
"""

import json
import math
import os
import tempfile

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from nn import (
    MLP,
    DataError,
    ModelFileError,
    TableModel,
    load_model_with_metadata,
    model_to_dict,
)
from nn.tables.table_model import TASKS


@pytest.fixture(scope="module")
def workdir():
    with tempfile.TemporaryDirectory() as directory:
        yield directory


def write(directory, name, data: bytes) -> str:
    path = os.path.join(directory, name)
    with open(path, "wb") as handle:
        handle.write(data)
    return path


def fingerprint(path):
    status = os.stat(path)
    with open(path, "rb") as handle:
        return handle.read(), status.st_mtime_ns, status.st_size


# --- model files --------------------------------------------------------------------------

GOOD_MODEL = model_to_dict(MLP(2, [3, 2], activation="tanh", init="scaled", seed=1), {"task": None})
GOOD_TEXT = json.dumps(GOOD_MODEL, indent=1)


def load_or_refuse(path):
    """The loaded (model, metadata), or None after a ModelFileError that names the file; the file is untouched."""
    before = fingerprint(path)
    try:
        model, metadata = load_model_with_metadata(path)
    except ModelFileError as error:
        message = str(error)
        assert message.startswith(path + ": ") and "\n" not in message.strip()
        result = None
    else:
        # Whatever loaded is a usable network with finite numbers.
        assert isinstance(metadata, dict) and model.nin >= 1
        assert all(math.isfinite(p.data) for p in model.parameters())
        out = model([0.5] * model.nin)
        assert all(isinstance(v.data, float) for v in (out if isinstance(out, list) else [out]))
        result = model, metadata
    assert fingerprint(path) == before
    return result


@settings(max_examples=400)
@given(st.binary(max_size=400))
@example(b"")
@example(b"\xff\xfe\x00\x00")
@example(b"\x00" * 64)
@example(b"[" * 100_000)
@example(b'{"a":' * 50_000)
def test_random_bytes_are_refused(workdir, data):
    assert load_or_refuse(write(workdir, "bytes.json", data)) is None


@settings(max_examples=300)
@given(st.integers(0, len(GOOD_TEXT)))
def test_every_truncation_is_refused(workdir, cut):
    loaded = load_or_refuse(write(workdir, "cut.json", GOOD_TEXT[:cut].encode()))
    assert loaded is None or GOOD_TEXT[:cut].rstrip() == GOOD_TEXT.rstrip()


@settings(max_examples=400)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["flip", "insert", "delete"]),
            st.integers(0, len(GOOD_TEXT) - 1),
            st.integers(0, 255),
        ),
        min_size=1,
        max_size=3,
    )
)
def test_byte_level_damage_is_refused_or_harmless(workdir, edits):
    data = bytearray(GOOD_TEXT.encode())
    for kind, position, byte in edits:
        position %= max(len(data), 1)
        if kind == "flip" and data:
            data[position] ^= byte or 1
        elif kind == "insert":
            data.insert(position, byte)
        elif data:
            del data[position]
    load_or_refuse(write(workdir, "damaged.json", bytes(data)))


# JSON values a broken or hostile file could hold in any place.
weird_numbers = st.one_of(
    st.integers(),
    st.sampled_from(
        [0, -1, 10**30, -(10**400), 2**1024, 1e308, -1e308, 5e-324, 0.0, -0.0, True, False]
    ),
    st.floats(allow_nan=False, allow_infinity=False),
)
json_values = st.recursive(
    st.one_of(
        st.none(),
        weird_numbers,
        st.text(max_size=12),
        st.sampled_from(["relu", "elu(0.5)", "leaky_relu(x)", "valuegrad-mlp"]),
    ),
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)


def paths_of(document, prefix=()):
    """Every place in a JSON document, as a tuple of keys and indexes."""
    yield prefix
    if isinstance(document, dict):
        for key, value in document.items():
            yield from paths_of(value, (*prefix, key))
    elif isinstance(document, list):
        for index, value in enumerate(document):
            yield from paths_of(value, (*prefix, index))


GOOD_PATHS = list(paths_of(GOOD_MODEL))


def mutated(document, place, action, value):
    document = json.loads(json.dumps(document))
    if not place:
        return value
    parent = document
    for key in place[:-1]:
        parent = parent[key]
    key = place[-1]
    if action == "delete":
        del parent[key]
    elif action == "replace":
        parent[key] = value
    elif isinstance(parent, list):
        parent.insert(key, value)
    else:
        parent[f"{key}_extra"] = value
    return document


@settings(max_examples=800)
@given(st.sampled_from(GOOD_PATHS), st.sampled_from(["replace", "delete", "insert"]), json_values)
@example(
    (),
    "replace",
    {
        "format": "valuegrad-mlp",
        "version": 1,
        "nin": 1,
        "layers": [{"activation": "relu", "weights": [[10**400]], "biases": [0]}],
    },
)
@example(("version",), "replace", 2)
@example(("version",), "replace", 0)
@example(("version",), "replace", "1")
@example(("version",), "replace", 1.0)
@example(("nin",), "replace", 10**30)
@example(("metadata",), "replace", None)
@example(("layers", 0, "weights", 0, 0), "replace", 2**1024)
@example(("layers", 1, "activation"), "replace", ["relu"])
def test_one_structural_mutation_is_refused_or_loads_consistently(workdir, place, action, value):
    document = mutated(GOOD_MODEL, place, action, value)
    text = json.dumps(document, allow_nan=True)
    loaded = load_or_refuse(write(workdir, "mutated.json", text.encode()))
    if loaded is not None:
        model, _ = loaded
        assert model.sizes[0] == document["nin"] and len(model.layers) == len(document["layers"])


@settings(max_examples=200)
@given(
    st.sampled_from(
        ["NaN", "Infinity", "-Infinity", "1e400", "-1e999", "1" + "0" * 5000, "1" * 400]
    ),
    st.sampled_from([p for p in GOOD_PATHS if p[-1:] and isinstance(p[-1], int)]),
)
def test_non_finite_and_huge_number_tokens_are_refused(workdir, token, place):
    marker = "__token__"
    text = json.dumps(mutated(GOOD_MODEL, place, "replace", marker)).replace(f'"{marker}"', token)
    loaded = load_or_refuse(write(workdir, "tokens.json", text.encode()))
    if place[:2] != ("metadata",):  # a number in a weight row or bias list: never accepted
        assert loaded is None


# --- CSV files ----------------------------------------------------------------------------

cells = st.one_of(
    st.floats(allow_nan=False, allow_infinity=False).map(repr),
    st.integers(-3, 3).map(str),
    st.sampled_from(
        [
            "",
            " ",
            "nan",
            "NaN",
            "-inf",
            "Infinity",
            "1e308",
            "-1e308",
            "1.7976931348623157e308",
            "1e309",
            "5e-324",
            "abc",
            "1_0",
            "\u0661",
            "0x10",
            '"',
            '""',
            "1,2",
            "\x00",
            "\ufeff1",
            "a\nb",
            "1" + "0" * 400,
        ]
    ),
    st.text(max_size=6),
)


def csv_text(draw_rows, header):
    """Rows joined as CSV by hand, so quoting may be wrong on purpose."""
    return "\n".join(",".join(row) for row in [header, *draw_rows]) + "\n"


def fit_table_or_refuse(path, target, task):
    """TableModel.fit on a hostile file: a model with finite weights, or one DataError line naming the file."""
    before = fingerprint(path)
    try:
        model = TableModel(hidden=[2], epochs=1, validation=0.0).fit(path, target, task=task)
    except DataError as error:
        assert path in str(error) and "\n" not in str(error).strip()
    else:
        assert all(math.isfinite(p.data) for p in model.network.parameters())
    assert fingerprint(path) == before


@settings(max_examples=300)
@given(st.binary(max_size=300), st.sampled_from(["auto", *TASKS]))
@example(b"\xef\xbb\xbf", "auto")
@example(b"a,b\n1,\x002\n", "auto")
@example(b'a,b\n1,"2', "regression")
@example(b"a;b\n1;2\n3;4\n", "auto")
@example(b"a,b\n1,NA\n2,3\n", "regression")
def test_random_bytes_as_csv(workdir, data, task):
    fit_table_or_refuse(write(workdir, "bytes.csv", data), "b", task)


@settings(max_examples=300)
@given(
    st.lists(st.sampled_from(["x", "y", "z", "", " y", "x"]), min_size=1, max_size=4),
    st.lists(st.lists(cells, min_size=0, max_size=5), max_size=6),
    st.sampled_from(["auto", *TASKS]),
)
@example(["x", "y"], [["1e308", "1"], ["-1e308", "2"], ["1e308", "3"]], "auto")
@example(["x", "y"], [["1", "1e308"], ["2", "-1e308"], ["3", "1.5"]], "regression")
@example(["x", "y"], [["1", "nan"], ["2", "inf"]], "auto")
@example(["x", "y"], [["1", "a"], ["2", "b"], ["3", "a"]], "binary")
@example(["x", "y"], [["1", "1e308"], ["3", "-1e308"], ["2", "1.79e308"]], "regression")
@example(["x", "y"], [["a", "1"], ["", "2"], ["b", "1"]], "auto")
def test_generated_tables(workdir, header, rows, task):
    path = write(workdir, "table.csv", csv_text(rows, header).encode())
    fit_table_or_refuse(path, "y", task)


GOOD_CSV = "x1,x2,y\n" + "".join(f"{i * 0.5},{(-1) ** i * i},{i % 3}\n" for i in range(12))


@settings(max_examples=200)
@given(st.integers(0, len(GOOD_CSV)), st.sampled_from(["auto", *TASKS]))
def test_every_truncated_csv(workdir, cut, task):
    fit_table_or_refuse(write(workdir, "cut.csv", GOOD_CSV[:cut].encode()), "y", task)


@settings(max_examples=200)
@given(
    st.lists(st.lists(cells, min_size=2, max_size=2), min_size=1, max_size=5),
    st.sampled_from(["x1,x2", "x2,x1", "x1", "x1,x2,x3"]),
)
@example([["1e308", "-1e308"]], "x1,x2")
@example([["", "NA"]], "x1,x2")
@pytest.mark.filterwarnings("ignore:column .* standard deviations from the training mean")
def test_table_model_predictions_from_generated_rows(workdir, rows, header):
    model = TableModel(hidden=[3], epochs=1, validation=0.0)
    model.fit(write(workdir, "train.csv", GOOD_CSV.encode()), "y", task="multiclass")
    columns = header.split(",")
    body = [[*row, "0"][: len(columns)] for row in rows]
    path = write(workdir, "new.csv", csv_text(body, columns).encode())
    before = fingerprint(path)
    try:
        _, predicted = model.predict_table(path)
    except DataError as error:
        assert path in str(error) and "\n" not in str(error).strip()
    else:
        assert all(math.isfinite(p) for row in predicted for p in row[1:])
    assert fingerprint(path) == before
