"""How a monitor judges one bucket: the value it compares, and the state that value is in."""

from __future__ import annotations

from perfledger.domain.monitoring.rules import (
    CompareToPrevious,
    CompareToValue,
    CompareToVersion,
    MonitorRule,
)

OK, WARNING, CRITICAL = "ok", "warning", "critical"


def judged_value(rule: MonitorRule, mine: float | None, other: float | None) -> float | None:
    """The number the thresholds apply to: the metric itself; its relative change against
    `buckets_back` buckets earlier, (mine - then) / |then|; or the difference against
    another version, mine - theirs. None when a side is missing (or `then` is 0)."""
    match rule.compare_to:
        case CompareToValue():
            return mine
        case CompareToPrevious():
            if mine is None or other is None or other == 0:
                return None
            return (mine - other) / abs(other)
        case CompareToVersion():
            return None if mine is None or other is None else mine - other
    raise AssertionError(rule.compare_to)


def state_of(rule: MonitorRule, value: float | None) -> str:
    """critical, warning or ok: `below` alerts when the value is under a threshold, `above`
    when it is over one; no value is never an alert."""
    if value is None:
        return OK

    def beyond(threshold: float | None) -> bool:
        if threshold is None:
            return False
        return value < threshold if rule.condition == "below" else value > threshold

    if beyond(rule.critical):
        return CRITICAL
    if beyond(rule.warning):
        return WARNING
    return OK
