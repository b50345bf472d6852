"""Row ids compare byte by byte on both engines, whatever the database's locale: lookups and
inserts by id skip the locale's rules, and a series' rows come in the same order from
SQLite and from PostgreSQL (sums over them add up in that order)."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from tests.conftest import ADMIN_URL, BACKENDS, bearer, eager_container, serving, settings_for
from tests.scenario import Scenario

ROW_IDS = ["b", "B", "a", "_", "A", "é", "Z9", "z10"]


@contextlib.contextmanager
def database_sorting_by_english_rules() -> Iterator[str]:
    """A PostgreSQL database whose default collation is ICU's en-US (`a` before `B`)."""
    name = f"perfledger_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name} LOCALE_PROVIDER icu ICU_LOCALE 'en-US'"
                      " TEMPLATE template0")
    try:
        yield f"{ADMIN_URL.rpartition('/')[0]}/{name}"
    finally:
        with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.mark.parametrize("backend", BACKENDS)
def test_rows_of_a_series_come_in_byte_order_on_both_engines(backend: str,
                                                             tmp_path: Path) -> None:
    with contextlib.ExitStack() as stack:
        url = (stack.enter_context(database_sorting_by_english_rules())
               if backend == "postgres" else None)
        container = eager_container(settings_for(tmp_path / "data", url))
        stack.callback(container.close)
        client = stack.enter_context(serving(container))
        scenario = Scenario(client, container, bearer(str(uuid.uuid4())))
        scenario.create_model(name="m", task="binary_classification", labels=["no", "yes"],
                              positive_label="yes")
        scenario.send_predictions(scenario.trained_version(), [
            {"row_id": row_id, "predicted_label": "yes", "true_label": "no", "score": 0.5}
            for row_id in ROW_IDS])
        scenario.catch_up()
        with container.database.read() as tx:
            if backend == "postgres":  # the database itself sorts text the English way
                assert tx.value("SELECT string_agg(x, ' ' ORDER BY x) FROM"
                                " unnest(ARRAY['a', 'B']) AS x") == "a B"
            stored = [row_id for (row_id,) in tx.rows("SELECT row_id FROM perf_rows"
                                                      " ORDER BY row_id")]
    assert stored == sorted(ROW_IDS, key=lambda row_id: row_id.encode())
