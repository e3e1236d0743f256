"""Datasets (XOR, two moons) and CSV reading whose errors name the file, line and column."""

import math

import numpy as np
import pytest

from nn import DataError, make_moons, read_columns, read_csv, xor_dataset


def test_xor_dataset():
    assert xor_dataset() == ([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]], [0.0, 1.0, 1.0, 0.0])


def test_moons_are_two_noisy_half_circles():
    X, y = make_moons(200, noise=0.0, seed=0)
    assert X.shape == (200, 2) and sorted(set(y.tolist())) == [0, 1] and y.sum() == 100
    upper, lower = X[y == 0], X[y == 1]
    np.testing.assert_allclose(np.hypot(upper[:, 0], upper[:, 1]), 1.0)  # on the unit circle
    np.testing.assert_allclose(
        np.hypot(lower[:, 0] - 1.0, lower[:, 1] - 0.5), 1.0
    )  # centred at (1, 0.5)
    assert (upper[:, 1] >= -1e-12).all() and (lower[:, 1] <= 0.5 + 1e-12).all()
    a, b = make_moons(50, seed=3), make_moons(50, seed=3)
    np.testing.assert_array_equal(a[0], b[0])
    noisy, _ = make_moons(200, noise=0.1, seed=0)
    assert 0.05 < np.abs(noisy - X).std() < 0.15


def write(tmp_path, text, name="data.csv"):
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def test_reads_a_table_skipping_blank_lines(tmp_path):
    path = write(tmp_path, "a, b ,y\n1,2,3\n\n4,5e-1,6\n")
    table = read_csv(path)
    assert table.columns == ["a", "b", "y"] and table.lines == [2, 4]
    assert table.numbers(["b", "a"]) == [[2.0, 1.0], [0.5, 4.0]]


@pytest.mark.parametrize(
    "text, message",
    [
        ("", "data.csv: the file is empty (expected a header line, then rows of numbers)"),
        ("\n\n", "data.csv: the file is empty (expected a header line, then rows of numbers)"),
        ("a,b\n", "data.csv: no data rows after the header"),
        ("a,b\n1,2\n3\n", "data.csv, line 3: 1 cells, but the header has 2 columns"),
        ("a,b\n1,2,5\n", "data.csv, line 2: 3 cells, but the header has 2 columns"),
        ("a,,c\n1,2,3\n", "data.csv, line 1: column 2 of the header has no name"),
        ("a,b,a\n1,2,3\n", "data.csv, line 1: column name 'a' appears twice in the header"),
    ],
)
def test_shape_problems_name_the_line(tmp_path, text, message):
    path = write(tmp_path, text)
    with pytest.raises(DataError) as caught:
        read_csv(path)
    assert str(caught.value) == message.replace("data.csv", path, 1)


@pytest.mark.parametrize(
    "cell, problem",
    [
        ("abc", "'abc' is not a number"),
        ("", "empty cell"),
        ("nan", "is not a finite number"),
        ("-inf", "is not a finite number"),
        ("1e999", "is not a finite number"),
    ],
)
def test_bad_cells_name_file_line_and_column(tmp_path, cell, problem):
    path = write(tmp_path, f"x1,x2\n1,2\n3,{cell}\n")
    with pytest.raises(DataError, match=problem) as caught:
        read_csv(path).numbers(["x1", "x2"])
    error = caught.value
    assert (error.line, error.column) == (3, "x2")
    assert str(error).startswith(f"{path}, line 3, column 'x2': ")


def test_missing_files_and_columns(tmp_path):
    with pytest.raises(DataError, match="nope.csv: no such file"):
        read_csv(str(tmp_path / "nope.csv"))
    with pytest.raises(DataError, match="is a directory"):
        read_csv(str(tmp_path))
    table = read_csv(write(tmp_path, "a,b\n1,2\n"))
    with pytest.raises(DataError, match="line 1: no column 'y'; the columns are: a, b"):
        table.require("y")
    path = tmp_path / "latin1.csv"
    path.write_bytes("a,b\n1,\xe9\n".encode("latin-1"))
    with pytest.raises(DataError, match=r"not UTF-8 text \(byte 6\)"):
        read_csv(str(path))


@pytest.mark.parametrize("reader", [read_csv, read_columns])
def test_a_bad_byte_late_in_a_big_file_is_named_by_its_line_and_file_offset(tmp_path, reader):
    # An adversarial trial: a bad byte at line 20,002 was reported as "byte 1438" (its place in
    # the reader's current piece) and with no line
    good = "x,y\n" + "".join(f"{i},{i % 2}\n" for i in range(20_000))
    path = tmp_path / "late.csv"
    path.write_bytes(good.encode() + b"\xe2\x82,1\n")  # a 3-byte character cut after 2 bytes
    with pytest.raises(DataError, match=rf"line 20002: not UTF-8 text \(byte {len(good):,}\)"):
        reader(str(path))


def test_a_character_cut_off_by_the_end_of_the_file_is_named_where_it_starts(tmp_path):
    path = tmp_path / "cut.csv"
    path.write_bytes(b"a,b\n1,2\n3,\xc3")  # the first byte of a two-byte character, then the end
    with pytest.raises(DataError, match=r"line 3: not UTF-8 text \(byte 10\)"):
        read_csv(str(path))


@pytest.mark.parametrize("reader", [read_csv, read_columns])
@pytest.mark.parametrize(
    "content, advice",
    [
        ("a,b\n1,2\n".encode("utf-16"), r"UTF-16 text.*save it as CSV UTF-8"),
        (b"PK\x03\x04\x14\x00\x06\x00\x08\x00\xff", r"a zip archive \(an \.xlsx workbook\?\)"),
        (b"\x1f\x8b\x08\x00\xff\xfe", r"gzip-compressed: decompress it first"),
        ("a,b\n1,é\n".encode("cp1252"), r"save it as UTF-8 .*iconv -f cp1252"),
    ],
    ids=["utf-16", "xlsx", "gzip", "windows-1252"],
)
def test_a_file_that_is_not_utf8_text_says_what_it_likely_is_and_what_to_do(
    tmp_path, reader, content, advice
):
    # a practitioner's trial: each of these said only "not UTF-8 text (byte 0)"
    path = tmp_path / "export.csv"
    path.write_bytes(content)
    with pytest.raises(
        DataError, match=r"export\.csv, line \d+: not UTF-8 text \(byte \d+\).*" + advice
    ):
        reader(str(path))


def test_excel_separator_lines_pipes_and_more_missing_markers_are_read(tmp_path):
    excel = write(tmp_path, "sep=;\n\ufeffa;b\n1;#N/A\n2;<NA>\n3;4\n")
    table = read_columns(excel)
    assert list(table.columns) == ["a", "b"] and table.columns["b"].missing == 2
    assert list(table.lines) == [3, 4, 5]
    piped = write(tmp_path, "a|b|y\n1|2|x\n")
    assert list(read_columns(piped).columns) == ["a", "b", "y"]


def test_a_header_read_as_one_column_or_ending_in_a_separator_says_why(tmp_path):
    table = read_columns(write(tmp_path, "a:b:y\n1:2:3\n"))
    with pytest.raises(DataError, match=r"no column 'y'.*read as one column.*--delimiter"):
        table.require("y")
    for reader in (read_csv, read_columns):
        with pytest.raises(
            DataError, match=r"column 3 of the header has no name \(a separator at the end"
        ):
            reader(write(tmp_path, "a,b,\n1,2,\n"))


def test_other_marks_of_a_missing_number_are_named_as_such(tmp_path):
    from nn.tables.columns import ProblemList, numeric_problems

    table = read_columns(write(tmp_path, "a\n1\n2\n3\n4\nNone\n-\n7\n"))
    problems = ProblemList()
    numeric_problems(table, table.columns["a"], problems)
    assert [str(p).split(": ", 1)[1] for p in problems.problems] == [
        "'None' is not a number (a missing value is an empty cell or NA; --missing-marks None "
        "on the command line, missing_marks=['None'] from Python, reads 'None' as one)",
        "'-' is not a number (a missing value is an empty cell or NA; --missing-marks - on the "
        "command line, missing_marks=['-'] from Python, reads '-' as one)",
    ]


def test_rows_of_empty_cells_end_a_table_but_between_rows_they_are_rows(tmp_path):
    # a spreadsheet's export often ends in ",,,," rows: each was a row with an empty target;
    # but one between rows of data is a row, to which predict owes a line of output
    table = read_columns(write(tmp_path, "a,b,y\n1,2,3\n,,\n4,5,6\n , ,\n,,\n"))
    assert table.n_rows == 3 and list(table.lines) == [2, 3, 4]
    assert table.columns["a"].missing == 1


def test_an_excel_tab_separator_line_a_blank_after_it_and_utf16_without_a_mark(tmp_path):
    # an adversarial trial: "sep=<tab>" lost its tab to strip(); "sep=;" then a blank line read
    # a header of nothing; UTF-16 without a byte-order mark printed NULs as column names
    table = read_columns(write(tmp_path, "sep=\t\n\na\tb\n1\t2\n"))
    assert list(table.columns) == ["a", "b"] and list(table.lines) == [4]
    with pytest.raises(DataError, match="no header line after the sep= line"):
        read_columns(write(tmp_path, "sep=;\n\n"))
    path = tmp_path / "utf16.csv"
    path.write_bytes("a,b,y\n1,2,3\n".encode("utf-16-be"))
    for reader in (read_csv, read_columns):
        with pytest.raises(
            DataError, match="NUL characters: UTF-16 text without a byte-order mark"
        ):
            reader(str(path))
    with pytest.raises(
        DataError,
        match=r"2 cells, but the header has 1 column \(the header was read as one column: --delimiter",
    ):
        read_columns(write(tmp_path, "a\n1,5;2\n1;2\n"), delimiter=",")


def test_three_decimals_after_a_leading_zero_are_decimal_commas_not_thousands(tmp_path):
    # a review: every cell of a diabetes-like column has three decimals (-0,046): no thousands
    # separator comes after a lone 0, yet the column was left out as ambiguous
    table = read_columns(write(tmp_path, "a;y\n-0,046;1\n0,038;2\n0,027;3\n"))
    assert list(table.columns["a"].numbers) == [-0.046, 0.038, 0.027]


def test_a_separator_in_the_header_names_gives_way_to_the_one_that_cuts_the_rows(tmp_path):
    # units after semicolons in a comma file's header: the header alone says ";" (4 against 3)
    table = read_columns(
        write(tmp_path, "weight; kg,height; cm,age; years; approx,y\n70,180,30,1\n80,170,40,0\n")
    )
    assert table.delimiter == ","
    assert list(table.columns) == ["weight; kg", "height; cm", "age; years; approx", "y"]
    assert list(table.columns["age; years; approx"].numbers) == [30.0, 40.0]


def test_an_unclosed_quote_is_reported_on_the_line_where_it_opens(tmp_path):
    rows = ["a,b,y"] + [f"{i},{i * 2},{i % 2}" for i in range(1, 30)]
    rows[5] = '5,"x,1'
    with pytest.raises(
        DataError,
        match=r"line 6: a quote \(\"\) opened in this row is never "
        r"closed, so the rest of the file \(to line 30\)",
    ):
        read_columns(write(tmp_path, "\n".join(rows) + "\n"))
    with pytest.raises(DataError, match=r"line 3: a quote \(\"\) opened in this row"):
        read_columns(write(tmp_path, '\n\na,b,"y\n1,2,3\n', "header.csv"))
    # and the header's own line number, after the first row was read to check the separator
    with pytest.raises(DataError, match=r"line 1: column name 'a' appears twice"):
        read_columns(write(tmp_path, "a,a,y\n1,2,3\n", "twice.csv"))


def test_a_blank_line_between_rows_of_a_one_column_file_is_an_empty_cell(tmp_path):
    # Excel writes an empty cell of a one-column sheet as a blank line; skipping it shifted
    # every later prediction by a row. Blank lines at the end are no rows, as before.
    table = read_columns(write(tmp_path, "x\n0.1\n\n-2\n1.5\n\n\n"))
    numbers = list(table.columns["x"].numbers)
    assert numbers[0] == 0.1 and math.isnan(numbers[1]) and numbers[2:] == [-2.0, 1.5]
    assert list(table.lines) == [2, 3, 4, 5]


def test_a_quoted_cell_that_runs_onto_the_next_line_does_not_mislead_the_separator(tmp_path):
    # the first row's quote runs onto line 3: its first line alone says "," (an adversarial pass)
    table = read_columns(
        write(tmp_path, 'id;Bemerkung, kurz;wert\n1;"erste Zeile, mehr\nzweite Zeile";5\n2;ok;6\n')
    )
    assert table.delimiter == ";" and list(table.columns["wert"].numbers) == [5.0, 6.0]
    # header and first row cut alike by commas and by tabs: commas inside names are likelier
    table = read_columns(write(tmp_path, "Gewicht, kg\tGröße, cm\ty\n70,5\t180,2\t1\n", "t.csv"))
    assert list(table.columns) == ["Gewicht, kg", "Größe, cm", "y"]
    # a bad quote in the header is reported on the header's line, though a row was read ahead
    with pytest.raises(DataError, match=r"line 1: not valid CSV"):
        read_columns(write(tmp_path, 'a,"b"x\n1,2\n', "q.csv"))


def test_a_missing_mark_that_is_a_number_is_a_missing_value(tmp_path):
    # --missing-marks=-999 was kept in the model but never applied: a cell is read as a number
    # before the marks are looked at
    table = read_columns(write(tmp_path, "x,y\n1.5,1\n-999,2\n2.5,3\n"), missing_marks=["-999"])
    numbers = list(table.columns["x"].numbers)
    assert numbers[0] == 1.5 and math.isnan(numbers[1]) and numbers[2] == 2.5
    assert table.columns["x"].missing == 1
