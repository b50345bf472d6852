"""Tables of the performance projection, shaped for its queries."""

from __future__ import annotations

from perfledger.projections.database import Database
from perfledger.projections.projection import Tables

TABLES = (
    "perf_models",
    "perf_labels",
    "perf_series",
    "perf_rows",
    "perf_pending_labels",
    "perf_summaries",
)


def performance_schema(database: Database, t: Tables) -> list[str]:
    blob, real = database.types.blob, database.types.float
    return [
        f"CREATE TABLE {t.perf_models} ("
        " model_id TEXT PRIMARY KEY, organization_id TEXT NOT NULL, task TEXT NOT NULL,"
        " positive_label TEXT, inputs TEXT NOT NULL)",
        # Labels get small integer codes: declared order first, then first-seen order.
        f"CREATE TABLE {t.perf_labels} ("
        " model_id TEXT NOT NULL, label TEXT NOT NULL, code INTEGER NOT NULL,"
        " PRIMARY KEY (model_id, label))",
        # One series per (model, version, split): the unit a summary describes.
        f"CREATE TABLE {t.perf_series} ("
        " series_id BIGINT PRIMARY KEY, model_id TEXT NOT NULL, version_id TEXT NOT NULL,"
        " dataset_split TEXT NOT NULL, row_count BIGINT NOT NULL, labeled_count BIGINT NOT NULL,"
        " dirty INTEGER NOT NULL, last_event_at TEXT NOT NULL,"
        " UNIQUE (model_id, version_id, dataset_split))",
        f"CREATE INDEX {t.perf_series}_dirty ON {t.perf_series} (dirty)",
        f"CREATE TABLE {t.perf_rows} ("
        " series_id BIGINT NOT NULL, row_id TEXT NOT NULL,"
        f" pred_code INTEGER, true_code INTEGER, score {real}, proba {blob},"
        f" confidence {real}, prediction {real}, target {real}, features TEXT,"
        " ts BIGINT, sample_key BIGINT NOT NULL, position BIGINT NOT NULL,"
        " PRIMARY KEY (series_id, row_id))",
        # Misclassification queries sample windows of random keys, and count by confidence,
        # from these partial indexes over the wrong rows alone.
        f"CREATE INDEX {t.perf_rows}_errors_by_key ON {t.perf_rows}"
        " (series_id, sample_key, true_code, pred_code, confidence)"
        " WHERE true_code IS NOT NULL AND true_code <> pred_code",
        f"CREATE INDEX {t.perf_rows}_errors_by_confidence ON {t.perf_rows}"
        " (series_id, confidence, true_code, pred_code)"
        " WHERE true_code IS NOT NULL AND true_code <> pred_code",
        f"CREATE TABLE {t.perf_pending_labels} ("
        f" series_id BIGINT NOT NULL, row_id TEXT NOT NULL, true_code INTEGER, target {real},"
        " PRIMARY KEY (series_id, row_id))",
        f"CREATE TABLE {t.perf_summaries} ("
        " series_id BIGINT PRIMARY KEY, task_type TEXT NOT NULL, metrics TEXT NOT NULL,"
        " confusion TEXT, sample_count BIGINT NOT NULL, labeled_count BIGINT NOT NULL,"
        " evaluated_at TEXT NOT NULL)",
    ]
