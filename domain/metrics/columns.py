"""A column's statistics in a bucket: bin counts, missing values, type and range violations,
and exact moments; they add up across buckets and take back the rows replaced.

Moments are exact sums (`exact`): the mean and population standard deviation of any merge of
buckets equal numpy's on the same values. A bucket keeps its lowest and highest few distinct
values with their counts (`extremes`), so rows can leave it without its rows being read
again; a change that takes rows back keeps the same of what it takes (`gone_*`). Only when
nothing is left known of an end does `extremes_stale` say to read the bucket's rows again.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from itertools import repeat
from operator import is_
from types import NoneType
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
from perfledger.domain.metrics.extremes import (
    Ends,
    ends_by_group,
    joined,
    negated,
    smallest,
    without,
)

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
FloatArray = npt.NDArray[np.float64]
_LARGEST_EXACT_INT = 2**53
_PLAIN = {float, int, NoneType}


@dataclass
class ColumnStatistics:
    bins: IntArray
    missing: int = 0
    type_violations: int = 0
    range_violations: int = 0
    count: int = 0  # numeric values in the moments (of the right type, in range or not)
    total: int = 0  # exact sum, units of 2**-1074
    squares: int = 0  # exact sum of squares, units of 2**-2148
    lows: Ends = ()  # the lowest distinct numeric values, ascending, with their counts
    highs: Ends = ()  # the highest, descending
    extremes_stale: bool = field(default=False)
    gone_lows: Ends = ()  # of the numeric values a change takes back
    gone_highs: Ends = ()
    gone_count: int = 0

    @property
    def low(self) -> float | None:
        return self.lows[0][0] if self.lows else None

    @property
    def high(self) -> float | None:
        return self.highs[0][0] if self.highs else None

    @classmethod
    def empty(cls, spec: ColumnSpec) -> ColumnStatistics:
        return cls(np.zeros(spec.bin_count, np.int64))

    def add(self, other: ColumnStatistics, sign: int = 1) -> None:
        before = self.count
        self.bins = self.bins + sign * other.bins
        self.missing += sign * other.missing
        self.type_violations += sign * other.type_violations
        self.range_violations += sign * other.range_violations
        self.count += sign * other.count
        self.total += sign * other.total
        self.squares += sign * other.squares
        if sign > 0:
            self._add_extremes(other, before)
        elif other.count:  # values leave: what they were is kept to take them back
            self.gone_lows = joined(self.gone_lows, self.gone_count, other.lows,
                                    other.count) or ()
            self.gone_highs = negated(joined(negated(self.gone_highs), self.gone_count,
                                             negated(other.highs), other.count) or ())
            self.gone_count += other.count

    def _add_extremes(self, other: ColumnStatistics, before: int) -> None:
        """The ends once what `other` takes back left and what it brings came."""
        came = other.count + other.gone_count
        remaining = before - other.gone_count
        lows = without(self.lows, before, other.gone_lows, other.gone_count)
        highs = without(negated(self.highs), before, negated(other.gone_highs),
                        other.gone_count)
        lows = None if lows is None else joined(lows, remaining, other.lows, came)
        highs = None if highs is None else joined(highs, remaining, negated(other.highs), came)
        if lows is None or highs is None:
            self.lows = self.highs = ()
            self.extremes_stale = True  # read again from the rows
        else:
            self.lows, self.highs = lows, negated(highs)
        self.extremes_stale = self.extremes_stale or other.extremes_stale

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
                "lows": self.lows, "highs": self.highs, "stale": self.extremes_stale}

    def counts_json(self) -> dict[str, Any]:
        """The bin counts and missing values alone (what drift reads, without the rest)."""
        return {"bins": self.bins.tolist(), "missing": self.missing}

    @classmethod
    def from_json(cls, value: dict[str, Any]) -> ColumnStatistics:
        return cls(np.array(value["bins"], dtype=np.int64), value["missing"], value["type"],
                   value["range"], value["count"], int(value["total"], 16),
                   int(value["squares"], 16), _ends(value["lows"]), _ends(value["highs"]),
                   value["stale"])


def _ends(found: list[list[Any]]) -> Ends:
    """Ends as `to_json` wrote them (values are floats, counts ints)."""
    return tuple(map(tuple, found))


@dataclass(frozen=True)
class BinCounts:
    """A bucket's bin counts and missing values: what drift is measured from."""

    bins: IntArray
    missing: int

    @classmethod
    def of(cls, stats: ColumnStatistics) -> BinCounts:
        return cls(stats.bins, stats.missing)

    @classmethod
    def from_json(cls, value: dict[str, Any]) -> BinCounts:
        return cls(np.array(value["bins"], dtype=np.int64), value["missing"])


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
    missing = np.fromiter(map(is_, values, repeat(None)), bool, n) if None in values \
        else np.zeros(n, bool)
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
    numeric, numbers = _plain_numbers(values, missing, integral) or _numbers_one_by_one(
        values, integral)
    wrong = ~numeric & ~missing
    bins = np.full(n, -1, np.int64)
    out_of_range = np.zeros(n, bool)
    if spec.binned:
        bins[numeric] = np.searchsorted(spec.interior_edges(), numbers[numeric], side="right")
        assert spec.min is not None and spec.max is not None
        out_of_range = numeric & ((numbers < spec.min) | (numbers > spec.max))
    return Measured(bins, missing, wrong, out_of_range, numbers, numeric)


def _plain_numbers(values: list[Any], missing: BoolArray, integral: bool
                   ) -> tuple[BoolArray, FloatArray] | None:
    """Which values are numbers and their float values, converted by numpy at once when
    every value is a float, an int or missing (the usual column); None otherwise. Equal to
    `_numbers_one_by_one` on such values."""
    kinds = set(map(type, values))
    if not kinds <= _PLAIN:
        return None
    try:
        numbers = np.array(values, dtype=np.float64)  # None becomes NaN
    except OverflowError:  # an int too large for a float: one by one
        return None
    numeric = ~missing & np.isfinite(numbers)
    if int in kinds and np.any(np.abs(numbers[numeric]) >= _LARGEST_EXACT_INT):
        return None  # ints from 2**53 on may not be exact: one by one decides each
    if integral:
        numeric &= numbers == np.trunc(numbers)
    numbers[~numeric] = 0.0
    return numeric, numbers


def _numbers_one_by_one(values: list[Any], integral: bool) -> tuple[BoolArray, FloatArray]:
    n = len(values)
    numeric = np.fromiter((_is_number(v, integral) for v in values), bool, n)
    numbers = np.fromiter((float(v) if ok else 0.0 for v, ok in zip(values, numeric.tolist(),
                                                                    strict=True)),
                          np.float64, n)
    return numeric, numbers


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
    kinds = set(map(type, values))
    if kinds <= {wanted, NoneType}:  # the usual column: every value fits or is missing
        fits = ~missing
    else:
        fits = np.fromiter((type(v) is wanted for v in values), bool, n)
    bins = np.full(n, -1, np.int64)
    outside = np.zeros(n, bool)
    if spec.binned:
        index = {category: i for i, category in enumerate(spec.categories or ())}
        other = len(index)
        lookup = [v if ok else None for v, ok in zip(values, fits.tolist(), strict=True)] \
            if len(kinds - {wanted, NoneType}) else values  # unhashable values stay out
        codes = np.fromiter(map(index.get, lookup, repeat(other)), np.int64, n)
        codes[~fits] = -1
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
        exact_sum_of_squares(numbers) if numbers.size else 0, smallest(numbers),
        negated(smallest(-numbers)))


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
    lows, highs = ends_by_group(numbers, owners, count)
    return [ColumnStatistics(bins[g].astype(np.int64), tallies[0][g], tallies[1][g],
                             tallies[2][g], tallies[3][g], totals[g], squares[g], lows[g],
                             highs[g]) for g in range(count)]
