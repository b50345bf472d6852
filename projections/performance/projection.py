"""Projects prediction and label batches into rows, then refreshes cached metrics."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from perfledger.domain.performance.batches import LabelBatch, PredictionBatch
from perfledger.domain.registry.model import Model
from perfledger.domain.timestamps import format_timestamp, to_micros
from perfledger.projections.database import Database, Tx
from perfledger.projections.event_log import Positioned
from perfledger.projections.json import dumps
from perfledger.projections.keys import require_keys
from perfledger.projections.performance.codes import LabelCodes
from perfledger.projections.performance.rows import prediction_rows
from perfledger.projections.performance.schema import TABLES, performance_schema
from perfledger.projections.performance.summaries import compare_performance, refresh_isolated
from perfledger.projections.projection import Tables
from perfledger.projections.topics import UnknownEvent, topics_of


class PerformanceProjection:
    name = "performance"
    tables = TABLES
    topics = topics_of(Model.Registered, Model.Deleted, PredictionBatch.Recorded,
                       LabelBatch.Recorded)

    def schema(self, database: Database, t: Tables) -> list[str]:
        return performance_schema(database, t)

    def apply(self, tx: Tx, t: Tables, events: Sequence[Positioned]) -> None:
        codes = LabelCodes(tx, t)
        for position, event in events:
            match event:
                case Model.Registered():
                    add_model(tx, t, codes, event)
                case Model.Deleted():
                    purge_model(tx, t, codes, str(event.originator_id))
                case PredictionBatch.Recorded():
                    add_predictions(tx, t, codes, position, event)
                case LabelBatch.Recorded():
                    add_labels(tx, t, codes, event)
                case _:
                    raise UnknownEvent(self.name, event)

    def settle(self, tx: Tx, t: Tables) -> None:
        for (series_id,) in tx.rows(f"SELECT series_id FROM {t.perf_series} WHERE dirty = 1"):
            refresh_isolated(tx, t, int(series_id))

    def compare(self, tx: Tx, live: Tables, shadow: Tables) -> list[str]:
        return compare_performance(tx, live, shadow)


ROW_COLUMNS = (
    "series_id",
    "row_id",
    "pred_code",
    "true_code",
    "score",
    "proba",
    "confidence",
    "prediction",
    "target",
    "features",
    "ts",
    "sample_key",
    "position",
)


def add_model(tx: Tx, t: Tables, codes: LabelCodes, event: Model.Registered) -> None:
    model_id = str(event.originator_id)
    tx.execute(
        f"INSERT INTO {t.perf_models} (model_id, organization_id, task, positive_label, inputs)"
        " VALUES (?, ?, ?, ?, ?)",
        (model_id, event.organization_id, event.task, event.positive_label, dumps(event.inputs)),
    )
    for label in event.labels:
        codes.code(model_id, label)


def purge_model(tx: Tx, t: Tables, codes: LabelCodes, model_id: str) -> None:
    """A deleted model's rows, series, summaries and label codes leave the read model."""
    series = f"SELECT series_id FROM {t.perf_series} WHERE model_id = ?"
    for table in (t.perf_rows, t.perf_pending_labels, t.perf_summaries):
        tx.execute(f"DELETE FROM {table} WHERE series_id IN ({series})", (model_id,))
    for table in (t.perf_series, t.perf_labels, t.perf_models):
        tx.execute(f"DELETE FROM {table} WHERE model_id = ?", (model_id,))
    codes.forget(model_id)


def series_of(tx: Tx, t: Tables, event: PredictionBatch.Recorded | LabelBatch.Recorded) -> int:
    """Finds or creates the series a batch belongs to, and marks it for a refresh."""
    key = (str(event.model_id), event.version_id, event.dataset_split)
    at = format_timestamp(event.timestamp)
    series_id = tx.value(
        f"SELECT series_id FROM {t.perf_series}"
        " WHERE model_id = ? AND version_id = ? AND dataset_split = ?",
        key,
    )
    if series_id is None:
        series_id = 1 + int(tx.value(f"SELECT COALESCE(MAX(series_id), 0) FROM {t.perf_series}"))
        tx.execute(
            f"INSERT INTO {t.perf_series} (series_id, model_id, version_id, dataset_split,"
            " row_count, labeled_count, dirty, last_event_at) VALUES (?, ?, ?, ?, 0, 0, 1, ?)",
            (series_id, *key, at),
        )
    else:
        tx.execute(
            f"UPDATE {t.perf_series} SET dirty = 1, last_event_at = ? WHERE series_id = ?",
            (at, series_id),
        )
    return int(series_id)


def add_predictions(tx: Tx, t: Tables, codes: LabelCodes, position: int,
                    event: PredictionBatch.Recorded) -> None:
    require_keys("row_id", event.row_ids)
    model = tx.row(
        f"SELECT task, positive_label FROM {t.perf_models} WHERE model_id = ?",
        (str(event.model_id),),
    )
    if model is None:  # its model was deleted (and purged) before this batch was projected
        return
    series_id = series_of(tx, t, event)
    default_ts = to_micros(event.timestamp)
    rows = prediction_rows(event, codes, model[0], model[1], series_id, position, default_ts)
    _merge_pending_labels(tx, t, series_id, rows)
    tx.upsert(
        t.perf_rows,
        ROW_COLUMNS,
        rows,
        "ON CONFLICT (series_id, row_id) DO UPDATE SET pred_code = excluded.pred_code,"
        f" true_code = COALESCE(excluded.true_code, {t.perf_rows}.true_code),"
        " score = excluded.score, proba = excluded.proba, confidence = excluded.confidence,"
        " prediction = excluded.prediction,"
        f" target = COALESCE(excluded.target, {t.perf_rows}.target),"
        " features = excluded.features, ts = excluded.ts, position = excluded.position",
    )


def _merge_pending_labels(tx: Tx, t: Tables, series_id: int, rows: list[list[Any]]) -> None:
    """Ground truth that arrived before its prediction joins the row now."""
    if (
        tx.value(f"SELECT 1 FROM {t.perf_pending_labels} WHERE series_id = ? LIMIT 1", (series_id,))
        is None
    ):
        return
    by_row = {row[1]: row for row in rows}
    pending = tx.rows_in(
        f"SELECT row_id, true_code, target FROM {t.perf_pending_labels} WHERE series_id = ?",
        (series_id,),
        "row_id",
        list(by_row),
    )
    for row_id, true_code, target in pending:
        row = by_row[row_id]
        row[3] = row[3] if row[3] is not None else true_code
        row[8] = row[8] if row[8] is not None else target
    tx.executemany(
        f"DELETE FROM {t.perf_pending_labels} WHERE series_id = ? AND row_id = ?",
        [(series_id, row_id) for row_id, _, _ in pending],
    )


def add_labels(tx: Tx, t: Tables, codes: LabelCodes, event: LabelBatch.Recorded) -> None:
    require_keys("row_id", event.row_ids)
    model_id = str(event.model_id)
    if tx.value(f"SELECT 1 FROM {t.perf_models} WHERE model_id = ?", (model_id,)) is None:
        return  # its model was deleted (and purged) before these labels were projected
    series_id = series_of(tx, t, event)
    known = {
        row_id
        for (row_id,) in tx.rows_in(
            f"SELECT row_id FROM {t.perf_rows} WHERE series_id = ?",
            (series_id,),
            "row_id",
            event.row_ids,
        )
    }
    updates: list[tuple[Any, ...]] = []
    pending: list[tuple[Any, ...]] = []
    for row_id, label, target in zip(event.row_ids, event.true_labels, event.targets, strict=True):
        values = (codes.code(model_id, label), target, series_id, row_id)
        (updates if row_id in known else pending).append(values)
    tx.executemany(
        f"UPDATE {t.perf_rows} SET true_code = ?, target = ? WHERE series_id = ? AND row_id = ?",
        updates,
    )
    tx.executemany(
        f"INSERT INTO {t.perf_pending_labels} (true_code, target, series_id, row_id)"
        " VALUES (?, ?, ?, ?) ON CONFLICT (series_id, row_id) DO UPDATE"
        " SET true_code = excluded.true_code, target = excluded.target",
        pending,
    )
