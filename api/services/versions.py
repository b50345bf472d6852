"""Promoting a version, optionally through a gate judged on everything recorded before."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

import anyio.to_thread

from perfledger.api.services.reading import ReadSide
from perfledger.domain.application import PerfLedger
from perfledger.domain.errors import Conflict
from perfledger.domain.values import Caller
from perfledger.projections.performance.gates import check_gate_metrics, evaluate_gate
from perfledger.projections.performance.queries import find_summary


@dataclass(frozen=True)
class Gate:
    """Thresholds a version's cached metrics on one split must meet."""

    dataset_split: str
    minimum: dict[str, float]
    maximum: dict[str, float]


class Versions:
    def __init__(self, ledger: PerfLedger, read: ReadSide) -> None:
        self._ledger = ledger
        self._read = read

    async def promote(self, caller: Caller, model_id: UUID, version_id: str, reason: str,
                      gate: Gate | None) -> tuple[str | None, int]:
        """The previous promoted version and the promotion's position; a gate not met is a
        conflict naming the failing metrics, and nothing is recorded."""
        evidence = None
        if gate is not None:
            evidence = await self._judge(caller, model_id, version_id, gate)
        return await anyio.to_thread.run_sync(
            self._ledger.promote_version, caller, model_id, version_id, reason, evidence)

    async def _judge(self, caller: Caller, model_id: UUID, version_id: str, gate: Gate
                     ) -> dict[str, Any]:
        """The gate's evidence when it is met; a Conflict naming the failures when not."""
        check_gate_metrics(gate.minimum, gate.maximum)

        def version_exists() -> None:
            self._ledger.get_model(caller, model_id).version_of(version_id)

        await anyio.to_thread.run_sync(version_exists)
        position = await self._read.catch_up(["performance"])
        summary = await anyio.to_thread.run_sync(
            find_summary, self._read.database, str(model_id), version_id, gate.dataset_split)
        result = evaluate_gate(summary, gate.minimum, gate.maximum)
        if not result.passed:
            failing = [
                {"metric": c.metric, "bound": c.bound, "threshold": c.threshold, "value": c.value}
                for c in result.failures
            ]
            names = ", ".join(
                f"{c.metric} {c.value} vs {c.bound} {c.threshold}" for c in result.failures)
            raise Conflict(f"Promotion gate not met on '{gate.dataset_split}': {names}",
                           {"failing_metrics": failing})
        return {"gate": {"dataset_split": gate.dataset_split, "min": gate.minimum,
                         "max": gate.maximum},
                "checks": [{"metric": c.metric, "bound": c.bound, "threshold": c.threshold,
                            "value": c.value} for c in result.checks],
                "sample_count": summary.sample_count, "labeled_count": summary.labeled_count,
                "position": position}
