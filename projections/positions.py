"""Visible positions of the live projections, kept in memory so queries need not ask."""

from __future__ import annotations

import threading
from collections.abc import Sequence

from perfledger.projections.database import Database

LIVE_POSITIONS = (
    "SELECT s.name, s.generation, s.visible FROM projection_state s JOIN projection_live l"
    " ON s.name = l.name AND s.generation = l.generation"
)


class VisiblePositions:
    """What each live projection has made visible to queries, as last seen; never ahead of the
    database.

    The engine reports what it shows in this process; `refresh` reads what other processes
    showed (the API polls it). Within a generation a position only grows; a
    rebuild's swap to a new generation replaces it.
    """

    def __init__(self, database: Database) -> None:
        self._database = database
        self._seen: dict[str, tuple[int, int]] = {}  # name -> (generation, visible)
        self._lock = threading.Lock()

    def refresh(self) -> None:
        with self._database.read() as tx:
            rows = tx.rows(LIVE_POSITIONS)
        for name, generation, visible in rows:
            self.shown(str(name), int(generation), int(visible))

    def shown(self, name: str, generation: int, position: int) -> None:
        """Records that `name` shows `position` to queries (after the commit that did it)."""
        with self._lock:
            known = self._seen.get(name)
            if known is None or known[0] != generation or known[1] < position:
                self._seen = {**self._seen, name: (generation, position)}

    def lowest(self, names: Sequence[str]) -> int:
        """The position every one of `names` shows."""
        seen = self._seen
        return min((seen.get(name, (0, 0))[1] for name in names), default=0)

    def vector(self, names: Sequence[str]) -> tuple[int, ...]:
        """Each of `names`' generation and position: what a read of those projections depends
        on (a rebuild swaps in a generation whose rows may differ at the same position)."""
        seen = self._seen
        return tuple(part for name in names for part in seen.get(name, (0, 0)))
