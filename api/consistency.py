"""Read-your-writes: queries wait for `min_position` and report the position they read at."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Sequence
from typing import Annotated, Any

import anyio.to_thread
from litestar import Litestar, Response
from litestar.di import Provide
from litestar.params import Parameter

from perfledger.api.bootstrap import Container
from perfledger.api.errors import NotReady
from perfledger.domain.values import BatchReceipt

log = logging.getLogger("perfledger.api")

POSITION_HEADER = "X-Projection-Position"
# How often the API re-reads what other processes (a worker) have published.
REFRESH_SECONDS = 0.05
WAIT_STEP_SECONDS = 0.01

# Positions and offsets are 64-bit in both databases; a larger number can name nothing.
LARGEST_POSITION = 2**63 - 1

MinPosition = Annotated[
    int | None,
    Parameter(ge=0, le=LARGEST_POSITION,
              description="Wait (at most 5 s) until the projections read have this position"),
]


async def published_at_least(
    container: Container, projections: Sequence[str], min_position: int | None
) -> int:
    """Waits on the event loop (no thread held) until `projections` have published the position."""
    positions = container.engine.positions
    published = positions.lowest(projections)
    if min_position is None or published >= min_position:
        return published
    deadline = time.monotonic() + container.settings.consistency_timeout
    while published < min_position:
        if time.monotonic() >= deadline:
            raise NotReady(min_position, published)
        await asyncio.sleep(WAIT_STEP_SECONDS)
        published = positions.lowest(projections)
    return published


def reading(*projections: str) -> Provide:
    """The `position` dependency of a query reading `projections`, honouring `min_position`."""

    async def provide_position(container: Container, min_position: MinPosition = None) -> int:
        return await published_at_least(container, projections, min_position)

    return Provide(provide_position)


@contextlib.asynccontextmanager
async def follow_published_positions(app: Litestar) -> AsyncIterator[None]:
    """Keeps the in-memory positions fresh with what other processes publish."""
    container: Container = app.state.container

    async def poll() -> None:
        while True:
            try:
                await anyio.to_thread.run_sync(container.engine.positions.refresh)
            except Exception:  # the database may be briefly away; the next poll retries
                log.warning("could not read published positions", exc_info=True)
            await asyncio.sleep(REFRESH_SECONDS)

    task = asyncio.create_task(poll())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


def position_of(container: Container, receipt: BatchReceipt) -> int:
    """A resent batch answers with the position its first sending got."""
    if receipt.position is not None:
        return receipt.position
    original = container.engine.log.position_of_first_event(receipt.batch_key)
    assert original is not None, f"batch {receipt.batch_key} was recorded but has no position"
    return original


def answer(content: Any, position: int, status_code: int = 200) -> Response[Any]:
    return Response(content, status_code=status_code, headers={POSITION_HEADER: str(position)})
