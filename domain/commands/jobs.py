"""Commands on jobs: create, record event batches, feedback, train, and recompute a model."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import UTC, datetime

from perfledger.domain.commands.recompute import RecomputeCommands
from perfledger.domain.errors import Conflict, InvalidInput, NotFound
from perfledger.domain.jobs.aggregates import (
    MAX_DECISIONS,
    MIN_DECISIONS,
    EventFeedback,
    Job,
    JobDirectory,
    JobEventBatch,
    KnowledgeBase,
    check_model_of_job,
    job_number,
)
from perfledger.domain.jobs.incoming import (
    JobEventRecord,
    batch_key_of,
    content_key,
    job_event_columns,
)
from perfledger.domain.limits import check_key, key_problem
from perfledger.domain.recompute import JOB_MODEL, RecomputeRequest, Scope
from perfledger.domain.values import BatchReceipt, Caller


class JobCommands(RecomputeCommands):
    def create_job(self, caller: Caller, title: str, decisions: Sequence[str],
                   minutes_per_event: float = 0.25) -> tuple[Job, int]:
        check_job_definition(title, decisions, minutes_per_event)
        try:
            return self._create_job(caller, title, list(decisions), minutes_per_event)
        except Conflict:
            # Another job was created meanwhile and took the id: count again (a taken title
            # fails again, with its own message).
            return self._create_job(caller, title, list(decisions), minutes_per_event)

    def _create_job(self, caller: Caller, title: str, decisions: list[str],
                    minutes_per_event: float) -> tuple[Job, int]:
        directory = self._directory(caller.organization_id) or JobDirectory(caller.organization_id)
        job_id = directory.next_job_id
        directory.add_job(job_id, title)
        job = Job(caller.organization_id, job_id, title, decisions, minutes_per_event)
        return job, self._save(directory, job)

    def _directory(self, organization_id: str) -> JobDirectory | None:
        try:
            return self._get(JobDirectory.create_id(organization_id), JobDirectory)
        except NotFound:
            return None

    def get_job(self, caller: Caller, reference: str | int) -> Job:
        """Finds a job by its integer id or by its title."""
        text = str(reference).strip()
        job_id = job_number(text)
        if job_id is None:
            directory = self._directory(caller.organization_id)
            job_id = None if directory is None else directory.job_ids.get(text)
        if job_id is not None:
            try:
                return self._get(Job.create_id(caller.organization_id, job_id), Job)
            except NotFound:
                pass
        raise NotFound("Job not found", {"details": f"Job '{text}' not found"})

    def record_job_events(self, caller: Caller, job: Job, records: Sequence[JobEventRecord],
                          batch_id: str | None = None) -> tuple[list[str], BatchReceipt]:
        """Appends one event for the whole batch; resending a batch is a no-op.

        Answers the recorded event ids (the first sending's, for a resent batch). A
        `batch_id` sent again with other events is a conflict.
        """
        columns = job_event_columns(job, records, datetime.now(UTC))
        key = batch_key_of(records, batch_id)
        content = content_key(records)
        batch = JobEventBatch(caller.organization_id, job.id, key, content,
                              **vars(columns))
        try:
            position = self._save(batch)
        except Conflict:
            recorded = self._get(batch.id, JobEventBatch)
            if recorded.content != content:
                raise Conflict(
                    f"batch_id '{key}' was already used for other events; send them with a "
                    "new batch_id", {"details": f"batch '{key}' differs from its first sending"}
                ) from None
            return recorded.event_ids, BatchReceipt(key, batch.id, len(recorded.event_ids), None)
        return columns.event_ids, BatchReceipt(key, batch.id, len(columns.event_ids), position)

    def give_feedback(self, caller: Caller, job: Job, event_id: str, label: str,
                      user: str) -> int:
        job.check_decision(label)
        check_key("user", user)
        feedback = EventFeedback(caller.organization_id, job.id, event_id, user, label)
        return self._save(feedback)

    def train_job(self, caller: Caller, job: Job, consensus: Sequence[tuple[str, str]],
                  now: datetime) -> tuple[str, int]:
        """Captures `consensus` (event id, label) as the new model's knowledge base."""
        model_id = job.next_model_id(int(now.timestamp()))
        event_ids = [event_id for event_id, _ in consensus]
        labels = [label for _, label in consensus]
        knowledge_base = KnowledgeBase(caller.organization_id, job.id, model_id, event_ids,
                                       labels)
        job.train(model_id, len(event_ids))
        return model_id, self._save(job, knowledge_base)

    def request_job_model_recompute(self, caller: Caller, job: Job, model_id: str
                                    ) -> tuple[RecomputeRequest, int | None]:
        check_model_of_job(job.job_id, job.model_ids, model_id)
        return self.queue_recompute(caller, JOB_MODEL, job_model_scope(str(job.id), model_id))


def job_model_scope(job_key: str, model_id: str) -> Scope:
    return {"job_key": job_key, "model_id": model_id}


def check_job_definition(title: str, decisions: Sequence[str], minutes_per_event: float) -> None:
    problems: list[str] = []
    if not title.strip():
        problems.append("title must not be empty")
    if not MIN_DECISIONS <= len(decisions) <= MAX_DECISIONS:
        problems.append(f"a job has {MIN_DECISIONS} to {MAX_DECISIONS} decisions, "
                        f"not {len(decisions)}")
    if len(set(decisions)) != len(decisions):
        problems.append("decisions must be distinct")
    if any(not decision.strip() for decision in decisions):
        problems.append("decisions must not be empty")
    problems += [f"decisions[{index}] {too_long}" for index, decision in enumerate(decisions)
                 if (too_long := key_problem(decision)) is not None]
    if not (math.isfinite(minutes_per_event) and minutes_per_event >= 0):
        problems.append("minutes_per_event must be a finite number >= 0")
    if problems:
        raise InvalidInput("Invalid job: " + "; ".join(problems), {"problems": problems})
