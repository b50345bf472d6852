"""The pieces that keep summaries exact: sums of floats that lose nothing, and a U statistic
that follows insertions and removals as scikit-learn's ROC AUC does from scratch."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from perfledger.domain.metrics import ranks
from perfledger.domain.metrics.exact import (
    as_float,
    exact_sum,
    exact_sum_of_squares,
    mean_of,
    spread_of,
)
from perfledger.domain.metrics.ranks import RankedPairs, SortedScores


@pytest.mark.parametrize("seed", range(20))
def test_sums_equal_the_rational_sum_of_the_floats(seed: int) -> None:
    rng = np.random.default_rng(seed)
    values = rng.normal(size=int(rng.integers(1, 2000))) * 10.0 ** int(rng.integers(-300, 300))
    values = np.concatenate([values, [5e-324, -1e-310, 0.0, 1e308, -1e-200]])
    exact = sum(Fraction(v) for v in values.tolist())
    squares = sum(Fraction(v) ** 2 for v in values.tolist())

    assert Fraction(exact_sum(values), 2**1074) == exact
    assert Fraction(exact_sum_of_squares(values), 2**2148) == squares
    assert spread_of(exact_sum(values), exact_sum_of_squares(values), values.size) == (
        squares - exact**2 / values.size)
    assert mean_of(exact_sum(values), values.size) == float(exact / values.size)


def test_adding_and_taking_back_a_million_values_leaves_the_sum_exact() -> None:
    """The failure a float running sum has: big values added and removed swamp small ones."""
    rng = np.random.default_rng(7)
    small = rng.random(1000) * 1e-6
    total = exact_sum(small)
    for _ in range(1000):
        big = rng.normal(size=1000) * 1e12
        total += exact_sum(big)
        total -= exact_sum(big)
    naive = float(np.sum(small))
    assert as_float(total) == float(sum(Fraction(v) for v in small.tolist()))
    assert as_float(total) == pytest.approx(naive, rel=1e-12)


def test_sorted_scores_count_below_through_every_level(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ranks, "_SMALL", 8)  # merge levels often
    rng = np.random.default_rng(3)
    held: list[float] = []
    scores = SortedScores()
    for _ in range(300):
        added = rng.integers(0, 30, size=int(rng.integers(1, 6))).astype(float)
        scores.add(added)
        held += added.tolist()
        if held and rng.random() < 0.5:
            gone = rng.choice(np.array(held), size=min(len(held), 3), replace=False)
            scores.remove(gone)
            for value in gone.tolist():
                held.remove(value)
        probes = np.arange(-1.0, 31.0, 0.5)
        expected = [sum(v < p for v in held) for p in probes]
        assert scores.below(probes).tolist() == expected
        assert scores.below(probes, inclusive=True).tolist() == [
            sum(v <= p for v in held) for p in probes]
        assert scores.size == len(held)


def test_u_statistic_follows_additions_and_removals_with_ties(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ranks, "_SMALL", 50)
    rng = np.random.default_rng(5)
    rows: dict[int, tuple[float, bool]] = {}
    pairs = RankedPairs(np.empty(0), np.empty(0))
    for _ in range(400):
        changed = np.unique(rng.integers(0, 500, size=int(rng.integers(1, 40)))).tolist()
        old = [rows[i] for i in changed if i in rows]
        pairs.remove(np.array([s for s, positive in old if positive]),
                     np.array([s for s, positive in old if not positive]))
        for i in changed:
            rows[i] = (float(rng.integers(0, 20)) / 20, bool(rng.random() < 0.4))
        new = [rows[i] for i in changed]
        pairs.add(np.array([s for s, positive in new if positive]),
                  np.array([s for s, positive in new if not positive]))
        truth = np.array([positive for _, positive in rows.values()])
        if truth.any() and not truth.all():
            scores = np.array([score for score, _ in rows.values()])
            assert pairs.auc() == pytest.approx(roc_auc_score(truth, scores), abs=1e-12)
