"""Tables of the performance projection, shaped for its queries."""

from __future__ import annotations

from perfledger.projections.database import Database
from perfledger.projections.projection import Tables, Views

PROJECTION_NAME = "performance"
TABLES = (
    "perf_models",
    "perf_labels",
    "perf_series",
    "perf_rows",
    "perf_pending_labels",
    "perf_summaries",
    "perf_buckets",
    "perf_segments",
)
VIEWS = Views(TABLES)


def performance_schema(database: Database, t: Tables) -> list[str]:
    blob, real, key = database.types.blob, database.types.float, database.types.key
    return [
        f"CREATE TABLE {t.perf_models} ("
        " model_id TEXT PRIMARY KEY, organization_id TEXT NOT NULL, task TEXT NOT NULL,"
        " positive_label TEXT, inputs TEXT NOT NULL, tag_names TEXT NOT NULL)",
        # Labels get small integer codes: declared order first, then first-seen order.
        f"CREATE TABLE {t.perf_labels} ("
        " model_id TEXT NOT NULL, label TEXT NOT NULL, code INTEGER NOT NULL,"
        " PRIMARY KEY (model_id, label))",
        # One series per (model, version, split): the unit a summary describes.
        f"CREATE TABLE {t.perf_series} ("
        " series_id BIGINT PRIMARY KEY, model_id TEXT NOT NULL, version_id TEXT NOT NULL,"
        " dataset_split TEXT NOT NULL, row_count BIGINT NOT NULL, labeled_count BIGINT NOT NULL,"
        " dirty INTEGER NOT NULL, last_event_at TEXT NOT NULL,"
        # Counts changes to the series' rows and cached numbers: a cached answer about the
        # series stays valid while it holds (see api.response_cache).
        " revision BIGINT NOT NULL,"
        # The summary's sufficient statistics, kept batch by batch (see performance.live),
        # with the token of the scores the worker holds, and the tag names it slices by.
        " statistics TEXT,"
        " UNIQUE (model_id, version_id, dataset_split))",
        f"CREATE INDEX {t.perf_series}_dirty ON {t.perf_series} (dirty)",
        f"CREATE TABLE {t.perf_rows} ("
        f" series_id BIGINT NOT NULL, row_id {key} NOT NULL,"
        f" pred_code INTEGER, true_code INTEGER, score {real}, proba {blob},"
        f" confidence {real}, prediction {real}, target {real}, features TEXT,"
        " ts BIGINT NOT NULL, sample_key BIGINT NOT NULL, position BIGINT NOT NULL,"
        " tags TEXT, labeled_at BIGINT,"
        " PRIMARY KEY (series_id, row_id))",
        # Row time (ts) has no index of its own: buckets are kept batch by batch, and a
        # window reads its series by the primary key.
        # Misclassification queries sample windows of random keys, and count by confidence,
        # from these partial indexes over the wrong rows alone.
        f"CREATE INDEX {t.perf_rows}_errors_by_key ON {t.perf_rows}"
        " (series_id, sample_key, true_code, pred_code, confidence)"
        " WHERE true_code IS NOT NULL AND true_code <> pred_code",
        f"CREATE INDEX {t.perf_rows}_errors_by_confidence ON {t.perf_rows}"
        " (series_id, confidence, true_code, pred_code)"
        " WHERE true_code IS NOT NULL AND true_code <> pred_code",
        f"CREATE TABLE {t.perf_pending_labels} ("
        f" series_id BIGINT NOT NULL, row_id {key} NOT NULL, true_code INTEGER, target {real},"
        " labeled_at BIGINT NOT NULL, PRIMARY KEY (series_id, row_id))",
        f"CREATE TABLE {t.perf_summaries} ("
        " series_id BIGINT PRIMARY KEY, task_type TEXT NOT NULL, metrics TEXT NOT NULL,"
        " confusion TEXT, sample_count BIGINT NOT NULL, labeled_count BIGINT NOT NULL,"
        " evaluated_at TEXT NOT NULL)",
        # Each hour, day and week bucket's counts, exact metrics, label delays and sufficient
        # statistics, kept batch by batch: a month of daily points is one indexed read.
        f"CREATE TABLE {t.perf_buckets} ("
        " series_id BIGINT NOT NULL, width TEXT NOT NULL, start BIGINT NOT NULL,"
        " sample_count BIGINT NOT NULL, labeled_count BIGINT NOT NULL, metrics TEXT,"
        " label_delays TEXT, statistics TEXT NOT NULL, PRIMARY KEY (series_id, width, start))",
        # Each tag value's counts, exact metrics and sufficient statistics over the whole
        # series, kept batch by batch: segments by a tag are one indexed read. `value` is
        # JSON (null: untagged).
        f"CREATE TABLE {t.perf_segments} ("
        " series_id BIGINT NOT NULL, name TEXT NOT NULL, value TEXT NOT NULL,"
        " sample_count BIGINT NOT NULL, labeled_count BIGINT NOT NULL, metrics TEXT,"
        " statistics TEXT NOT NULL, PRIMARY KEY (series_id, name, value))",
    ]
