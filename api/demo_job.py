"""`perfledger demo`'s job: a week of triage decisions, analyst feedback and two trainings."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

from rich.progress import Progress

from perfledger.api.bootstrap import Container
from perfledger.domain.errors import NotFound
from perfledger.domain.jobs.incoming import JobEventRecord
from perfledger.domain.values import Caller
from perfledger.projections.jobs.queries import consensus_now, find_job

DECISIONS = ["Drop", "Investigate", "Escalate"]
EVENTS_PER_WAVE = 3000
ANALYSTS = ["ana", "ben", "chloe"]


def _alert(rng: random.Random, wave: int, i: int, start: datetime) -> tuple[JobEventRecord, str]:
    """One alert, its decision, and what an analyst would call it."""
    severity = rng.randint(1, 10)
    truth = "Escalate" if severity >= 8 else ("Investigate" if severity >= 5 else "Drop")
    decision = truth if rng.random() < 0.85 else rng.choice(DECISIONS)
    fields: dict[str, Any] = {"source": {"ip": f"10.{rng.randint(0, 3)}.{rng.randint(0, 255)}"
                                               f".{rng.randint(1, 254)}"},
                              "severity": severity, "rule": rng.choice(["brute-force", "phish",
                                                                        "malware", "dlp"])}
    moment = start + timedelta(seconds=rng.randint(0, 7 * 86400))
    record = JobEventRecord(decision, event_id=f"alert-{wave}-{i}",
                            timestamp=moment.isoformat(), confidence=round(rng.random(), 3),
                            bucket_id=f"{fields['rule']}-{severity}", fields=fields)
    return record, truth


def load_demo_job(container: Container, organization_id: str, progress: Progress) -> int:
    """Records two waves of alerts, feedback on a fifth of them, a training after each."""
    ledger, caller, rng = container.ledger, Caller(organization_id), random.Random(11)
    job, _ = ledger.create_job(caller, _free_title(container, caller), DECISIONS, 0.5)
    task = progress.add_task("loading the demo job", total=2 * EVENTS_PER_WAVE)
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(days=14)
    for wave in range(2):
        alerts = [_alert(rng, wave, i, start + timedelta(days=7 * wave))
                  for i in range(EVENTS_PER_WAVE)]
        for first in range(0, len(alerts), 1000):
            records = [record for record, _ in alerts[first:first + 1000]]
            ledger.record_job_events(caller, job, records, f"demo-{wave}-{first}")
            progress.advance(task, len(records))
        for record, truth in rng.sample(alerts, len(alerts) // 5):
            for analyst in rng.sample(ANALYSTS, rng.randint(1, 2)):
                label = truth if rng.random() < 0.9 else rng.choice(DECISIONS)
                ledger.give_feedback(caller, job, str(record.event_id), label, analyst)
        container.engine.catch_up_all(budget_seconds=600)
        job = ledger.get_job(caller, job.job_id)
        row = find_job(container.database, organization_id, str(job.job_id))
        ledger.train_job(caller, job, consensus_now(container.database, row), datetime.now(UTC))
        job = ledger.get_job(caller, job.job_id)
    return job.job_id


def _free_title(container: Container, caller: Caller) -> str:
    for n in range(1, 1000):
        title = "Demo alert triage" + ("" if n == 1 else f" {n}")
        try:
            container.ledger.get_job(caller, title)
        except NotFound:
            return title
    raise RuntimeError("no free demo job title")
