"""The numpy metrics agree with scikit-learn within 1e-9, and are None where sklearn has none:
every metric of the registry, on hand-written edge cases and generated rows at once."""

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pytest
from sklearn import metrics as skm

from perfledger.domain.metrics.confusion import counts
from perfledger.domain.metrics.inputs import Rows, TaskShape
from perfledger.domain.metrics.measure import Metrics, metrics_of
from tests.closeness import close_to
from tests.oracle import REGRESSION, sklearn_metrics

SEEDS = [0, 1, 2]


def assert_metrics_match(actual: Metrics | None, expected: Metrics) -> None:
    assert actual is not None
    assert actual.keys() == expected.keys()
    for key, want in expected.items():
        if want is None:
            assert actual[key] is None, key
        else:
            assert type(actual[key]) is float, key
            assert actual[key] == close_to(want), key


def regression_metrics(targets: np.ndarray, predictions: np.ndarray) -> Metrics | None:
    return metrics_of(REGRESSION, Rows(targets, predictions, np.full(targets.size, math.nan)))


@dataclass
class Case:
    true: list[int] | np.ndarray
    pred: list[int] | np.ndarray
    n_labels: int
    positive: int | None = None
    scores: list[float] | np.ndarray | None = None
    proba: list[list[float]] | np.ndarray | None = None
    # binary: the probability vector sklearn should be given (each row's score, else its
    # positive label's probability, as rows are stored)
    used_probability: np.ndarray | None = None

    @property
    def shape(self) -> TaskShape:
        task = "multiclass_classification" if self.positive is None else "binary_classification"
        return TaskShape(task, self.n_labels, self.positive)

    def run(self) -> Metrics | None:
        true = np.asarray(self.true, dtype=np.float64)
        proba = None if self.proba is None else np.asarray(self.proba, dtype=np.float64)
        scores = (np.full(true.size, math.nan) if self.scores is None
                  else np.asarray(self.scores, dtype=np.float64))
        if self.positive is not None and proba is not None:
            scores = np.where(np.isnan(scores), proba[:, self.positive], scores)
        return metrics_of(self.shape, Rows(true, np.asarray(self.pred, dtype=np.float64),
                                           scores, proba))

    def sklearn(self) -> Metrics:
        return sklearn_metrics(self.shape, np.asarray(self.true), np.asarray(self.pred),
                               self.used_probability, self.proba)


TIED_SCORES = [0.0, 0.5, 0.5, 1.0, 0.5, 0.2, 1.0, 0.0, 0.2]
ZERO_ONE_PROBA_3 = [
    [1.0, 0.0, 0.0],
    [0.0, 1.0, 0.0],
    [0.0, 0.0, 1.0],
    [0.5, 0.5, 0.0],
    [0.2, 0.3, 0.5],
    [0.0, 1.0, 0.0],
    [1.0, 0.0, 0.0],
]

FIXED_CASES = {
    "binary scores with ties and exact 0 and 1": Case(
        true=[0, 0, 1, 1, 1, 0, 1, 0, 1],
        pred=[0, 1, 1, 1, 1, 0, 1, 0, 0],
        n_labels=2,
        positive=1,
        scores=TIED_SCORES,
        used_probability=np.array(TIED_SCORES),
    ),
    "binary with positive label 0 and confidently wrong scores": Case(
        true=[0, 0, 1, 1, 0],
        pred=[1, 0, 1, 0, 0],
        n_labels=2,
        positive=0,
        scores=[0.0, 1.0, 0.0, 1.0, 0.6],
        used_probability=np.array([0.0, 1.0, 0.0, 1.0, 0.6]),
    ),
    "binary with the positive label never predicted": Case(
        true=[1, 0, 1, 0], pred=[0, 0, 0, 0], n_labels=2, positive=1
    ),
    "binary with the positive label never true nor predicted": Case(
        true=[0, 0, 0], pred=[0, 0, 0], n_labels=2, positive=1
    ),
    "binary scores take precedence over probabilities": Case(
        true=[0, 1, 1, 0, 1],
        pred=[0, 1, 0, 0, 1],
        n_labels=2,
        positive=1,
        scores=[0.1, 0.8, 0.3, 0.6, 0.9],
        proba=[[0.2, 0.8], [0.9, 0.1], [0.5, 0.5], [0.1, 0.9], [0.7, 0.3]],
        used_probability=np.array([0.1, 0.8, 0.3, 0.6, 0.9]),
    ),
    "binary probabilities only use the positive column": Case(
        true=[0, 1, 1, 0, 1, 0],
        pred=[0, 1, 0, 0, 1, 1],
        n_labels=2,
        positive=1,
        proba=[[1, 0], [0, 1], [0.7, 0.3], [0.6, 0.4], [0.3, 0.7], [0.3, 0.7]],
        used_probability=np.array([0, 1, 0.3, 0.4, 0.7, 0.7]),
    ),
    "binary rows without a score take their positive label's probability": Case(
        true=[0, 1, 1, 0],
        pred=[0, 1, 0, 1],
        n_labels=2,
        positive=1,
        scores=[0.9, math.nan, 0.1, 0.8],
        proba=[[0.8, 0.2], [0.1, 0.9], [0.6, 0.4], [0.4, 0.6]],
        used_probability=np.array([0.9, 0.9, 0.1, 0.8]),
    ),
    "multiclass with exact 0 and 1 and a label never predicted": Case(
        true=[0, 1, 2, 0, 2, 1, 2], pred=[0, 1, 1, 0, 1, 1, 0], n_labels=3, proba=ZERO_ONE_PROBA_3
    ),
    "multiclass with a label never true": Case(
        true=[0, 1, 0, 1, 2, 2], pred=[0, 3, 0, 1, 2, 1], n_labels=4
    ),
    "multiclass with a label neither true nor predicted": Case(
        true=[0, 1, 3, 3, 1], pred=[0, 1, 3, 0, 3], n_labels=5
    ),
}


@pytest.mark.parametrize("case", FIXED_CASES.values(), ids=FIXED_CASES.keys())
def test_hand_written_classification_data_matches_sklearn(case: Case) -> None:
    assert_metrics_match(case.run(), case.sklearn())


UNDEFINED_CASES = {
    "binary AUC and log loss with only negatives": (
        Case(true=[0, 0, 0], pred=[0, 1, 0], n_labels=2, positive=1, scores=[0.1, 0.9, 0.2]),
        {"roc_auc", "log_loss"},
    ),
    "binary AUC and log loss with only positives": (
        Case(true=[1, 1], pred=[0, 1], n_labels=2, positive=1, proba=[[0.6, 0.4], [0, 1]]),
        {"roc_auc", "log_loss"},
    ),
    "binary without scores or probabilities": (
        Case(true=[0, 1, 1], pred=[0, 1, 0], n_labels=2, positive=1),
        {"roc_auc", "log_loss"},
    ),
    "binary with NaN scores and NaN probability rows": (
        Case(
            true=[0, 1, 1],
            pred=[0, 1, 0],
            n_labels=2,
            positive=1,
            scores=[0.2, math.nan, 0.7],
            proba=[[0.8, 0.2], [math.nan, math.nan], [0.3, 0.7]],
        ),
        {"roc_auc", "log_loss"},
    ),
    "binary log loss with a probability above one": (
        Case(
            true=[0, 1, 1],
            pred=[0, 1, 0],
            n_labels=2,
            positive=1,
            scores=[0.2, 1.5, 0.7],
            used_probability=np.array([0.2, 1.5, 0.7]),
        ),
        {"log_loss"},
    ),
    "binary precision, recall and F1 when a third label occurs": (
        Case(
            true=[0, 1, 2],
            pred=[0, 1, 1],
            n_labels=3,
            positive=1,
            scores=[0.1, 0.9, 0.4],
            used_probability=np.array([0.1, 0.9, 0.4]),
        ),
        {"precision", "recall", "f1_score"},
    ),
    "binary precision, recall and F1 when two other labels occur but not the positive": (
        Case(true=[0, 1, 1], pred=[0, 1, 0], n_labels=3, positive=2),
        {"precision", "recall", "f1_score", "roc_auc", "log_loss"},
    ),
    "multiclass AUC with a label never true": (
        Case(true=[0, 1, 0, 1], pred=[0, 1, 2, 1], n_labels=3, proba=ZERO_ONE_PROBA_3[:4]),
        {"roc_auc"},
    ),
    "multiclass AUC with a label always true": (
        Case(true=[2, 2, 2], pred=[2, 1, 2], n_labels=3, proba=ZERO_ONE_PROBA_3[:3]),
        {"roc_auc"},
    ),
    "multiclass AUC and log loss without probabilities": (
        Case(true=[0, 1, 2], pred=[0, 1, 1], n_labels=3),
        {"roc_auc", "log_loss"},
    ),
    "multiclass AUC and log loss with a NaN probability row": (
        Case(
            true=[0, 1, 2, 0],
            pred=[0, 1, 1, 0],
            n_labels=3,
            proba=[[1, 0, 0], [0.2, 0.5, 0.3], [math.nan] * 3, [0.4, 0.4, 0.2]],
        ),
        {"roc_auc", "log_loss"},
    ),
    "multiclass AUC with rows not summing to one": (
        Case(
            true=[0, 1, 2, 0],
            pred=[0, 1, 1, 0],
            n_labels=3,
            proba=[[0.9, 0, 0], [0.2, 0.5, 0.3], [0.1, 0.1, 0.8], [0.4, 0.4, 0.2]],
        ),
        {"roc_auc"},
    ),
    "multiclass AUC with only two labels": (
        Case(true=[0, 1, 1], pred=[0, 1, 0], n_labels=2, proba=[[1, 0], [0.5, 0.5], [0.8, 0.2]]),
        {"roc_auc"},
    ),
}


@pytest.mark.parametrize("case, undefined", UNDEFINED_CASES.values(), ids=UNDEFINED_CASES.keys())
def test_metrics_sklearn_cannot_compute_are_none_and_the_rest_match(
    case: Case, undefined: set[str]
) -> None:
    actual = case.run()
    assert {key for key, value in actual.items() if value is None} == undefined
    assert_metrics_match(actual, case.sklearn())


def noisy_predictions(rng: np.random.Generator, best: np.ndarray, n_labels: int) -> np.ndarray:
    """The best guess for about 70% of rows, a random label for the rest."""
    random_labels = rng.integers(0, n_labels, best.size)
    return np.where(rng.random(best.size) < 0.7, best, random_labels)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("n", [2, 15, 300, 5000])
@pytest.mark.parametrize("positive", [0, 1])
def test_generated_binary_data_with_scores_matches_sklearn(
    seed: int, n: int, positive: int
) -> None:
    rng = np.random.default_rng(seed)
    true = rng.integers(0, 2, n)
    # one decimal gives many ties and exact 0 and 1
    scores = np.clip(np.round(0.3 * (true == positive) + 0.7 * rng.random(n), 1), 0, 1)
    best = np.where(scores >= 0.5, positive, 1 - positive)
    case = Case(true, noisy_predictions(rng, best, 2), 2, positive, scores, None, scores)
    assert_metrics_match(case.run(), case.sklearn())


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("n", [3, 40, 1000])
@pytest.mark.parametrize("positive", [0, 1])
def test_generated_binary_data_with_probabilities_only_matches_sklearn(
    seed: int, n: int, positive: int
) -> None:
    rng = np.random.default_rng(seed)
    true = rng.integers(0, 2, n)
    first = np.round(rng.dirichlet([0.5, 0.5], n)[:, 0], 2)
    proba = np.column_stack([first, 1 - first])
    case = Case(true, noisy_predictions(rng, proba.argmax(axis=1), 2), 2, positive, None, proba)
    case.used_probability = proba[:, positive]
    assert_metrics_match(case.run(), case.sklearn())


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("n", [6, 60, 2000])
@pytest.mark.parametrize("n_labels", [3, 4, 7])
def test_generated_multiclass_data_with_dirichlet_probabilities_matches_sklearn(
    seed: int, n: int, n_labels: int
) -> None:
    rng = np.random.default_rng(seed)
    proba = rng.dirichlet(np.full(n_labels, 0.5), n)
    true = noisy_predictions(rng, proba.argmax(axis=1), n_labels)
    pred = noisy_predictions(rng, proba.argmax(axis=1), n_labels)
    case = Case(true, pred, n_labels, None, None, proba)
    assert_metrics_match(case.run(), case.sklearn())


def sklearn_regression(targets: np.ndarray, predictions: np.ndarray) -> Metrics:
    return sklearn_metrics(REGRESSION, targets, predictions)


REGRESSION_TARGETS: dict[str, Callable[[np.random.Generator, int], np.ndarray]] = {
    "spread": lambda rng, n: rng.normal(0, 10, n),
    "large offset": lambda rng, n: 1e6 + rng.normal(0, 1, n),
    "zeros among targets": lambda rng, n: rng.integers(-2, 3, n).astype(np.float64),
    "all zero": lambda rng, n: np.zeros(n),
    "constant": lambda rng, n: np.full(n, 5.0),
    "constant large": lambda rng, n: np.full(n, 1e6),
}


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("n", [1, 2, 25, 3000])
@pytest.mark.parametrize("targets_of", REGRESSION_TARGETS.values(), ids=REGRESSION_TARGETS.keys())
@pytest.mark.parametrize("noise", [0.0, 0.1, 3.0])
def test_generated_regression_data_matches_sklearn(
    seed: int, n: int, targets_of: Callable[[np.random.Generator, int], np.ndarray], noise: float
) -> None:
    rng = np.random.default_rng(seed)
    targets = targets_of(rng, n)
    predictions = targets + rng.normal(0, noise, n)
    assert_metrics_match(
        regression_metrics(targets, predictions), sklearn_regression(targets, predictions)
    )


def test_regression_with_one_row_has_no_r_squared_but_other_errors() -> None:
    actual = regression_metrics(np.array([2.0]), np.array([3.5]))
    assert actual is not None
    assert actual["r_squared"] is None
    assert actual["mse"] == 2.25
    assert_metrics_match(actual, sklearn_regression(np.array([2.0]), np.array([3.5])))


@pytest.mark.parametrize("bad", [math.nan, math.inf])
def test_regression_with_a_non_finite_value_has_no_metrics_where_sklearn_raises(
    bad: float,
) -> None:
    targets, predictions = np.array([1.0, 2.0, 3.0]), np.array([1.5, bad, 2.0])
    with pytest.raises(ValueError):
        skm.mean_squared_error(targets, predictions)
    found = regression_metrics(targets, predictions)
    assert found is not None
    assert set(found.values()) == {None}


@pytest.mark.parametrize(("noise", "expected"), [(0.0, 1.0), (0.5, 0.0)])
def test_r_squared_of_constant_targets_follows_force_finite_even_when_their_mean_rounds(
    noise: float, expected: float
) -> None:
    # The float mean of repeated 0.1 is not exactly 0.1, so sklearn divides by a spread of
    # rounding noise (about 1e-33) and returns values like -1e33; the spread is really zero.
    targets = np.full(7, 0.1)
    assert np.mean(targets) != 0.1
    actual = regression_metrics(targets, targets + noise)
    assert actual is not None
    assert actual["r_squared"] == expected


def test_no_rows_give_no_metrics() -> None:
    empty = np.array([], dtype=np.float64)
    assert Case(empty, empty, 2, 1).run() is None
    assert Case(empty, empty, 3).run() is None
    assert regression_metrics(empty, empty) is None


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize(("n", "n_labels"), [(0, 3), (1, 2), (10, 4), (500, 7)])
def test_confusion_matrix_matches_sklearn_with_all_labels(seed: int, n: int, n_labels: int) -> None:
    rng = np.random.default_rng(seed)
    true, pred = rng.integers(0, n_labels, n), rng.integers(0, n_labels, n)
    actual = counts(true, pred, n_labels).tolist()
    expected = (
        skm.confusion_matrix(true, pred, labels=range(n_labels)).tolist()
        if n
        else [[0] * n_labels for _ in range(n_labels)]
    )
    assert actual == expected
    assert all(type(count) is int for row in actual for count in row)
