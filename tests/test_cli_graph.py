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


# The classic worked example's numbers (lecture 004; the same values as the numpy derivation in
# tests/test_lectures_worked_example.py): each box's name, then its data or grad to 4 places.
LECTURE_BOXES = {
    "net_h1": "data 0.3775",
    "out_h1": "data 0.5933",
    "net_o1": "grad 0.1385",  # delta_o1 = 0.138498562
    "out_o1": "grad 0.7414",  # dE/dout_o1 = out_o1 - y1 = 0.74136507
    "w5": "grad 0.0822",  # dE/dw5 = 0.082167041
    "w1": "grad 0.000439",  # dE/dw1 = 0.000438568: three significant digits, not 0.0004
    "E": "data 0.2984",  # E_total = 0.298371109
}


def _svg_texts(path) -> list[str]:
    namespace = "{http://www.w3.org/2000/svg}"
    return [t.text or "" for t in ElementTree.parse(path).getroot().iter(f"{namespace}text")]


def test_worked_example_loss_graph_names_every_box_as_the_lecture_does(tmp_path):
    out = tmp_path / "loss.svg"
    assert main(["graph", "worked-example-loss", "--out", str(out)]) == 0
    texts = _svg_texts(out)
    for name, number in LECTURE_BOXES.items():
        position = texts.index(name)  # the name cell, then data, then grad
        assert number in texts[position + 1 : position + 3], name
    for name in ["x1", "x2", "net_h2", "out_h2", "out_o2", "y1", "y2", "E_o1", "b_h1", "w8"]:
        assert name in texts
    # every value box is named: no data cell comes without a name cell before it
    for position, text in enumerate(texts):
        if text.startswith("data "):
            assert not texts[position - 1].startswith(("grad ", "data ")), texts[
                position - 1 : position + 2
            ]


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


def test_steps_writes_one_offline_page_with_a_step_per_node(tmp_path, capsys):
    out = tmp_path / "steps.html"
    assert main(["graph", "worked-example-loss", "--steps", "--out", str(out)]) == 0
    page = out.read_text(encoding="utf-8")
    assert page.count('class="step"') == 11 and page.count("<svg") == 11
    # the lecture's delta_o1 = dE/dout_o1 * out_o1 (1 - out_o1), to 4 places
    assert "dE/dnet_o1 = dE/dout_o1 * out_o1 (1 - out_o1) = 0.7414 * 0.1868 = 0.1385" in page
    assert "<script src" not in page and "<link" not in page
    assert f"wrote {out}" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["worked-example-loss", "--steps", "--out", "steps.svg"], "give a .html file"),
        (["xor", "--steps", "--out", "steps.html"], "use worked-example-loss, not xor"),
    ],
)
def test_steps_refuses_other_files_and_graphs_in_one_line(tmp_path, capsys, args, message):
    args[-1] = str(tmp_path / args[-1])
    assert main(["graph", *args]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err
    assert list(tmp_path.iterdir()) == []
