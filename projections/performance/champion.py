"""Champion against challenger: two versions on the same labeled rows, their metrics, the
differences, and whether the difference is more than chance (`domain.metrics.significance`)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from perfledger.domain.errors import InvalidInput, Unprocessable
from perfledger.domain.metrics.measure import Metrics, metrics_of
from perfledger.domain.metrics.significance import paired_tests
from perfledger.projections.columns import (
    FloatArray,
    read_columns_and_vectors,
    read_packed_floats,
    read_packed_floats_in_two,
    vectors_of,
)
from perfledger.projections.database import Tx
from perfledger.projections.performance.queries import series_id_of
from perfledger.projections.performance.schema import PROJECTION_NAME, TABLES, VIEWS
from perfledger.projections.performance.windows import (
    ALL_ROWS,
    MAX_WINDOW_ROWS,
    SeriesKind,
    WindowRows,
    bounded_row_count,
    kind_of_model,
)
from perfledger.projections.projection import Tables
from perfledger.projections.registry.queries import version_meant
from perfledger.projections.state import live_generation_of

SPLIT_FROM_ROWS = 50_000  # a candidate with fewer rows is read in one piece
# A comparison's label codes (each below MAX_LABELS_PER_MODEL, plus one, 0 for none) packed
# into one integer: truth, the baseline's prediction, the candidate's
CODE_SHIFTS = (32, 16, 0)
CODE_MASK = 0xFFFF
# histogram bounds inside a series' range that place its middle well enough: fewer, and
# its own index is stepped through instead (a series small beside its table's others)
MIN_BOUNDS_INSIDE = 8


@dataclass(frozen=True)
class Comparison:
    shared_rows: int
    baseline: Metrics
    candidate: Metrics
    delta: dict[str, float | None]
    tests: dict[str, dict[str, Any]]


def compare_of(tx: Tx, model_id: str, baseline: str, candidate: str, split: str,
               start: int | None, end: int | None) -> tuple[SeriesKind, Comparison]:
    version_meant(tx, model_id, candidate)  # it exists, and has performance
    if baseline == candidate:
        raise InvalidInput(
            f"The baseline is '{baseline}', the candidate itself: name another version in"
            " 'baseline' (without one, the baseline is the promoted version)",
            {"field": "baseline"})
    kind = kind_of_model(tx, VIEWS, model_id)
    return kind, compare_in(tx, kind, series_id_of(tx, model_id, baseline, split),
                            series_id_of(tx, model_id, candidate, split), start, end)


def compare_in(tx: Tx, kind: SeriesKind, baseline: int | None, candidate: int | None,
               start: int | None, end: int | None) -> Comparison:
    """Rows both series predicted, with ground truth: the baseline's label, else the
    candidate's (labels usually arrive once per row, for whichever version was asked)."""
    if baseline is None or candidate is None:
        raise Unprocessable("The two versions share no labeled rows", {"shared_rows": 0})
    base, cand = _shared_rows(tx, kind, baseline, candidate,
                              ALL_ROWS[0] if start is None else start,
                              ALL_ROWS[1] if end is None else end)
    if not len(base):
        raise Unprocessable("The two versions share no labeled rows", {"shared_rows": 0})
    base_metrics, cand_metrics = _metrics_of_both(kind, base, cand)
    delta = {name: None if value is None or cand_metrics.get(name) is None
             else cand_metrics[name] - value  # type: ignore[operator]
             for name, value in base_metrics.items()}
    tests = paired_tests(kind, base, cand)
    return Comparison(len(base), base_metrics, cand_metrics, delta, tests)


def _metrics_of_both(kind: SeriesKind, base: WindowRows, cand: WindowRows
                     ) -> tuple[Metrics, Metrics]:
    """The candidate's metrics are computed beside the baseline's: numpy's sorts, most of
    the work, let go of the interpreter."""
    with ThreadPoolExecutor(max_workers=1) as beside:
        candidate = beside.submit(metrics_of, kind, cand)
        baseline = metrics_of(kind, base)
    return baseline or {}, candidate.result() or {}


def _shared_rows(tx: Tx, kind: SeriesKind, baseline: int, candidate: int, start: int, end: int
                 ) -> tuple[WindowRows, WindowRows]:
    truth, predicted = kind.row_columns
    # Both series' rows in row-id order, merged: each scan starts and stops at the other
    # series' first and last row ids (a challenger scored on the latest traffic shares the
    # end of the champion's series), so neither reads rows the other cannot match.
    within = "SELECT {}(row_id) FROM perf_rows WHERE series_id = ?"
    where = (f" FROM perf_rows b JOIN perf_rows c ON c.series_id = ? AND c.row_id = b.row_id"
             f" WHERE b.series_id = ? AND b.ts >= ? AND b.ts < ?"
             f" AND COALESCE(b.{truth}, c.{truth}) IS NOT NULL"
             f" AND b.row_id >= ({within.format('MIN')}) AND b.row_id <= ({within.format('MAX')})"
             f" AND c.row_id >= ({within.format('MIN')}) AND c.row_id <= ({within.format('MAX')})")
    params = (candidate, baseline, start, end, candidate, candidate, baseline, baseline)
    # A binary row's score already holds its positive probability (the rows are projected
    # so), which is all its metrics read: only multiclass comparisons read the vectors.
    multiclass = kind.is_classification and kind.positive is None
    count = bounded_row_count(tx, VIEWS, baseline, where, params,
                              2 * kind.vector_width if multiclass else 0)
    base_proba = cand_proba = None
    if tx.dialect == "postgresql" and not multiclass:
        truth_values, base_pred, cand_pred, base_score, cand_score = _packed_shared_rows(
            tx, kind, candidate, where, params)
    else:
        numbers = [f"COALESCE(b.{truth}, c.{truth})", f"b.{predicted}", f"c.{predicted}",
                   "b.score", "c.score"]
        vectors = ", b.proba, c.proba" if multiclass else ""
        columns, cand_proba = read_columns_and_vectors(
            tx, f"SELECT {', '.join(numbers)}{vectors}" + where + " ORDER BY b.row_id",
            params, count, (np.float64,) * len(numbers) + ((object,) if multiclass else ()),
            kind.n_labels if multiclass else None)
        truth_values, base_pred, cand_pred, base_score, cand_score = columns[:5]
        if multiclass:
            base_proba = vectors_of(list(columns[5]), kind.n_labels)
    ts = np.zeros(truth_values.size, dtype=np.int64)  # row times play no part in a comparison
    no_label_time: npt.NDArray[np.float64] = np.full(ts.size, np.nan)
    return (WindowRows(ts, truth_values, base_pred, base_score, no_label_time, base_proba),
            WindowRows(ts, truth_values, cand_pred, cand_score, no_label_time, cand_proba))


def _packed_shared_rows(tx: Tx, kind: SeriesKind, candidate: int, where: str,
                        params: tuple[Any, ...]) -> list[FloatArray]:
    """PostgreSQL, binary or regression: the shared rows' truth, both predictions and both
    scores, each column packed by the server, so no row reaches Python. Sums run in the
    join's order (the merge over row ids as planned here) rather than a sort's: the same
    metrics within rounding, and counts and p-values exactly.

    A classification row's three label codes travel as one number, a regression row's
    scores not at all (its metrics and test read none): three columns to pack, not five.
    The rows are read in two halves of the candidate's row ids, at once when a second
    connection is free; each half bounds both sides (the planner carries no inequality
    across the join, and a merge would step through the other half of the unbounded
    side)."""
    truth, predicted = kind.row_columns
    if kind.is_classification:
        codes = [f"COALESCE(b.{truth}, c.{truth})", f"b.{predicted}", f"c.{predicted}"]
        expressions = [" | ".join(f"(COALESCE({code} + 1, 0)::bigint << {shift})"
                                  for code, shift in zip(codes, CODE_SHIFTS, strict=True)),
                       "b.score", "c.score"]
    else:
        expressions = [f"COALESCE(b.{truth}, c.{truth})", f"b.{predicted}", f"c.{predicted}"]
    middle = _middle_row_id(tx, candidate)
    columns = (read_packed_floats(tx, expressions, where, params) if middle is None
               else read_packed_floats_in_two(tx, expressions, (
                   (where + " AND b.row_id < ? AND c.row_id < ?", (*params, middle, middle)),
                   (where + " AND b.row_id >= ? AND c.row_id >= ?", (*params, middle, middle)))))
    if not kind.is_classification:
        no_scores = np.full(columns[0].size, np.nan)
        return [*columns, no_scores, no_scores]
    packed = columns[0].astype(np.int64)
    unpacked = [(packed >> shift) & CODE_MASK for shift in CODE_SHIFTS]
    return [*(np.where(code == 0, np.nan, code - 1.0) for code in unpacked), *columns[1:]]


def _middle_row_id(tx: Tx, series_id: int) -> str | None:
    """A row id about halfway through the series (by its stored row count); None where
    halves would not pay: a small series reads fast whole, and finding the middle of a huge
    one (a narrow window of it, as MAX_WINDOW_ROWS bounds) costs more than the halves save.

    Any row id splits the rows correctly; only the halves' balance depends on it. The
    planner's histogram of row ids gives one for free; where it has too few bounds inside
    the series' range, the series' own index is stepped through to its middle."""
    count = int(tx.value(f"SELECT row_count FROM {VIEWS.perf_series} WHERE series_id = ?",
                         (series_id,)) or 0)
    if not SPLIT_FROM_ROWS <= count <= MAX_WINDOW_ROWS:
        return None
    middle: str | None = (_middle_from_statistics(tx, series_id)
                          or tx.value(f"SELECT row_id FROM {VIEWS.perf_rows} WHERE series_id = ?"
                                      " ORDER BY row_id OFFSET ? LIMIT 1", (series_id, count // 2)))
    return middle


def _middle_from_statistics(tx: Tx, series_id: int) -> str | None:
    """The middle of the planner's row-id histogram bounds that fall inside the series'
    first and last row ids (bounds over every series of the table: they follow the
    series' own spread where its row ids are spread as its neighbours' are)."""
    generation = live_generation_of(tx, PROJECTION_NAME)
    if generation is None:
        return None
    bounds = tx.value("SELECT histogram_bounds::text::text[] FROM pg_stats"
                      " WHERE schemaname = current_schema() AND tablename = ? AND attname = ?",
                      (Tables(TABLES, generation).perf_rows, "row_id"))
    first, last = tx.row(f"SELECT MIN(row_id), MAX(row_id) FROM {VIEWS.perf_rows}"
                         " WHERE series_id = ?", (series_id,)) or (None, None)
    if not bounds or first is None or last is None:
        return None
    # row ids compare as bytes (COLLATE "C"): as Python compares their code points
    inside = [bound for bound in bounds if first < bound < last]
    return inside[len(inside) // 2] if len(inside) >= MIN_BOUNDS_INSIDE else None
