"""The Alert aggregate: the verdicts of one monitor on one bucket, as transitions.

One alert per (monitor, bucket): its id is derived from them, so the evaluator finds it
without a lookup and two evaluations of the same bucket meet on the same aggregate. Each
transition records what was judged (the value, what it was compared with, the thresholds,
the labeled rows) and the event-store position of the data, so the verdict can be
reproduced; `restated` marks a verdict changed by data that arrived after the bucket was
first judged.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any
from uuid import UUID, uuid5

from eventsourcing.domain import event

from perfledger.domain.aggregate import Aggregate, stored_as

ALERTS = UUID("6f1d7a52-4c1e-4a8e-9b0e-3f6d1c2b8a11")
SEVERITIES = ("warning", "critical")
OK = "ok"


def alert_id(monitor_id: UUID, bucket: str, bucket_start: str) -> UUID:
    return uuid5(ALERTS, f"{monitor_id}/{bucket}/{bucket_start}")


@stored_as("domain.alert")
class Alert(Aggregate):
    class Opened(Aggregate.Created):
        organization_id: str
        model_id: str
        monitor_id: str
        bucket: str
        bucket_start: str

    class Transition(Aggregate.Event):
        # what was judged, repeated on each transition so that one event tells it all
        organization_id: str
        model_id: str
        monitor_id: str
        bucket: str
        bucket_start: str
        state: str  # "warning", "critical" or "ok"
        version_id: str
        value: float | None
        comparison_value: float | None
        warning: float | None
        critical: float | None
        labeled_count: int
        position: int
        restated: bool

        def apply(self, aggregate: Any) -> None:
            aggregate.state = self.state

    class Raised(Transition):
        pass

    class Escalated(Transition):
        pass

    class Eased(Transition):
        pass

    class Resolved(Transition):
        pass

    @staticmethod
    def create_id(organization_id: str, model_id: str, monitor_id: str, bucket: str,
                  bucket_start: str) -> UUID:
        return alert_id(UUID(monitor_id), bucket, bucket_start)

    @event(Opened)
    def __init__(self, organization_id: str, model_id: str, monitor_id: str, bucket: str,
                 bucket_start: str) -> None:
        self.organization_id = organization_id
        self.model_id = model_id
        self.monitor_id = monitor_id
        self.bucket = bucket
        self.bucket_start = bucket_start
        self.state = OK

    def judge(self, verdict: Verdict) -> bool:
        """Records the verdict if it changes the state; False when it does not."""
        transition = transition_class(self.state, verdict.state)
        if transition is None:
            return False
        self.trigger_event(transition, organization_id=self.organization_id,
                           model_id=self.model_id, monitor_id=self.monitor_id,
                           bucket=self.bucket, bucket_start=self.bucket_start, **asdict(verdict))
        return True


def transition_class(before: str, after: str) -> type[Alert.Transition] | None:
    """Which transition takes a bucket from `before` to `after` (None: no change)."""
    if before == after:
        return None
    if after == OK:
        return Alert.Resolved
    if before == OK:
        return Alert.Raised
    return Alert.Escalated if after == "critical" else Alert.Eased


@dataclass(frozen=True)
class Verdict:
    """One judgment of a bucket (see `Alert.Transition` for the fields)."""

    state: str
    version_id: str
    value: float | None
    comparison_value: float | None
    warning: float | None
    critical: float | None
    labeled_count: int
    position: int
    restated: bool
