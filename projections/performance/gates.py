"""Promotion gates: thresholds on cached metrics that a version must meet."""

from __future__ import annotations

from dataclasses import dataclass

from perfledger.domain.errors import InvalidInput
from perfledger.domain.metrics.catalogue import BY_NAME
from perfledger.projections.performance.queries import Summary

KNOWN_METRICS = frozenset(BY_NAME)


@dataclass(frozen=True)
class GateCheck:
    metric: str
    bound: str  # "min" or "max"
    threshold: float
    value: float | None

    @property
    def passed(self) -> bool:
        if self.value is None:
            return False
        return self.value >= self.threshold if self.bound == "min" else self.value <= self.threshold


@dataclass(frozen=True)
class GateResult:
    checks: list[GateCheck]

    @property
    def passed(self) -> bool:
        return all(check.passed for check in self.checks)

    @property
    def failures(self) -> list[GateCheck]:
        return [check for check in self.checks if not check.passed]


def check_gate_metrics(minimum: dict[str, float], maximum: dict[str, float]) -> None:
    unknown = sorted((set(minimum) | set(maximum)) - KNOWN_METRICS)
    if unknown:
        raise InvalidInput(
            f"Unknown gate metric(s): {', '.join(unknown)}; "
            f"known: {', '.join(sorted(KNOWN_METRICS))}"
        )
    if not minimum and not maximum:
        raise InvalidInput("A gate needs at least one 'min' or 'max' threshold")


def evaluate_gate(
    summary: Summary, minimum: dict[str, float], maximum: dict[str, float]
) -> GateResult:
    checks = [
        GateCheck(metric, "min", threshold, summary.metrics.get(metric))
        for metric, threshold in sorted(minimum.items())
    ]
    checks += [
        GateCheck(metric, "max", threshold, summary.metrics.get(metric))
        for metric, threshold in sorted(maximum.items())
    ]
    return GateResult(checks)
