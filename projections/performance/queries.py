"""Reads of cached performance: summaries and confusion matrices."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from perfledger.domain.errors import Unprocessable
from perfledger.projections.database import Database, Tx
from perfledger.projections.json import loads
from perfledger.projections.registry.queries import ModelRow, model_in, version_meant

PERFORMANCE_TASKS = ("binary_classification", "multiclass_classification", "regression")


@dataclass(frozen=True)
class Summary:
    task_type: str
    metrics: dict[str, float | None]
    sample_count: int
    labeled_count: int
    evaluated_at: str
    confusion: dict[str, Any] | None


def find_summary(db: Database, model_id: str, version_id: str, split: str) -> Summary:
    with db.read() as tx:
        return summary_in(tx, model_id, version_id, split)


def cached_performance(
    db: Database, organization_id: str, model_id: str, version_id: str | None, split: str
) -> tuple[ModelRow, str, tuple[Summary, tuple[Any, ...]]]:
    """The model, the version meant, its cached summary and the summary's stamp (see
    series_stamp), read in one transaction."""
    def read(tx: Tx, version: str) -> tuple[Summary, tuple[Any, ...]]:
        return (summary_in(tx, model_id, version, split),
                stamp_in(tx, model_id, [version], split))

    return series_query(db, organization_id, model_id, version_id, read)


T = TypeVar("T")


def series_query(db: Database, organization_id: str, model_id: str, version_id: str | None,
                 read: Callable[[Tx, str], T]) -> tuple[ModelRow, str, T]:
    """The model, the version meant, and `read(tx, version)`, in one transaction."""
    with db.read() as tx:
        model = model_in(tx, organization_id, model_id)
        if model.task not in PERFORMANCE_TASKS:
            raise Unprocessable(
                f"Model '{model_id}' is a {model.task} model; "
                "performance is for classification and regression"
            )
        version = version_meant(tx, model_id, version_id)
        return model, version, read(tx, version)


def series_stamp(db: Database, organization_id: str, model_id: str,
                 version_ids: Sequence[str | None], split: str) -> tuple[Any, ...]:
    """What an answer about these series depends on (see stamp_in). Refuses, as the answer
    would, another organization's model or a version without performance."""
    with db.read() as tx:
        model_in(tx, organization_id, model_id)
        versions = [version_meant(tx, model_id, version_id) for version_id in version_ids]
        return stamp_in(tx, model_id, versions, split)


def stamp_in(tx: Tx, model_id: str, versions: Sequence[str], split: str) -> tuple[Any, ...]:
    """The versions meant and each series' revision. A label first seen in another series
    widens every confusion matrix of the model: it marks them all for a refresh, which bumps
    their revisions."""
    stamp = [(version, tx.value(
        "SELECT revision FROM perf_series"
        " WHERE model_id = ? AND version_id = ? AND dataset_split = ?",
        (model_id, version, split))) for version in versions]
    return tuple(stamp)


def summary_in(tx: Tx, model_id: str, version_id: str, split: str) -> Summary:
    row = tx.row(
        "SELECT p.task_type, p.metrics, p.sample_count, p.labeled_count, p.evaluated_at,"
        " p.confusion FROM perf_series s JOIN perf_summaries p ON p.series_id = s.series_id"
        " WHERE s.model_id = ? AND s.version_id = ? AND s.dataset_split = ?",
        (model_id, version_id, split),
    )
    if row is None:
        raise Unprocessable(
            f"Version '{version_id}' has no labeled rows in the '{split}' split yet"
        )
    task_type, metrics, samples, labeled, evaluated_at, confusion = row
    return Summary(
        task_type, loads(metrics), int(samples), int(labeled), evaluated_at, loads(confusion)
    )


def series_id_of(tx: Tx, model_id: str, version_id: str, split: str) -> int | None:
    """The key of a (model, version, split) series, if it has received anything."""
    found = tx.value(
        "SELECT series_id FROM perf_series"
        " WHERE model_id = ? AND version_id = ? AND dataset_split = ?",
        (model_id, version_id, split),
    )
    return None if found is None else int(found)


def pending_row_ids(
    db: Database, model_id: str, version_id: str, split: str, row_ids: list[str]
) -> list[str]:
    """Which of `row_ids` hold labels still waiting for their prediction."""
    with db.read() as tx:
        series_id = series_id_of(tx, model_id, version_id, split)
        if series_id is None:
            return list(row_ids)
        pending = _row_ids_in(tx, "perf_pending_labels", series_id, row_ids)
    return [row_id for row_id in row_ids if row_id in pending]


def missing_row_ids(
    db: Database, model_id: str, version_id: str, split: str, row_ids: list[str]
) -> list[str]:
    """Which of `row_ids` have no prediction in the series, in the order given, each once."""
    wanted = list(dict.fromkeys(row_ids))
    with db.read() as tx:
        series_id = series_id_of(tx, model_id, version_id, split)
        if series_id is None:
            return wanted
        present = _row_ids_in(tx, "perf_rows", series_id, wanted)
    return [row_id for row_id in wanted if row_id not in present]


def _row_ids_in(tx: Tx, table: str, series_id: int, row_ids: list[str]) -> set[str]:
    select = f"SELECT row_id FROM {table} WHERE series_id = ?"
    return {row_id for (row_id,) in tx.rows_in(select, (series_id,), "row_id", row_ids)}
