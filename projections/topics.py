"""Topics of the domain events a projection subscribes to."""

from __future__ import annotations

from eventsourcing.utils import get_topic


def event_topics(aggregate: type, *event_names: str) -> tuple[str, ...]:
    """The stored topic of each named event class of `aggregate` (made by `@event`)."""
    return tuple(get_topic(getattr(aggregate, name)) for name in event_names)
