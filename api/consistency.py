"""Read-your-writes: queries wait for `min_position` and report the position they read at."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from litestar import Response
from litestar.exceptions import ValidationException

from api.bootstrap import Container
from api.errors import NotReady
from domain.values import BatchReceipt

POSITION_HEADER = "X-Projection-Position"


def read_position(
    container: Container, projections: Sequence[str], min_position: int | None
) -> int:
    """Waits (bounded) until `projections` have published `min_position`."""
    engine = container.engine
    if min_position is None:
        return engine.published_position(projections)
    if min_position < 0:
        raise ValidationException("min_position must be a position >= 0")
    published = engine.wait_for(projections, min_position, container.settings.consistency_timeout)
    if published < min_position:
        raise NotReady(min_position, published)
    return published


def position_of(container: Container, receipt: BatchReceipt) -> int:
    """A resent batch answers with the position its first sending got."""
    if receipt.position is not None:
        return receipt.position
    original = container.engine.log.position_of_first_event(receipt.batch_key)
    assert original is not None, f"batch {receipt.batch_key} was recorded but has no position"
    return original


def answer(content: Any, position: int, status_code: int = 200) -> Response[Any]:
    return Response(content, status_code=status_code, headers={POSITION_HEADER: str(position)})
