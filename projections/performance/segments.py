"""Performance per slice: by a tag, or by a declared input feature (numeric ones in
equal-count bins), worst first."""

from __future__ import annotations

import math
import sys
from collections import Counter
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from perfledger.domain.errors import InvalidInput
from perfledger.domain.metrics.catalogue import metric_named
from perfledger.domain.metrics.measure import metrics_of
from perfledger.projections.database import Tx
from perfledger.projections.json import dumps, loads
from perfledger.projections.performance.queries import series_id_of
from perfledger.projections.performance.schema import VIEWS
from perfledger.projections.performance.windows import (
    ALL_ROWS,
    SeriesKind,
    WindowRows,
    carrying,
    kind_of_model,
    read_window,
)
from perfledger.projections.projection import Tables

MAX_VALUES = 1_000  # values beyond the most frequent fold into OTHER
OTHER = "__other__"
MAX_DISTINCT_WITHOUT_BINS = 50

Value = str | int | float | bool | None
LARGEST_FLOAT = int(sys.float_info.max)


@dataclass(frozen=True)
class SegmentQuery:
    by: str
    sort: str | None  # a metric; None: the task's headline metric
    bins: int | None
    limit: int
    start: int | None  # row time, microseconds; None: every row
    end: int | None
    tags: tuple[tuple[str, str], ...] = ()  # the slice segmented: rows carrying these tags


@dataclass(frozen=True)
class Segment:
    value: Value
    range: tuple[float, float] | None
    sample_count: int
    labeled_count: int
    metrics: dict[str, float | None] | None


def segments_of(tx: Tx, model_id: str, version_id: str, split: str, query: SegmentQuery
                ) -> tuple[SeriesKind, list[Segment]]:
    kind = kind_of_model(tx, VIEWS, model_id)
    series_id = series_id_of(tx, model_id, version_id, split)
    return kind, segments_in(tx, kind, series_id, query)


def segments_in(tx: Tx, kind: SeriesKind, series_id: int | None, query: SegmentQuery
                ) -> list[Segment]:
    if query.sort is not None and "," in query.sort:
        raise InvalidInput(f"'sort' takes one metric, not '{query.sort[:100]}'",
                           {"field": "sort"})
    (sort,) = kind.metrics_named(query.sort or kind.headline_metric, "sort")
    inputs, tag_names = _dimensions(tx, kind)
    if query.by not in inputs and query.by not in tag_names:
        raise InvalidInput(
            f"Cannot segment by '{query.by}': it is neither a tag the model's rows carry"
            f" ({sorted(tag_names)}) nor a declared input ({inputs[:50]})", {"field": "by"})
    if series_id is None:
        return []
    if query.by not in inputs and query.bins is not None:
        raise InvalidInput(f"'{query.by}' is a tag; 'bins' is for numeric features",
                           {"field": "bins"})
    if query.by not in inputs and query.start is None and query.end is None and not query.tags:
        # none kept: the name has more values than are kept (the rows are read to fold the
        # rarest into OTHER), or is new to the model and waits for its series' settle
        stored = stored_tag_segments(tx, series_id, query.by)
        if stored:
            return sorted(stored, key=_worst_first(sort))[: query.limit]
    start, end = (query.start if query.start is not None else ALL_ROWS[0],
                  query.end if query.end is not None else ALL_ROWS[1])
    column = "features" if query.by in inputs else "tags"
    rows = read_window(tx, VIEWS, kind, series_id, start, end, column)
    if query.tags:
        tagged = rows if column == "tags" else read_window(tx, VIEWS, kind, series_id, start,
                                                           end, "tags")
        rows = rows.take(carrying(tagged, dict(query.tags)))
    assert rows.texts is not None
    values = [None if text is None else _segment_value(loads(text).get(query.by))
              for text in rows.texts]
    if _numeric(values) and (query.bins is not None or
                             len(set(values) - {None}) > MAX_DISTINCT_WITHOUT_BINS):
        segments = _binned(kind, rows, values, query)
    else:
        if query.bins is not None:
            raise InvalidInput(f"'{query.by}' is not numeric; 'bins' is for numeric features",
                               {"field": "bins"})
        segments = _by_value(kind, rows, values)
    return sorted(segments, key=_worst_first(sort))[: query.limit]


def tag_segments(kind: SeriesKind, rows: WindowRows, name: str) -> list[Segment]:
    """Each value's segment of a tag, from rows read with their tags (what is kept)."""
    assert rows.texts is not None, "read the rows with their tags"
    values = [None if text is None else loads(text).get(name) for text in rows.texts]
    return _by_value(kind, rows, values)


def stored_tag_segments(tx: Tx, series_id: int, name: str) -> list[Segment]:
    found = tx.rows("SELECT value, sample_count, labeled_count, metrics FROM perf_segments"
                    " WHERE series_id = ? AND name = ?", (series_id, name))
    return [Segment(loads(value), None, int(samples), int(labeled), loads(metrics))
            for value, samples, labeled, metrics in found]


def tag_names_of(tx: Tx, t: Tables, model_id: str) -> list[str]:
    found = tx.value(f"SELECT tag_names FROM {t.perf_models} WHERE model_id = ?", (model_id,))
    return list(loads(found or "[]"))


def _dimensions(tx: Tx, kind: SeriesKind) -> tuple[list[str], list[str]]:
    inputs, tag_names = tx.row(
        "SELECT inputs, tag_names FROM perf_models WHERE model_id = ?", (kind.model_id,)
    ) or ("[]", "[]")
    return list(loads(inputs)), list(loads(tag_names))


def _segment_value(value: Any) -> Value:
    """A feature's value as a segment's: a list or an object by its JSON text (equal ones
    segment together), an integer beyond a float's range by its digits (a category)."""
    if isinstance(value, list | dict):
        return dumps(value)
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > LARGEST_FLOAT:
        return str(value)
    return value  # type: ignore[no-any-return]


def _numeric(values: list[Any]) -> bool:
    present = [v for v in values if v is not None]
    return bool(present) and all(
        isinstance(v, int | float) and not isinstance(v, bool) for v in present)


def _by_value(kind: SeriesKind, rows: WindowRows, values: list[Value]) -> list[Segment]:
    frequent = {value for value, _ in Counter(values).most_common(MAX_VALUES)}
    folded = [value if value in frequent else OTHER for value in values]
    index = {value: i for i, value in enumerate(dict.fromkeys(folded))}
    codes = np.array([index[value] for value in folded], dtype=np.int64)
    return [Segment(value, None, *_stats(kind, rows, chosen))
            for value, chosen in zip(index, _groups(codes, len(index)), strict=True)]


def _binned(kind: SeriesKind, rows: WindowRows, values: list[Value], query: SegmentQuery
            ) -> list[Segment]:
    if query.bins is None:
        raise InvalidInput(
            f"'{query.by}' has more than {MAX_DISTINCT_WITHOUT_BINS} distinct values: give"
            " 'bins' (2 to 20) to slice it into equal-count bins", {"field": "bins"})
    present = np.array([v is not None for v in values])
    numbers = np.array([math.nan if v is None else float(v) for v in values])
    edges = np.unique(np.quantile(numbers[present], np.linspace(0, 1, query.bins + 1)))
    if edges.size == 1:  # every row has the same value: one bin
        edges = np.repeat(edges, 2)
    # bin i holds [edges[i], edges[i + 1]), the last one closed; rows without the value: -1
    codes = np.where(present, np.searchsorted(edges[1:-1], numbers, side="right"), -1)
    segments = []
    for code, chosen in enumerate(_groups(codes + 1, len(edges))):
        if not chosen.size:
            continue
        if code == 0:
            segments.append(Segment(None, None, *_stats(kind, rows, chosen)))
        else:
            bounds = (float(edges[code - 1]), float(edges[code]))
            segments.append(Segment(None, bounds, *_stats(kind, rows, chosen)))
    return segments


def _groups(codes: npt.NDArray[np.int64], count: int) -> list[npt.NDArray[np.int64]]:
    """Row indexes of each code 0..count-1, by one sort."""
    order = np.argsort(codes, kind="stable")
    bounds = np.searchsorted(codes[order], np.arange(count + 1))
    return [order[bounds[i]:bounds[i + 1]] for i in range(count)]


def _stats(kind: SeriesKind, rows: WindowRows, chosen: npt.NDArray[np.int64]
           ) -> tuple[int, int, dict[str, float | None] | None]:
    part = rows.take(chosen)
    return len(part), part.labeled_count, metrics_of(kind, part)


def _worst_first(metric: str) -> Any:
    found = metric_named(metric)
    sign = 1.0 if found is not None and found.higher_is_better else -1.0

    def key(segment: Segment) -> tuple[int, float, int]:
        value = None if segment.metrics is None else segment.metrics.get(metric)
        if value is None:
            return (1, 0.0, -segment.labeled_count)
        return (0, sign * value, -segment.labeled_count)

    return key
