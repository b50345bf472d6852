"""A bucket's sufficient statistics: exact integers that add up in any order (row counts, the
confusion matrix, exact sums of floats), with ROC AUC's U statistic beside them.

Adding a batch's contribution and taking back the contribution of the rows it replaced keeps
a bucket current; adding buckets merges them (the U statistic needs the scores as well: see
`ranks`). Each family of metrics says what its totals are (`confusion`, `log_loss`,
`ranking`, `errors`); `measure` gathers a batch's contribution from all of them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from perfledger.domain.metrics.inputs import FloatArray, IntArray, ScoredRows, Shape, classifies

Problems = list[tuple[FloatArray, FloatArray]]
COUNTS = ("rows", "labeled")  # every bucket's: its rows, and those with ground truth


@dataclass
class Statistics:
    """What a bucket's metrics are finished from. A total missing from `totals` is zero."""

    n_labels: int
    totals: dict[str, int] = field(default_factory=dict)
    confusion: IntArray = field(default_factory=lambda: np.zeros((0, 0), np.int64))
    twice_u: list[int] = field(default_factory=list)  # per binary problem (see `ranks`)

    def __post_init__(self) -> None:
        for name in COUNTS:
            self.totals.setdefault(name, 0)
        if self.confusion.shape != (self.n_labels, self.n_labels):
            self.confusion = np.zeros((self.n_labels, self.n_labels), np.int64)

    def total(self, name: str) -> int:
        return self.totals.get(name, 0)

    def add(self, other: Statistics, sign: int = 1) -> None:
        """Merges another bucket's (or batch's) counts and sums into these, or takes them
        back (sign -1). The U statistic is merged with the scores it counts (`ranks`)."""
        for name, value in other.totals.items():
            self.totals[name] = self.totals.get(name, 0) + sign * value
        self.confusion += sign * other.confusion

    def to_json(self) -> dict[str, object]:
        # big integers as hexadecimal text: exact, and quick to write and read back
        return {"n_labels": self.n_labels, "totals": {k: hex(v) for k, v in self.totals.items()},
                "confusion": self.confusion.tolist(), "twice_u": [hex(u) for u in self.twice_u]}

    @classmethod
    def from_json(cls, value: dict[str, object]) -> Statistics:
        totals, n_labels = value["totals"], int(value["n_labels"])  # type: ignore[call-overload]
        assert isinstance(totals, dict)
        confusion = np.array(value["confusion"], dtype=np.int64).reshape(n_labels, n_labels)
        return cls(n_labels, {name: int(text, 16) for name, text in totals.items()},
                   confusion, [int(u, 16) for u in value["twice_u"]])  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Ranked:
    """The labeled rows that take part in ROC AUC: per binary problem, the positives' and
    the negatives' scores."""

    problems: Problems


class Labeled:
    """A batch's labeled rows, decoded once for every family that takes its share of them."""

    def __init__(self, shape: Shape, rows: ScoredRows) -> None:
        chosen = ~np.isnan(rows.truth)
        self.count = int(np.count_nonzero(chosen))
        self.truth: FloatArray = rows.truth[chosen]
        self.predicted: FloatArray = rows.predicted[chosen]
        self.scores: FloatArray = rows.scores[chosen]
        self.proba: FloatArray | None = None
        if classifies(shape) and shape.positive is None:  # multiclass: NaN where absent
            self.proba = (np.full((self.count, shape.n_labels), np.nan) if rows.proba is None
                          else rows.proba[chosen])

    @cached_property
    def true_codes(self) -> IntArray:
        codes: IntArray = self.truth.astype(np.int64)
        return codes

    @cached_property
    def pred_codes(self) -> IntArray:
        codes: IntArray = self.predicted.astype(np.int64)
        return codes
