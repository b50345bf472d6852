"""Service settings, read from the environment."""

from __future__ import annotations

import contextlib
import os
import secrets
import tempfile
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from perfledger.api.auth import DEFAULT_MAX_TOKEN_SECONDS
from perfledger.projections.storage import StorageConfig, private_directory

MIN_SECRET_BYTES = 32
DEFAULT_MAX_BODY_BYTES = 32 * 1024 * 1024
DEFAULT_RESPONSE_CACHE_ENTRIES = 10_000
DEFAULT_SWITCH_INTERVAL_MS = 1
SWITCH_INTERVAL_MS_RANGE = (1, 100)
MAX_TOKEN_SECONDS_RANGE = (60, 366 * 24 * 3600)  # a minute to a year
DEFAULT_HEADER_TIMEOUT_SECONDS = 10
DEFAULT_BODY_TIMEOUT_SECONDS = 60
DEFAULT_KEEP_ALIVE_SECONDS = 5
CONNECTION_TIMEOUT_RANGE = (1, 3600)


@dataclass(frozen=True)
class Settings:
    storage: StorageConfig
    jwt_secret: str
    secret_was_generated: bool
    host: str = "127.0.0.1"
    port: int = 8000
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    consistency_timeout: float = 5.0
    response_cache_entries: int = DEFAULT_RESPONSE_CACHE_ENTRIES
    heavy_workers: int = 1
    heavy_queue: int = 8
    # When set, GET /metrics wants it as a bearer token; unset (or empty), the metrics are open.
    metrics_token: str | None = field(default=None, repr=False)
    # Webhook hosts or networks a tenant may reach over http:// or at private addresses
    # (PERFLEDGER_WEBHOOK_ALLOW, a comma list); nothing by default.
    webhook_allow: str = ""
    # Bearer tokens expiring further ahead are refused (PERFLEDGER_MAX_TOKEN_SECONDS).
    max_token_seconds: int = DEFAULT_MAX_TOKEN_SECONDS
    # How often the interpreter hands its lock between threads (api/process_settings.py).
    switch_interval_ms: int = DEFAULT_SWITCH_INTERVAL_MS
    # How long a request may take to send its headers, then its body, and how long an idle
    # kept-alive connection stays open (api/connection_bounds.py).
    header_timeout_seconds: int = DEFAULT_HEADER_TIMEOUT_SECONDS
    body_timeout_seconds: int = DEFAULT_BODY_TIMEOUT_SECONDS
    keep_alive_seconds: int = DEFAULT_KEEP_ALIVE_SECONDS

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> Settings:
        storage = StorageConfig.from_env(environ)
        secret, generated = _jwt_secret(environ, storage.data_dir)
        return cls(
            storage=storage,
            jwt_secret=secret,
            secret_was_generated=generated,
            host=environ.get("PERFLEDGER_HOST", "127.0.0.1"),
            port=_int(environ, "PERFLEDGER_PORT", 8000),
            max_body_bytes=_int(environ, "PERFLEDGER_MAX_BODY_BYTES", DEFAULT_MAX_BODY_BYTES),
            response_cache_entries=_int(
                environ, "PERFLEDGER_RESPONSE_CACHE_ENTRIES", DEFAULT_RESPONSE_CACHE_ENTRIES
            ),
            heavy_workers=max(1, _int(environ, "PERFLEDGER_HEAVY_WORKERS", 1)),
            heavy_queue=max(0, _int(environ, "PERFLEDGER_HEAVY_QUEUE", 8)),
            metrics_token=environ.get("PERFLEDGER_METRICS_TOKEN") or None,
            webhook_allow=environ.get("PERFLEDGER_WEBHOOK_ALLOW", ""),
            max_token_seconds=_int_within(environ, "PERFLEDGER_MAX_TOKEN_SECONDS",
                                          DEFAULT_MAX_TOKEN_SECONDS, MAX_TOKEN_SECONDS_RANGE),
            switch_interval_ms=_int_within(environ, "PERFLEDGER_SWITCH_INTERVAL_MS",
                                           DEFAULT_SWITCH_INTERVAL_MS, SWITCH_INTERVAL_MS_RANGE),
            header_timeout_seconds=_int_within(
                environ, "PERFLEDGER_HEADER_TIMEOUT_SECONDS", DEFAULT_HEADER_TIMEOUT_SECONDS,
                CONNECTION_TIMEOUT_RANGE),
            body_timeout_seconds=_int_within(
                environ, "PERFLEDGER_BODY_TIMEOUT_SECONDS", DEFAULT_BODY_TIMEOUT_SECONDS,
                CONNECTION_TIMEOUT_RANGE),
            keep_alive_seconds=_int_within(
                environ, "PERFLEDGER_KEEP_ALIVE_SECONDS", DEFAULT_KEEP_ALIVE_SECONDS,
                CONNECTION_TIMEOUT_RANGE),
        )

    @property
    def default_organization_id(self) -> str:
        """The organization of the admin token printed on first start."""
        path = self.storage.data_dir / "default-organization"
        if not path.exists():
            with contextlib.suppress(FileExistsError):
                write_private(path, str(uuid.uuid4()))
        return path.read_text().strip()


def _int(environ: Mapping[str, str], name: str, default: int) -> int:
    text = environ.get(name)
    if text is None:
        return default
    try:
        return int(text)
    except ValueError:
        raise ValueError(f"{name} must be a whole number, got {text!r}") from None


def _int_within(environ: Mapping[str, str], name: str, default: int,
                bounds: tuple[int, int]) -> int:
    value = _int(environ, name, default)
    if not bounds[0] <= value <= bounds[1]:
        raise ValueError(f"{name} must be from {bounds[0]} to {bounds[1]}, got {value}")
    return value


def _jwt_secret(environ: Mapping[str, str], data_dir: Path) -> tuple[str, bool]:
    """The configured secret, else the one kept in the data directory, made on first use."""
    configured = environ.get("PERFLEDGER_JWT_SECRET")
    if configured:
        if len(configured.encode()) < MIN_SECRET_BYTES:
            raise ValueError(
                f"PERFLEDGER_JWT_SECRET is {len(configured.encode())} bytes; it must be at"
                f" least {MIN_SECRET_BYTES} (make one with `openssl rand -base64 48`), or unset"
                " it to have one generated in the data directory"
            )
        return configured, False
    path = data_dir / "jwt-secret"
    if path.exists():
        return path.read_text().strip(), False
    try:
        write_private(path, secrets.token_urlsafe(48))
    except FileExistsError:  # another process made it first: use theirs
        return path.read_text().strip(), False
    return path.read_text().strip(), True


def write_private(path: Path, text: str) -> None:
    """Writes a new file that only this user can read, from its creation (never chmod-ed
    after being written); FileExistsError if it exists. The whole text appears at once: it
    is written to a private temporary file first, then linked in place, so a process
    starting beside this one never reads the file empty or half written."""
    private_directory(path.parent)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "w") as sink:
            sink.write(text)
        os.link(temporary, path)
    finally:
        os.unlink(temporary)
