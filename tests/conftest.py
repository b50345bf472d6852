"""Fixtures: every integration and end-to-end test runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any, Protocol, TypeVar

import psycopg
import pytest
from litestar import Litestar
from litestar.testing import TestClient

from perfledger.api.app import create_app
from perfledger.api.auth import ADMIN, mint_token
from perfledger.api.bootstrap import Container, build_container
from perfledger.api.settings import Settings
from perfledger.projections.storage import StorageConfig
from perfledger.scheduler.tasks import TaskContext, process_recompute_requests

ADMIN_URL = os.environ.get(
    "PERFLEDGER_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
class Served(Protocol):
    client: Any
    container: Container


T = TypeVar("T")
S = TypeVar("S", bound=Served)
SECRET = "test-secret-" + "x" * 32
BACKENDS = ["sqlite", "postgres"]


@contextlib.contextmanager
def throwaway_database(template: str | None = None) -> Iterator[str]:
    """A PostgreSQL database of its own (a copy of `template`, if named), dropped after."""
    name = f"perfledger_test_{uuid.uuid4().hex[:12]}"
    try:
        with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
            admin.execute(f"CREATE DATABASE {name}" + (f" TEMPLATE {template}" if template else ""))
            # A throwaway database need not wait for each commit to reach the disk; the
            # transactions and what they make visible are the same.
            admin.execute(f"ALTER DATABASE {name} SET synchronous_commit = off")
    except psycopg.OperationalError as error:
        pytest.fail(
            f"PostgreSQL is needed at {ADMIN_URL}: {error}. Start it "
            "(pg_ctlcluster --skip-systemctl-redirect 15 main start) or set "
            "PERFLEDGER_TEST_POSTGRES_URL"
        )
    base, _, _ = ADMIN_URL.rpartition("/")
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """A throwaway database for this test session, dropped at the end."""
    with throwaway_database() as url:
        yield url


def reset_postgres(url: str) -> None:
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("DROP SCHEMA public CASCADE")
        connection.execute("CREATE SCHEMA public")


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def settings_for(data_dir: Path, database_url: str | None) -> Settings:
    return Settings(
        storage=StorageConfig(data_dir, database_url),
        jwt_secret=SECRET,
        secret_was_generated=False,
        max_body_bytes=2_000_000,
    )


@pytest.fixture
def settings(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Settings:
    url = None
    if backend == "postgres":
        url = request.getfixturevalue("postgres_database")
        reset_postgres(url)
    return settings_for(tmp_path / "data", url)


@pytest.fixture(scope="module", params=BACKENDS)
def module_settings(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
                    ) -> Iterator[Settings]:
    """A store that the tests of one module share, on each backend (a database of its own on
    PostgreSQL): for data that is costly to load and that those tests only read."""
    folder = tmp_path_factory.mktemp("module-store")
    if request.param == "sqlite":
        yield settings_for(folder / "data", None)
        return
    with throwaway_database() as url:
        yield settings_for(folder / "data", url)


def eager_container(settings: Settings) -> Container:
    """The service's parts, with commands catching projections up (and running recomputes)
    at once, as the scheduler would."""
    container = build_container(settings)
    container.wake_projections = lambda: container.engine.catch_up_all(budget_seconds=60)
    context = TaskContext(container.engine, container.ledger, container.positions)
    container.wake_recompute = lambda: process_recompute_requests(context)
    return container


def impatient(container: Container, seconds: float) -> None:
    """Queries of `container` wait at most `seconds` (not the configured 5 s) for a
    `min_position` the projections have not reached. The read side took its timeout from the
    settings when the container was built, so both are changed."""
    container.settings = replace(container.settings, consistency_timeout=seconds)
    container.services.read.timeout = seconds


@pytest.fixture
def container(settings: Settings) -> Iterator[Container]:
    """The service's parts; commands catch projections up (and run recomputes) at once, as the
    scheduler would."""
    container = eager_container(settings)
    yield container
    container.close()


_APPS: dict[int, Litestar] = {}


def app_serving(container: Container) -> Litestar:
    """The app, pointed at this test's container. Building one registers every route again
    (0.1 to 0.4 s, most of a test's setup), and what a request reads of its container it reads
    from the app's state, so the tests share one app per body limit and swap the state."""
    limit = container.settings.max_body_bytes
    if limit not in _APPS:
        _APPS[limit] = create_app(container)
    app = _APPS[limit]
    app.state.update({"container": container, "ledger": container.ledger,
                      "jwt_secret": container.settings.jwt_secret})
    return app


@contextlib.contextmanager
def serving(container: Container) -> Iterator[TestClient[Any]]:
    """A test client of the app, pointed at `container` from now on."""
    with TestClient(app_serving(container)) as test_client:
        yield test_client


@contextlib.contextmanager
def loaded_once(settings: Settings,
                load: Callable[[TestClient[Any], Container, dict[str, str]], T]) -> Iterator[T]:
    """What `load(client, container, headers)` made for a new organization in a container of
    its own (for a module's tests that only read it), until the block ends."""
    container = eager_container(settings)
    try:
        with serving(container) as client:
            loaded = load(client, container, bearer(str(uuid.uuid4())))
        yield loaded
    finally:
        container.close()


@contextlib.contextmanager
def served_again(scenario: S) -> Iterator[S]:
    """`scenario` (made by `loaded_once`) with a test client of this test's own."""
    with serving(scenario.container) as client:
        scenario.client = client
        yield scenario


@pytest.fixture
def client(container: Container) -> Iterator[TestClient[Any]]:
    with serving(container) as test_client:
        yield test_client


@pytest.fixture
def org() -> str:
    return str(uuid.uuid4())


def bearer(org: str, *scopes: str, sub: str = "tester", ttl: int = 600) -> dict[str, str]:
    token = mint_token(SECRET, org, scopes or [ADMIN], subject=sub, ttl_seconds=ttl)
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def admin(org: str) -> dict[str, str]:
    return bearer(org, ADMIN)


@pytest.fixture
def scenario(client: TestClient[Any], container: Container, admin: dict[str, str]) -> Any:
    from tests.scenario import Scenario

    return Scenario(client, container, admin)
