"""``TableModel``: a network together with everything learned from its training table, fitted, saved and loaded as one.

    model = TableModel().fit("passengers.csv", target="survived")
    model.predict("new.csv")            # classes (names, or numbers if they were) or numbers for regression
    model.predict_proba({"age": [31, None], "sex": ["male", "female"]})
    model.save("model.json"); nn.load_model("model.json")   # a TableModel again

It holds the column rules (``preprocess.Preprocessor``), the task, the class names or the
target's scaling, and the MLP. Fitting sets aside a validation split (stratified for classes,
seeded), trains with Adam on the compiled engine where it can, prints or collects the training
and validation metrics, stops early when the validation loss has not improved for ``patience``
epochs and restores the best weights. Predicting runs the network on the whole table with numpy
(the compiled engine's kernels), so Python and ``valuegrad predict`` give the same numbers.
"""

from __future__ import annotations

import itertools
import math
import os
import warnings
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..activations import canonical_activation
from ..batch import class_probabilities, network_outputs
from ..module import MLP
from ..optim import Adam
from ..train import ENGINES, train
from .columns import (
    MAX_PROBLEMS,
    OTHER_MISSING_MARKS,
    Column,
    ColumnTable,
    ProblemList,
    number_text,
    numeric_problems,
)
from .csvfile import DataError
from .inputs import TableInput, as_table, target_column, with_target
from .preprocess import (
    MISSING_POLICIES,
    CategoryRule,
    Preprocessor,
    is_finite_number,
    mean_and_std,
    standardize,
)
from .serialize import MAX_MODEL_PARAMETERS
from .tabular import TASKS, is_class_list

# The default L2 penalty: 0.01 up to 1,000 training rows (chosen on scikit-learn's small tables,
# docs/tables.md), then 10 / rows: the more rows, the more the data constrain the weights
# themselves. A fixed 0.01 held a 75,000-row table's network back (balanced accuracy 0.57,
# against 0.88 with 1e-4), as scikit-learn's MLP also divides its penalty by the rows.
DEFAULT_L2 = 0.01
L2_FULL_UNTIL_ROWS = 1_000


def default_l2(training_rows: int) -> float:
    """The L2 penalty a TableModel uses when none is given, for this many training rows."""
    return DEFAULT_L2 * min(1.0, L2_FULL_UNTIL_ROWS / max(training_rows, 1))


# An integer target with at most this many distinct values is taken as classes.
MAX_AUTO_CLASSES = 10
# More classes than this are refused up front: one output per class, and few rows per class.
MAX_CLASSES = 100
# As many as a model file may hold, so that every trained model can be loaded back.
MAX_PARAMETERS = MAX_MODEL_PARAMETERS
LR_SCHEDULES = ("constant", "cosine")


def _as_written(column: Column) -> list[str]:
    """A column's cells as the file wrote them (an id 007 stays 007, a 20-digit id keeps every
    digit), or as its values read for a table not read with them."""
    if column.written is not None:
        return column.written
    if column.strings_given is not None:  # strings given from Python, as given ("007")
        return column.strings_given
    return [text or "" for text in column.text_values()]


def _refuse_words_among_numbered_classes(table: ColumnTable, column: Column) -> None:
    """A target of numbers with a word that comes back (01, 1, X): classes, most likely, where
    every such cell would be reported as no number. A word written once is a typo, and ``?``
    a missing value, reported cell by cell as before."""
    counts = Counter(column.texts.values())
    repeated = [
        text
        for text, n in counts.most_common()
        if n > 1 and text.lower() not in OTHER_MISSING_MARKS
    ]
    if not repeated or len(counts) > MAX_CLASSES:
        return
    words = ", ".join(repr(text) for text in repeated[:3]) + (", ..." if len(repeated) > 3 else "")
    raise DataError(
        f"the target holds numbers and {len(column.texts):,} cells of words ({words}): if its "
        "values name classes, --task multiclass (task='multiclass' from Python) reads each one "
        "as a class; if the words are mistakes, correct them",
        table.path,
        table.lines[min(column.texts)],
        column.name,
    )


def _classes_alike(classes: list[str]) -> list[list[str]]:
    """Groups of class names that differ only in case or spaces (Yes, yes, YES), as typed by hand."""
    groups: dict[str, list[str]] = {}
    for name in classes:
        groups.setdefault("".join(name.casefold().split()), []).append(name)
    return [names for names in groups.values() if len(names) > 1]


def _split(
    labels: np.ndarray | None, n_rows: int, fraction: float, seed: int
) -> tuple[list[int], list[int]]:
    """Training and validation rows: a seeded shuffle, stratified by class when ``labels`` are given."""
    rng = np.random.default_rng(seed)
    groups = (
        [np.arange(n_rows)]
        if labels is None
        else [np.flatnonzero(labels == k) for k in np.unique(labels)]
    )
    validation: list[int] = []
    for group in groups:
        shuffled = rng.permutation(group)
        validation.extend(shuffled[: round(fraction * len(group))].tolist())
    in_validation = np.zeros(n_rows, dtype=bool)
    in_validation[validation] = True
    return np.flatnonzero(~in_validation).tolist(), np.flatnonzero(in_validation).tolist()


@dataclass
class _Best:
    """The lowest validation loss so far, its epoch, and the weights then."""

    loss: float
    epoch: int
    weights: list[float]


def _checked_marks(marks: Sequence[str]) -> list[str]:
    """The missing-value marks as a list of texts; a ValueError for anything else."""
    if isinstance(marks, str):
        marks = [marks]  # one mark, "?"
    if not all(isinstance(m, str) and m.strip() for m in marks):
        raise ValueError(f"missing_marks takes texts such as ['?'], not {marks!r}")
    return list(marks)


def _widths(hidden: object) -> list[int]:
    """Hidden layer widths as a list: an int is one layer (as scikit-learn's MLP takes it)."""
    if _is_whole(hidden, 1):
        return [int(hidden)]  # type: ignore[call-overload]
    if isinstance(hidden, (str, bytes)) or not isinstance(hidden, Sequence):
        raise ValueError(
            f"hidden takes the widths of the hidden layers, such as [32, 16] (the CLI's "
            f"--hidden 32,16), not {hidden!r}"
        )
    for width in hidden:
        if not _is_whole(width, 1):
            raise ValueError(f"hidden: each width must be a whole number >= 1, not {width!r}")
    return [int(width) for width in hidden]


def _is_whole(x: object, minimum: int) -> bool:
    return isinstance(x, (int, np.integer)) and not isinstance(x, bool) and bool(x >= minimum)


def _class_numbers(classes: list[str]) -> dict[str, int | float | bool] | None:
    """Each class's number when every class is a number as ``number_text`` writes it (the
    classes of a numbered target), or False and True for a target of Python bools, else None."""
    if classes == ["False", "True"]:
        return {"False": False, "True": True}
    numbers: dict[str, int | float | bool] = {}
    for name in classes:
        try:
            value = float(name)
        except ValueError:
            return None
        if not math.isfinite(value) or number_text(value) != name:
            return None
        numbers[name] = int(value) if value.is_integer() else value
    return numbers


class TableModel:
    """An MLP with the column rules, task and target encoding learned from a training table."""

    def __init__(
        self,
        *,
        hidden: Sequence[int] = (64,),
        activation: str = "relu",
        epochs: int = 200,
        lr: float = 0.01,
        batch_size: int | None = None,
        l2: float | None = None,
        validation: float = 0.2,
        patience: int = 50,
        lr_schedule: str = "constant",
        seed: int = 0,
        engine: str = "auto",
    ) -> None:
        self.hidden = hidden  # kept as given (read by _widths), as scikit-learn's clone expects
        self.activation = activation
        self.epochs = epochs
        self.lr = lr
        self.batch_size = batch_size  # None: 200, or 1% of the training rows when that is more
        self.l2 = l2  # None: default_l2 of the training rows
        self.validation = validation
        self.patience = patience
        self.lr_schedule = lr_schedule
        self.seed = seed
        self.engine = engine
        self._check_settings()
        self.network: MLP | None = None
        self.preprocessor: Preprocessor | None = None
        self.task = ""
        self.target = ""
        self.classes: list[str] = []
        self.classes_as_given = False  # class names given as strings ("01"), not read as numbers
        self.missing_marks: list[str] = []  # texts that meant a missing value ("?") in training
        self.target_mean, self.target_std = 0.0, 1.0
        self.notes: list[str] = []
        self.summary: dict[str, Any] = {}

    _SETTINGS = (
        "hidden",
        "activation",
        "epochs",
        "lr",
        "batch_size",
        "l2",
        "validation",
        "patience",
        "lr_schedule",
        "seed",
        "engine",
    )

    def _check_settings(self) -> None:
        """A ValueError naming the first setting that training could not use."""
        _widths(self.hidden)
        canonical_activation(self.activation)
        for name in ("epochs", "patience"):
            if not _is_whole(getattr(self, name), 1):
                raise ValueError(f"{name} must be a whole number >= 1, not {getattr(self, name)!r}")
        if self.batch_size is not None and not _is_whole(self.batch_size, 1):
            raise ValueError(
                f"batch_size must be a whole number >= 1 or None, not {self.batch_size!r}"
            )
        if not (is_finite_number(self.lr) and self.lr > 0):
            raise ValueError(f"lr must be a finite number > 0, not {self.lr!r}")
        if self.l2 is not None and not (is_finite_number(self.l2) and self.l2 >= 0):
            raise ValueError(f"l2 must be a finite number >= 0 or None, not {self.l2!r}")
        if not (is_finite_number(self.validation) and 0.0 <= self.validation < 1.0):
            raise ValueError(f"validation must be a fraction in [0, 1), not {self.validation!r}")
        if self.lr_schedule not in LR_SCHEDULES:
            raise ValueError(f"lr_schedule must be one of {LR_SCHEDULES}, not {self.lr_schedule!r}")
        if not _is_whole(self.seed, 0):
            raise ValueError(f"seed must be a whole number >= 0, not {self.seed!r}")
        if self.engine not in ENGINES:
            raise ValueError(f"engine must be one of {ENGINES}, not {self.engine!r}")

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """The constructor's settings, as scikit-learn's ``clone`` and searches read them."""
        return {name: getattr(self, name) for name in self._SETTINGS}

    def set_params(self, **settings: Any) -> TableModel:
        """Change constructor settings (checked, all or none), as scikit-learn's searches do."""
        unknown = sorted(set(settings) - set(self._SETTINGS))
        if unknown:
            raise ValueError(
                f"TableModel has no setting {unknown[0]!r}; it has {', '.join(self._SETTINGS)}"
            )
        before = self.get_params()
        vars(self).update(settings)
        try:
            self._check_settings()
        except ValueError:
            vars(self).update(before)
            raise
        return self

    @property
    def classes_(self) -> list[Any]:
        """The classes as ``predict`` gives them (numbers for a numbered target), in the order
        of ``predict_proba``'s columns, as scikit-learn's classifiers name them."""
        if self.network is None:  # an AttributeError, so hasattr(model, "classes_") is False
            raise AttributeError("this TableModel is not fitted yet: call fit first")
        as_value = self._class_values()
        return list(self.classes) if as_value is None else [as_value[c] for c in self.classes]

    def _class_values(self) -> dict[str, int | float | bool] | None:
        """What ``predict`` gives for each class name, or None where it gives the names."""
        return None if self.classes_as_given else _class_numbers(self.classes)

    def score(self, data: TableInput, y: str | Sequence[Any]) -> float:
        """Accuracy of ``predict(data)`` against ``y`` (classes), or R^2 (regression), as a
        scikit-learn estimator's ``score``; ``y`` is the targets (read as ``fit`` reads them),
        or the name of their column in ``data``."""
        table = as_table(data, missing_marks=self.missing_marks)
        if isinstance(y, str):
            column = table.require(y)
        else:
            column = target_column(y, "score")[0]
            if len(column.numbers) != table.n_rows:
                raise DataError(
                    f"score: {len(column.numbers)} targets for {table.n_rows} rows", table.path
                )
        _, rows = self._table_rows(table, (), None)
        if self.task == "regression":
            truth = np.frombuffer(column.numbers, dtype=float)
            if column.texts or np.isnan(truth).any():
                raise DataError("score: every target must be a number", table.path)
            guess = np.array([row[0] for row in rows], dtype=float)
            return float(1.0 - np.sum((truth - guess) ** 2) / np.sum((truth - truth.mean()) ** 2))
        # Compared by class name, as fit named them: "01" stays "01", 1 and 1.0 are "1"
        names = column.strings_given if column.strings_given is not None else column.text_values()
        return float(np.mean([row[0] == name for row, name in zip(rows, names)]))

    # --- fitting -------------------------------------------------------------------------

    def fit(
        self,
        data: TableInput,
        target: str | int | Sequence[Any],
        *,
        features: Sequence[str] | None = None,
        drop: Sequence[str] = (),
        missing: str = "impute",
        task: str = "auto",
        delimiter: str | None = None,
        missing_marks: Sequence[str] = (),
        decimal_comma: bool = False,
        progress: bool | None = False,
        log: Callable[[str], None] | None = None,
        result: Callable[[str], None] | None = None,
    ) -> TableModel:
        """Learn the column rules and train the network on ``data`` (a CSV path, a DataFrame,
        columns or rows) to predict ``target``: a column's name, or the targets themselves
        (``fit(X, y)`` as in scikit-learn, with ``y`` a list, array or Series). ``log`` gets the notes, the epoch lines and at the end the result
        line (``result_line()``), which goes to ``result`` instead when that is given (the CLI
        prints it on stdout, the rest on stderr). ``missing_marks`` are texts that mean a
        missing value besides empty, NA, N/A, nan, null and #N/A (UCI's "?"); the model keeps
        them, and reads the data it predicts with them too. ``decimal_comma=True`` says that a
        CSV file separated by ; or tabs writes decimal commas (data given from Python has its
        numbers already), for a column such as 1,125 that alone
        could be thousands; each column's reading is kept in the model for ``predict``.

        A fit that raises or is interrupted (KeyboardInterrupt) leaves the model as it was
        before, unfitted if it was new: never half-trained weights with a stale summary."""
        self._check_settings()  # (set by hand since the constructor, perhaps)
        marks = _checked_marks(missing_marks)
        before = dict(vars(self))
        try:
            self.missing_marks = marks
            reading = (delimiter, decimal_comma)
            self._fit(data, target, features, drop, missing, task, progress, log, reading)
            report = result or log
            if report is not None:
                report(self.result_line())
        except BaseException:
            vars(self).clear()
            vars(self).update(before)
            raise
        return self

    def _fit(
        self,
        data: TableInput,
        target_given: str | int | Sequence[Any],
        features: Sequence[str] | None,
        drop: Sequence[str],
        missing: str,
        task: str,
        progress: bool | None,
        log: Callable[[str], None] | None,
        reading: tuple[str | None, bool] = (None, False),
    ) -> None:
        """``fit`` without its undo; ``reading``: the file's delimiter (None: sniffed) and
        whether it writes decimal commas."""
        say = log or (lambda line: None)
        delimiter, decimal_comma = reading
        table = as_table(data, delimiter, (), self.missing_marks, decimal_comma)
        if isinstance(target_given, str):
            target = target_given
        elif isinstance(target_given, (int, np.integer)) and not isinstance(target_given, bool):
            target = str(target_given)  # a DataFrame's column 4 is named "4" here
        else:
            table, target = with_target(table, target_given)
        target = table.name_of(target)  # the table's spelling (its accents composed or not)
        if len(table.columns) == 1:
            raise DataError(
                f"no feature columns: the only column is the target {target!r}", table.path, 1
            )
        if table.n_rows < 2:
            raise DataError(
                f"{_count(table.n_rows, 'data row')}: training needs at least 2", table.path
            )
        if missing not in MISSING_POLICIES:
            raise ValueError(f"missing must be one of {MISSING_POLICIES}, not {missing!r}")
        self.target = target
        self.task = self._infer_task(table) if task == "auto" else task
        if self.task not in TASKS:
            raise ValueError(f"unknown task {task!r}; choose auto, {', '.join(TASKS)}")
        labels, encoded = self._encode_target(table)
        train_rows, validation_rows = _split(
            labels, table.n_rows, self.validation if table.n_rows >= 10 else 0.0, int(self.seed)
        )
        if len(train_rows) < 2:
            raise DataError(
                f"a validation fraction of {self.validation} leaves {len(train_rows)} of {table.n_rows} rows "
                "to train on; use a smaller one",
                table.path,
            )
        if self.task == "regression" and np.all(encoded[train_rows] == encoded[train_rows[0]]):
            raise DataError(
                f"the target is {number_text(float(encoded[train_rows[0]]))} in every training row "
                f"(the others went to the {len(validation_rows)} validation rows); nothing to learn: "
                "try another --seed or a smaller --validation",
                table.path,
                None,
                target,
            )
        training = table.subset(train_rows) if validation_rows else table
        self.notes = [
            f"classes {' and '.join(map(repr, alike))} differ only in case or spaces, and are "
            "learned as different classes; if they are one, write them alike"
            for alike in _classes_alike(self.classes)
        ]
        self.preprocessor = Preprocessor.fit(
            training,
            target,
            features=features,
            drop=drop,
            missing=missing,
            notes=self.notes,
            whole=table,
        )
        for note in self.notes:
            say(note)
        x_train = self.preprocessor.transform(training)
        y_train = encoded[train_rows] if validation_rows else encoded
        x_valid = (
            self.preprocessor.transform(table.subset(validation_rows)) if validation_rows else None
        )
        y_valid = encoded[validation_rows] if validation_rows else None
        path, n_rows, n_train, n_valid = (
            table.path,
            table.n_rows,
            len(train_rows),
            len(validation_rows),
        )
        # The columns and row lists are no longer needed: let them go before training.
        del data, table, training, train_rows, validation_rows
        if self.task == "regression":
            self.target_mean, self.target_std = mean_and_std(y_train)
            y_train = standardize(y_train, self.target_mean, self.target_std)
            if y_valid is not None:
                y_valid = standardize(y_valid, self.target_mean, self.target_std)
        nout = len(self.classes) if self.task == "multiclass" else 1
        sizes = [self.preprocessor.width, *_widths(self.hidden), nout]
        n_parameters = sum((a + 1) * b for a, b in itertools.pairwise(sizes))
        if n_parameters > MAX_PARAMETERS:
            raise DataError(
                f"a {'-'.join(map(str, sizes))} network has {n_parameters:,} parameters, more than the limit of "
                f"{MAX_PARAMETERS:,}; use narrower hidden layers or fewer columns",
                path,
            )
        self.network = MLP(
            sizes[0], sizes[1:], self.activation, "linear", init="scaled", seed=int(self.seed)
        )
        split = (
            f"{n_train:,} training, {n_valid:,} validation" if n_valid else "no validation split"
        )
        say(
            f"{path}: {n_rows:,} row{'s' if n_rows != 1 else ''} ({split}), "
            f"{_count(sizes[0], 'input')} from {_count(len(self.preprocessor.rules), 'column')}, task {self.task}"
            + (f" ({len(self.classes)} classes)" if self.classes else "")
            + f"; network {'-'.join(map(str, sizes))}"
        )
        if labels is not None:
            as_value = self._class_values()  # (named as predict gives them: 0, not '0')
            named = self.classes if as_value is None else [as_value[c] for c in self.classes]
            lone = [c for c, n in zip(named, np.bincount(labels)) if n == 1]
            if len(lone) == 1:
                say(
                    f"class {lone[0]!r} has a single row: too few to learn it from, or to check it on"
                )
            elif lone:
                shown = ", ".join(map(repr, lone[:3])) + (", ..." if len(lone) > 3 else "")
                if len(lone) == len(self.classes):
                    say(
                        f"each of the {len(lone):,} classes ({shown}) has a single row: nothing "
                        "to learn a class from (a column of names or ids as the target?)"
                    )
                else:
                    say(
                        f"{len(lone):,} classes ({shown}) have a single row each: too few to "
                        "learn them from, or to check them on"
                    )
        self._train(x_train, y_train, x_valid, y_valid, progress, say)

    def result_line(self) -> str:
        """The fit's result in one line: the training and validation metric (and what always
        naming the commonest class would score), and the epoch whose weights were kept."""
        summary = self.summary
        if not summary:
            raise ValueError("this TableModel is not fitted yet: call fit first")
        metric = summary["metric"]
        result = f"training {metric} {metric_text(summary['training_metric'])}"
        if "validation_metric" in summary:
            result += f", validation {metric} {metric_text(summary['validation_metric'])}"
            if "commonest_class" in summary:
                result += (
                    f" (always {summary['commonest_class']!r}: "
                    f"{metric_text(summary['commonest_class_accuracy'])})"
                )
        return (
            f"{result}; weights of epoch {summary['best_epoch']} of {summary['epochs_run']} "
            f"({summary['engine']} engine)"
        )

    def _infer_task(self, table: ColumnTable) -> str:
        column = table.require(self.target)
        if column.texts and not column.is_text and not column.labels_given:  # typos, not classes
            _refuse_words_among_numbered_classes(table, column)
            problems = ProblemList()
            numeric_problems(table, column, problems)
            problems.raise_if_any()
        if column.is_text or column.labels_given:  # names, or labels given as text
            return (
                "binary"
                if len({v for v in column.text_values() if v is not None}) == 2
                else "multiclass"
            )
        values = np.frombuffer(column.numbers, dtype=float)
        distinct = np.unique(values[~np.isnan(values)])
        integers = bool(np.all(distinct == np.round(distinct)))
        if integers and len(distinct) == 2:
            return "binary"
        rows = int(np.count_nonzero(~np.isnan(values)))
        # (9 waist sizes over 20 people are measurements, not 9 classes of 2 rows each)
        if integers and 2 < len(distinct) <= MAX_AUTO_CLASSES and len(distinct) * 3 <= rows:
            return "multiclass"
        return "regression"

    def _encode_target(self, table: ColumnTable) -> tuple[np.ndarray | None, np.ndarray]:
        """(class index per row or None, the training target per row), reporting every bad target cell."""
        column = table.require(self.target)
        problems = ProblemList()
        numbers = np.frombuffer(column.numbers, dtype=float)
        empty = np.isnan(numbers)
        empty[list(column.texts)] = False
        for row in np.flatnonzero(empty)[: MAX_PROBLEMS + 1]:
            problems.add(
                DataError(
                    "the target is empty or missing", table.path, table.lines[row], self.target
                )
            )
        if self.task == "regression":
            if column.is_text or column.texts:
                numeric_problems(table, column, problems)
            problems.raise_if_any()
            if np.all(numbers == numbers[0]):
                raise DataError(
                    f"the target is {number_text(float(numbers[0]))} in every row; nothing to learn",
                    table.path,
                    None,
                    self.target,
                )
            return None, numbers.copy()
        problems.raise_if_any()
        self.classes_as_given = column.strings_given is not None
        if column.strings_given is not None:  # labels given as strings: kept as given ("01")
            given = column.strings_given
            self.classes = sorted({v for v in given if v})
            index = {c: k for k, c in enumerate(self.classes)}
            labels = np.array([index[v] for v in given if v])
        elif not column.is_text and not column.texts:  # numbered classes, in numeric order
            distinct, labels = np.unique(numbers, return_inverse=True)
            self.classes = [number_text(v) for v in distinct.tolist()]
        else:
            values = column.text_values()
            self.classes = sorted({v for v in values if v is not None})
            index = {c: k for k, c in enumerate(self.classes)}
            labels = np.array([index[v] for v in values if v is not None])
        if len(self.classes) < 2:
            raise DataError(
                f"the target column has a single class ({self.classes[0]!r}); nothing to learn",
                table.path,
                None,
                self.target,
            )
        if self.task == "binary" and len(self.classes) != 2:
            raise DataError(
                f"--task binary needs exactly 2 classes, the target has {len(self.classes)}",
                table.path,
                None,
                self.target,
            )
        if len(self.classes) > MAX_CLASSES:
            raise DataError(
                f"{len(self.classes):,} classes, more than the limit of {MAX_CLASSES} (nn.tables.table_model.MAX_CLASSES); "
                "is this column a number to predict (--task regression, task='regression' "
                "from Python) or an identifier?",
                table.path,
                None,
                self.target,
            )
        return labels, labels.astype(float)

    def _loss_name(self) -> str:
        return {
            "regression": "mse",
            "binary": "bce_with_logits",
            "multiclass": "softmax_cross_entropy",
        }[self.task]

    def _loss_and_metric(self, x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
        """Mean loss (as training computes it, without L2) and accuracy or R^2 on rows ``x``."""
        assert self.network is not None
        out = network_outputs(self.network, x)
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            if self.task == "regression":
                residual = out[:, 0] - y
                loss = float(np.mean(residual**2))
                if np.all(y == y[0]):  # R^2 is 0/0 (the sum below can leave a 1e-33 instead)
                    return loss, math.nan
                spread = float(np.sum((y - y.mean()) ** 2))
                return loss, 1.0 - float(np.sum(residual**2)) / spread
            if self.task == "binary":
                z = out[:, 0]
                loss = float(np.mean(np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z)))))
                return loss, float(np.mean((z >= 0) == (y == 1)))
            shifted = out - out.max(axis=1, keepdims=True)
            log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
            k = y.astype(int)
            loss = float(-np.mean(log_p[np.arange(len(k)), k]))
            return loss, float(np.mean(np.argmax(out, axis=1) == k))

    def _train(
        self,
        x_train: np.ndarray,
        y_train: np.ndarray,
        x_valid: np.ndarray | None,
        y_valid: np.ndarray | None,
        progress: bool | None,
        say: Callable[[str], None],
    ) -> None:
        assert self.network is not None
        network = self.network
        parameters = network.parameters()
        metric = "R^2" if self.task == "regression" else "accuracy"
        # 200 rows a step (as scikit-learn), more on big tables so an epoch stays about 100 steps.
        # (settings as plain numbers: a parameter grid gives numpy's, which train refuses)
        epochs, lr, patience = int(self.epochs), float(self.lr), int(self.patience)
        batch_size = (
            int(self.batch_size)
            if self.batch_size is not None
            else min(len(x_train), max(200, len(x_train) // 100))
        )
        every = max(1, epochs // 10)
        best = _Best(math.inf, 0, [p.data for p in parameters])

        def epoch_end(epoch: int, loss: float) -> bool:
            report = epoch % every == 0 or epoch == epochs
            line = f"epoch {epoch}: loss {loss:.4g}"
            if report:  # the training metric costs a pass over the training rows: only when shown
                line += (
                    f", training {metric} {metric_text(self._loss_and_metric(x_train, y_train)[1])}"
                )
            stop = False
            if x_valid is not None and y_valid is not None:
                valid_loss, valid_metric = self._loss_and_metric(x_valid, y_valid)
                line += f"; validation loss {valid_loss:.4g}, {metric} {metric_text(valid_metric)}"
                if valid_loss < best.loss:
                    best.loss, best.epoch = valid_loss, epoch
                    best.weights = [p.data for p in parameters]
                stop = epoch - best.epoch >= patience
            if report or stop:
                say(line)
            return stop

        schedule = None
        if self.lr_schedule == "cosine":
            # Cosine decay from lr to 0 over the epochs (a minimal schedule kept with the table model).
            schedule = lambda epoch: 0.5 * lr * (1 + math.cos(math.pi * epoch / epochs))  # noqa: E731
        l2 = float(self.l2) if self.l2 is not None else default_l2(len(x_train))
        if l2 != self.l2 and l2 != DEFAULT_L2:
            say(
                f"L2 penalty {l2:.3g}: the default for {len(x_train):,} training rows "
                f"({DEFAULT_L2 * L2_FULL_UNTIL_ROWS:g} / rows above {L2_FULL_UNTIL_ROWS:,})"
            )
        history = train(
            network,
            x_train,
            y_train.astype(int).tolist() if self.task == "multiclass" else y_train.tolist(),
            loss=self._loss_name(),
            optimizer=Adam(parameters, lr=lr),
            epochs=epochs,
            batch_size=batch_size,
            l2=l2,
            seed=int(self.seed),  # a numpy integer too, which the random module refuses
            lr_schedule=schedule,
            progress=progress,
            engine=self.engine,
            epoch_end=epoch_end,
        )
        if x_valid is not None and best.epoch:
            for p, value in zip(parameters, best.weights):
                p.data = value
            if best.epoch != len(history):
                stopped = "stopped early at" if len(history) < epochs else "ran to"
                say(
                    f"{stopped} epoch {len(history)}; the validation loss was lowest at epoch {best.epoch}, "
                    "whose weights are kept"
                )
        train_loss, train_metric = self._loss_and_metric(x_train, y_train)
        self.summary = {
            "epochs_run": len(history),
            "best_epoch": best.epoch or len(history),
            "engine": history.engine,
            "metric": metric,
            "l2": l2,
            "training_loss": train_loss,
            "training_metric": train_metric,
        }
        if x_valid is not None and y_valid is not None:
            valid_loss, valid_metric = self._loss_and_metric(x_valid, y_valid)
            self.summary.update(validation_loss=valid_loss, validation_metric=valid_metric)
            if self.task != "regression":  # what always naming the commonest class would score
                commonest = np.bincount(y_train.astype(int)).argmax()
                as_value = self._class_values()  # (as predict gives it: 0, not '0')
                name = self.classes[commonest]
                self.summary.update(
                    commonest_class=name if as_value is None else as_value[name],
                    commonest_class_accuracy=float(np.mean(y_valid == commonest)),
                )
        if not all(math.isfinite(p.data) for p in parameters) or not math.isfinite(train_loss):
            raise DataError(
                f"training diverged (the loss is {train_loss}); lower the learning rate", None
            )

    # --- predicting ----------------------------------------------------------------------

    def fitted_parts(self) -> tuple[MLP, Preprocessor]:
        """The network and the column rules, or a ValueError when the model is not fitted."""
        if self.network is None or self.preprocessor is None:
            raise ValueError("this TableModel is not fitted yet: call fit first")
        return self.network, self.preprocessor

    def _outputs(self, table: ColumnTable, notes: list[str] | None, stacklevel: int) -> np.ndarray:
        """The network's outputs for ``table``; ``notes`` gets the cells filled in and the
        values not seen in training. Without ``notes`` (a call from Python) the latter are
        a ``UserWarning``, as the CLI prints them, pointing ``stacklevel`` frames up: at the
        user's call."""
        network, preprocessor = self.fitted_parts()
        said: list[str] = [] if notes is None else notes
        inputs = preprocessor.transform(table, notes=said)
        if notes is None:
            for line in said:
                if line.startswith("warning: "):
                    warnings.warn(
                        line.removeprefix("warning: "), UserWarning, stacklevel=stacklevel
                    )
        return network_outputs(network, inputs)

    def _finite_or_error(self, values: np.ndarray, table: ColumnTable, what: str) -> None:
        """A DataError naming the first row whose ``values`` are NaN or infinite: never write those."""
        bad = np.flatnonzero(~np.all(np.isfinite(values.reshape(len(values), -1)), axis=1))
        if len(bad):
            why = (
                "beyond the range of floating-point numbers in the target's units"
                if what == "prediction"
                else "not finite (the model file may hold extreme weights)"
            )
            raise DataError(
                f"the model's {what} for this row is {why}; no predictions written",
                table.path,
                table.lines[bad[0]],
            )

    def predict_proba(
        self, data: TableInput, *, delimiter: str | None = None, missing_marks: Sequence[str] = ()
    ) -> np.ndarray:
        """Each row's probability of each class (columns in ``classes`` order).
        ``missing_marks``: as ``predict``'s."""
        table = as_table(data, delimiter, self.category_columns(), self._marks(missing_marks))
        return self._probabilities(table, self._outputs(table, None, stacklevel=3))

    def _probabilities(self, table: ColumnTable, out: np.ndarray) -> np.ndarray:
        if self.task == "regression":
            raise ValueError("predict_proba: a regression model has no class probabilities")
        self._finite_or_error(out, table, "output")
        return class_probabilities(out)  # one output column for a binary task

    def predict(
        self, data: TableInput, *, delimiter: str | None = None, missing_marks: Sequence[str] = ()
    ) -> list[Any]:
        """Each row's prediction: a class, or a number in the target's units.

        Classes that were numbers in the training table (0/1, or 1, 2, 3) come back as numbers
        (int where whole), so they compare equal to the labels they were trained from; named
        classes come back as their names. ``missing_marks``: texts that also mean a missing
        value in ``data`` (``?``), beside the ones the model was trained with."""
        table = as_table(data, delimiter, self.category_columns(), self._marks(missing_marks))
        _, rows = self._table_rows(table, (), None)
        predictions = [row[0] for row in rows]
        if self.task == "regression":
            return predictions
        as_number = self._class_values()
        return predictions if as_number is None else [as_number[c] for c in predictions]

    def predict_table(
        self,
        data: TableInput,
        *,
        keep: Sequence[str] = (),
        delimiter: str | None = None,
        notes: list[str] | None = None,
        missing_marks: Sequence[str] = (),
    ) -> tuple[list[str], list[list[Any]]]:
        """A header and one row per data row: the ``keep`` columns, the prediction, then class
        probabilities. ``missing_marks``: as ``predict``'s."""
        written = [*keep, *self.category_columns()]
        table = as_table(data, delimiter, written, self._marks(missing_marks))
        return self._table_rows(table, keep, notes)

    def category_columns(self) -> list[str]:
        """The columns the model reads as categories: a file's cells there are read as written,
        so a code 007 stays 007 (not the number 7) even where the column holds only numbers."""
        _, preprocessor = self.fitted_parts()
        return [rule.name for rule in preprocessor.rules if isinstance(rule, CategoryRule)]

    def _marks(self, extra: Sequence[str]) -> list[str]:
        """The texts that mean a missing value in data to predict: the model's, and ``extra``."""
        return [*self.missing_marks, *_checked_marks(extra)]

    def _table_rows(
        self, table: ColumnTable, keep: Sequence[str], notes: list[str] | None
    ) -> tuple[list[str], list[list[Any]]]:
        """``predict_table``'s header and rows (a warning points 4 frames up: at the user's
        call of ``predict`` or ``predict_table``)."""
        kept = [_as_written(table.require(name)) for name in keep]
        out = self._outputs(table, notes, stacklevel=4)
        if self.task == "regression":
            with np.errstate(over="ignore", invalid="ignore"):
                values = out[:, 0] * self.target_std + self.target_mean
            self._finite_or_error(values, table, "prediction")
            header = ["prediction"]
            body: list[list[Any]] = [[v] for v in values.tolist()]
        else:
            probabilities = self._probabilities(table, out)
            best = np.argmax(probabilities, axis=1)
            if self.task == "binary":
                header = ["prediction", f"probability_{self.classes[1]}"]
                body = [
                    [self.classes[k], p[1]] for k, p in zip(best.tolist(), probabilities.tolist())
                ]
            else:
                header = ["prediction", *[f"probability_{c}" for c in self.classes]]
                body = [
                    [self.classes[k], *p] for k, p in zip(best.tolist(), probabilities.tolist())
                ]
        clashes = sorted(set(keep) & set(header)) or sorted({n for n in keep if keep.count(n) > 1})
        if clashes:  # a header with one name twice is ambiguous (and refused when read back)
            raise DataError(
                f"keep: the output would have two columns named {clashes[0]!r}; keep each column "
                "once, and rename a column that has the name of an output column",
                table.path,
                1,
            )
        rows = [[*(column[i] for column in kept), *row] for i, row in enumerate(body)]
        return [*keep, *header], rows

    # --- saving --------------------------------------------------------------------------

    def table_dict(self) -> dict[str, Any]:
        """The part of the model file that describes the table (``"table"``)."""
        _, preprocessor = self.fitted_parts()
        document: dict[str, Any] = {
            "target": self.target,
            "task": self.task,
            "columns": preprocessor.to_dict(),
        }
        if self.missing_marks:
            document["missing_marks"] = self.missing_marks
        if self.task == "regression":
            document.update(target_mean=self.target_mean, target_std=self.target_std)
        else:
            document["classes"] = self.classes
            if self.classes_as_given:
                document["classes_as_given"] = True
        return document

    def save(self, path: str | os.PathLike[str], metadata: dict[str, Any] | None = None) -> None:
        """Write the model file (network and table rules) atomically."""
        from .serialize import save_table_model

        save_table_model(self, path, metadata)

    @classmethod
    def from_parts(cls, network: MLP, table: Mapping[str, Any]) -> TableModel:
        """A fitted TableModel from a network and a model file's ``"table"`` object; ValueError if they disagree."""
        model = cls()
        if not isinstance(table, Mapping):
            raise ValueError(f'"table" should be an object, not {type(table).__name__}')
        preprocessor = Preprocessor.from_dict(table.get("columns"))
        task, target = table.get("task"), table.get("target")
        if task not in TASKS:
            raise ValueError(f"unknown task {task!r}")
        if not isinstance(target, str):
            raise ValueError('"target" should be a column name')
        if preprocessor.width != network.nin:
            raise ValueError(
                f"the columns make {preprocessor.width} inputs but the network takes {network.nin}"
            )
        marks = table.get("missing_marks", [])
        if not isinstance(marks, list) or not all(isinstance(m, str) and m.strip() for m in marks):
            raise ValueError('"missing_marks" should be a list of texts')
        model.missing_marks = list(marks)
        as_given = table.get("classes_as_given", False)
        if not isinstance(as_given, bool):
            raise ValueError('"classes_as_given" should be true or false')
        if task == "regression":
            mean, std = table.get("target_mean"), table.get("target_std")
            if (
                not all(
                    isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
                    for v in (mean, std)
                )
                or std == 0
            ):
                raise ValueError(
                    "a regression model needs a finite target_mean and a non-zero finite target_std"
                )
            model.target_mean, model.target_std = float(mean), float(std)  # type: ignore[arg-type]
        else:
            classes = table.get("classes")
            if not is_class_list(classes):
                raise ValueError(f"a {task} model needs a list of at least 2 class names")
            for c in classes:
                try:
                    c.encode("utf-8")
                except UnicodeEncodeError:
                    raise ValueError(f"class name {c!r} is not valid Unicode text") from None
            if len(set(classes)) != len(classes):
                raise ValueError("a class name is listed twice")
            expected = len(classes) if task == "multiclass" else 1
            if task == "binary" and len(classes) != 2:
                raise ValueError(f"a binary model needs 2 classes, it lists {len(classes)}")
            if network.nout != expected:
                raise ValueError(
                    f"a {task} model with {len(classes)} classes should have {expected} outputs, the network has {network.nout}"
                )
            model.classes = list(classes)
            model.classes_as_given = as_given
        if task == "regression" and network.nout != 1:
            raise ValueError(
                f"a regression model should have 1 output, the network has {network.nout}"
            )
        model.network, model.preprocessor, model.task, model.target = (
            network,
            preprocessor,
            task,
            target,
        )
        model.hidden = network.sizes[1:-1]
        return model

    def __repr__(self) -> str:
        if self.network is None:
            return "TableModel(not fitted)"
        return f"TableModel(task={self.task!r}, target={self.target!r}, network {'-'.join(map(str, self.network.sizes))})"


def metric_text(value: float) -> str:
    """An accuracy or R^2 as the progress lines show it; NaN is an R^2 of targets that do not vary."""
    return f"{value:.4f}" if math.isfinite(value) else "undefined (its targets do not vary)"


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'' if n == 1 else 's'}"
