"""The catch-up engine: pages of events applied in one transaction with their position."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

from perfledger.projections.availability import StoreUnavailable
from perfledger.projections.database import Database, Tx, is_transient
from perfledger.projections.event_log import EventLog, Positioned
from perfledger.projections.generations import create_generation, drop_generation, point_views
from perfledger.projections.positions import VisiblePositions
from perfledger.projections.projection import Projection, Tables
from perfledger.projections.quarantine import apply_isolated, quarantine_counts
from perfledger.projections.state import (
    ProjectionStatus,
    built_digest,
    create_state_tables,
    live_generation_of,
    live_status,
    record_digest,
    schema_digest,
)

log = logging.getLogger("perfledger.projections")

PAGE_SIZE = 100
# While a run is still behind the head, a settle that took t seconds (more than
# SLOW_SETTLE_SECONDS) is not repeated for SETTLE_BACKOFF * t seconds: re-settling very large
# series then costs at most about 1/(1 + SETTLE_BACKOFF) of a long catch-up. A run that reaches
# the head always makes its position visible.
SLOW_SETTLE_SECONDS = 0.05
SETTLE_BACKOFF = 4.0
Progress = Callable[[int, int], None]
# Told how many events a catch-up of the live tables applied to a projection (not a rebuild
# or a drift check): the service counts them for its own metrics.
AppliedListener = Callable[[str, int], None]


@dataclass(frozen=True)
class ReadAhead:
    """The page after `after` (up to the run's head), being read."""

    after: int
    page: Future[list[Positioned]]

    def result(self) -> list[Positioned]:
        return self.page.result()


@dataclass
class CatchUpResult:
    applied_events: int
    position: int


class Engine:
    """Runs projections over the event log, live or into a fresh generation."""

    def __init__(
        self,
        database: Database,
        log: EventLog,
        projections: Sequence[Projection],
        page_size: int = PAGE_SIZE,
        on_applied: AppliedListener | None = None,
    ) -> None:
        self.database = database
        self.log = log
        self.projections = {projection.name: projection for projection in projections}
        self.page_size = page_size
        self._on_applied = on_applied
        self.positions = VisiblePositions(database)
        self._next_settle: dict[str, float] = {}
        self._reader: ThreadPoolExecutor | None = None  # reads the next page ahead

    def install(self) -> None:
        """Creates the state tables and a first generation of every projection; rebuilds a
        projection whose tables or events this release defines differently from the live
        ones."""
        with self.database.transaction() as tx:
            create_state_tables(tx)
        outdated = []
        for projection in self.projections.values():
            digest = schema_digest(self.database, projection)
            with self.database.transaction() as tx:
                if live_generation_of(tx, projection.name) is None:
                    create_generation(tx, self.database, projection, 1)
                    point_views(tx, projection, 1)
                    tx.execute(
                        "INSERT INTO projection_live (name, generation) VALUES (?, 1)",
                        (projection.name,),
                    )
                    record_digest(tx, projection.name, digest)
                elif built_digest(tx, projection.name) != digest:
                    outdated.append((projection.name, digest))
        for name, digest in outdated:
            log.warning("projection %s: this release defines its tables differently, or has it"
                        " read other events; rebuilding it from the event log before serving",
                        name)
            self.rebuild(name, _logged_progress(name))
            with self.database.transaction() as tx:
                record_digest(tx, name, digest)
        self.positions.refresh()

    def live_generation(self, tx: Tx, name: str, exclusive: bool = False) -> int:
        """The generation queries read; `exclusive` holds it against every reader's share
        (a rebuild's swap), else the share keeps it from being swapped under this writer."""
        lock = (" FOR UPDATE" if exclusive else " FOR SHARE") if tx.dialect == "postgresql" else ""
        generation = live_generation_of(tx, name, lock)
        assert generation is not None, f"projection {name} has no live generation"
        return generation

    def catch_up(self, name: str, budget_seconds: float = 1.0) -> CatchUpResult:
        """Applies pages to the live generation until caught up or out of time, then settles
        and makes the position visible to queries.

        A run that ran out of time behind the head skips settling while a slow settle is
        recent (see SETTLE_BACKOFF), so a long backlog is not re-settled after every slice.
        """
        return self._run(name, None, budget_seconds, None)

    def catch_up_all(self, budget_seconds: float = 1.0) -> int:
        """Catches every projection up on its own: one that fails holds back only itself."""
        applied = 0
        for name in self.projections:
            try:
                applied += self.catch_up(name, budget_seconds).applied_events
            except StoreUnavailable:
                break  # said once, when the database went away; the next run retries
            except Exception as error:
                if not is_transient(error):
                    log.exception("projection %s could not catch up; the next run retries",
                                  name)
                else:
                    log.warning("projection %s could not catch up (%s); the next run "
                                "retries", name, error)
        return applied

    def visible_position(self, names: Sequence[str]) -> int:
        """What `names` show to queries, read from the database now (other processes too)."""
        self.positions.refresh()
        return self.positions.lowest(names)

    def status(self) -> list[ProjectionStatus]:
        """Each live projection's generation, position, lag behind the head and quarantine."""
        return live_status(self.database, list(self.projections), self.log.head())

    def retry_quarantined(self, name: str, progress: Progress | None = None) -> int:
        """Applies the projection's quarantined events again, in log order among the others:
        a rebuild from position 0, so what they change is what it would have been. Events
        that still fail stay quarantined. Returns how many are left."""
        self.rebuild(name, progress)
        return quarantine_counts(self.database).get(name, 0)

    # Generations.

    def rebuild(self, name: str, progress: Progress | None = None) -> int:
        """Builds a fresh generation from position 0, then swaps it in; returns it."""
        projection = self.projections[name]
        with self.database.transaction() as tx:
            generation = 1 + int(
                tx.value("SELECT MAX(generation) FROM projection_state WHERE name = ?", (name,))
            )
            create_generation(tx, self.database, projection, generation)
        self._run(name, generation, None, progress)
        with self.database.transaction() as tx:
            old = self.live_generation(tx, name, exclusive=True)
            self._apply_to_head(tx, projection, generation)
            self._settle(tx, projection, generation)
            tx.execute(
                "UPDATE projection_live SET generation = ? WHERE name = ?", (generation, name)
            )
            point_views(tx, projection, generation)
            drop_generation(tx, projection, old)
        self.positions.refresh()
        return generation

    def check_drift(self, name: str) -> list[str]:
        """Rebuilds into shadow tables, compares them with the live ones, then drops them."""
        projection = self.projections[name]
        with self.database.transaction() as tx:
            shadow = 1 + int(
                tx.value("SELECT MAX(generation) FROM projection_state WHERE name = ?", (name,))
            )
            create_generation(tx, self.database, projection, shadow)
        try:
            self._run(name, shadow, None, None)
            with self.database.transaction() as tx:
                live = self.live_generation(tx, name, exclusive=True)
                head = self.log.head()
                for generation in (live, shadow):
                    self._apply_to_head(tx, projection, generation, head)
                    self._settle(tx, projection, generation)
                return projection.compare(
                    tx, Tables(projection.tables, live), Tables(projection.tables, shadow)
                )
        finally:
            with self.database.transaction() as tx:
                drop_generation(tx, projection, shadow)

    # Internals.

    def _run(
        self, name: str, generation: int | None, budget: float | None, progress: Progress | None
    ) -> CatchUpResult:
        projection = self.projections[name]
        deadline = None if budget is None else time.monotonic() + budget
        applied = 0
        head = self.log.head()
        ahead: ReadAhead | None = None
        while True:
            position, visible = self._read_position(name, generation)
            if position >= head and visible >= position and not applied:
                return CatchUpResult(0, position)  # idle: nothing to apply, nothing to show
            # Read the page before taking the write transaction: holding SQLite's write lock
            # while waiting for an event-store connection deadlocks with a command that holds
            # the store's writer and waits for that lock (both time out, the command with 500).
            # The page was most likely read (and decoded) while the last one was applied.
            events = (ahead.result() if ahead is not None and ahead.after == position
                      else self._read_page(projection, position, head))
            ahead = self._read_ahead(projection, events, head)
            with self.database.transaction() as tx:
                tx.rebuildable()
                gen = generation or self.live_generation(tx, name)
                if self._position(tx, name, gen) != position:
                    continue  # another runner applied this page meanwhile: read on from there
                count, position = self._apply_page(tx, projection, gen, position, head, events)
                # The page that reaches the head settles in its own transaction: it holds
                # the lock a settle takes, and a run under steady writes (woken by each
                # one) pays one transaction's round trips instead of two.
                settled_at = time.monotonic() if position >= head else None
                if settled_at is not None:
                    self._settle(tx, projection, gen)
            if settled_at is not None:
                self._shown(name, generation, gen, position, settled_at)
            applied += count
            if count and generation is None and self._on_applied is not None:
                self._on_applied(name, count)
            if progress is not None:
                progress(position, head)
            caught_up = position >= head
            if caught_up or (deadline is not None and time.monotonic() >= deadline):
                break
        if caught_up:
            return CatchUpResult(applied, position)  # settled with its last page
        if time.monotonic() < self._next_settle.get(name, 0.0):
            return CatchUpResult(applied, position)  # still behind: a later run settles
        started = time.monotonic()
        with self.database.transaction() as tx:
            tx.rebuildable()
            gen = generation or self.live_generation(tx, name)
            # A settle rewrites cached rows, as a page does: it takes the same lock, so a
            # recompute (or another runner's settle) waits instead of writing beside it.
            self.lock_position(tx, name, gen)
            visible = tx.value(
                "SELECT visible FROM projection_state WHERE name = ? AND generation = ?",
                (name, gen),
            )
            settled = int(visible) < position
            if settled:
                self._settle(tx, projection, gen)
        if settled:
            self._shown(name, generation, gen, position, started)
        return CatchUpResult(applied, position)

    def _shown(self, name: str, generation: int | None, gen: int, position: int,
               settle_started: float) -> None:
        """After a settle's commit: the live generation's position is shown to queries, and
        a slow settle is not repeated soon while a run is still behind (SETTLE_BACKOFF)."""
        if generation is not None:
            return
        self.positions.shown(name, gen, position)
        finished = time.monotonic()
        if finished - settle_started > SLOW_SETTLE_SECONDS:
            self._next_settle[name] = finished + SETTLE_BACKOFF * (finished - settle_started)

    def _read_position(self, name: str, generation: int | None) -> tuple[int, int]:
        """How far the projection has applied the log, and what it shows to queries."""
        with self.database.read() as tx:
            gen = generation or self.live_generation(tx, name)
            row = tx.row(
                "SELECT position, visible FROM projection_state WHERE name = ? AND generation = ?",
                (name, gen),
            )
        assert row is not None, f"projection {name} has no state for generation {gen}"
        return int(row[0]), int(row[1])

    def _read_page(self, projection: Projection, position: int, head: int) -> list[Positioned]:
        if position >= head:
            return []
        return self.log.read(position, head, self.page_size, projection.topics)

    def _read_ahead(self, projection: Projection, page: list[Positioned], head: int
                    ) -> ReadAhead | None:
        """After a full page short of `head`, the next one is read on the engine's reader
        thread while this one is applied: the event store's wait and the events' decoding
        overlap the page's own database work. Its transaction does not wait for it (see
        _run), and a page read for a position the run does not reach is dropped."""
        if len(page) < self.page_size or page[-1][0] >= head:
            return None
        if self._reader is None:
            self._reader = ThreadPoolExecutor(max_workers=1, thread_name_prefix="page-reader")
        after = page[-1][0]
        return ReadAhead(after, self._reader.submit(self._read_page, projection, after, head))

    def _apply_page(
        self,
        tx: Tx,
        projection: Projection,
        generation: int,
        position: int,
        head: int,
        events: list[Positioned],
    ) -> tuple[int, int]:
        """Applies one page read after `position`, and records how far it reached."""
        if events:
            apply_isolated(tx, projection, Tables(projection.tables, generation), events)
        if position < head:
            position = events[-1][0] if len(events) == self.page_size else head
        tx.execute(
            "UPDATE projection_state SET position = ? WHERE name = ? AND generation = ?",
            (position, projection.name, generation),
        )
        return len(events), position

    def _apply_to_head(
        self, tx: Tx, projection: Projection, generation: int, head: int | None = None
    ) -> None:
        """Applies, inside `tx`, every page up to `head` (the log's head by default)."""
        position = self._position(tx, projection.name, generation)
        stop = self.log.head() if head is None else head
        while position < stop:
            events = self._read_page(projection, position, stop)
            _, position = self._apply_page(tx, projection, generation, position, stop, events)

    def _settle(self, tx: Tx, projection: Projection, generation: int) -> None:
        projection.settle(tx, Tables(projection.tables, generation))
        tx.execute(
            "UPDATE projection_state SET visible = position WHERE name = ? AND generation = ?",
            (projection.name, generation),
        )

    def lock_position(self, tx: Tx, name: str, generation: int) -> int:
        """Takes the projection's row lock for this transaction (writers take turns)."""
        return self._position(tx, name, generation)

    def _position(self, tx: Tx, name: str, generation: int) -> int:
        # The row lock makes concurrent runners of one projection take turns, never overlap.
        lock = " FOR UPDATE" if tx.dialect == "postgresql" else ""
        return int(
            tx.value(
                f"SELECT position FROM projection_state WHERE name = ? AND generation = ?{lock}",
                (name, generation),
            )
        )


def _logged_progress(name: str, every_seconds: float = 5.0) -> Progress:
    """Reports a rebuild's progress in the log, at most every few seconds."""
    last = time.monotonic()

    def report(position: int, head: int) -> None:
        nonlocal last
        if time.monotonic() - last >= every_seconds or position >= head:
            last = time.monotonic()
            log.warning("rebuilding %s: %d of %d events (%.0f%%)", name, position, head,
                        100 * position / max(head, 1))

    return report
