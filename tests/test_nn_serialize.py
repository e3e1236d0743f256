"""JSON save/load: exact round trip, atomic writes, and clear errors for broken files."""

import json
import os

import pytest
from child_process import error_message_in_a_child_process

from nn import (
    FORMAT_VERSION,
    MLP,
    ModelFileError,
    load_model,
    load_model_with_metadata,
    model_to_dict,
    save_model,
)
from nn.tables import serialize


def parameters(model):
    return [(label, p.data) for label, p in model.named_parameters()]


def test_round_trip_is_exact_with_activations_and_metadata(tmp_path):
    model = MLP(
        3, [5, 1, 2], activation="elu(0.5)", output_activation="sigmoid", init="scaled", seed=4
    )
    path = tmp_path / "model.json"
    save_model(model, path, metadata={"task": "demo", "classes": ["a", "b"]})
    loaded, metadata = load_model_with_metadata(path)
    assert parameters(loaded) == parameters(model)  # floats written with repr survive bit for bit
    assert [layer.activation for layer in loaded.layers] == ["elu(0.5)", "elu(0.5)", "sigmoid"]
    assert metadata == {"task": "demo", "classes": ["a", "b"]}
    x = [0.3, -0.2, 1.1]
    assert [v.data for v in loaded(x)] == [v.data for v in model(x)]
    document = json.loads(path.read_text())
    assert (
        document["format"] == "valuegrad-mlp" and document["version"] == 1 and FORMAT_VERSION == 2
    )
    assert document["layers"][0]["weights"] == model.to_numpy()[0][0].tolist()


def test_a_new_file_gets_the_usual_permissions_not_the_temporary_files(tmp_path):
    umask = os.umask(0o022)
    try:
        save_model(MLP(2, [1], seed=0), tmp_path / "model.json")
    finally:
        os.umask(umask)
    assert (tmp_path / "model.json").stat().st_mode & 0o777 == 0o644


def test_save_replaces_an_existing_file_and_leaves_no_temporary_files(tmp_path):
    path = tmp_path / "model.json"
    path.write_text("old contents")
    save_model(MLP(2, [1], seed=0), path)
    assert load_model(path).nin == 2
    assert sorted(os.listdir(tmp_path)) == ["model.json"]


def test_a_failed_save_keeps_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "model.json"
    path.write_text("precious")
    model = MLP(2, [1], seed=0)
    model.layers[0].neurons[0].w[1].data = float("nan")
    with pytest.raises(ValueError, match="parameter L0.N0.w1 is nan"):
        save_model(model, path)
    assert path.read_text() == "precious"

    def broken_replace(source, target):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        save_model(MLP(2, [1], seed=0), path)
    assert path.read_text() == "precious"
    assert sorted(os.listdir(tmp_path)) == ["model.json"]  # the temporary file was removed


def good_document():
    return model_to_dict(MLP(2, [2, 1], seed=0))


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda d: d.update(format="something-else"), "not a valuegrad model file"),
        (lambda d: d.update(version=3), "format version 3 is newer than this valuegrad reads"),
        (
            lambda d: d.update(nin=3),
            r"layers\[0\].weights\[0\] has 2 numbers but the layer takes 3 inputs",
        ),
        (
            lambda d: d["layers"][1]["weights"][0].append(1.0),
            r"layers\[1\].weights\[0\] has 3 numbers",
        ),
        (lambda d: d["layers"][0]["biases"].pop(), r"layers\[0\] has 2 weight rows but 1 biases"),
        (
            lambda d: d["layers"][0].update(activation="swish"),
            r"layers\[0\].activation: unknown activation 'swish'",
        ),
        (
            lambda d: d["layers"][0].update(activation=7),
            r"layers\[0\].activation: activation must be a name \(str\), not int",
        ),
        (
            lambda d: d["layers"][0].pop("activation"),
            r"layers\[0\].activation: activation must be a name \(str\), not NoneType",
        ),
        (
            lambda d: d["layers"][0]["biases"].__setitem__(0, "0.5"),
            r"layers\[0\].biases\[0\] is '0.5', not a finite number",
        ),
        (lambda d: d.update(layers=[]), '"layers" should be a non-empty list'),
        (lambda d: d.update(metadata=[1]), '"metadata" should be an object'),
    ],
)
def test_mismatched_files_say_what_is_wrong(tmp_path, change, message):
    document = good_document()
    change(document)
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(document))
    with pytest.raises(ModelFileError, match=message) as caught:
        load_model(path)
    assert str(caught.value).startswith(str(path))


def test_corrupt_files_say_what_is_wrong(tmp_path):
    path = tmp_path / "model.json"
    save_model(MLP(2, [2, 1], seed=0), path)
    text = path.read_text()
    path.write_text(text[: len(text) // 2])
    with pytest.raises(
        ModelFileError,
        match=r"not valid JSON \(.* at line \d+, column \d+\); the file may be truncated",
    ):
        load_model(path)
    path.write_text(text.replace(str(json.loads(text)["layers"][0]["biases"][0]), "NaN", 1))
    with pytest.raises(ModelFileError, match="NaN is not allowed in a model file"):
        load_model(path)
    path.write_text("")
    with pytest.raises(ModelFileError, match="the file is empty"):
        load_model(path)
    path.write_bytes(b"\xff\xfe\x00binary")
    with pytest.raises(ModelFileError, match="not a text"):
        load_model(path)
    with pytest.raises(ModelFileError, match="no such file"):
        load_model(tmp_path / "missing.json")


def test_a_file_over_the_size_limit_is_refused_by_name_and_limit(tmp_path, monkeypatch):
    assert serialize.MAX_MODEL_FILE_BYTES == 64 * 1024 * 1024
    path = tmp_path / "model.json"
    save_model(MLP(2, [2, 1], seed=0), path)
    size = path.stat().st_size
    monkeypatch.setattr(serialize, "MAX_MODEL_FILE_BYTES", size)
    assert load_model(path).nin == 2  # exactly at the limit: read
    monkeypatch.setattr(serialize, "MAX_MODEL_FILE_BYTES", size - 1)
    with pytest.raises(ModelFileError) as caught:
        load_model(path)
    assert str(caught.value) == (
        f"{path}: larger than {size - 1:,} bytes, the most a model file may hold (nn.tables.serialize.MAX_MODEL_FILE_BYTES)"
    )


def test_a_huge_file_is_refused_after_reading_no_more_than_the_limit(tmp_path):
    path = tmp_path / "huge.json"
    with open(path, "wb") as handle:
        handle.truncate(
            16 * 2**30
        )  # 16 GiB of zeros, sparse: no disk used, but read whole it fills memory
    limit = serialize.MAX_MODEL_FILE_BYTES
    assert error_message_in_a_child_process("load_model", "ModelFileError", path) == (
        f"{path}: larger than {limit:,} bytes, the most a model file may hold (nn.tables.serialize.MAX_MODEL_FILE_BYTES)"
    )
