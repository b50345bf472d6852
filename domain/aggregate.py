"""What every aggregate shares: the acting user on each event, and topics the log keeps.

The acting user is set once, where a command enters (an HTTP request's credential, the CLI,
the scheduler), and stamped on every event recorded meanwhile: no command or event method
takes it as an argument. An event method that needs it declares `actor`; it is filled from
the event, never passed by a caller.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

from eventsourcing import domain
from eventsourcing.utils import register_topic

ACTING_USER: ContextVar[str] = ContextVar("perfledger_acting_user", default="system")
A = TypeVar("A", bound=type[Any])


@contextmanager
def acting(actor: str) -> Iterator[None]:
    """Events recorded inside name `actor` as who acted."""
    token = ACTING_USER.set(actor)
    try:
        yield
    finally:
        ACTING_USER.reset(token)


def set_acting_user(actor: str) -> None:
    """For a driver that handles one caller per context (an HTTP request's task)."""
    ACTING_USER.set(actor)


class Aggregate(domain.Aggregate):
    class Event(domain.Aggregate.Event):
        actor: str

    class Created(Event, domain.Aggregate.Created):
        pass

    def trigger_event(self, event_class: type[Any], **kwargs: Any) -> None:
        if not kwargs.get("actor"):
            kwargs["actor"] = ACTING_USER.get()
        super().trigger_event(event_class, **kwargs)

    @classmethod
    def _create(cls, event_class: type[Any], **kwargs: Any) -> Any:
        if not kwargs.get("actor"):
            kwargs["actor"] = ACTING_USER.get()
        return super()._create(event_class, **kwargs)


class GainedActor:
    """Mixed into an event class whose events were first stored without `actor`: those are
    read back as acted by 'system'."""

    class_version = 2

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        state.setdefault("actor", "system")


def stored_as(module: str, name: str | None = None) -> Callable[[A], A]:
    """Pins an aggregate's topic, and its events', to `module:Name` and `module:Name.Event`:
    the names the event log holds them by, wherever the classes live now and whatever the
    aggregate is called now (`name`, if it was stored under another)."""

    def pin(cls: A) -> A:
        stored = name or cls.__qualname__
        pinned: list[tuple[type[Any], str]] = [(cls, f"{module}:{stored}")]
        pinned += [(value, f"{module}:{stored}.{value.__name__}") for value in vars(cls).values()
                   if isinstance(value, type) and issubclass(value, domain.CanMutateAggregate)]
        for target, topic in pinned:
            target.TOPIC = topic
            register_topic(topic, target)
        return cls

    return pin
