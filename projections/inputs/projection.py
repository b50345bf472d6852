"""The inputs projection: each model's columns and baselines, and per (series, column,
bucket) the statistics drift and data integrity are measured from."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from perfledger.domain.inputs.columns import ColumnSpec, model_columns
from perfledger.domain.performance.batches import PredictionBatch
from perfledger.domain.registry.model import Model
from perfledger.domain.timestamps import format_timestamp
from perfledger.projections.comparison import compare_tables
from perfledger.projections.database import Database, Tx
from perfledger.projections.event_log import Positioned
from perfledger.projections.inputs.buckets import Change
from perfledger.projections.inputs.values import (
    STORED_COLUMNS,
    KeptRows,
    latest_of,
    rows_from,
    rows_of_batch,
)
from perfledger.projections.json import dumps, loads
from perfledger.projections.projection import Tables
from perfledger.projections.topics import UnknownEvent, topics_of

log = logging.getLogger(__name__)
RECOUNT_CHUNK = 50_000  # rows read and measured at once when a model's columns change
TABLES = ("input_models", "input_series", "input_rows", "input_buckets", "input_traffic",
          "input_baselines")


class InputsProjection:
    name = "inputs"
    computed_by = ""
    tables = TABLES
    topics = topics_of(Model.Registered, Model.ColumnsDeclared, Model.BaselineCreated,
                       Model.BaselineDeleted, Model.Deleted, PredictionBatch.Recorded)

    def schema(self, database: Database, t: Tables) -> list[str]:
        real, key = database.types.float, database.types.key
        return [
            f"CREATE TABLE {t.input_models} ("
            " model_id TEXT PRIMARY KEY, organization_id TEXT NOT NULL, task TEXT NOT NULL,"
            " labels TEXT NOT NULL, inputs TEXT NOT NULL, declared TEXT NOT NULL)",
            f"CREATE TABLE {t.input_series} ("
            " series_id BIGINT PRIMARY KEY, model_id TEXT NOT NULL, version_id TEXT NOT NULL,"
            " dataset_split TEXT NOT NULL, revision BIGINT NOT NULL,"
            " UNIQUE (model_id, version_id, dataset_split))",
            f"CREATE TABLE {t.input_rows} ("
            f" series_id BIGINT NOT NULL, row_id {key} NOT NULL, ts BIGINT NOT NULL,"
            f" features TEXT, predicted_label TEXT, score {real}, prediction {real},"
            " probabilities TEXT, tags TEXT, PRIMARY KEY (series_id, row_id))",
            f"CREATE INDEX {t.input_rows}_by_time ON {t.input_rows} (series_id, ts)",
            f"CREATE TABLE {t.input_buckets} ("
            " series_id BIGINT NOT NULL, name TEXT NOT NULL, width TEXT NOT NULL,"
            " start BIGINT NOT NULL, counts TEXT NOT NULL, statistics TEXT NOT NULL,"
            " PRIMARY KEY (series_id, width, start, name))",
            f"CREATE TABLE {t.input_traffic} ("
            " series_id BIGINT NOT NULL, width TEXT NOT NULL, start BIGINT NOT NULL,"
            " row_count BIGINT NOT NULL, violating_count BIGINT NOT NULL,"
            " PRIMARY KEY (series_id, width, start))",
            f"CREATE TABLE {t.input_baselines} ("
            " baseline_id TEXT PRIMARY KEY, model_id TEXT NOT NULL, name TEXT NOT NULL,"
            " definition TEXT NOT NULL, is_default INTEGER NOT NULL, created_at TEXT NOT NULL,"
            " position BIGINT NOT NULL)",
            f"CREATE INDEX {t.input_baselines}_by_model ON {t.input_baselines} (model_id)",
        ]

    def apply(self, tx: Tx, t: Tables, events: Sequence[Positioned]) -> None:
        """A page's batches are gathered per series and measured and written once (a batch
        spread over many hours would otherwise rewrite every one of their buckets); any other
        event first writes what was gathered."""
        gathered: dict[int, tuple[list[ColumnSpec], list[KeptRows]]] = {}
        for position, event in events:
            subject = str(event.originator_id)
            if isinstance(event, PredictionBatch.Recorded):
                _gather(tx, t, event, gathered)
                continue
            _record(tx, t, gathered)
            match event:
                case Model.Registered():
                    tx.execute(f"INSERT INTO {t.input_models} (model_id, organization_id, task,"
                               " labels, inputs, declared) VALUES (?, ?, ?, ?, ?, '[]')",
                               (subject, event.organization_id, event.task,
                                dumps(event.labels), dumps(event.inputs)))
                case Model.ColumnsDeclared():
                    _declare(tx, t, subject, event.columns)
                case Model.BaselineCreated():
                    _create_baseline(tx, t, subject, position, event)
                case Model.BaselineDeleted():
                    _delete_baseline(tx, t, subject, event.baseline_id)
                case Model.Deleted():
                    tx.execute(f"DELETE FROM {t.input_models} WHERE model_id = ?", (subject,))
                    tx.execute(f"DELETE FROM {t.input_baselines} WHERE model_id = ?", (subject,))
                case _:
                    raise UnknownEvent(self.name, event)
        _record(tx, t, gathered)

    def settle(self, tx: Tx, t: Tables) -> None:
        """Nothing is derived across pages: every bucket is kept batch by batch."""

    def compare(self, tx: Tx, live: Tables, shadow: Tables) -> list[str]:
        return compare_tables(tx, live, shadow, list(self.tables))


def columns_in(tx: Tx, t: Tables, model_id: str) -> list[ColumnSpec] | None:
    """The model's columns as the projection knows them; None for a model it does not."""
    found = tx.row(f"SELECT task, labels, inputs, declared FROM {t.input_models}"
                   " WHERE model_id = ?", (model_id,))
    if found is None:
        return None
    task, labels, inputs, declared = found
    return model_columns(str(task), loads(labels), loads(inputs),
                         [ColumnSpec.from_json(c) for c in loads(declared)])


def _declare(tx: Tx, t: Tables, model_id: str, columns: list[dict[str, Any]]) -> None:
    """The columns' specs recorded; when they change columns the model's rows were counted
    with, its statistics are counted again from the rows kept (in this transaction: the old
    ones answer until it commits)."""
    before = columns_in(tx, t, model_id)
    found = tx.value(f"SELECT declared FROM {t.input_models} WHERE model_id = ?", (model_id,))
    if found is None or before is None:
        return
    given = {column["name"] for column in columns}
    kept = [c for c in loads(found) if c["name"] not in given] + columns
    tx.execute(f"UPDATE {t.input_models} SET declared = ? WHERE model_id = ?",
               (dumps(kept), model_id))
    after = columns_in(tx, t, model_id)
    if after is not None and sorted(after, key=_name) != sorted(before, key=_name):
        recount(tx, t, model_id, after)


def _name(column: ColumnSpec) -> str:
    return column.name


def recount(tx: Tx, t: Tables, model_id: str, columns: list[ColumnSpec]) -> None:
    """Every bucket of the model's series counted again from the rows kept, a chunk of rows
    at a time, with progress in the log."""
    series = [int(found) for found, in tx.rows(
        f"SELECT series_id FROM {t.input_series} WHERE model_id = ?", (model_id,))]
    total = sum(int(count) for count, in tx.rows(
        f"SELECT COUNT(*) FROM {t.input_rows} WHERE series_id IN"
        f" (SELECT series_id FROM {t.input_series} WHERE model_id = ?)", (model_id,)))
    done = 0
    for series_id in series:
        tx.execute(f"DELETE FROM {t.input_buckets} WHERE series_id = ?", (series_id,))
        tx.execute(f"DELETE FROM {t.input_traffic} WHERE series_id = ?", (series_id,))
        change = Change(columns)
        for chunk in tx.stream(f"SELECT {', '.join(STORED_COLUMNS[1:])} FROM {t.input_rows}"
                               " WHERE series_id = ?", (series_id,), RECOUNT_CHUNK):
            change.add(rows_from(chunk), 1)
            done += len(chunk)
            log.info("inputs: model %s recounted with its changed columns: %d of %d rows",
                     model_id, done, total)
        change.write(tx, t, series_id)
        tx.execute(f"UPDATE {t.input_series} SET revision = revision + 1 WHERE series_id = ?",
                   (series_id,))


def _create_baseline(tx: Tx, t: Tables, model_id: str, position: int,
                     event: Model.BaselineCreated) -> None:
    if event.is_default:
        tx.execute(f"UPDATE {t.input_baselines} SET is_default = 0 WHERE model_id = ?",
                   (model_id,))
    tx.execute(f"INSERT INTO {t.input_baselines} (baseline_id, model_id, name, definition,"
               " is_default, created_at, position) VALUES (?, ?, ?, ?, ?, ?, ?)",
               (event.baseline_id, model_id, event.name, dumps(event.definition),
                int(event.is_default), format_timestamp(event.timestamp), position))


def _delete_baseline(tx: Tx, t: Tables, model_id: str, baseline_id: str) -> None:
    was_default = tx.value(f"SELECT is_default FROM {t.input_baselines} WHERE baseline_id = ?",
                           (baseline_id,))
    tx.execute(f"DELETE FROM {t.input_baselines} WHERE baseline_id = ?", (baseline_id,))
    if was_default:  # the oldest remaining one becomes the default
        oldest = tx.value(f"SELECT baseline_id FROM {t.input_baselines} WHERE model_id = ?"
                          " ORDER BY position LIMIT 1", (model_id,))
        if oldest is not None:
            tx.execute(f"UPDATE {t.input_baselines} SET is_default = 1 WHERE baseline_id = ?",
                       (oldest,))


def declares_columns(tx: Tx, t: Tables, model_id: str) -> bool:
    """Whether the model declares columns: only those models' rows are measured (keeping
    every model's would halve the catch-up of the ones that do not ask for it)."""
    found = tx.value(f"SELECT declared FROM {t.input_models} WHERE model_id = ?", (model_id,))
    return found is not None and found != "[]"


def _gather(tx: Tx, t: Tables, event: PredictionBatch.Recorded,
            gathered: dict[int, tuple[list[ColumnSpec], list[KeptRows]]]) -> None:
    model_id = str(event.model_id)
    columns = columns_in(tx, t, model_id)
    if columns is None or not declares_columns(tx, t, model_id):  # deleted, or not measured
        return
    series_id = _series(tx, t, model_id, event.version_id, event.dataset_split)
    gathered.setdefault(series_id, (columns, []))[1].append(rows_of_batch(event))


def _record(tx: Tx, t: Tables,
            gathered: dict[int, tuple[list[ColumnSpec], list[KeptRows]]]) -> None:
    """Each series' gathered rows in: what they replace taken back, their own added."""
    for series_id, (columns, parts) in gathered.items():
        came = latest_of(parts)
        gone = rows_from(tx.rows_in(
            f"SELECT {', '.join(STORED_COLUMNS[1:])} FROM {t.input_rows} WHERE series_id = ?",
            (series_id,), "row_id", came.row_ids))
        change = Change(columns)
        change.add(gone, -1)
        change.add(came, 1)
        tx.upsert(t.input_rows, STORED_COLUMNS, came.stored(series_id),
                  "ON CONFLICT (series_id, row_id) DO UPDATE SET ts = excluded.ts,"
                  " features = excluded.features, predicted_label = excluded.predicted_label,"
                  " score = excluded.score, prediction = excluded.prediction,"
                  " probabilities = excluded.probabilities, tags = excluded.tags",
                  existing=bool(len(gone)))
        change.write(tx, t, series_id)
        tx.execute(f"UPDATE {t.input_series} SET revision = revision + 1 WHERE series_id = ?",
                   (series_id,))
    gathered.clear()


def _series(tx: Tx, t: Tables, model_id: str, version_id: str, split: str) -> int:
    found = tx.value(f"SELECT series_id FROM {t.input_series} WHERE model_id = ?"
                     " AND version_id = ? AND dataset_split = ?", (model_id, version_id, split))
    if found is not None:
        return int(found)
    series_id = 1 + int(tx.value(f"SELECT COALESCE(MAX(series_id), 0) FROM {t.input_series}"))
    tx.execute(f"INSERT INTO {t.input_series} (series_id, model_id, version_id, dataset_split,"
               " revision) VALUES (?, ?, ?, ?, 0)", (series_id, model_id, version_id, split))
    return series_id
