"""Sends due deliveries, in event-store order per webhook, and records every attempt.

State lives in the database: a restart loses nothing, and a delivery is claimed (its
attempt count moved on, compare-and-set) before it is sent, so two workers never send the
same attempt. A webhook's next delivery waits until the one before it is delivered or given
up on (24 h after its first attempt); failed attempts back off exponentially. Webhooks are
drained side by side, so one slow receiver does not hold the others back.
"""

from __future__ import annotations

import itertools
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
CLAIM_BATCH = 100  # deliveries of one webhook claimed, then sent in order, per transaction
PARALLEL_WEBHOOKS = 8
# Webhooks of one organization drained in one run: slow receivers of one tenant take at most
# this many of the PARALLEL_WEBHOOKS threads.
WEBHOOKS_PER_ORGANIZATION = 2
SEND_TIMEOUT_SECONDS = 10.0


@dataclass(frozen=True)
class _Claim:
    delivery_id: str
    attempt: int
    body: str
    first_attempt_at: int


@dataclass
class DeliveryRun:
    delivered: int = 0
    retrying: int = 0
    given_up: int = 0


def in_turns(due: list[tuple[str, str, int]]) -> list[str]:
    """The webhooks to drain this run, from (webhook, organization, oldest due): at most
    WEBHOOKS_PER_ORGANIZATION of an organization, longest waiting first, the organizations
    taking turns; the others wait for the next run, where they have waited longest."""
    queues: dict[str, list[tuple[int, str]]] = {}
    for webhook_id, organization_id, oldest in due:
        queues.setdefault(organization_id, []).append((oldest, webhook_id))
    turns = [sorted(queue)[:WEBHOOKS_PER_ORGANIZATION] for queue in queues.values()]
    turns.sort(key=lambda queue: queue[0])
    return [webhook_id for turn in itertools.zip_longest(*turns) for webhook_id in
            (entry[1] for entry in turn if entry is not None)]


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
            due = tx.rows(
                "SELECT webhook_id, organization_id, MIN(next_attempt_at) FROM webhook_deliveries"
                " WHERE state = 'pending' AND next_attempt_at <= ?"
                " GROUP BY webhook_id, organization_id", (now_micros(),))
        webhooks = in_turns([(str(w), str(o), int(d)) for w, o, d in due])
        total = DeliveryRun()
        for run in self._pool.map(lambda w: self._drain(w, deadline), webhooks):
            total.delivered += run.delivered
            total.retrying += run.retrying
            total.given_up += run.given_up
        return total

    def _drain(self, webhook_id: str, deadline: float) -> DeliveryRun:
        if time.monotonic() >= deadline:
            return DeliveryRun()
        run = DeliveryRun()
        with self.database.read() as tx:
            webhook = tx.row("SELECT url, secret, deleted, paused FROM webhooks"
                             " WHERE webhook_id = ?", (webhook_id,))
        if webhook is None or webhook[2]:
            self._cancel(webhook_id)
            return run
        if webhook[3]:  # paused: what was pending waits for it to resume
            return run
        url, secret = str(webhook[0]), str(webhook[1])
        while time.monotonic() < deadline:
            claimed = self._claim(webhook_id, CLAIM_BATCH)
            if not claimed:
                break
            sent: list[tuple[_Claim, Outcome]] = []
            for claim in claimed:
                body = claim.body.encode()
                headers = signed_headers(body, secret, int(time.time()), claim.delivery_id)
                outcome = send(self._client, url, body, headers, self.allowance,
                               SEND_TIMEOUT_SECONDS)
                sent.append((claim, outcome))
                if not outcome.delivered or time.monotonic() >= deadline:
                    break  # in order: the next waits for this one
            for state in self._record(sent, claimed[len(sent):]):
                if state == "delivered":
                    run.delivered += 1
                elif state == "failed":
                    run.given_up += 1
                else:
                    run.retrying += 1
            if not sent[-1][1].delivered:
                break
        return run

    def _claim(self, webhook_id: str, limit: int) -> list[_Claim]:
        """The webhook's oldest pending deliveries that are due, in order, claimed for their
        next attempt: none once one is not due or another worker holds it."""
        now = now_micros()
        claimed: list[_Claim] = []
        with self.database.transaction() as tx:
            for delivery_id, attempts, body, first, due, claimed_until in tx.rows(
                    "SELECT delivery_id, attempts, body, first_attempt_at, next_attempt_at,"
                    " claimed_until FROM webhook_deliveries WHERE webhook_id = ?"
                    " AND state = 'pending' ORDER BY position LIMIT ?", (webhook_id, limit)):
                if int(due) > now or (claimed_until is not None and int(claimed_until) > now):
                    break
                first_attempt_at = now if first is None else int(first)
                taken = tx.execute(
                    "UPDATE webhook_deliveries SET attempts = attempts + 1, claimed_until = ?,"
                    " first_attempt_at = ? WHERE delivery_id = ? AND attempts = ?",
                    (now + CLAIM_SECONDS * 1_000_000, first_attempt_at, delivery_id, attempts))
                if taken.rowcount != 1:
                    break
                claimed.append(_Claim(str(delivery_id), int(attempts) + 1, str(body),
                                      first_attempt_at))
        return claimed

    def _record(self, sent: list[tuple[_Claim, Outcome]], unsent: list[_Claim]) -> list[str]:
        """Each attempt made, and the deliveries' next state; claims not sent are handed
        back as they were."""
        now = now_micros()
        states = []
        with self.database.transaction() as tx:
            for claim, outcome in sent:
                if outcome.delivered:
                    state, due = "delivered", now
                elif gives_up(from_micros(claim.first_attempt_at), datetime.now(UTC)):
                    state, due = "failed", now
                else:
                    state, due = "pending", now + int(retry_delay(claim.attempt) * 1_000_000)
                states.append(state)
                tx.execute("INSERT INTO webhook_attempts (delivery_id, attempt, at, status_code,"
                           " error, seconds) VALUES (?, ?, ?, ?, ?, ?)",
                           (claim.delivery_id, claim.attempt, format_timestamp(from_micros(now)),
                            outcome.status_code, outcome.error, outcome.seconds))
                tx.execute("UPDATE webhook_deliveries SET state = ?, next_attempt_at = ?,"
                           " claimed_until = NULL, status_code = ?, error = ?"
                           " WHERE delivery_id = ? AND attempts = ?",
                           (state, due, outcome.status_code, outcome.error, claim.delivery_id,
                            claim.attempt))
            for claim in unsent:
                tx.execute("UPDATE webhook_deliveries SET attempts = attempts - 1,"
                           " claimed_until = NULL WHERE delivery_id = ? AND attempts = ?",
                           (claim.delivery_id, claim.attempt))
        return states

    def _cancel(self, webhook_id: str) -> None:
        """A deleted webhook's deliveries are not sent."""
        with self.database.transaction() as tx:
            tx.execute("UPDATE webhook_deliveries SET state = 'cancelled', claimed_until = NULL"
                       " WHERE webhook_id = ? AND state = 'pending'", (webhook_id,))
