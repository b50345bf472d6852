"""A split's summary over the rows carrying some tags (a slice): its counts, every metric and
its confusion matrix, measured from the rows as a tag-filtered timeseries is (bounded by
MAX_WINDOW_ROWS, run as heavy work)."""

from __future__ import annotations

from perfledger.domain.errors import Unprocessable
from perfledger.domain.metrics.measure import contribution, finish
from perfledger.domain.metrics.ranks import pairs_within
from perfledger.projections.database import Tx
from perfledger.projections.performance.queries import Summary, series_id_of
from perfledger.projections.performance.schema import VIEWS
from perfledger.projections.performance.windows import (
    ALL_ROWS,
    kind_of_model,
    read_window,
    with_tags,
)


def sliced_summary(tx: Tx, model_id: str, version_id: str, split: str,
                   tags: dict[str, str]) -> Summary:
    """The summary of the series' rows carrying every one of `tags`; Unprocessable (as the
    whole split's) while none of them is labeled."""
    kind = kind_of_model(tx, VIEWS, model_id)
    series_id = series_id_of(tx, model_id, version_id, split)
    evaluated_at = None if series_id is None else tx.value(
        "SELECT last_event_at FROM perf_series WHERE series_id = ?", (series_id,))
    if series_id is None or evaluated_at is None:
        raise _nothing_labeled(version_id, split, tags)
    rows = with_tags(read_window(tx, VIEWS, kind, series_id, *ALL_ROWS, "tags"), tags)
    stats, ranked = contribution(kind, rows)
    stats.twice_u = [pairs_within(positives, negatives)
                     for positives, negatives in ranked.problems]
    metrics = finish(kind, stats)
    if metrics is None:
        raise _nothing_labeled(version_id, split, tags)
    confusion = ({"labels": list(kind.labels), "matrix": stats.confusion.tolist()}
                 if kind.is_classification else None)
    return Summary(kind.task_type, metrics, len(rows), rows.labeled_count, str(evaluated_at),
                   confusion)


def _nothing_labeled(version_id: str, split: str, tags: dict[str, str]) -> Unprocessable:
    slice_ = ", ".join(f"{name}={value}" for name, value in sorted(tags.items()))
    return Unprocessable(f"Version '{version_id}' has no labeled rows with {slice_} in the"
                         f" '{split}' split yet")
