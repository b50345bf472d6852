"""Read-your-writes for a client that never sends `min_position`: commands wait for the catalog."""

from __future__ import annotations

import contextlib
from collections.abc import Sequence

from api.bootstrap import Container
from api.consistency import read_position
from api.errors import NotReady

CATALOG = ("catalog",)


def settle(
    container: Container, position: int | None, projections: Sequence[str] = CATALOG
) -> None:
    """Wakes the catch-up and waits (bounded) until `projections` show `position`.

    fiddler-client reads right after it writes (create, then look up by name) without a
    position to wait for; waiting here makes those reads see the write. A slow catch-up only
    delays the answer: the command itself has been recorded either way.
    """
    container.wake_catch_up()
    if position is None:
        return
    with contextlib.suppress(NotReady):
        read_position(container, projections, position)
