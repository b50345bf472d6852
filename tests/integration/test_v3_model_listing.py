"""v3 model listing over 5,000 models: every filter operator, latest_only, search, ordering."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest
from litestar.testing import TestClient

from perfledger.api.app import create_app
from perfledger.api.bootstrap import build_container
from perfledger.api.settings import Settings
from perfledger.domain.values import Caller
from perfledger.projections.catalog.queries import ListQuery, listing_sql
from perfledger.projections.database import Database, PostgresDatabase
from perfledger.projections.storage import StorageConfig
from tests.conftest import BACKENDS, SECRET, bearer, reset_postgres
from tests.query_plans import full_scans, index_reads, plan
from tests.v3 import load_models, rules

MODELS = 5_000
Item = dict[str, Any]


@dataclass
class Catalog:
    client: TestClient[Any]
    headers: dict[str, str]
    projects: list[str]
    items: list[Item]  # every model, in creation order
    database: Database
    organization_id: str

    def page(self, **params: Any) -> Any:
        answer = self.client.get("/v3/models", params=params, headers=self.headers)
        assert answer.status_code == 200, answer.text
        return answer.json()["data"]


@pytest.fixture(scope="module", params=BACKENDS)
def catalog(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
            ) -> Iterator[Catalog]:
    url = None
    if request.param == "postgres":
        url = request.getfixturevalue("postgres_database")
        reset_postgres(url)
    data_dir: Path = tmp_path_factory.mktemp("catalog")
    container = build_container(
        Settings(StorageConfig(data_dir, url), jwt_secret=SECRET, secret_was_generated=False)
    )
    org = str(uuid.uuid4())
    caller = Caller(org)
    projects = [str(container.ledger.create_project(caller, f"p{i}")[0].id) for i in range(2)]
    load_models(container.ledger, caller, projects, MODELS)
    container.engine.catch_up_all(budget_seconds=600)
    if isinstance(container.database, PostgresDatabase):
        # What autovacuum does once a table has settled, for the planner's statistics and
        # the visibility map that index-only counts need (the bulk load just wrote it all).
        with psycopg.connect(container.database.url, autocommit=True) as connection:
            connection.execute("VACUUM ANALYZE")
    with TestClient(create_app(container)) as client:
        catalog = Catalog(client, bearer(org), projects, [], container.database, org)
        for offset in range(0, MODELS, 1000):
            catalog.items += catalog.page(limit=1000, offset=offset)["items"]
        yield catalog
    container.close()


def value(item: Item, field: str) -> Any:
    return item["project"]["id"] if field == "project_id" else item[field]


PREDICATES: dict[str, Callable[[Any, Any], bool]] = {
    "equal": lambda v, x: v is not None and v == x,
    "not_equal": lambda v, x: v is None or v != x,
    "in": lambda v, x: v in x,
    "not_in": lambda v, x: v is None or v not in x,
    "less": lambda v, x: v is not None and v < x,
    "less_or_equal": lambda v, x: v is not None and v <= x,
    "greater": lambda v, x: v is not None and v > x,
    "greater_or_equal": lambda v, x: v is not None and v >= x,
    "between": lambda v, x: v is not None and x[0] <= v <= x[1],
    "not_between": lambda v, x: v is None or not x[0] <= v <= x[1],
    "begins_with": lambda v, x: v is not None and v.startswith(x),
    "not_begins_with": lambda v, x: v is None or not v.startswith(x),
    "contains": lambda v, x: v is not None and x in v,
    "not_contains": lambda v, x: v is None or x not in v,
    "ends_with": lambda v, x: v is not None and v.endswith(x),
    "not_ends_with": lambda v, x: v is None or not v.endswith(x),
    "is_empty": lambda v, x: v is None or v == "",
    "is_not_empty": lambda v, x: v is not None and v != "",
    "is_null": lambda v, x: v is None,
    "is_not_null": lambda v, x: v is not None,
}


def moment(catalog: Catalog, fraction: float) -> str:
    return str(catalog.items[int(fraction * (MODELS - 1))]["created_at"])


CASES: list[tuple[str, str, Any]] = [
    ("name", "equal", "m005"),
    ("name", "not_equal", "m005"),
    ("version", "in", ["v1", "v3"]),
    ("project_id", "not_in", "FIRST_PROJECT"),
    ("name", "less", "m100"),
    ("name", "less_or_equal", "m100"),
    ("created_at", "greater", "MEDIAN"),
    ("created_at", "greater_or_equal", "MEDIAN"),
    ("created_at", "between", "QUARTILES"),
    ("created_at", "not_between", "QUARTILES"),
    ("name", "begins_with", "m01"),
    ("name", "not_begins_with", "m0"),
    ("description", "contains", "model 12"),
    ("description", "not_contains", "model 12"),
    ("name", "ends_with", "7"),
    ("name", "not_ends_with", "7"),
    ("description", "is_empty", None),
    ("description", "is_not_empty", None),
    ("description", "is_null", None),
    ("description", "is_not_null", None),
    ("task", "equal", "regression"),
    ("updated_at", "less_or_equal", "MEDIAN"),
    ("input_type", "not_equal", "text"),
]


def resolved(catalog: Catalog, raw: Any) -> Any:
    return {
        "FIRST_PROJECT": [catalog.projects[0]],
        "MEDIAN": moment(catalog, 0.5),
        "QUARTILES": [moment(catalog, 0.25), moment(catalog, 0.75)],
    }.get(raw, raw) if isinstance(raw, str) else raw


def in_listing_order(items: list[Item]) -> list[str]:
    """`ordering=name,version`, ties in creation order (the order of `items`)."""
    ranked = sorted(enumerate(items), key=lambda pair: (pair[1]["name"], pair[1]["version"],
                                                        pair[0]))
    return [item["id"] for _, item in ranked]


@pytest.mark.parametrize(("field", "operator", "raw"), CASES,
                         ids=[f"{f}-{o}" for f, o, _ in CASES])
def test_each_filter_operator_returns_the_right_models(
    catalog: Catalog, field: str, operator: str, raw: Any
) -> None:
    operand = resolved(catalog, raw)
    expected = [i for i in catalog.items if PREDICATES[operator](value(i, field), operand)]
    assert 0 < len(expected) < MODELS, "a case that selects nothing or everything proves little"
    data = catalog.page(filter=rules((field, operator, operand)), ordering="name,version",
                        limit=500)
    assert data["total"] == len(expected)
    assert [item["id"] for item in data["items"]] == in_listing_order(expected)[:500]


def test_nested_conditions_combine_with_and_and_or(catalog: Catalog) -> None:
    nested = ('{"condition": "OR", "rules": ['
              '{"field": "name", "operator": "equal", "value": "m001"},'
              '{"condition": "AND", "rules": ['
              '{"field": "version", "operator": "equal", "value": "v2"},'
              '{"field": "status", "operator": "equal", "value": "INACTIVE"}]}]}')
    expected = [i for i in catalog.items
                if i["name"] == "m001" or (i["version"] == "v2" and i["status"] == "INACTIVE")]
    data = catalog.page(filter=nested, ordering="name,version", limit=1000)
    assert data["total"] == len(expected)
    assert [item["id"] for item in data["items"]] == in_listing_order(expected)


def test_latest_only_keeps_the_most_recent_version_of_each_name(catalog: Catalog) -> None:
    latest: dict[tuple[str, str], Item] = {}
    for item in catalog.items:
        latest[(item["project"]["id"], item["name"])] = item
    got: list[Item] = []
    for offset in range(0, len(latest), 1000):
        got += catalog.page(latest_only="true", limit=1000, offset=offset)["items"]
    assert sorted(i["id"] for i in got) == sorted(i["id"] for i in latest.values())
    filtered = catalog.page(latest_only="true", filter=rules(("version", "equal", "v1")))
    assert filtered["total"] == sum(1 for i in latest.values() if i["version"] == "v1")


def test_search_is_case_insensitive_over_the_descriptive_fields(catalog: Catalog) -> None:
    described = [i["id"] for i in catalog.items if "churn model 12" in (i["description"] or "")]
    assert described
    data = catalog.page(search="CHURN MODEL 12", limit=1000)
    assert sorted(i["id"] for i in data["items"]) == sorted(described)
    assert catalog.page(search="LOGISTIC", limit=1)["total"] == sum(
        1 for i in catalog.items if i["algorithm"] == "logistic regression")


def test_ordering_and_pages_follow_the_requested_fields(catalog: Catalog) -> None:
    project = catalog.projects[1]
    mine = [i for i in catalog.items if i["project"]["id"] == project]
    ranked = sorted(enumerate(mine), key=lambda p: (p[1]["version"], p[1]["name"]),
                    reverse=True)
    expected = [item["id"] for _, item in ranked]
    data = catalog.page(project_id=project, ordering="-version,-name", limit=50, offset=100)
    assert data["total"] == len(mine) and data["page_index"] == 3
    assert data["page_count"] == -(-len(mine) // 50)
    assert [i["id"] for i in data["items"]] == expected[100:150]


def test_unknown_fields_operators_and_malformed_filters_are_400(catalog: Catalog) -> None:
    for params in ({"ordering": "colour"}, {"filter": rules(("colour", "equal", 1))},
                   {"filter": rules(("name", "resembles", "x"))}, {"filter": "[1, 2"},
                   {"filter": rules(("name", "in", "not-a-list"))},
                   {"filter": rules(("created_at", "less", "yesterday"))},
                   {"filter": '{"condition": "XOR", "rules": []}'}):
        answer = catalog.client.get("/v3/models", params=params, headers=catalog.headers)
        assert answer.status_code == 400, params
        assert answer.json()["error"]["errors"][0]["reason"] == "BadRequest"


PLANNED: dict[str, Callable[[Catalog], ListQuery]] = {
    "project": lambda c: ListQuery(50, 100, project_id=c.projects[1]),
    "name": lambda c: ListQuery(50, 100, filter=rules(("name", "equal", "m005"))),
    "version": lambda c: ListQuery(50, 100, filter=rules(("version", "equal", "v2"))),
    "project-and-name": lambda c: ListQuery(
        50, 100, filter=rules(("name", "equal", "m005")), project_id=c.projects[1]),
    "created_at-ordering": lambda c: ListQuery(50, 100, ordering="-created_at"),
    "created_at-range": lambda c: ListQuery(
        50, 100, filter=rules(("created_at", "greater", moment(c, 0.5)))),
    "latest_only": lambda c: ListQuery(50, 100, latest_only=True),
    "latest_only-in-project": lambda c: ListQuery(
        50, 100, project_id=c.projects[1], latest_only=True),
}


@pytest.mark.parametrize("case", list(PLANNED))
def test_a_filtered_page_and_its_count_read_the_models_through_an_index(
    catalog: Catalog, case: str
) -> None:
    query = PLANNED[case](catalog)
    dialect = catalog.database.dialect
    sql = listing_sql(dialect, catalog.organization_id, query)
    for statement, params in ((sql.page, [*sql.params, query.limit, query.offset]),
                              (sql.count, sql.params)):
        lines = plan(catalog.database, statement, params)
        assert index_reads(lines, dialect), (statement, lines)
        assert not full_scans(lines, dialect), (statement, lines)
