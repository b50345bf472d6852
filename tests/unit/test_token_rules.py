"""Bearer tokens live a bounded time and carry integer times: a token for the year 9999, a
numeric string for `exp` or a lifetime past the maximum is refused; `perfledger token` mints
what the service accepts."""

from __future__ import annotations

import subprocess
import sys
import time
from typing import Any

import jwt
import pytest
from litestar.exceptions import NotAuthorizedException

from perfledger.api import auth

SECRET = "rules-secret-" + "r" * 32
ORG = "00000000-0000-4000-8000-00000000000b"
DAY = 86400


def signed(**claims: Any) -> str:
    return jwt.encode({"sub": "someone", "org": ORG, "scopes": ["model:read"], **claims},
                      SECRET, algorithm="HS256")


def test_a_token_within_the_lifetime_is_accepted() -> None:
    now = int(time.time())
    token = signed(exp=now + 29 * DAY, iat=now, nbf=now - 5)
    assert auth.principal_from_token(SECRET, token).organization_id == ORG


@pytest.mark.parametrize("claims", [
    {"exp": 253402300799},  # 9999-12-31
    {"exp": "<in an hour>", "iat": "<a year ago>"},
], ids=["expiring in the year 9999", "issued a year before it expires"])
def test_a_token_living_past_the_maximum_is_refused(claims: dict[str, Any]) -> None:
    now = int(time.time())
    filled = {name: {"<in an hour>": now + 3600, "<a year ago>": now - 365 * DAY}.get(value, value)
              for name, value in claims.items()}
    with pytest.raises(NotAuthorizedException, match="longer than the 30 days allowed"):
        auth.principal_from_token(SECRET, signed(**filled))


def test_the_maximum_lifetime_is_the_setting_given() -> None:
    token = signed(exp=int(time.time()) + 2 * DAY)
    auth.principal_from_token(SECRET, token, max_lifetime=3 * DAY)
    with pytest.raises(NotAuthorizedException, match="1 days allowed"):
        auth.principal_from_token(SECRET, token, max_lifetime=DAY)


@pytest.mark.parametrize("name", ["exp", "iat", "nbf"])
@pytest.mark.parametrize("kind", ["numeric string", "fraction", "boolean"])
def test_a_time_claim_that_is_not_an_integer_is_refused(name: str, kind: str) -> None:
    now = int(time.time())
    claims: dict[str, Any] = {"exp": now + 3600, "iat": now - 10, "nbf": now - 10}
    claims[name] = {"numeric string": str(claims[name]), "fraction": claims[name] + 0.5,
                    "boolean": True}[kind]
    with pytest.raises(NotAuthorizedException):  # True is 1 to PyJWT: long expired
        auth.principal_from_token(SECRET, signed(**claims))


def perfledger_token(tmp_path: Any, *arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "perfledger.api.cli", "token", "--org", ORG, *arguments],
        capture_output=True, text=True, timeout=60,
        env={"PERFLEDGER_DATA_DIR": str(tmp_path), "PERFLEDGER_JWT_SECRET": SECRET,
             "PATH": "/usr/bin:/bin"})


def test_perfledger_token_mints_a_week_by_default_and_refuses_more_than_the_maximum(
        tmp_path: Any) -> None:
    minted = perfledger_token(tmp_path)
    assert minted.returncode == 0, minted.stderr
    claims = jwt.decode(minted.stdout.strip().splitlines()[-1], SECRET, algorithms=["HS256"])
    assert abs(claims["exp"] - (time.time() + 7 * DAY)) < 120

    refused = perfledger_token(tmp_path, "--ttl", str(31 * DAY))
    assert refused.returncode != 0
    assert "PERFLEDGER_MAX_TOKEN_SECONDS" in refused.stderr
