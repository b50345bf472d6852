"""Verified tokens are remembered, but an expired one is refused even when remembered."""

from __future__ import annotations

import time

import pytest
from litestar.exceptions import NotAuthorizedException

from perfledger.api import auth

SECRET = "unit-secret-" + "y" * 32
ORG = "00000000-0000-4000-8000-00000000000a"


def test_a_remembered_token_is_refused_once_it_expires(monkeypatch: pytest.MonkeyPatch) -> None:
    token = auth.mint_token(SECRET, ORG, ["model:read"], ttl_seconds=60)
    assert auth.principal_from_token(SECRET, token).organization_id == ORG

    later = time.time() + 61
    monkeypatch.setattr(auth.time, "time", lambda: later)

    with pytest.raises(NotAuthorizedException, match="expired"):
        auth.principal_from_token(SECRET, token)


def test_a_token_signed_with_another_secret_is_refused_after_a_good_one() -> None:
    token = auth.mint_token(SECRET, ORG, ["model:read"])
    auth.principal_from_token(SECRET, token)
    with pytest.raises(NotAuthorizedException, match="Invalid bearer token"):
        auth.principal_from_token("another-secret-" + "z" * 32, token)
