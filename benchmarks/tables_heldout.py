"""Held-out scores of TableModel's defaults against scikit-learn's defaults on the same split.

    python -m benchmarks.tables_heldout [DIRECTORY]

Exports scikit-learn's bundled tables to CSV files in DIRECTORY (a temporary one by default),
splits each 75/25 (stratified for classes, seed 0), fits ``nn.TableModel()`` with no options on
the training rows' CSV, and scikit-learn's default MLP and linear model on the same rows
(standardized, as their documentation advises), then prints accuracy or R^2 on the held-out rows.
"""

from __future__ import annotations

import csv
import sys
import tempfile
import warnings
from pathlib import Path

import numpy as np
from sklearn import datasets
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.metrics import accuracy_score, r2_score
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from nn import TableModel

TABLES = {
    "iris": "classification",
    "wine": "classification",
    "breast_cancer": "classification",
    "digits": "classification",
    "diabetes": "regression",
}


def _write(path: Path, names: list[str], X: np.ndarray, y: np.ndarray) -> None:
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([*names, "target"])
        for row, target in zip(X.tolist(), y.tolist()):
            writer.writerow([*map(repr, row), target])


def compare(name: str, kind: str, directory: Path) -> tuple[int, int, float, float, float]:
    """(rows, columns, TableModel score, sklearn MLP score, sklearn linear score) on the held-out rows."""
    bunch = getattr(datasets, f"load_{name}")()
    X, y = bunch.data, bunch.target
    if kind == "classification" and getattr(bunch, "target_names", None) is not None:
        y = np.asarray(bunch.target_names)[y]
    names = [f"x{i}" for i in range(X.shape[1])]
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, random_state=0, stratify=y if kind == "classification" else None
    )
    _write(directory / f"{name}_train.csv", names, X_train, y_train)
    model = TableModel().fit(str(directory / f"{name}_train.csv"), "target")
    test_columns = {n: X_test[:, i].tolist() for i, n in enumerate(names)}
    ours = model.predict(test_columns)
    if kind == "classification":
        ours_score = accuracy_score(y_test.tolist(), ours)  # numbered classes come back as numbers
        references = [MLPClassifier(random_state=0), LogisticRegression()]
        score = accuracy_score
    else:
        ours_score = r2_score(y_test, ours)
        references = [MLPRegressor(random_state=0), LinearRegression()]
        score = r2_score
    scores = []
    for reference in references:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            pipeline = make_pipeline(StandardScaler(), reference).fit(X_train, y_train)
        scores.append(score(y_test, pipeline.predict(X_test)))
    return len(X), X.shape[1], ours_score, scores[0], scores[1]


def main() -> None:
    directory = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.mkdtemp())
    print(
        "| table | rows x columns | metric | TableModel | sklearn MLP | sklearn linear | gap to best |"
    )
    print("|---|---|---|---|---|---|---|")
    for name, kind in TABLES.items():
        rows, columns, ours, mlp, linear = compare(name, kind, directory)
        metric = "accuracy" if kind == "classification" else "R^2"
        gap = max(mlp, linear) - ours
        print(
            f"| {name} | {rows} x {columns} | {metric} | {ours:.4f} | {mlp:.4f} | {linear:.4f} | {gap:+.4f} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
