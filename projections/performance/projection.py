"""Projects prediction and label batches into rows, then refreshes cached metrics."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from perfledger.domain.metrics.catalogue import catalogue_digest
from perfledger.domain.performance.batches import LabelBatch, PredictionBatch
from perfledger.domain.registry.model import Model
from perfledger.domain.timestamps import format_timestamp, to_micros
from perfledger.projections.database import Database, Tx
from perfledger.projections.event_log import Positioned
from perfledger.projections.json import dumps, loads
from perfledger.projections.keys import require_keys
from perfledger.projections.performance.codes import LabelCodes
from perfledger.projections.performance.live import LiveSummaries
from perfledger.projections.performance.rows import prediction_rows
from perfledger.projections.performance.schema import (
    PROJECTION_NAME,
    TABLES,
    performance_schema,
)
from perfledger.projections.performance.segments import tag_names_of
from perfledger.projections.performance.summaries import compare_performance, settle_series
from perfledger.projections.performance.windows import (
    SeriesKind,
    WindowRows,
    rows_from,
    rows_from_columns,
    rows_with_ids,
    series_kind,
)
from perfledger.projections.planner import refresh_statistics
from perfledger.projections.projection import Tables
from perfledger.projections.topics import UnknownEvent, topics_of


class PerformanceProjection:
    name = PROJECTION_NAME
    computed_by = f"metrics {catalogue_digest()}"  # the metrics each bucket stores
    tables = TABLES
    topics = topics_of(Model.Registered, Model.TagNamesSeen, Model.Deleted,
                       PredictionBatch.Recorded, LabelBatch.Recorded)

    def __init__(self) -> None:
        self.live = LiveSummaries()

    def schema(self, database: Database, t: Tables) -> list[str]:
        return performance_schema(database, t)

    def apply(self, tx: Tx, t: Tables, events: Sequence[Positioned]) -> None:
        # Each batch looks its rows up by id: a plan made while the table was small would
        # scan whole series instead (a long catch-up grows it between settles).
        refresh_statistics(tx, [t.perf_rows])
        codes = LabelCodes(tx, t)
        # Consecutive prediction batches of one series are applied as one change: their rows
        # merged as the upserts one by one would leave them, then one lookup, one change of
        # the kept numbers and one upsert for all (a batch's fixed cost paid once).
        group: list[tuple[int, PredictionBatch.Recorded]] = []

        def flush() -> None:
            if group:
                add_predictions(tx, t, codes, self.live, group)
                group.clear()

        for position, event in events:
            if isinstance(event, PredictionBatch.Recorded):
                if group and (_series_key(group[-1][1]) != _series_key(event) or sum(
                        len(e.row_ids) for _, e in group) >= MAX_GROUPED_ROWS):
                    flush()
                group.append((position, event))
                continue
            flush()
            match event:
                case Model.Registered():
                    add_model(tx, t, codes, event)
                case Model.TagNamesSeen():
                    add_tag_names(tx, t, str(event.originator_id), event.names)
                case Model.Deleted():
                    purge_model(tx, t, codes, str(event.originator_id))
                case LabelBatch.Recorded():
                    add_labels(tx, t, codes, self.live, event)
                case _:
                    raise UnknownEvent(self.name, event)
        flush()

    def settle(self, tx: Tx, t: Tables) -> None:
        # The rows again too: apply refreshes their statistics before a page, so the last
        # pages of a catch-up would otherwise stay out of the row-id histogram a comparison
        # splits its read by (halves of 60 % and 40 % after a 1.5M-row load).
        refresh_statistics(tx, [t.perf_rows, t.perf_buckets, t.perf_segments, t.perf_series])
        for (series_id,) in tx.rows(f"SELECT series_id FROM {t.perf_series} WHERE dirty = 1"):
            settle_series(tx, t, self.live, int(series_id))

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
    "tags",
    "labeled_at",
)
# positions in a row of ROW_COLUMNS
PRED_CODE, TRUE_CODE, SCORE, PROBA, PREDICTION, TARGET, TS, SAMPLE_KEY, TAGS, LABELED_AT = (
    2, 3, 4, 5, 7, 8, 10, 11, 13, 14)
MAX_GROUPED_ROWS = 20_000  # rows of consecutive batches applied as one change
Row = Sequence[Any]  # a row of ROW_COLUMNS: a tuple as built, a list once changed


def _series_key(event: PredictionBatch.Recorded) -> tuple[str, str, str]:
    return str(event.model_id), event.version_id, event.dataset_split


def _kind(codes: LabelCodes, model_id: str, task: str, positive_label: str | None
          ) -> SeriesKind:
    labels = sorted(codes.of_model(model_id).items(), key=lambda item: item[1])
    return series_kind(model_id, task, positive_label, [label for label, _ in labels])


def add_model(tx: Tx, t: Tables, codes: LabelCodes, event: Model.Registered) -> None:
    model_id = str(event.originator_id)
    tx.execute(
        f"INSERT INTO {t.perf_models} (model_id, organization_id, task, positive_label, inputs,"
        " tag_names) VALUES (?, ?, ?, ?, ?, '[]')",
        (model_id, event.organization_id, event.task, event.positive_label, dumps(event.inputs)),
    )
    for label in event.labels:
        codes.code(model_id, label)


def add_tag_names(tx: Tx, t: Tables, model_id: str, names: list[str]) -> None:
    """The tag names the model's rows carry, in first-seen order (the model counts them as
    batches bring them): what segments slice by."""
    known = loads(tx.value(f"SELECT tag_names FROM {t.perf_models} WHERE model_id = ?",
                           (model_id,)) or "[]")
    tx.execute(f"UPDATE {t.perf_models} SET tag_names = ? WHERE model_id = ?",
               (dumps([*known, *names]), model_id))
    # Every series of the model gains the new names' segments (its rows untagged so far).
    tx.execute(f"UPDATE {t.perf_series} SET dirty = 1 WHERE model_id = ?", (model_id,))


def purge_model(tx: Tx, t: Tables, codes: LabelCodes, model_id: str) -> None:
    """A deleted model's rows, series, summaries and label codes leave the read model."""
    series = f"SELECT series_id FROM {t.perf_series} WHERE model_id = ?"
    for table in (t.perf_rows, t.perf_pending_labels, t.perf_summaries,
                  t.perf_buckets, t.perf_segments):
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
            " row_count, labeled_count, dirty, last_event_at, revision)"
            " VALUES (?, ?, ?, ?, 0, 0, 1, ?, 1)",
            (series_id, *key, at),
        )
    else:
        tx.execute(
            f"UPDATE {t.perf_series} SET dirty = 1, last_event_at = ?, revision = revision + 1"
            " WHERE series_id = ?",
            (at, series_id),
        )
    return int(series_id)


def add_predictions(tx: Tx, t: Tables, codes: LabelCodes, live: LiveSummaries,
                    batches: Sequence[tuple[int, PredictionBatch.Recorded]]) -> None:
    """Consecutive batches of one series (with their positions), applied as one change."""
    for _, batch in batches:
        require_keys("row_id", batch.row_ids)
    event = batches[-1][1]
    model = tx.row(
        f"SELECT task, positive_label FROM {t.perf_models} WHERE model_id = ?",
        (str(event.model_id),),
    )
    if model is None:  # its model was deleted (and purged) before this batch was projected
        return
    series_id = series_of(tx, t, event)
    rows = merged_rows([
        prediction_rows(batch, codes, model[0], model[1], series_id, position,
                        to_micros(batch.timestamp)) for position, batch in batches])
    _merge_pending_labels(tx, t, series_id, rows)
    kind = _kind(codes, str(event.model_id), model[0], model[1])
    stored = rows_with_ids(tx, t, kind, series_id, [row[1] for row in rows])
    live.change(tx, t, kind, series_id, tag_names_of(tx, t, str(event.model_id)),
                rows_from(kind, list(stored.values())), _as_stored(kind, rows, stored))
    # New rows go in with one COPY; the replaced ones (found above) through an upsert.
    replaced = [row for row in rows if row[1] in stored]
    on_conflict = _replacing(t.perf_rows)
    tx.upsert(t.perf_rows, ROW_COLUMNS, [row for row in rows if row[1] not in stored]
              if replaced else rows, on_conflict)
    tx.upsert(t.perf_rows, ROW_COLUMNS, replaced, on_conflict, existing=True)


def _replacing(rows_table: str) -> str:
    """A replaced row keeps its truth and label time unless the record carries its own."""
    return (
        "ON CONFLICT (series_id, row_id) DO UPDATE SET pred_code = excluded.pred_code,"
        f" true_code = COALESCE(excluded.true_code, {rows_table}.true_code),"
        " score = excluded.score, proba = excluded.proba, confidence = excluded.confidence,"
        " prediction = excluded.prediction,"
        f" target = COALESCE(excluded.target, {rows_table}.target),"
        " features = excluded.features, ts = excluded.ts, position = excluded.position,"
        " tags = excluded.tags, labeled_at = CASE WHEN excluded.true_code IS NULL"
        f" AND excluded.target IS NULL THEN {rows_table}.labeled_at ELSE excluded.labeled_at END"
    )


def merged_rows(batches: Sequence[Sequence[Row]]) -> list[Row]:
    """The rows of consecutive batches as upserting them one batch after the other leaves
    them: a later row replaces an earlier one with the same id, but keeps its truth (and its
    label time) unless it carries truth of its own, and its sampling key."""
    merged: dict[Any, Row] = {}
    for rows in batches:
        for row in rows:
            earlier = merged.get(row[1])
            if earlier is not None:
                replacing = list(row)
                if row[TRUE_CODE] is None and row[TARGET] is None:
                    replacing[LABELED_AT] = earlier[LABELED_AT]
                for column in (TRUE_CODE, TARGET):
                    if row[column] is None:
                        replacing[column] = earlier[column]
                replacing[SAMPLE_KEY] = earlier[SAMPLE_KEY]
                row = replacing
            merged[row[1]] = row
    return list(merged.values())


def _as_stored(kind: SeriesKind, rows: list[Row],
               stored: dict[str, tuple[Any, ...]]) -> WindowRows:
    """The new rows as the upsert below leaves them: a replaced row keeps its truth, and its
    label time, unless the record carries truth of its own. Read column by column: only the
    replaced rows are looked at one by one."""
    truth_column, predicted = ((TRUE_CODE, PRED_CODE) if kind.is_classification
                               else (TARGET, PREDICTION))
    truths = [row[truth_column] for row in rows]
    labeled_at = [row[LABELED_AT] for row in rows]
    for i, row in enumerate(rows) if stored else ():
        kept = stored.get(row[1])
        if kept is None:
            continue
        if truths[i] is None:
            truths[i] = kept[1]
        if row[TRUE_CODE] is None and row[TARGET] is None:
            labeled_at[i] = kept[4]
    return rows_from_columns(kind, [row[TS] for row in rows], truths,
                             [row[predicted] for row in rows], [row[SCORE] for row in rows],
                             labeled_at, [row[PROBA] for row in rows],
                             [row[TAGS] for row in rows])


def _merge_pending_labels(tx: Tx, t: Tables, series_id: int, rows: list[Row]) -> None:
    """Ground truth that arrived before its prediction joins the row now."""
    if (
        tx.value(f"SELECT 1 FROM {t.perf_pending_labels} WHERE series_id = ? LIMIT 1", (series_id,))
        is None
    ):
        return
    index = {row[1]: i for i, row in enumerate(rows)}
    pending = tx.rows_in(
        f"SELECT row_id, true_code, target, labeled_at FROM {t.perf_pending_labels}"
        " WHERE series_id = ?",
        (series_id,),
        "row_id",
        list(index),
    )
    for row_id, true_code, target, labeled_at in pending:
        row = list(rows[index[row_id]])
        if row[TRUE_CODE] is None and row[TARGET] is None:
            row[TRUE_CODE], row[TARGET], row[LABELED_AT] = true_code, target, labeled_at
            rows[index[row_id]] = row
    tx.executemany(
        f"DELETE FROM {t.perf_pending_labels} WHERE series_id = ? AND row_id = ?",
        [(series_id, row_id) for row_id, *_ in pending],
    )


def add_labels(tx: Tx, t: Tables, codes: LabelCodes, live: LiveSummaries,
               event: LabelBatch.Recorded) -> None:
    require_keys("row_id", event.row_ids)
    model_id = str(event.model_id)
    model = tx.row(f"SELECT task, positive_label FROM {t.perf_models} WHERE model_id = ?",
                   (model_id,))
    if model is None:  # its model was deleted (and purged) before these labels were projected
        return
    series_id = series_of(tx, t, event)
    labels = codes.codes_of(model_id, event.true_labels)
    kind = _kind(codes, model_id, model[0], model[1])
    known = rows_with_ids(tx, t, kind, series_id, event.row_ids)
    labeled_at = to_micros(event.timestamp)
    updates: list[tuple[Any, ...]] = []
    pending: list[tuple[Any, ...]] = []
    labeled: list[tuple[Any, ...]] = []
    for row_id, code, target in zip(event.row_ids, labels, event.targets, strict=True):
        values = (code, target, labeled_at, series_id, row_id)
        (updates if row_id in known else pending).append(values)
        if row_id in known:
            ts, _, predicted, score, _, proba, tags = known[row_id]
            truth = code if kind.is_classification else target
            labeled.append((ts, truth, predicted, score, labeled_at, proba, tags))
    live.change(tx, t, kind, series_id, tag_names_of(tx, t, model_id),
                rows_from(kind, list(known.values())), rows_from(kind, labeled))
    tx.executemany(
        f"UPDATE {t.perf_rows} SET true_code = ?, target = ?, labeled_at = ?"
        " WHERE series_id = ? AND row_id = ?",
        updates,
    )
    tx.executemany(
        f"INSERT INTO {t.perf_pending_labels} (true_code, target, labeled_at, series_id, row_id)"
        " VALUES (?, ?, ?, ?, ?) ON CONFLICT (series_id, row_id) DO UPDATE"
        " SET true_code = excluded.true_code, target = excluded.target,"
        " labeled_at = excluded.labeled_at",
        pending,
    )
