"""`valuegrad graph`: lecture networks and the worked example's loss graph, written as image files."""

import xml.etree.ElementTree as ElementTree

import pytest

from nn.cli import main

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("name", ["xor", "worked-example", "worked-example-loss"])
def test_graph_writes_a_valid_svg(tmp_path, capsys, name):
    out = tmp_path / f"{name}.svg"
    assert main(["graph", name, "--out", str(out)]) == 0
    root = ElementTree.parse(out).getroot()
    assert root.tag.endswith("svg")
    assert f"wrote {out}" in capsys.readouterr().out


def test_worked_example_loss_graph_shows_the_loss_and_its_weights(tmp_path):
    out = tmp_path / "loss.svg"
    assert main(["graph", "worked-example-loss", "--out", str(out)]) == 0
    text = out.read_text()
    assert "J" in text and "L0.N0.w0" in text
    # The notes' total error J = 0.298371109 (hand derivation in tests/test_lectures_worked_example.py).
    assert "0.2984" in text


def test_graph_writes_a_png(tmp_path):
    out = tmp_path / "xor.png"
    assert main(["graph", "xor", "--out", str(out)]) == 0
    data = out.read_bytes()
    assert data.startswith(PNG_SIGNATURE) and len(data) > 1000


def test_unknown_suffix_is_one_line_error_and_writes_nothing(tmp_path, capsys):
    out = tmp_path / "xor.txt"
    assert main(["graph", "xor", "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and ".svg, .png or .pdf" in err
    assert not out.exists()


def test_missing_dot_is_one_line_error_that_says_how_to_install(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    out = tmp_path / "xor.svg"
    assert main(["graph", "xor", "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "apt-get install graphviz" in err
    assert not out.exists()
