"""Projects jobs, their event batches, feedback and trainings into the jobs read model."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from domain.jobs import EventFeedback, Job, JobEventBatch, KnowledgeBase
from projections.comparison import compare_tables
from projections.database import Database, Tx
from projections.event_log import Positioned
from projections.jobs.schema import TABLES, jobs_schema
from projections.jobs.writes import (
    Counts,
    add_events,
    add_feedback,
    add_job,
    add_knowledge_base,
    add_model,
    write_counts,
)
from projections.projection import Tables
from projections.topics import event_topics


class JobsProjection:
    name = "jobs"
    tables = TABLES
    topics = (
        *event_topics(Job, "Created", "Trained"),
        *event_topics(KnowledgeBase, "Captured"),
        *event_topics(JobEventBatch, "Recorded"),
        *event_topics(EventFeedback, "Given"),
    )

    def schema(self, database: Database, t: Tables) -> list[str]:
        return jobs_schema(database, t)

    def apply(self, tx: Tx, t: Tables, events: Sequence[Positioned]) -> None:
        counts: Counts = Counter()
        for position, event in events:
            kind = type(event).__qualname__
            if kind == "JobEventBatch.Recorded":
                add_events(tx, t, position, event, counts)
            elif kind == "EventFeedback.Given":
                add_feedback(tx, t, position, event, counts)
            elif kind == "Job.Created":
                add_job(tx, t, event)
            elif kind == "Job.Trained":
                add_model(tx, t, event)
            else:
                add_knowledge_base(tx, t, event)
        write_counts(tx, t, counts)

    def settle(self, tx: Tx, t: Tables) -> None:
        """Counts and consensus are kept current page by page; statistics may lag behind."""
        if tx.dialect == "postgresql":
            refresh_statistics(tx, [t.job_events, t.job_kb, t.job_counts, t.job_kb_counts])

    def compare(self, tx: Tx, live: Tables, shadow: Tables) -> list[str]:
        return compare_tables(tx, live, shadow, list(self.tables))


def refresh_statistics(tx: Tx, tables: Sequence[str]) -> None:
    """ANALYZEs tables that changed by a tenth since their last analysis.

    A catch-up can add a million events in minutes; without fresh statistics (autovacuum may
    be slow, or off) PostgreSQL plans filtered metrics as if the tables were empty, and a
    nested loop over the knowledge base per event turns 0.5 s into 80 s.
    """
    for table in tables:
        row = tx.row("SELECT n_live_tup, n_mod_since_analyze FROM pg_stat_user_tables"
                     " WHERE relname = ?", (table,))
        if row is not None and row[1] > 1_000 + 0.1 * row[0]:
            tx.execute(f"ANALYZE {table}")
