"""A column's statistics in a bucket: bin counts, missing values, type and range violations,
and exact moments; they add up across buckets and take back the rows replaced.

Moments are exact sums (`exact`): the mean and population standard deviation of any merge of
buckets equal numpy's on the same values. A bucket's minimum and maximum cannot be taken back
when a row leaves it: then `extremes_stale` says to read them again from its rows.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from perfledger.domain.inputs.columns import CATEGORICAL, NUMERIC, ColumnSpec
from perfledger.domain.metrics.exact import (
    exact_sum,
    exact_sum_of_squares,
    exact_sums_by_group,
    exact_sums_of_squares_by_group,
    mean_of,
    spread_of,
)

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
FloatArray = npt.NDArray[np.float64]
_LARGEST_EXACT_INT = 2**53


@dataclass
class ColumnStatistics:
    bins: IntArray
    missing: int = 0
    type_violations: int = 0
    range_violations: int = 0
    count: int = 0  # numeric values in the moments (of the right type, in range or not)
    total: int = 0  # exact sum, units of 2**-1074
    squares: int = 0  # exact sum of squares, units of 2**-2148
    low: float | None = None
    high: float | None = None
    extremes_stale: bool = field(default=False)

    @classmethod
    def empty(cls, spec: ColumnSpec) -> ColumnStatistics:
        return cls(np.zeros(spec.bin_count, np.int64))

    def add(self, other: ColumnStatistics, sign: int = 1) -> None:
        self.bins = self.bins + sign * other.bins
        self.missing += sign * other.missing
        self.type_violations += sign * other.type_violations
        self.range_violations += sign * other.range_violations
        self.count += sign * other.count
        self.total += sign * other.total
        self.squares += sign * other.squares
        if sign > 0:
            self.low = _pick(min, self.low, other.low)
            self.high = _pick(max, self.high, other.high)
            self.extremes_stale = self.extremes_stale or other.extremes_stale
        elif other.count:
            self.extremes_stale = True  # a value left: the extremes may have been it

    def moments(self) -> dict[str, float | int | None]:
        """count, mean, std (population), min and max of the numeric values."""
        if self.count == 0:
            return {"count": 0, "mean": None, "std": None, "min": None, "max": None}
        spread = spread_of(self.total, self.squares, self.count)
        return {"count": self.count, "mean": mean_of(self.total, self.count),
                "std": math.sqrt(max(float(spread / self.count), 0.0)),
                "min": self.low, "max": self.high}

    def to_json(self) -> dict[str, Any]:
        return {"bins": self.bins.tolist(), "missing": self.missing,
                "type": self.type_violations, "range": self.range_violations,
                "count": self.count, "total": hex(self.total), "squares": hex(self.squares),
                "low": self.low, "high": self.high, "stale": self.extremes_stale}

    @classmethod
    def from_json(cls, value: dict[str, Any]) -> ColumnStatistics:
        return cls(np.array(value["bins"], dtype=np.int64), value["missing"], value["type"],
                   value["range"], value["count"], int(value["total"], 16),
                   int(value["squares"], 16), value["low"], value["high"], value["stale"])


def _pick(choose: Any, mine: float | None, theirs: float | None) -> float | None:
    if mine is None:
        return theirs
    return mine if theirs is None else choose(mine, theirs)


@dataclass(frozen=True)
class Measured:
    """A batch's values of one column, read once: each row's bin (-1: none), whether it is
    missing, and whether it breaks the column's type, range or nullability."""

    bins: IntArray
    missing: BoolArray
    type_violation: BoolArray
    range_violation: BoolArray
    numbers: FloatArray  # the numeric values, where `numeric` holds
    numeric: BoolArray

    @property
    def violation(self) -> BoolArray:
        """Rows this column makes violating: wrong type, out of range, or a missing value of
        a column that is not nullable (see `measure`)."""
        return self.type_violation | self.range_violation


def measure(spec: ColumnSpec, values: list[Any]) -> tuple[Measured, BoolArray]:
    """Each row's value of the column, classified; and which rows violate it (counting a
    missing value when the column is not nullable)."""
    n = len(values)
    missing = np.fromiter((v is None for v in values), bool, n)
    if spec.type in NUMERIC:
        measured = _numeric(spec, values, missing)
    elif spec.type in CATEGORICAL:
        measured = _categorical(spec, values, missing)
    elif spec.type == "str":
        wrong = np.fromiter((v is not None and type(v) is not str for v in values), bool, n)
        measured = Measured(np.full(n, -1, np.int64), missing, wrong, np.zeros(n, bool),
                            np.zeros(n), np.zeros(n, bool))
    else:
        measured = Measured(np.full(n, -1, np.int64), missing, np.zeros(n, bool),
                            np.zeros(n, bool), np.zeros(n), np.zeros(n, bool))
    violating = measured.violation | (missing if not spec.nullable else np.zeros(n, bool))
    return measured, violating


def _numeric(spec: ColumnSpec, values: list[Any], missing: BoolArray) -> Measured:
    n = len(values)
    integral = spec.type == "int"
    numeric = np.fromiter((_is_number(v, integral) for v in values), bool, n)
    numbers = np.fromiter((float(v) if ok else 0.0 for v, ok in zip(values, numeric.tolist(),
                                                                    strict=True)),
                          np.float64, n)
    wrong = ~numeric & ~missing
    bins = np.full(n, -1, np.int64)
    out_of_range = np.zeros(n, bool)
    if spec.binned:
        bins[numeric] = np.searchsorted(spec.interior_edges(), numbers[numeric], side="right")
        assert spec.min is not None and spec.max is not None
        out_of_range = numeric & ((numbers < spec.min) | (numbers > spec.max))
    return Measured(bins, missing, wrong, out_of_range, numbers, numeric)


def _is_number(value: Any, integral: bool) -> bool:
    kind = type(value)
    if kind is int:
        return bool(-_LARGEST_EXACT_INT <= value <= _LARGEST_EXACT_INT)
    if kind is float:
        return bool(math.isfinite(value) and (not integral or value.is_integer()))
    return False


def _categorical(spec: ColumnSpec, values: list[Any], missing: BoolArray) -> Measured:
    n = len(values)
    wanted = bool if spec.type == "bool" else str
    fits = np.fromiter((type(v) is wanted for v in values), bool, n)
    bins = np.full(n, -1, np.int64)
    outside = np.zeros(n, bool)
    if spec.binned:
        index = {category: i for i, category in enumerate(spec.categories or ())}
        other = len(index)
        codes = np.fromiter((index.get(v, other) if ok else -1
                             for v, ok in zip(values, fits.tolist(), strict=True)), np.int64, n)
        bins = codes
        outside = fits & (codes == other)
    return Measured(bins, missing, ~fits & ~missing, outside, np.zeros(n), np.zeros(n, bool))


def statistics_of(spec: ColumnSpec, measured: Measured, chosen: IntArray | None = None
                  ) -> ColumnStatistics:
    """The statistics of the measured rows (those `chosen`, by index; else all)."""
    if chosen is not None:
        measured = Measured(measured.bins[chosen], measured.missing[chosen],
                            measured.type_violation[chosen], measured.range_violation[chosen],
                            measured.numbers[chosen], measured.numeric[chosen])
    binned = measured.bins[measured.bins >= 0]
    numbers = measured.numbers[measured.numeric]
    return ColumnStatistics(
        np.bincount(binned, minlength=spec.bin_count).astype(np.int64)[:spec.bin_count],
        int(np.count_nonzero(measured.missing)),
        int(np.count_nonzero(measured.type_violation)),
        int(np.count_nonzero(measured.range_violation)),
        int(numbers.size), exact_sum(numbers) if numbers.size else 0,
        exact_sum_of_squares(numbers) if numbers.size else 0,
        float(np.min(numbers)) if numbers.size else None,
        float(np.max(numbers)) if numbers.size else None)


def statistics_by_group(spec: ColumnSpec, measured: Measured, groups: IntArray, count: int
                        ) -> list[ColumnStatistics]:
    """The statistics of each of `count` groups of the measured rows (`groups[i]`: row i's),
    all at once: each equals `statistics_of` on that group's rows."""
    width = spec.bin_count
    binned = measured.bins >= 0
    bins = np.bincount(groups[binned] * width + measured.bins[binned],
                       minlength=count * width).reshape(count, width) if width else \
        np.zeros((count, 0), np.int64)
    tallies = [np.bincount(groups, weights=mask, minlength=count).astype(np.int64).tolist()
               for mask in (measured.missing, measured.type_violation, measured.range_violation,
                            measured.numeric)]
    numbers, owners = measured.numbers[measured.numeric], groups[measured.numeric]
    totals = exact_sums_by_group(numbers, owners, count)
    squares = exact_sums_of_squares_by_group(numbers, owners, count)
    lows: list[float | None] = [None] * count
    highs: list[float | None] = [None] * count
    if numbers.size:
        order = np.argsort(owners, kind="stable")
        present, firsts = np.unique(owners[order], return_index=True)
        ordered = numbers[order]
        for group, low, high in zip(present.tolist(),
                                    np.minimum.reduceat(ordered, firsts).tolist(),
                                    np.maximum.reduceat(ordered, firsts).tolist(), strict=True):
            lows[group], highs[group] = low, high
    return [ColumnStatistics(bins[g].astype(np.int64), tallies[0][g], tallies[1][g],
                             tallies[2][g], tallies[3][g], totals[g], squares[g], lows[g],
                             highs[g]) for g in range(count)]
