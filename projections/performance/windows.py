"""Row time: hour, day and week buckets (UTC, weeks from Monday), and a series' rows in a
window read into numpy columns with their exact metrics per bucket."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from perfledger.domain.errors import InvalidInput, Unprocessable
from perfledger.domain.metrics.catalogue import headline_of, names_for
from perfledger.domain.metrics.inputs import classifies, measured_as
from perfledger.domain.metrics.measure import Metrics, metrics_of
from perfledger.projections.columns import read_columns_and_vectors, vectors_of
from perfledger.projections.database import Tx
from perfledger.projections.json import loads
from perfledger.projections.projection import Tables

HOUR = 3_600_000_000  # microseconds, the unit of row time
DAY = 24 * HOUR
WEEK = 7 * DAY
WIDTHS = {"hour": HOUR, "day": DAY, "week": WEEK}
_FIRST_MONDAY = 4 * DAY  # 1970-01-05 00:00 UTC: weeks start on Mondays
ALL_ROWS = (-(2**63), 2**63 - 1)  # a window holding every row time
MAX_WINDOW_ROWS = 2_000_000  # rows one windowed answer may read (tags, segments, compare)
# probability cells one windowed answer may hold (200 MB of float64): a model with many
# labels reads fewer rows at once (12 labels or fewer reach MAX_WINDOW_ROWS first)
MAX_WINDOW_CELLS = 25_000_000


def check_order(start: int | None, end: int | None) -> None:
    """A window given both bounds ends after it starts."""
    if start is not None and end is not None and start >= end:
        raise InvalidInput("The window is empty: 'end' must come after 'start'", {"field": "end"})


def bucket_start(ts: int, width: int) -> int:
    origin = _FIRST_MONDAY if width == WEEK else 0
    return ts - (ts - origin) % width


def bucket_starts(ts: npt.NDArray[np.int64], width: int) -> npt.NDArray[np.int64]:
    origin = _FIRST_MONDAY if width == WEEK else 0
    starts: npt.NDArray[np.int64] = ts - (ts - origin) % width
    return starts


@dataclass(frozen=True)
class SeriesKind:
    """What computing a series' metrics needs: its model's task and its labels' codes."""

    model_id: str
    task: str
    labels: tuple[str, ...]  # in code order
    positive: int | None  # the positive label's code, for binary tasks

    @property
    def n_labels(self) -> int:
        return len(self.labels)

    @property
    def is_classification(self) -> bool:
        return classifies(self)

    @property
    def vector_width(self) -> int:
        """The probabilities a row is read with: one per label when classifying."""
        return self.n_labels if self.is_classification else 0

    @property
    def task_type(self) -> str:
        """How answers name the task: "classification" or "regression"."""
        return "classification" if self.is_classification else "regression"

    @property
    def row_columns(self) -> tuple[str, str]:
        """The rows' columns holding the truth and the prediction."""
        return (("true_code", "pred_code") if self.is_classification
                else ("target", "prediction"))

    @property
    def metric_names(self) -> tuple[str, ...]:
        return names_for(measured_as(self.task))

    @property
    def headline_metric(self) -> str:
        """What segments are ranked by unless asked otherwise."""
        return headline_of(measured_as(self.task)) or self.metric_names[0]

    def metrics_named(self, requested: str | None, field: str = "metrics") -> list[str]:
        """The metrics a comma-separated list names (all of the task's when None)."""
        if requested is None:
            return list(self.metric_names)
        names = list(dict.fromkeys(name.strip() for name in requested.split(",")
                                   if name.strip()))
        unknown = [name for name in names if name not in self.metric_names]
        if unknown or not names:
            raise InvalidInput(f"Unknown metric(s) {unknown[:10]} for a {self.task_type} model;"
                               f" choose from {list(self.metric_names)}", {"field": field})
        return names


def kind_of_model(tx: Tx, t: Tables, model_id: str) -> SeriesKind:
    task, positive_label = tx.row(
        f"SELECT task, positive_label FROM {t.perf_models} WHERE model_id = ?", (model_id,)
    ) or (None, None)
    labels = [label for (label,) in tx.rows(
        f"SELECT label FROM {t.perf_labels} WHERE model_id = ? ORDER BY code", (model_id,))]
    return series_kind(model_id, str(task), positive_label, labels)


def series_kind(model_id: str, task: str, positive_label: str | None,
                labels: list[str]) -> SeriesKind:
    """`labels` in code order."""
    positive = None
    if task == "binary_classification":
        positive = labels.index(positive_label) if positive_label is not None else 1
    return SeriesKind(model_id, task, tuple(labels), positive)


@dataclass
class WindowRows:
    """Rows of one series, column by column; truth and label times are NaN where absent."""

    ts: npt.NDArray[np.int64]
    truth: npt.NDArray[np.float64]  # true codes (classification) or targets (regression)
    predicted: npt.NDArray[np.float64]  # predicted codes or predictions
    scores: npt.NDArray[np.float64]
    labeled_at: npt.NDArray[np.float64]
    proba: npt.NDArray[np.float64] | None
    texts: list[str | None] | None = None  # a JSON column read with them (tags, features)

    def __len__(self) -> int:
        return int(self.ts.size)

    @property
    def labeled_count(self) -> int:
        return int(np.count_nonzero(~np.isnan(self.truth)))

    def take(self, chosen: npt.NDArray[Any]) -> WindowRows:
        """The rows a boolean mask or an index array picks."""
        index = np.flatnonzero(chosen) if chosen.dtype == np.bool_ else chosen
        return WindowRows(
            self.ts[index], self.truth[index], self.predicted[index], self.scores[index],
            self.labeled_at[index], None if self.proba is None else self.proba[index],
            None if self.texts is None else [self.texts[i] for i in index.tolist()],
        )


def read_window(tx: Tx, t: Tables, kind: SeriesKind, series_id: int, start: int, end: int,
                text: str | None = None) -> WindowRows:
    """The series' rows whose row time is in [start, end), in row-id order; with `text`,
    that JSON column too ("tags" or "features"). At most MAX_WINDOW_ROWS of them."""
    where = f" FROM {t.perf_rows} WHERE series_id = ? AND ts >= ? AND ts < ?"
    params = (series_id, start, end)
    count = bounded_row_count(tx, t, series_id, where, params, kind.vector_width)
    return _read_rows(tx, kind, where + " ORDER BY row_id", params, count + 1, text)


def bounded_row_count(tx: Tx, t: Tables, series_id: int, where: str,
                      params: tuple[Any, ...], vector_width: int) -> int:
    """At most how many rows `where` reads of the series: its row count as last settled (the
    arrays reading them grow if there are more now). A query that reads rows reads at most
    MAX_WINDOW_ROWS, and at most MAX_WINDOW_CELLS probabilities in rows of `vector_width`
    (memory, and time on the bounded heavy-work pool); past that, it asks for a narrower
    window."""
    limit = min(MAX_WINDOW_ROWS, MAX_WINDOW_CELLS // max(vector_width, 1))
    count = int(tx.value(
        f"SELECT row_count FROM {t.perf_series} WHERE series_id = ?", (series_id,)) or 0)
    if count <= limit:
        return count
    count = int(tx.value("SELECT COUNT(*)" + where, params))
    if count > limit:
        why = ("" if limit == MAX_WINDOW_ROWS
               else f" (of {vector_width} probabilities each, {MAX_WINDOW_CELLS} in all)")
        raise Unprocessable(
            f"This question reads {count} rows; at most {limit}{why} are read for one"
            " answer. Narrow it with 'start' and 'end'",
            {"rows": count, "limit": limit},
        )
    return count


def read_series(tx: Tx, t: Tables, kind: SeriesKind, series_id: int,
                text: str | None = None) -> WindowRows:
    """Every row of the series, in row-id order (its primary key): sums add up the same way
    in every rebuild. With `text`, that JSON column too."""
    count = tx.value(f"SELECT row_count FROM {t.perf_series} WHERE series_id = ?", (series_id,))
    where = f" FROM {t.perf_rows} WHERE series_id = ? ORDER BY row_id"
    return _read_rows(tx, kind, where, (series_id,), int(count or 0) + 1, text)


def _read_rows(tx: Tx, kind: SeriesKind, where: str, params: tuple[Any, ...], count: int,
               text: str | None = None) -> WindowRows:
    truth, predicted = kind.row_columns
    extra = f", {text}" if text else ""
    vectors = ", proba" if kind.is_classification else ""
    columns, proba = read_columns_and_vectors(
        tx,
        f"SELECT ts, {truth}, {predicted}, score, labeled_at{extra}{vectors}" + where,
        params,
        count,
        (np.int64, np.float64, np.float64, np.float64, np.float64,
         *((object,) if text else ())),
        kind.n_labels if kind.is_classification else None,
    )
    texts = list(columns[5]) if text else None
    return WindowRows(columns[0], columns[1], columns[2], columns[3], columns[4], proba, texts)


def rows_with_ids(tx: Tx, t: Tables, kind: SeriesKind, series_id: int,
                  row_ids: list[str]) -> dict[str, tuple[Any, ...]]:
    """The stored rows among `row_ids`, each as (ts, truth, predicted, score, labeled_at,
    proba blob, tags): what `rows_from` reads.

    Only ids up to the series' last stored one (one step down its key) are looked up: ids
    that grow with time (sequences, timestamps, ULIDs, UUIDv7) are new rows, found absent
    without a probe each. Row ids compare as bytes in both databases (PostgreSQL's column is
    COLLATE "C"), the order Python compares their code points in."""
    last = tx.value(f"SELECT MAX(row_id) FROM {t.perf_rows} WHERE series_id = ?", (series_id,))
    if last is None:
        return {}
    truth, predicted = kind.row_columns
    vectors = "proba" if kind.is_classification else "NULL"
    found = tx.rows_in(
        f"SELECT row_id, ts, {truth}, {predicted}, score, labeled_at, {vectors}, tags"
        f" FROM {t.perf_rows} WHERE series_id = ?", (series_id,), "row_id",
        [row_id for row_id in row_ids if row_id <= last])
    return {row[0]: tuple(row[1:]) for row in found}


def rows_from(kind: SeriesKind, records: list[tuple[Any, ...]]) -> WindowRows:
    """Rows given as (ts, truth, predicted, score, labeled_at, proba blob, tags) tuples."""
    if not records:
        empty = np.empty(0)
        return WindowRows(np.empty(0, np.int64), empty, empty, empty, empty, None, [])
    return rows_from_columns(kind, *zip(*records, strict=True))


def rows_from_columns(kind: SeriesKind, ts: Sequence[int], truth: Sequence[Any],
                      predicted: Sequence[Any], scores: Sequence[Any],
                      labeled_at: Sequence[Any], blobs: Sequence[Any],
                      tags: Sequence[Any]) -> WindowRows:
    """The same rows given column by column (None where a row has no value)."""
    truths, predictions, score_values, label_times = (
        np.array(column, dtype=np.float64)  # None becomes NaN
        for column in (truth, predicted, scores, labeled_at))
    proba = vectors_of(blobs, kind.n_labels) if kind.is_classification else None
    return WindowRows(np.array(ts, dtype=np.int64), truths, predictions, score_values,
                      label_times, proba, list(tags))


@dataclass(frozen=True)
class BucketStats:
    start: int
    sample_count: int
    labeled_count: int
    metrics: Metrics | None
    label_delays: dict[str, float] | None


def label_delays(rows: WindowRows) -> dict[str, float] | None:
    """The rows' label delays as a bucket reports them."""
    return delay_percentiles(label_delay_seconds(rows))


def label_delay_seconds(rows: WindowRows) -> npt.NDArray[np.float64]:
    """Seconds from each row's time to its label's arrival, for rows a label batch labeled
    (early labels count as 0)."""
    late = ~np.isnan(rows.labeled_at) & ~np.isnan(rows.truth)
    seconds: npt.NDArray[np.float64] = np.maximum(rows.labeled_at[late] - rows.ts[late],
                                                  0.0) / 1e6
    return seconds


def delay_percentiles(delays: npt.NDArray[np.float64]) -> dict[str, float] | None:
    """numpy's linear-interpolated p50 and p90, and the largest; None without delays."""
    if not delays.size:
        return None
    p50, p90 = np.percentile(delays, [50, 90])
    return {"p50": float(p50), "p90": float(p90), "max": float(np.max(delays))}


def bucket_stats(kind: SeriesKind, rows: WindowRows, width: int) -> list[BucketStats]:
    """Counts, metrics and label delays of each bucket the rows fall in, grouping the rows
    with one sort."""
    starts = bucket_starts(rows.ts, width)
    order = np.argsort(starts, kind="stable")
    ordered = starts[order]
    wanted = np.unique(starts)
    firsts = np.searchsorted(ordered, wanted, side="left")
    lasts = np.searchsorted(ordered, wanted, side="right")
    found = []
    for start, first, last in zip(wanted.tolist(), firsts.tolist(), lasts.tolist(),
                                  strict=True):
        bucket = rows.take(order[first:last])
        found.append(BucketStats(start, len(bucket), bucket.labeled_count,
                                 metrics_of(kind, bucket), label_delays(bucket)))
    return found


def with_tags(rows: WindowRows, wanted: dict[str, str]) -> WindowRows:
    """The rows carrying every one of the wanted tags (rows read with their "tags")."""
    return rows.take(carrying(rows, wanted))


def carrying(rows: WindowRows, wanted: dict[str, str]) -> npt.NDArray[np.int64]:
    """The indexes of the rows carrying every one of the wanted tags (rows read with their
    "tags"), ascending."""
    assert rows.texts is not None, "read the rows with their tags"
    chosen = [i for i, tags in enumerate(rows.texts)
              if tags is not None and _carries(loads(tags), wanted)]
    return np.array(chosen, dtype=np.int64)


def _carries(tags: dict[str, str], wanted: dict[str, str]) -> bool:
    return all(tags.get(name) == value for name, value in wanted.items())
