"""Signing webhook bodies, so a receiver can tell a delivery came from this server.

Each delivery carries `X-Perfledger-Signature: sha256=<hex>`, the HMAC-SHA256 of the exact
body bytes keyed with the webhook's secret, and `X-Perfledger-Timestamp` (unix seconds) so a
receiver can refuse stale deliveries. `verify` is what a receiver (or a test) runs.
"""

from __future__ import annotations

import hashlib
import hmac

SIGNATURE_HEADER = "X-Perfledger-Signature"
TIMESTAMP_HEADER = "X-Perfledger-Timestamp"
DELIVERY_HEADER = "X-Perfledger-Delivery"
USER_AGENT = "perfledger-webhooks"
_PREFIX = "sha256="


def signature(body: bytes, secret: str) -> str:
    """`sha256=<hex>`: the HMAC-SHA256 of `body` keyed with the UTF-8 bytes of `secret`."""
    digest = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
    return _PREFIX + digest


def signed_headers(body: bytes, secret: str, timestamp: int, delivery_id: str) -> dict[str, str]:
    """The headers a delivery of `body` is posted with."""
    return {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        SIGNATURE_HEADER: signature(body, secret),
        TIMESTAMP_HEADER: str(timestamp),
        DELIVERY_HEADER: delivery_id,
    }


def verify(body: bytes, secret: str, header_value: str) -> bool:
    """Whether `header_value` is the signature of `body` with `secret` (constant-time compare)."""
    expected = signature(body, secret).encode("ascii")
    return hmac.compare_digest(expected, header_value.strip().encode("utf-8"))
