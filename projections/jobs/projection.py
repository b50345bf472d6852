"""Projects jobs, their event batches, feedback and trainings into the jobs read model."""

from __future__ import annotations

from collections.abc import Sequence

from domain.jobs import EventFeedback, Job, JobEventBatch, KnowledgeBase
from projections.comparison import compare_tables
from projections.database import Database, Tx
from projections.event_log import Positioned
from projections.jobs.schema import TABLES, jobs_schema
from projections.jobs.writes import (
    add_events,
    add_feedback,
    add_job,
    add_knowledge_base,
    add_model,
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
        for position, event in events:
            kind = type(event).__qualname__
            if kind == "JobEventBatch.Recorded":
                add_events(tx, t, position, event)
            elif kind == "EventFeedback.Given":
                add_feedback(tx, t, position, event)
            elif kind == "Job.Created":
                add_job(tx, t, event)
            elif kind == "Job.Trained":
                add_model(tx, t, event)
            else:
                add_knowledge_base(tx, t, event)

    def settle(self, tx: Tx, t: Tables) -> None:
        """Counts and consensus are kept current page by page; nothing is left to derive."""

    def compare(self, tx: Tx, live: Tables, shadow: Tables) -> list[str]:
        return compare_tables(tx, live, shadow, list(self.tables))
