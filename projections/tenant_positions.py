"""Positions as an organization sees them: its own, and telling nothing of anyone else's.

The event store numbers every event of every organization in one sequence. Shown as it is,
that number would let one organization watch another's write rate (the gap between two of its
own writes is everyone else's traffic). So each organization sees a position through its own
keyed permutation: a token that reads back, for that organization only, as the exact
position (`min_position` stays exact read-your-writes), and that is a random-looking number to
anyone comparing two of them. Tokens are below 2**52, so JavaScript reads them exactly.

`X-Projection-Position` shows, of the positions an organization was given, the latest the
projections have reached: it moves when that organization's own writes become visible, and
never because another organization wrote.
"""

from __future__ import annotations

import bisect
import hashlib
import threading
from functools import lru_cache

from perfledger.domain.errors import InvalidInput

TOKEN_BITS = 52
LARGEST_TOKEN = 2**TOKEN_BITS - 1
_HALF_BITS = TOKEN_BITS // 2
_HALF_MASK = (1 << _HALF_BITS) - 1
_ROUNDS = 4
# Positions a token can name: a trillion events. A token from elsewhere (another
# organization, a typo) reads back past it with probability 1 - 2**-12, and is refused.
LARGEST_NAMED = 2**40 - 1
# Positions remembered per organization to answer "which of yours is visible"; older ones
# fold into one floor, so a header may name an older write, never a later one.
REMEMBERED = 64


class _Permutation:
    """A keyed bijection of [0, 2**52) that keeps 0 (nothing yet) as 0: a 4-round Feistel
    network with keyed BLAKE2b as its round function."""

    def __init__(self, key: bytes) -> None:
        self._key = key
        zero_image = self._forward(0)
        self._zero_image = zero_image  # what 0 would map to, given to the one x mapped to 0
        self._to_zero = self._backward(0)

    def _round(self, number: int, half: int) -> int:
        digest = hashlib.blake2b(half.to_bytes(4, "big"), key=self._key, digest_size=4,
                                 person=bytes([number]) * 8).digest()
        return int.from_bytes(digest, "big") & _HALF_MASK

    def _forward(self, value: int) -> int:
        left, right = value >> _HALF_BITS, value & _HALF_MASK
        for number in range(_ROUNDS):
            left, right = right, left ^ self._round(number, right)
        return (left << _HALF_BITS) | right

    def _backward(self, value: int) -> int:
        left, right = value >> _HALF_BITS, value & _HALF_MASK
        for number in reversed(range(_ROUNDS)):
            left, right = right ^ self._round(number, left), left
        return (left << _HALF_BITS) | right

    def encode(self, position: int) -> int:
        if position == 0:
            return 0
        token = self._forward(position)
        return self._zero_image if token == 0 else token

    def decode(self, token: int) -> int:
        if token == 0:
            return 0
        position = self._backward(token)
        return self._to_zero if position == 0 else position


class _Given:
    """The positions one organization was given lately, sorted, above a floor."""

    def __init__(self) -> None:
        self.floor = 0
        self.recent: list[int] = []

    def add(self, position: int) -> None:
        if position <= self.floor:
            return
        at = bisect.bisect_left(self.recent, position)
        if at < len(self.recent) and self.recent[at] == position:
            return
        self.recent.insert(at, position)
        if len(self.recent) > REMEMBERED:
            self.floor = self.recent.pop(0)

    def latest_within(self, visible: int) -> int:
        at = bisect.bisect_right(self.recent, visible)
        if at:
            return self.recent[at - 1]
        return self.floor if self.floor <= visible else 0


class TenantPositions:
    """Every organization's view of positions, keyed by the service's secret."""

    def __init__(self, secret: str) -> None:
        self._secret = hashlib.blake2b(secret.encode(), digest_size=32,
                                       person=b"positions").digest()
        self._given: dict[str, _Given] = {}
        self._lock = threading.Lock()

    @lru_cache(maxsize=4096)  # noqa: B019 - one per organization, living as long as the service
    def _permutation(self, organization_id: str) -> _Permutation:
        return _Permutation(hashlib.blake2b(organization_id.encode(), key=self._secret,
                                            digest_size=32).digest())

    def give(self, organization_id: str, position: int) -> int:
        """The token of `position`, one of the organization's own writes (or reads)."""
        with self._lock:
            self._given.setdefault(organization_id, _Given()).add(position)
        return self._permutation(organization_id).encode(position)

    def token(self, organization_id: str, position: int) -> int:
        """The token of `position` for the organization."""
        return self._permutation(organization_id).encode(position)

    def seen(self, organization_id: str, visible: int) -> int:
        """The token of the latest position given to the organization that `visible` covers."""
        with self._lock:
            given = self._given.get(organization_id)
            latest = 0 if given is None else given.latest_within(visible)
        return self._permutation(organization_id).encode(latest)

    def read(self, organization_id: str, token: int) -> int:
        """The position `token` names for the organization; InvalidInput when it names none
        (a token is only good for the organization it was given to)."""
        position = self._permutation(organization_id).decode(token)
        if position > LARGEST_NAMED:
            raise InvalidInput(f"position {token} was not given to this organization: send a"
                               " position from one of its own answers (or 0)")
        with self._lock:
            self._given.setdefault(organization_id, _Given()).add(position)
        return position
