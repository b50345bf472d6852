"""Read-your-writes for a client that never sends `min_position`: commands wait for the catalog."""

from __future__ import annotations

import contextlib
from collections.abc import Sequence

import anyio.to_thread

from perfledger.api.bootstrap import Container
from perfledger.api.consistency import published_at_least
from perfledger.api.errors import NotReady

CATALOG = ("catalog",)


async def settle(
    container: Container, position: int | None, projections: Sequence[str] = CATALOG
) -> None:
    """Wakes the catch-up and waits (bounded, holding no thread) until `projections` show it.

    fiddler-client reads right after it writes (create, then look up by name) without a
    position to wait for; waiting here makes those reads see the write. A slow catch-up only
    delays the answer: the command itself has been recorded either way.
    """
    await anyio.to_thread.run_sync(container.wake_catch_up)
    if position is None:
        return
    with contextlib.suppress(NotReady):
        await published_at_least(container, projections, position)
