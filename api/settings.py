"""Service settings, read from the environment."""

from __future__ import annotations

import os
import secrets
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from projections.storage import StorageConfig

DEFAULT_MAX_BODY_BYTES = 32 * 1024 * 1024
DEFAULT_RESPONSE_CACHE_ENTRIES = 10_000


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
        )

    @property
    def default_organization_id(self) -> str:
        """The organization of the admin token printed on first start."""
        path = self.storage.data_dir / "default-organization"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(str(uuid.uuid4()))
        return path.read_text().strip()


def _int(environ: Mapping[str, str], name: str, default: int) -> int:
    text = environ.get(name)
    if text is None:
        return default
    try:
        return int(text)
    except ValueError:
        raise ValueError(f"{name} must be a whole number, got {text!r}") from None


def _jwt_secret(environ: Mapping[str, str], data_dir: Path) -> tuple[str, bool]:
    """The configured secret, else the one kept in the data directory, made on first use."""
    configured = environ.get("PERFLEDGER_JWT_SECRET")
    if configured:
        return configured, False
    path = data_dir / "jwt-secret"
    if path.exists():
        return path.read_text().strip(), False
    data_dir.mkdir(parents=True, exist_ok=True)
    path.write_text(secrets.token_urlsafe(48))
    path.chmod(0o600)
    return path.read_text().strip(), True
