"""Webhook bodies are signed with HMAC-SHA256, and failed deliveries back off for up to a day."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime, timedelta

import pytest

from perfledger.scheduler.webhooks.backoff import (
    FIRST_RETRY_SECONDS,
    GIVE_UP_AFTER,
    MAX_DELAY_SECONDS,
    gives_up,
    retry_delay,
)
from perfledger.scheduler.webhooks.signing import signature, signed_headers, verify

BODY = b'{"alert":"accuracy below 0.9","model":"churn"}'
SECRET = "whsec-\u00e9t\u00e9-2024"


def test_the_signature_is_the_hmac_sha256_of_the_body_keyed_with_the_secret() -> None:
    expected = hmac.new(SECRET.encode("utf-8"), BODY, hashlib.sha256).hexdigest()
    assert signature(BODY, SECRET) == "sha256=" + expected
    assert signature(BODY, SECRET) != signature(BODY, SECRET + "x")
    assert signature(BODY, SECRET) != signature(BODY + b" ", SECRET)


def test_a_known_vector_matches() -> None:
    # RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?".
    assert signature(b"what do ya want for nothing?", "Jefe") == (
        "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
    )


def test_signed_headers_carry_the_signature_timestamp_and_delivery_id() -> None:
    headers = signed_headers(BODY, SECRET, 1_700_000_000, "dlv-42")
    assert headers == {
        "Content-Type": "application/json",
        "User-Agent": "perfledger-webhooks",
        "X-Perfledger-Signature": signature(BODY, SECRET),
        "X-Perfledger-Timestamp": "1700000000",
        "X-Perfledger-Delivery": "dlv-42",
    }


def test_verify_accepts_the_right_signature_and_rejects_any_other() -> None:
    header = signature(BODY, SECRET)
    assert verify(BODY, SECRET, header)
    assert not verify(BODY, "another-secret", header)
    assert not verify(BODY.replace(b"0.9", b"0.8"), SECRET, header)
    assert not verify(BODY, SECRET, header.removeprefix("sha256="))
    assert not verify(BODY, SECRET, header[:-1] + ("0" if header[-1] != "0" else "1"))
    assert not verify(BODY, SECRET, "")
    assert not verify(BODY, SECRET, "sha256=\u00e9")


def test_retries_start_after_ten_seconds_and_double() -> None:
    delays = [retry_delay(attempts) for attempts in range(1, 10)]
    assert delays == [10, 20, 40, 80, 160, 320, 640, 1280, 2560]
    assert delays[0] == FIRST_RETRY_SECONDS


def test_retry_delays_are_capped_at_an_hour() -> None:
    assert retry_delay(10) == MAX_DELAY_SECONDS == 3600
    assert retry_delay(11) == 3600
    assert retry_delay(10_000) == 3600


def test_a_retry_delay_needs_at_least_one_attempt_made() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        retry_delay(0)


def test_a_failing_delivery_is_tried_about_two_dozen_times_in_its_day() -> None:
    waited, attempts = 0.0, 1
    while waited + retry_delay(attempts) < GIVE_UP_AFTER.total_seconds():
        waited += retry_delay(attempts)
        attempts += 1
    assert 20 <= attempts <= 40


def test_delivery_gives_up_once_24_hours_have_passed_since_the_first_attempt() -> None:
    first = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)
    assert timedelta(hours=24) == GIVE_UP_AFTER
    assert not gives_up(first, first)
    assert not gives_up(first, first + timedelta(hours=24) - timedelta(microseconds=1))
    assert gives_up(first, first + timedelta(hours=24))
    assert gives_up(first, first + timedelta(days=3))

