"""What a projection is: its tables (in generations), its topics, and how it applies events."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from perfledger.projections.database import Database, Tx
from perfledger.projections.event_log import Positioned


class Tables:
    """Physical names of one generation of a projection's tables, by logical name."""

    def __init__(self, logical: Sequence[str], generation: int) -> None:
        self.generation = generation
        self.names = {name: f"{name}_g{generation}" for name in logical}

    def __getattr__(self, name: str) -> str:
        try:
            return self.names[name]
        except KeyError:
            raise AttributeError(name) from None


class Views(Tables):
    """The logical names themselves: the views queries read, which point at the live
    generation (see generations.point_views)."""

    def __init__(self, logical: Sequence[str]) -> None:
        self.generation = 0
        self.names = {name: name for name in logical}


class Projection(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def topics(self) -> Sequence[str]:
        """Stored topics of the events it handles (filtered in SQL)."""
        ...

    @property
    def computed_by(self) -> str:
        """What its stored values depend on besides its tables and events (a digest of the
        metrics it keeps, say); "" for nothing else. A change rebuilds it on upgrade."""
        ...

    @property
    def tables(self) -> Sequence[str]:
        """Logical names of its tables; each generation gets its own physical copies."""
        ...

    def schema(self, database: Database, t: Tables) -> list[str]:
        """DDL creating one generation of the tables and their indexes."""
        ...

    def apply(self, tx: Tx, t: Tables, events: Sequence[Positioned]) -> None:
        """Writes a page of events into the tables."""
        ...

    def settle(self, tx: Tx, t: Tables) -> None:
        """Refreshes what is derived from many pages at once (cached metrics)."""
        ...

    def compare(self, tx: Tx, live: Tables, shadow: Tables) -> list[str]:
        """Describes every difference between two generations at the same position."""
        ...
