"""PostgreSQL going away under load: every request answers within 3 s (503 with Retry-After
while it is away), /health names the database, nothing acknowledged is lost, and service
resumes by itself within 5 s of its return.

The database is cut through a TCP proxy (every connection dropped, new ones refused, as a
stopped server does), so the PostgreSQL server other tests share keeps running."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
import pytest

from tests.conftest import SECRET, bearer, reset_postgres
from tests.e2e.conftest import Processes, listening_url, trained_binary_model, wait_healthy
from tests.tcp_proxy import CuttableProxy, proxied
from tests.waiting import wait_for

ANSWER_WITHIN_SECONDS = 3.0
RESUME_WITHIN_SECONDS = 5.0
OUTAGE_SECONDS = 4.0
ROWS_PER_BATCH = 50


@dataclass
class Answer:
    sent_at: float
    seconds: float
    status: int  # 0: no answer (the client gave up)
    retry_after: str | None
    body: str


class Load:
    """Batches of predictions sent one after another, each sent again (with its batch id)
    until it is acknowledged, as a client would; and summary and health reads beside them."""

    def __init__(self, url: str, model_id: str, headers: dict[str, str]) -> None:
        self.url, self.model_id, self.headers = url, model_id, headers
        self.writes: list[Answer] = []
        self.reads: list[Answer] = []
        self.health: list[tuple[Answer, dict[str, Any]]] = []
        self.acknowledged_rows = 0
        self.last_position = 0
        self._stopping = threading.Event()
        self._threads = [threading.Thread(target=self._write, daemon=True),
                         threading.Thread(target=self._read, daemon=True),
                         threading.Thread(target=self._check_health, daemon=True)]

    def __enter__(self) -> Load:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stopping.set()
        for thread in self._threads:
            thread.join(timeout=30)

    def _send(self, client: httpx.Client, method: str, path: str, **kwargs: Any
              ) -> tuple[Answer, httpx.Response | None]:
        started = time.monotonic()
        try:
            response = client.request(method, self.url + path, headers=self.headers,
                                      timeout=10, **kwargs)
        except httpx.HTTPError as error:
            return Answer(started, time.monotonic() - started, 0, None, repr(error)), None
        answer = Answer(started, time.monotonic() - started, response.status_code,
                        response.headers.get("Retry-After"), response.text[:300])
        return answer, response

    def _write(self) -> None:
        path = f"/api/v1/models/{self.model_id}/versions/v1/predictions"
        with httpx.Client() as client:
            batch = 0
            while not self._stopping.is_set():
                records = [{"row_id": f"b{batch}-r{i}", "predicted_label": "yes" if i % 3
                            else "no", "true_label": "yes" if i % 2 else "no"}
                           for i in range(ROWS_PER_BATCH)]
                answer, response = self._send(client, "POST", path, json={
                    "dataset_split": "test", "records": records, "batch_id": f"batch-{batch}"})
                self.writes.append(answer)
                if response is not None and response.status_code in (202, 409):
                    # 409: stored by an earlier send whose answer was lost
                    self.acknowledged_rows += ROWS_PER_BATCH
                    self.last_position = _position_of(response)  # batches go one by one
                    batch += 1
                else:
                    time.sleep(0.1)

    def _read(self) -> None:
        path = f"/api/v1/models/{self.model_id}/performance/summary"
        with httpx.Client() as client:
            while not self._stopping.is_set():
                self.reads.append(self._send(client, "GET", path)[0])
                time.sleep(0.05)

    def _check_health(self) -> None:
        with httpx.Client() as client:
            while not self._stopping.is_set():
                answer, response = self._send(client, "GET", "/health")
                self.health.append((answer, response.json() if response is not None else {}))
                time.sleep(0.2)


def _position_of(response: httpx.Response) -> int:
    body = response.json()
    position = body.get("position") or body.get("extra", {}).get("position") or 0
    return int(position)


def _summary(url: str, model_id: str, headers: dict[str, str], position: int
             ) -> dict[str, Any] | None:
    answer = httpx.get(f"{url}/api/v1/models/{model_id}/performance/summary",
                       params={"min_position": position}, headers=headers, timeout=10)
    return dict(answer.json()) if answer.status_code == 200 else None


@pytest.fixture
def cuttable_database(postgres_database: str) -> Iterator[tuple[str, CuttableProxy]]:
    reset_postgres(postgres_database)
    target = urlsplit(postgres_database)
    with proxied(target.hostname or "127.0.0.1", target.port or 5432) as proxy:
        yield urlunsplit(target._replace(netloc=f"{target.username or 'postgres'}@"
                                                f"127.0.0.1:{proxy.port}")), proxy


def test_postgresql_away_under_load_fails_fast_and_service_resumes_by_itself(
        cuttable_database: tuple[str, CuttableProxy], tmp_path: Path, org: str) -> None:
    database_url, proxy = cuttable_database
    env = {**os.environ, "PERFLEDGER_DATA_DIR": str(tmp_path / "data"),
           "PERFLEDGER_JWT_SECRET": SECRET, "PERFLEDGER_DATABASE_URL": database_url}
    processes = Processes(env, tmp_path)
    try:
        server = processes.start("server", "serve", "--port", "0")
        url = listening_url(server, processes.log_of(server))
        wait_healthy(url)
        headers = bearer(org)
        model_id, versions = trained_binary_model(url, headers)
        warm = httpx.post(f"{versions}/v1/predictions", headers=headers, json={
            "dataset_split": "test", "batch_id": "warm", "records": [
                {"row_id": f"warm-{i}", "predicted_label": "yes", "true_label": "no"}
                for i in range(ROWS_PER_BATCH)]})
        assert warm.status_code == 202, warm.text
        wait_for(lambda: _summary(url, model_id, headers, warm.json()["position"]),
                 "the model's first summary")

        load = Load(url, model_id, headers)
        load.acknowledged_rows = ROWS_PER_BATCH
        with load:
            time.sleep(2.0)
            cut_at = time.monotonic()
            proxy.cut()
            time.sleep(OUTAGE_SECONDS)
            restored_at = time.monotonic()
            proxy.restore()
            time.sleep(RESUME_WITHIN_SECONDS + 3.0)
        try:
            counted = wait_for(lambda: _summary(url, model_id, headers, load.last_position),
                               "the summary of every acknowledged row")["sample_count"]
        except AssertionError as failed:
            logs = "\n".join(path.read_text()[-4000:] for path in sorted(tmp_path.glob("*.log")))
            now = httpx.get(f"{url}/api/v1/models/{model_id}/performance/summary",
                            params={"min_position": load.last_position}, headers=headers)
            raise AssertionError(f"{failed}; summary now: {now.status_code} {now.text[:300]}; "
                                 f"last answers: {load.writes[-3:]}\n{logs}") from None
        log = processes.log_of(server).read_text()
    finally:
        processes.stop_all()

    answers = load.writes + load.reads + [answer for answer, _ in load.health]
    slow = [answer for answer in answers if answer.seconds > ANSWER_WITHIN_SECONDS]
    assert not slow, f"answered after more than {ANSWER_WITHIN_SECONDS} s: {slow[:5]}"
    assert all(answer.status in (200, 202, 409, 503) for answer in answers), \
        [answer for answer in answers if answer.status not in (200, 202, 409, 503)][:5]

    def while_away(answers: list[Answer]) -> list[Answer]:
        return [answer for answer in answers if cut_at + 0.5 < answer.sent_at < restored_at]

    writes_away, reads_away = while_away(load.writes), while_away(load.reads)
    assert writes_away and all(answer.status == 503 for answer in writes_away), writes_away[:5]
    # a read the process answered already may be answered again from its cache
    assert reads_away and all(answer.status in (200, 503) for answer in reads_away)
    assert all(answer.retry_after == "2" for answer in writes_away + reads_away
               if answer.status == 503)
    health_away = [body for answer, body in load.health
                   if cut_at + ANSWER_WITHIN_SECONDS < answer.sent_at < restored_at]
    assert health_away and all(body["status"] == "unavailable"
                               and body["database"].startswith("unreachable")
                               for body in health_away), health_away

    written_again = [answer for answer in load.writes
                     if answer.sent_at > restored_at and answer.status == 202]
    assert written_again, "no write succeeded after PostgreSQL came back"
    assert written_again[0].sent_at + written_again[0].seconds \
        < restored_at + RESUME_WITHIN_SECONDS
    assert any(answer.status == 200 for answer in load.reads if answer.sent_at > restored_at)
    assert "the database is unreachable" in log
    assert log.count("Traceback") == 0, log[-3000:]

    assert load.acknowledged_rows > 0
    assert counted == load.acknowledged_rows
