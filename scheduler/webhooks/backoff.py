"""When to retry a failed webhook delivery, and when to stop trying.

The first retry comes 10 seconds after the first attempt fails; each later wait doubles
(10, 20, 40, ... seconds) up to an hour, so a receiver that is down for a day sees about two
dozen attempts rather than thousands. A delivery is abandoned once 24 hours have passed since
its first attempt.

The delays carry no jitter: they are a pure function of the attempt count, which keeps the
schedule predictable for receivers and tests. Deliveries are already spread out by the moments
their alerts fired; should many failing deliveries to one receiver ever retry in lockstep, the
place to add jitter is here, keyed by the delivery id so it stays deterministic.
"""

from __future__ import annotations

from datetime import datetime, timedelta

FIRST_RETRY_SECONDS = 10
MAX_DELAY_SECONDS = 3600
GIVE_UP_AFTER = timedelta(hours=24)

# 10 * 2**9 = 5120 already exceeds the cap: larger exponents only risk huge numbers.
_MAX_DOUBLINGS = 9


def retry_delay(attempts_made: int) -> float:
    """Seconds to wait before the next attempt, after `attempts_made` (>= 1) have failed."""
    if attempts_made < 1:
        raise ValueError(f"attempts_made must be at least 1, not {attempts_made}")
    doublings = min(attempts_made - 1, _MAX_DOUBLINGS)
    return float(min(FIRST_RETRY_SECONDS * 2**doublings, MAX_DELAY_SECONDS))


def gives_up(first_attempt_at: datetime, now: datetime) -> bool:
    """Whether a delivery first attempted at `first_attempt_at` is abandoned by `now`."""
    return now - first_attempt_at >= GIVE_UP_AFTER
