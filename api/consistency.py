"""Read-your-writes: queries wait for `min_position` and report the position they read at."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Annotated, Any

import anyio.to_thread
from litestar import Litestar, MediaType, Response
from litestar.di import Provide
from litestar.params import Parameter

from perfledger.api.bootstrap import Container
from perfledger.api.tenant_positions import LARGEST_TOKEN, asked, seen

log = logging.getLogger("perfledger.api")

POSITION_HEADER = "X-Projection-Position"
# How often the API re-reads what other processes (a worker) have made visible.
REFRESH_SECONDS = 0.05

# Positions and offsets are 64-bit in both databases; a larger number can name nothing.
LARGEST_POSITION = 2**63 - 1

MinPosition = Annotated[
    int | None,
    Parameter(ge=0, le=LARGEST_TOKEN,
              description="Wait (at most 5 s) until the projections read have this position"
                          " (one of the organization's own, from an answer)"),
]


def reading(*projections: str) -> Provide:
    """The `position` dependency of a query reading `projections`, honouring `min_position`."""

    async def provide_position(container: Container, min_position: MinPosition = None) -> int:
        return await container.services.read.reach(projections, asked(min_position))

    return Provide(provide_position)


@contextlib.asynccontextmanager
async def follow_visible_positions(app: Litestar) -> AsyncIterator[None]:
    """Keeps the in-memory positions fresh with what other processes make visible."""
    container: Container = app.state.container

    async def poll() -> None:
        failing = False  # said once when reading starts failing, once when it works again
        while True:
            try:
                await anyio.to_thread.run_sync(container.engine.positions.refresh)
            except Exception as error:  # the database may be away; the next poll retries
                if not failing:
                    log.warning("could not read the visible positions (%s); retrying every "
                                "%.2f s", error, REFRESH_SECONDS)
                failing = True
            else:
                if failing:
                    log.warning("the visible positions are read again")
                failing = False
            await asyncio.sleep(REFRESH_SECONDS)

    task = asyncio.create_task(poll())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


def answer(content: Any, position: int, status_code: int = 200) -> Response[Any]:
    """`content`, read at `position`, with the header telling the caller what it reflects."""
    return Response(content, status_code=status_code,
                    headers={POSITION_HEADER: str(seen(position))})


def cached_answer(body: bytes, position: int) -> Response[Any]:
    """An encoded JSON answer read at `position`: the headers `answer_headers` sends again."""
    return Response(body, media_type=MediaType.JSON,
                    headers={POSITION_HEADER: str(seen(position))})


def answer_headers(body: bytes, shown_position: int) -> list[tuple[bytes, bytes]]:
    """The headers Litestar sends with `cached_answer(body, position)` (a test holds them
    equal), for an answer sent without it (`api.hot_reads`), given the position as the
    caller sees it (`TenantPositions.seen`)."""
    return [(b"x-projection-position", str(shown_position).encode()),
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode())]
