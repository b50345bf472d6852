"""`perfledger webhook-echo` prints each delivery with its type and whether its signature
holds, and answers 200."""

from __future__ import annotations

import io
import json
import threading

import httpx

from perfledger.api.webhook_echo import echo_server
from perfledger.scheduler.webhooks.signing import signed_headers


def test_webhook_echo_prints_each_delivery_and_checks_its_signature() -> None:
    out = io.StringIO()
    server = echo_server("127.0.0.1", 0, "the-secret", out)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    url = f"http://127.0.0.1:{server.server_port}/"
    body = json.dumps({"type": "alert.raised", "alert": {"severity": "critical"}}).encode()
    try:
        good = httpx.post(url, content=body,
                          headers=signed_headers(body, "the-secret", 1_765_000_000, "d-1"))
        forged = httpx.post(url, content=body,
                            headers=signed_headers(body, "another", 1_765_000_000, "d-2"))
    finally:
        server.shutdown()
        server.server_close()

    assert (good.status_code, forged.status_code) == (200, 200)
    printed = out.getvalue()
    assert "== alert.raised · delivery d-1 · sent at 1765000000 · signature valid" in printed
    assert "delivery d-2 · sent at 1765000000 · SIGNATURE INVALID" in printed
    assert '"severity": "critical"' in printed
