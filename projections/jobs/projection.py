"""Projects jobs, their event batches, feedback and trainings into the jobs read model."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from perfledger.domain.jobs.aggregates import EventFeedback, Job, JobEventBatch, KnowledgeBase
from perfledger.projections.comparison import compare_tables
from perfledger.projections.database import Database, Tx
from perfledger.projections.event_log import Positioned
from perfledger.projections.jobs.schema import TABLES, jobs_schema
from perfledger.projections.jobs.writes import (
    Counts,
    add_events,
    add_feedback,
    add_job,
    add_knowledge_base,
    add_model,
    write_counts,
)
from perfledger.projections.planner import refresh_statistics
from perfledger.projections.projection import Tables
from perfledger.projections.topics import UnknownEvent, topics_of


class JobsProjection:
    name = "jobs"
    computed_by = ""
    tables = TABLES
    topics = topics_of(Job.Created, Job.Trained, KnowledgeBase.Captured, JobEventBatch.Recorded,
                       EventFeedback.Given)

    def schema(self, database: Database, t: Tables) -> list[str]:
        return jobs_schema(database, t)

    def apply(self, tx: Tx, t: Tables, events: Sequence[Positioned]) -> None:
        counts: Counts = Counter()
        for position, event in events:
            match event:
                case JobEventBatch.Recorded():
                    add_events(tx, t, position, event, counts)
                case EventFeedback.Given():
                    add_feedback(tx, t, position, event, counts)
                case Job.Created():
                    add_job(tx, t, event)
                case Job.Trained():
                    add_model(tx, t, event)
                case KnowledgeBase.Captured():
                    add_knowledge_base(tx, t, event)
                case _:
                    raise UnknownEvent(self.name, event)
        write_counts(tx, t, counts)

    def settle(self, tx: Tx, t: Tables) -> None:
        """Counts and consensus are kept current page by page; statistics may lag behind."""
        refresh_statistics(tx, [t.job_events, t.job_kb, t.job_counts, t.job_kb_counts])

    def compare(self, tx: Tx, live: Tables, shadow: Tables) -> list[str]:
        return compare_tables(tx, live, shadow, list(self.tables))
