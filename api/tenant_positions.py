"""Positions in the answers of one request, as its organization sees them.

The credential middleware names the organization (`speak_to`); then every position an answer
carries goes out as that organization's token (`shown`, `named`, `seen`) and every position a
caller sends comes in as the position its token names (`asked`). See
`projections.tenant_positions` for what a token is.
"""

from __future__ import annotations

from contextvars import ContextVar

from perfledger.projections.tenant_positions import LARGEST_TOKEN, TenantPositions

__all__ = ["LARGEST_TOKEN", "TenantPositions", "asked", "named", "seen", "shown",
           "shown_or_none", "speak_to"]

_speaking_to: ContextVar[tuple[TenantPositions, str] | None] = ContextVar(
    "perfledger_speaking_to", default=None)


def speak_to(positions: TenantPositions, organization_id: str) -> None:
    """Positions in this request's answers are the organization's (set once authenticated)."""
    _speaking_to.set((positions, organization_id))


def shown(position: int) -> int:
    """A position written for the caller, as the caller sees it."""
    audience = _speaking_to.get()
    return position if audience is None else audience[0].give(audience[1], position)


def named(position: int) -> int:
    """A position listed to the caller (an event of its own in a history, say), not kept as
    one it waits for."""
    audience = _speaking_to.get()
    return position if audience is None else audience[0].token(audience[1], position)


def shown_or_none(position: int | None) -> int | None:
    return None if position is None else shown(position)


def seen(visible: int) -> int:
    """What the projections show the caller: the latest of its positions they cover."""
    audience = _speaking_to.get()
    return visible if audience is None else audience[0].seen(audience[1], visible)


def asked(token: int | None) -> int | None:
    """The position a caller's token (`min_position`, `after`) names."""
    audience = _speaking_to.get()
    if token is None or audience is None:
        return token
    return audience[0].read(audience[1], token)
