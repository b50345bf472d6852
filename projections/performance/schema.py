"""Tables of the performance projection, shaped for its queries."""

from __future__ import annotations

from perfledger.projections.database import Database
from perfledger.projections.projection import Tables, Views

TABLES = (
    "perf_models",
    "perf_labels",
    "perf_series",
    "perf_rows",
    "perf_pending_labels",
    "perf_summaries",
    "perf_touched_hours",
    "perf_buckets",
    "perf_segments",
)
VIEWS = Views(TABLES)


def performance_schema(database: Database, t: Tables) -> list[str]:
    blob, real = database.types.blob, database.types.float
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
        # The summary's sufficient statistics, kept batch by batch (see performance.live).
        " statistics TEXT,"
        " UNIQUE (model_id, version_id, dataset_split))",
        f"CREATE INDEX {t.perf_series}_dirty ON {t.perf_series} (dirty)",
        f"CREATE TABLE {t.perf_rows} ("
        " series_id BIGINT NOT NULL, row_id TEXT NOT NULL,"
        f" pred_code INTEGER, true_code INTEGER, score {real}, proba {blob},"
        f" confidence {real}, prediction {real}, target {real}, features TEXT,"
        " ts BIGINT NOT NULL, sample_key BIGINT NOT NULL, position BIGINT NOT NULL,"
        # moved_from: a corrected row's time before the correction, until the series settles
        " tags TEXT, labeled_at BIGINT, moved_from BIGINT,"
        " PRIMARY KEY (series_id, row_id))",
        # Row time (ts) has no index of its own: the buckets are refreshed from the series' rows
        # as the summary reads them, and a window reads its series by the primary key.
        f"CREATE INDEX {t.perf_rows}_moved ON {t.perf_rows} (series_id)"
        " WHERE moved_from IS NOT NULL",
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
        " labeled_at BIGINT NOT NULL, PRIMARY KEY (series_id, row_id))",
        f"CREATE TABLE {t.perf_summaries} ("
        " series_id BIGINT PRIMARY KEY, task_type TEXT NOT NULL, metrics TEXT NOT NULL,"
        " confusion TEXT, sample_count BIGINT NOT NULL, labeled_count BIGINT NOT NULL,"
        " evaluated_at TEXT NOT NULL)",
        # Hours of row time whose rows changed since the series last settled.
        f"CREATE TABLE {t.perf_touched_hours} ("
        " series_id BIGINT NOT NULL, hour BIGINT NOT NULL, PRIMARY KEY (series_id, hour))",
        # Each hour, day and week bucket's counts, exact metrics and label delays, refreshed
        # for the touched hours at settle: a month of daily points is one indexed read.
        f"CREATE TABLE {t.perf_buckets} ("
        " series_id BIGINT NOT NULL, width TEXT NOT NULL, start BIGINT NOT NULL,"
        " sample_count BIGINT NOT NULL, labeled_count BIGINT NOT NULL, metrics TEXT,"
        " label_delays TEXT, PRIMARY KEY (series_id, width, start))",
        # Each tag value's counts and exact metrics over the whole series, refreshed when it
        # settles: segments by a tag are one indexed read. `value` is JSON (null: untagged).
        f"CREATE TABLE {t.perf_segments} ("
        " series_id BIGINT NOT NULL, name TEXT NOT NULL, value TEXT NOT NULL,"
        " sample_count BIGINT NOT NULL, labeled_count BIGINT NOT NULL, metrics TEXT,"
        " PRIMARY KEY (series_id, name, value))",
    ]
