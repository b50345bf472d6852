"""Topics of the domain events a projection subscribes to, and what it does with others."""

from __future__ import annotations

from typing import Any

from eventsourcing.utils import get_topic


def topics_of(*event_classes: type) -> tuple[str, ...]:
    """The stored topic of each event class (filtered in SQL by the catch-up)."""
    return tuple(get_topic(event_class) for event_class in event_classes)


class UnknownEvent(TypeError):
    """A projection was given an event it does not handle: it is quarantined, not guessed."""

    def __init__(self, projection: str, event: Any) -> None:
        super().__init__(f"projection {projection} does not handle {get_topic(type(event))}")
