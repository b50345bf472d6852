"""Sends due deliveries, in event-store order per webhook, and records every attempt.

State lives in the database: a restart loses nothing, and a delivery is claimed (its
attempt count moved on, compare-and-set) before it is sent, so two workers never send the
same attempt. A webhook's next delivery waits until the one before it is delivered or given
up on (24 h after its first attempt); failed attempts back off exponentially. Webhooks are
drained side by side, so one slow receiver does not hold the others back.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx

from perfledger.domain.monitoring.destinations import Allowance
from perfledger.domain.timestamps import format_timestamp, from_micros
from perfledger.projections.database import Database
from perfledger.scheduler.webhooks.backoff import gives_up, retry_delay
from perfledger.scheduler.webhooks.signing import signed_headers
from perfledger.scheduler.webhooks.transport import Outcome, send

CLAIM_SECONDS = 60  # a claim older than this was left by a crashed worker
PARALLEL_WEBHOOKS = 8
SEND_TIMEOUT_SECONDS = 10.0


@dataclass
class DeliveryRun:
    delivered: int = 0
    retrying: int = 0
    given_up: int = 0


def now_micros() -> int:
    return int(time.time() * 1_000_000)


class Deliverer:
    def __init__(self, database: Database, allowance: Allowance) -> None:
        self.database = database
        self.allowance = allowance
        self._client = httpx.Client(follow_redirects=False,
                                    limits=httpx.Limits(max_connections=PARALLEL_WEBHOOKS * 2))
        self._pool = ThreadPoolExecutor(PARALLEL_WEBHOOKS, thread_name_prefix="webhooks")

    def close(self) -> None:
        self._pool.shutdown(wait=True)
        self._client.close()

    def run(self, budget_seconds: float = 5.0) -> DeliveryRun:
        """Sends what is due, for at most about `budget_seconds`."""
        deadline = time.monotonic() + budget_seconds
        with self.database.read() as tx:
            webhooks = [str(webhook_id) for (webhook_id,) in tx.rows(
                "SELECT DISTINCT webhook_id FROM webhook_deliveries WHERE state = 'pending'"
                " AND next_attempt_at <= ?", (now_micros(),))]
        total = DeliveryRun()
        for run in self._pool.map(lambda w: self._drain(w, deadline), webhooks):
            total.delivered += run.delivered
            total.retrying += run.retrying
            total.given_up += run.given_up
        return total

    def _drain(self, webhook_id: str, deadline: float) -> DeliveryRun:
        run = DeliveryRun()
        while time.monotonic() < deadline:
            claimed = self._claim_head(webhook_id)
            if claimed is None:
                break
            delivery_id, attempt, body, first_attempt_at = claimed
            with self.database.read() as tx:
                webhook = tx.row("SELECT url, secret, deleted FROM webhooks"
                                 " WHERE webhook_id = ?", (webhook_id,))
            if webhook is None or webhook[2]:
                self._cancel(webhook_id)
                break
            url, secret, _ = webhook
            encoded = body.encode()
            headers = signed_headers(encoded, str(secret), int(time.time()), delivery_id)
            outcome = send(self._client, str(url), encoded, headers, self.allowance,
                           SEND_TIMEOUT_SECONDS)
            state = self._record(delivery_id, attempt, first_attempt_at, outcome)
            if state == "delivered":
                run.delivered += 1
            elif state == "failed":
                run.given_up += 1
            else:
                run.retrying += 1
                break  # in order: the next waits for this one
        return run

    def _claim_head(self, webhook_id: str) -> tuple[str, int, str, int] | None:
        """The webhook's oldest pending delivery, claimed for its next attempt, if it is due
        and no other worker holds it."""
        now = now_micros()
        with self.database.transaction() as tx:
            head = tx.row(
                "SELECT delivery_id, attempts, body, first_attempt_at, next_attempt_at,"
                " claimed_until FROM webhook_deliveries WHERE webhook_id = ?"
                " AND state = 'pending' ORDER BY position LIMIT 1", (webhook_id,))
            if head is None:
                return None
            delivery_id, attempts, body, first, due, claimed_until = head
            if int(due) > now or (claimed_until is not None and int(claimed_until) > now):
                return None
            first_attempt_at = now if first is None else int(first)
            claimed = tx.execute(
                "UPDATE webhook_deliveries SET attempts = attempts + 1, claimed_until = ?,"
                " first_attempt_at = ? WHERE delivery_id = ? AND attempts = ?",
                (now + CLAIM_SECONDS * 1_000_000, first_attempt_at, delivery_id, attempts))
            if claimed.rowcount != 1:
                return None
        return str(delivery_id), int(attempts) + 1, str(body), first_attempt_at

    def _record(self, delivery_id: str, attempt: int, first_attempt_at: int,
                outcome: Outcome) -> str:
        now = now_micros()
        if outcome.delivered:
            state, due = "delivered", now
        elif gives_up(from_micros(first_attempt_at), datetime.now(UTC)):
            state, due = "failed", now
        else:
            state, due = "pending", now + int(retry_delay(attempt) * 1_000_000)
        with self.database.transaction() as tx:
            tx.execute("INSERT INTO webhook_attempts (delivery_id, attempt, at, status_code,"
                       " error, seconds) VALUES (?, ?, ?, ?, ?, ?)",
                       (delivery_id, attempt, format_timestamp(from_micros(now)),
                        outcome.status_code, outcome.error, outcome.seconds))
            tx.execute("UPDATE webhook_deliveries SET state = ?, next_attempt_at = ?,"
                       " claimed_until = NULL, status_code = ?, error = ?"
                       " WHERE delivery_id = ? AND attempts = ?",
                       (state, due, outcome.status_code, outcome.error, delivery_id, attempt))
        return state

    def _cancel(self, webhook_id: str) -> None:
        """A deleted webhook's deliveries are not sent."""
        with self.database.transaction() as tx:
            tx.execute("UPDATE webhook_deliveries SET state = 'cancelled', claimed_until = NULL"
                       " WHERE webhook_id = ? AND state = 'pending'", (webhook_id,))
