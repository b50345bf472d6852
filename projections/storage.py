"""Where events and read models live, chosen by configuration."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit, urlunsplit

from perfledger.projections.database import (
    DEFAULT_TIMEOUT_SECONDS,
    Database,
    PostgresDatabase,
    SQLiteDatabase,
    connect_timeout_of,
)

DEFAULT_DATA_DIR = "./var"
TIMEOUT_SETTING = "PERFLEDGER_DATABASE_TIMEOUT_SECONDS"
TIMEOUT_BOUNDS = (1, 60)


@dataclass(frozen=True)
class StorageConfig:
    data_dir: Path
    database_url: str | None = None
    # The longest a request waits for a PostgreSQL connection before answering 503.
    timeout_seconds: int = DEFAULT_TIMEOUT_SECONDS

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> StorageConfig:
        url = environ.get("PERFLEDGER_DATABASE_URL") or None
        if url and not url.startswith(("postgresql://", "postgres://")):
            raise ValueError(
                f"PERFLEDGER_DATABASE_URL must be a postgresql:// URL (got {url!r}); "
                "unset it to use the embedded SQLite database"
            )
        return cls(Path(environ.get("PERFLEDGER_DATA_DIR", DEFAULT_DATA_DIR)), url,
                   _timeout_of(environ))

    @property
    def sqlite_path(self) -> Path:
        return self.data_dir / "perfledger.sqlite3"

    @property
    def connection_url(self) -> str | None:
        """The PostgreSQL URL with a connect timeout, unless it sets its own."""
        if self.database_url is None:
            return None
        url = urlsplit(self.database_url)
        if "connect_timeout" in parse_qs(url.query):
            return self.database_url
        timeout = f"connect_timeout={connect_timeout_of(self.timeout_seconds)}"
        query = f"{url.query}&{timeout}" if url.query else timeout
        return urlunsplit(url._replace(query=query))

    def event_store_env(self) -> dict[str, str]:
        """The eventsourcing library's settings for the same database."""
        if self.database_url is None:
            return {
                "PERSISTENCE_MODULE": "eventsourcing.sqlite",
                "SQLITE_DBNAME": str(self.sqlite_path),
                "SQLITE_LOCK_TIMEOUT": "30",
            }
        url = urlsplit(self.database_url)
        return {
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "POSTGRES_DBNAME": url.path.lstrip("/") or "postgres",
            "POSTGRES_HOST": url.hostname or "127.0.0.1",
            "POSTGRES_PORT": str(url.port or 5432),
            "POSTGRES_USER": unquote(url.username or "postgres"),
            "POSTGRES_PASSWORD": unquote(url.password or ""),
            "POSTGRES_LOCK_TIMEOUT": "10",
            "POSTGRES_POOL_SIZE": "4",
            "POSTGRES_MAX_OVERFLOW": "8",
            # How long a write waits for a connection (its pool's timeout), each attempt.
            "POSTGRES_CONNECT_TIMEOUT": str(self.timeout_seconds),
        }

    def open_database(self) -> Database:
        if self.database_url is None:
            private_directory(self.data_dir)  # every tenant's rows are in there
            return SQLiteDatabase(self.sqlite_path)
        return PostgresDatabase(self.database_url, timeout_seconds=self.timeout_seconds)


def _timeout_of(environ: Mapping[str, str]) -> int:
    text = environ.get(TIMEOUT_SETTING, str(DEFAULT_TIMEOUT_SECONDS))
    low, high = TIMEOUT_BOUNDS
    if not text.strip().isdigit() or not low <= int(text) <= high:
        raise ValueError(f"{TIMEOUT_SETTING} must be whole seconds from {low} to {high}, "
                         f"got {text!r}")
    return int(text)


def private_directory(path: Path) -> None:
    """Creates `path` (and its parents) readable by this user alone, if it is missing; a
    process starting beside this one may make it first."""
    if not path.exists():
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
        path.chmod(0o700)  # mkdir's mode is masked by the umask
