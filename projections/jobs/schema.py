"""Tables of the jobs projection, shaped for the job and model metrics queries."""

from __future__ import annotations

from perfledger.projections.database import Database
from perfledger.projections.projection import Tables

TABLES = ("job_jobs", "job_events", "job_feedback", "job_kb", "job_counts", "job_kb_counts")
HOUR_MICROS = 3_600_000_000
NO_CONSENSUS = -1  # job_counts keys need a value where an event has no consensus


def jobs_schema(database: Database, t: Tables) -> list[str]:
    real = database.types.float
    # Counts are updated in place all the time: room on each page lets PostgreSQL keep the new
    # versions beside the old ones (HOT) and prune those as it reads, without a VACUUM.
    churn = " WITH (fillfactor = 50)" if database.dialect == "postgresql" else ""
    # PostgreSQL reads dotted paths out of JSONB without reparsing text on every row.
    fields = "JSONB" if database.dialect == "postgresql" else "TEXT"
    return [
        f"CREATE TABLE {t.job_jobs} ("
        " job_key TEXT PRIMARY KEY, organization_id TEXT NOT NULL, job_id BIGINT NOT NULL,"
        f" title TEXT NOT NULL, decisions TEXT NOT NULL, minutes_per_event {real} NOT NULL,"
        " active_model_id TEXT, model_ids TEXT NOT NULL, created_at TEXT NOT NULL,"
        " UNIQUE (organization_id, job_id), UNIQUE (organization_id, title))",
        # Decisions and consensus are codes: the label's index in the job's decisions.
        f"CREATE TABLE {t.job_events} ("
        " job_key TEXT NOT NULL, event_id TEXT NOT NULL, ts BIGINT NOT NULL,"
        f" decision INTEGER NOT NULL, confidence {real}, model_id TEXT, bucket_id TEXT,"
        f" fields {fields} NOT NULL, consensus INTEGER, consensus_at BIGINT,"
        " position BIGINT NOT NULL, PRIMARY KEY (job_key, event_id))",
        f"CREATE INDEX {t.job_events}_by_time ON {t.job_events} (job_key, ts)",
        # A training reads the events with a consensus, a small part of them.
        f"CREATE INDEX {t.job_events}_with_consensus ON {t.job_events} (job_key, event_id)"
        " WHERE consensus IS NOT NULL",
        # Each user's latest label per event; the consensus is derived from these.
        f"CREATE TABLE {t.job_feedback} ("
        " job_key TEXT NOT NULL, event_id TEXT NOT NULL, user_name TEXT NOT NULL,"
        " label INTEGER NOT NULL, position BIGINT NOT NULL,"
        " PRIMARY KEY (job_key, event_id, user_name))",
        # A knowledge base's events, with their time and bucket copied from job_events and
        # `changed_at` (the position of the change) while their consensus differs from `label`.
        f"CREATE TABLE {t.job_kb} ("
        " job_key TEXT NOT NULL, model_id TEXT NOT NULL, event_id TEXT NOT NULL,"
        " label INTEGER NOT NULL, ts BIGINT NOT NULL, bucket_id TEXT, changed_at BIGINT,"
        " PRIMARY KEY (job_key, model_id, event_id))",
        f"CREATE INDEX {t.job_kb}_by_event ON {t.job_kb} (job_key, event_id)",
        f"CREATE INDEX {t.job_kb}_by_time ON {t.job_kb} (job_key, model_id, ts)",
        f"CREATE INDEX {t.job_kb}_changed ON {t.job_kb} (job_key, model_id, changed_at)"
        " WHERE changed_at IS NOT NULL",
        # Pre-aggregated counts per hour: unfiltered metrics read these, not the events.
        f"CREATE TABLE {t.job_counts} ("
        " job_key TEXT NOT NULL, hour BIGINT NOT NULL, model_id TEXT NOT NULL,"
        " decision INTEGER NOT NULL, consensus INTEGER NOT NULL, n BIGINT NOT NULL,"
        f" PRIMARY KEY (job_key, hour, model_id, decision, consensus)){churn}",
        f"CREATE INDEX {t.job_counts}_by_model ON {t.job_counts} (job_key, model_id)",
        # Each knowledge base's events per hour, for its unfiltered count.
        f"CREATE TABLE {t.job_kb_counts} ("
        " job_key TEXT NOT NULL, model_id TEXT NOT NULL, hour BIGINT NOT NULL,"
        f" n BIGINT NOT NULL, PRIMARY KEY (job_key, model_id, hour)){churn}",
    ]
