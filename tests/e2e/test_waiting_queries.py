"""Queries waiting for `min_position` hold no worker thread: the service keeps answering."""

from __future__ import annotations

import asyncio

import httpx

from tests.e2e.conftest import LiveServer

WAITERS = 60  # more than the worker-thread pool (40) and uvicorn's default concurrency needs


async def _wait_and_read(server: LiveServer) -> tuple[list[str], list[int], int]:
    headers = {"Authorization": f"Bearer {server.first_token()}"}
    limits = httpx.Limits(max_connections=WAITERS + 5)
    async with httpx.AsyncClient(
        base_url=server.url, headers=headers, timeout=30, limits=limits
    ) as http:
        model = (await http.post("/api/v1/models", json={"name": "m", "task": "regression"}))
        model_url = f"/api/v1/models/{model.json()['id']}"
        created = model.json()["position"]
        unreachable = server.position_token(server.first_token(), 10_000_000)
        finished: list[str] = []

        async def waiter() -> int:
            answer = await http.get(f"{model_url}/versions", params={"min_position": unreachable})
            finished.append("waiter")
            return answer.status_code

        async def reader() -> int:
            while (await http.get("/health")).json()["waiting_queries"] < WAITERS:
                await asyncio.sleep(0.01)  # the service itself says when all are waiting
            answer = await http.get(model_url, params={"min_position": created})
            finished.append("reader")
            return answer.status_code

        reader_status, *waiter_statuses = await asyncio.gather(
            reader(), *(waiter() for _ in range(WAITERS))
        )
    return finished, waiter_statuses, reader_status


def test_waiting_queries_leave_other_requests_unblocked(live_server: LiveServer) -> None:
    finished, waiter_statuses, reader_status = asyncio.run(_wait_and_read(live_server))

    assert reader_status == 200
    assert finished[0] == "reader"  # answered while every waiter was still waiting
    assert set(waiter_statuses) == {503}
