"""Jobs: a stream of decisions by a job's models, with analyst feedback and trainings."""

from __future__ import annotations

import re
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import event

from perfledger.domain.aggregate import Aggregate, GainedActor, stored_as
from perfledger.domain.errors import Conflict, InvalidInput, NotFound

JOB_NAMESPACE = uuid5(NAMESPACE_URL, "perfledger/jobs")
MIN_DECISIONS, MAX_DECISIONS = 2, 50


def job_number(reference: str) -> int | None:
    """A job reference is its integer id when it is all ASCII digits (else it is a title)."""
    text = reference.strip()
    if text.isascii() and text.isdigit() and len(text) <= 18:
        return int(text)
    return None


def check_model_of_job(job_id: int, model_ids: list[str], model_id: str) -> None:
    if model_id not in model_ids:
        raise NotFound("Model not found",
                       {"details": f"Model '{model_id}' not found for job '{job_id}'"})


@stored_as("domain.jobs")
class JobDirectory(Aggregate):
    """An organization's job titles, so that titles stay unique and job ids count up."""

    class Opened(GainedActor, Aggregate.Created):
        organization_id: str

    class JobAdded(GainedActor, Aggregate.Event):
        job_id: int
        title: str

    @staticmethod
    def create_id(organization_id: str) -> UUID:
        return uuid5(JOB_NAMESPACE, f"directory/{organization_id}")

    @event(Opened)
    def __init__(self, organization_id: str) -> None:
        self.job_ids: dict[str, int] = {}

    @property
    def next_job_id(self) -> int:
        return len(self.job_ids) + 1

    def add_job(self, job_id: int, title: str) -> None:
        if title in self.job_ids:
            raise Conflict(f"A job titled '{title}' already exists (job_id {self.job_ids[title]})")
        self._job_added(job_id, title)

    @event(JobAdded)
    def _job_added(self, job_id: int, title: str) -> None:
        self.job_ids[title] = job_id


@stored_as("domain.jobs")
class Job(Aggregate):
    """One job: its ordered decisions and the models that trainings made for it."""

    class Created(Aggregate.Created):
        organization_id: str
        job_id: int
        title: str
        decisions: list[str]
        minutes_per_event: float

    class Trained(Aggregate.Event):
        model_id: str
        knowledge_base_size: int

    @staticmethod
    def create_id(organization_id: str, job_id: int) -> UUID:
        return uuid5(JOB_NAMESPACE, f"job/{organization_id}/{job_id}")

    @event(Created)
    def __init__(self, organization_id: str, job_id: int, title: str, decisions: list[str],
                 minutes_per_event: float) -> None:
        self.organization_id = organization_id
        self.job_id = job_id
        self.title = title
        self.decisions = decisions
        self.minutes_per_event = minutes_per_event
        self.model_ids: list[str] = []
        self.active_model_id: str | None = None

    def check_decision(self, label: str) -> None:
        if label not in self.decisions:
            raise InvalidInput(
                f"'{label}' is not one of job {self.job_id}'s decisions {self.decisions}")

    def next_model_id(self, unix_seconds: int) -> str:
        """`<title-slug>-<job_id>-model-<unix_seconds>`; a later second if that one is taken."""
        slug = re.sub(r"[^a-z0-9]+", "-", self.title.lower()).strip("-") or "job"
        while (model_id := f"{slug}-{self.job_id}-model-{unix_seconds}") in self.model_ids:
            unix_seconds += 1
        return model_id

    @event(Trained)
    def train(self, model_id: str, knowledge_base_size: int) -> None:
        self.model_ids.append(model_id)
        self.active_model_id = model_id


@stored_as("domain.jobs")
class KnowledgeBase(Aggregate):
    """The events (with their consensus) a training captured: one event, never changed."""

    class Captured(GainedActor, Aggregate.Created):
        organization_id: str
        job_key: UUID
        model_id: str
        event_ids: list[str]
        labels: list[str]

    @staticmethod
    def create_id(job_key: UUID, model_id: str) -> UUID:
        return uuid5(JOB_NAMESPACE, f"knowledge-base/{job_key}/{model_id}")

    @event(Captured)
    def __init__(self, organization_id: str, job_key: UUID, model_id: str,
                 event_ids: list[str], labels: list[str]) -> None:
        self.size = len(event_ids)


@stored_as("domain.jobs")
class JobEventBatch(Aggregate):
    """Decisions on a batch of incoming events, stored column by column: one domain event."""

    class Recorded(Aggregate.Created):
        organization_id: str
        job_key: UUID
        batch_key: str
        content: str
        event_ids: list[str]
        timestamps: list[int]
        decisions: list[str]
        confidences: list[float | None]
        model_ids: list[str | None]
        bucket_ids: list[str | None]
        fields: list[dict[str, object]]

    @staticmethod
    def create_id(job_key: UUID, batch_key: str) -> UUID:
        return uuid5(JOB_NAMESPACE, f"events/{job_key}/{batch_key}")

    @event(Recorded)
    def __init__(self, organization_id: str, job_key: UUID, batch_key: str, content: str,
                 event_ids: list[str], timestamps: list[int], decisions: list[str],
                 confidences: list[float | None], model_ids: list[str | None],
                 bucket_ids: list[str | None], fields: list[dict[str, object]]) -> None:
        self.content = content
        self.event_ids = event_ids
        self.timestamps = timestamps


@stored_as("domain.jobs")
class EventFeedback(Aggregate):
    """One analyst's label for one event; the projection derives the consensus."""

    class Given(Aggregate.Created):
        organization_id: str
        job_key: UUID
        event_id: str
        user: str
        label: str

    @event(Given)
    def __init__(self, organization_id: str, job_key: UUID, event_id: str, user: str,
                 label: str) -> None:
        self.label = label
