"""TableModel's defaults on scikit-learn's bundled tables, held out, against scikit-learn's own
defaults on the same split (``benchmarks.tables_heldout``, whose table docs/tables.md shows)."""

import pytest

pytest.importorskip(
    "sklearn", reason="scikit-learn is not installed: CI installs it for these reference scores"
)
from benchmarks.tables_heldout import TABLES, compare


@pytest.mark.parametrize("name", list(TABLES))
def test_the_defaults_score_within_a_small_margin_of_scikit_learns_best(name, tmp_path):
    # docs/tables.md shows every gap within 0.02 but digits' 0.0222 (10 of 450 rows); 0.025
    # allows one row more there and fails on any larger loss. This also runs the benchmark
    # itself, which once failed on numbered classes unnoticed.
    _, _, ours, mlp, linear = compare(name, TABLES[name], tmp_path)
    assert max(mlp, linear) - ours <= 0.025, (ours, mlp, linear)
