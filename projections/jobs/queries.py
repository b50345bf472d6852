"""Reads of jobs and their events: lookup by id or title, export, and the consensus to train on."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from perfledger.domain.errors import NotFound
from perfledger.domain.jobs.aggregates import job_number
from perfledger.domain.timestamps import from_micros
from perfledger.projections.database import Database
from perfledger.projections.json import loads

JOB_COLUMNS = ("job_key, job_id, title, decisions, minutes_per_event, active_model_id,"
               " model_ids, created_at")


@dataclass(frozen=True)
class JobRow:
    job_key: str
    job_id: int
    title: str
    decisions: list[str]
    minutes_per_event: float
    active_model_id: str | None
    model_ids: list[str]
    created_at: str


def format_instant(moment: datetime) -> str:
    """UTC with a Z; fractions of a second only when there are some."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _job(row: Any) -> JobRow:
    key, job_id, title, decisions, minutes, active, model_ids, created_at = row
    return JobRow(str(key), int(job_id), str(title), loads(decisions), float(minutes), active,
                  loads(model_ids), str(created_at))


def find_job(db: Database, organization_id: str, reference: str | int) -> JobRow:
    """By the integer id, else by the title."""
    text = str(reference).strip()
    number = job_number(text)
    column, value = ("title", text) if number is None else ("job_id", number)
    with db.read() as tx:
        row = tx.row(f"SELECT {JOB_COLUMNS} FROM job_jobs WHERE organization_id = ?"
                     f" AND {column} = ?", (organization_id, value))
    if row is None:
        raise NotFound("Job not found", {"details": f"Job '{text}' not found"})
    return _job(row)


def list_jobs(db: Database, organization_id: str) -> list[JobRow]:
    with db.read() as tx:
        rows = tx.rows(f"SELECT {JOB_COLUMNS} FROM job_jobs WHERE organization_id = ?"
                       " ORDER BY job_id", (organization_id,))
    return [_job(row) for row in rows]


def event_exists(db: Database, job_key: str, event_id: str) -> bool:
    with db.read() as tx:
        return tx.value("SELECT 1 FROM job_events WHERE job_key = ? AND event_id = ?",
                        (job_key, event_id)) is not None


def export_event(db: Database, job: JobRow, event_id: str) -> dict[str, Any]:
    """The stored event: its fields, with what perfledger knows of it under `arcanna`."""
    with db.read() as tx:
        row = tx.row(
            "SELECT e.ts, e.decision, e.confidence, e.model_id, e.bucket_id, e.fields,"
            " e.consensus, k.event_id FROM job_events e LEFT JOIN job_kb k"
            " ON k.job_key = e.job_key AND k.model_id = ? AND k.event_id = e.event_id"
            " WHERE e.job_key = ? AND e.event_id = ?",
            (job.active_model_id, job.job_key, event_id))
    if row is None:
        raise NotFound("Event not found", {
            "details": f"Event '{event_id}' not found in job '{job.job_id}'"})
    ts, decision, confidence, model_id, bucket_id, fields, consensus, in_kb = row
    fields = fields if isinstance(fields, dict) else loads(fields)
    state = "in_kb" if in_kb is not None else ("new" if consensus is not None else None)
    return {**fields, "arcanna": {
        "event_id": event_id, "job_id": job.job_id,
        "timestamp": format_instant(from_micros(int(ts))),
        "result_label": job.decisions[int(decision)], "confidence": confidence,
        "model_id": model_id, "bucket_id": bucket_id,
        "consensus": None if consensus is None else job.decisions[int(consensus)],
        "knowledge_base_state": state,
    }}


def consensus_now(db: Database, job: JobRow) -> list[tuple[str, str]]:
    """Every event of the job that has a consensus, with its label: what a training captures."""
    with db.read() as tx:
        rows = tx.rows("SELECT event_id, consensus FROM job_events"
                       " WHERE job_key = ? AND consensus IS NOT NULL ORDER BY event_id",
                       (job.job_key,))
    return [(str(event_id), job.decisions[int(code)]) for event_id, code in rows]
