"""Reads of the catalog: projects and registry entries, filtered and paged in SQL."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from perfledger.domain.errors import NotFound
from perfledger.domain.registry.model import Model
from perfledger.projections.catalog.filters import compile_filter, compile_ordering, compile_search
from perfledger.projections.catalog.schema import MODEL_FIELDS, PROJECT_FIELDS
from perfledger.projections.database import Database, Tx
from perfledger.projections.event_log import EventLog
from perfledger.projections.json import loads
from perfledger.projections.topics import topics_of

DEFAULT_PROJECT_NAME = "default"
MODEL_DELETED = topics_of(Model.Deleted)


@dataclass(frozen=True)
class ProjectRow:
    project_id: str
    name: str
    created_at: str
    updated_at: str
    created_by: str


@dataclass(frozen=True)
class EntryRow:
    model_id: str
    project_id: str
    project_name: str
    name: str
    task: str
    created_at: str
    updated_at: str
    created_by: str
    updated_by: str
    entry: dict[str, Any]


@dataclass(frozen=True)
class ListQuery:
    limit: int
    offset: int
    filter: str | None = None
    search: str | None = None
    ordering: str | None = None
    project_id: str | None = None
    latest_only: bool = False


_PROJECT = "project_id, name, created_at, updated_at, created_by"
_ENTRY = (
    "m.model_id, m.project_id, COALESCE(p.name, ?), m.name, m.task, m.created_at, m.updated_at,"
    " m.created_by, m.updated_by, d.document"
)
_FROM = (
    "catalog_models m JOIN catalog_documents d ON d.model_id = m.model_id"
    " LEFT JOIN catalog_projects p ON p.project_id = m.project_id"
)


def find_project(db: Database, organization_id: str, project_id: str) -> ProjectRow:
    with db.read() as tx:
        row = tx.row(
            f"SELECT {_PROJECT} FROM catalog_projects WHERE project_id = ? AND organization_id = ?",
            (project_id, organization_id),
        )
    if row is None:
        raise NotFound(f"Project '{project_id}' not found")
    return ProjectRow(*row)


def list_projects(
    db: Database, organization_id: str, query: ListQuery
) -> tuple[list[ProjectRow], int]:
    where, params = ["organization_id = ?"], [organization_id]
    if query.filter:
        sql, values = compile_filter(query.filter, PROJECT_FIELDS, db.dialect)
        where.append(sql)
        params += values
    order = compile_ordering(query.ordering, PROJECT_FIELDS, "created_at")
    clause = " AND ".join(where)
    with db.read() as tx:
        total = int(tx.value(f"SELECT COUNT(*) FROM catalog_projects WHERE {clause}", params))
        rows = tx.rows(
            f"SELECT {_PROJECT} FROM catalog_projects WHERE {clause} ORDER BY {order}"
            " LIMIT ? OFFSET ?",
            (*params, query.limit, query.offset),
        )
    return [ProjectRow(*row) for row in rows], total


def models_in_project(db: Database, organization_id: str, project_id: str) -> int:
    """The organization's models of every dialect filed in the project and not deleted."""
    with db.read() as tx:
        return int(tx.value(
            "SELECT COUNT(*) FROM catalog_models WHERE project_id = ? AND organization_id = ?",
            (project_id, organization_id)))


def find_entry(db: Database, log: EventLog, organization_id: str, model_id: str) -> EntryRow:
    with db.read() as tx:
        row = tx.row(
            f"SELECT {_ENTRY} FROM {_FROM}"
            " WHERE m.model_id = ? AND m.organization_id = ? AND m.listed = 1",
            (DEFAULT_PROJECT_NAME, model_id, organization_id),
        )
        if row is not None and _deleted(tx, log, [model_id]):
            row = None
    if row is None:
        raise NotFound(f"Model '{model_id}' not found")
    return _entry(row)


@dataclass(frozen=True)
class ListingSql:
    """The statements a listing runs: `count` with `params`, `page` with them, limit, offset."""

    count: str
    page: str
    params: list[Any]


def listing_sql(dialect: str, organization_id: str, query: ListQuery) -> ListingSql:
    where, params = ["m.organization_id = ?", "m.listed = 1"], [organization_id]
    fields = {name: f"m.{column}" for name, column in MODEL_FIELDS.items()}
    if query.project_id is not None:
        where.append("m.project_id = ?")
        params.append(query.project_id)
    if query.latest_only:
        where.append("m.is_latest = 1")
    if query.search:
        sql, values = compile_search(query.search, "m.search_text", dialect)
        where.append(sql)
        params += values
    if query.filter:
        sql, values = compile_filter(query.filter, fields, dialect)
        where.append(sql)
        params += values
    order = compile_ordering(query.ordering, fields, "created_at", "m.created_seq")
    clause = " AND ".join(where)
    return ListingSql(
        f"SELECT COUNT(*) FROM catalog_models m WHERE {clause}",
        f"SELECT m.model_id FROM catalog_models m WHERE {clause} ORDER BY {order}"
        " LIMIT ? OFFSET ?",
        params,
    )


def list_entries(
    db: Database, log: EventLog, organization_id: str, query: ListQuery
) -> tuple[list[EntryRow], int]:
    sql = listing_sql(db.dialect, organization_id, query)
    with db.read() as tx:
        total = int(tx.value(sql.count, sql.params))
        # The page's ids first, over the narrow table alone; then their whole entries.
        page = [model_id for (model_id,) in tx.rows(
            sql.page, (*sql.params, query.limit, query.offset)
        )]
        rows = tx.rows(
            f"SELECT {_ENTRY} FROM {_FROM} WHERE m.model_id IN ({', '.join('?' * len(page))})",
            (DEFAULT_PROJECT_NAME, *page),
        ) if page else []
        deleted = _deleted(tx, log, page)
    by_id = {row[0]: _entry(row) for row in rows}
    return [by_id[model_id] for model_id in page if model_id not in deleted], total - len(deleted)


def _deleted(tx: Tx, log: EventLog, model_ids: list[str]) -> set[str]:
    """Which of the models the event store holds as deleted. A delete waits for the catalog
    only up to a bound, so the catalog may still list one; this one probe per read (of the
    events' primary key) keeps it out of every answer, for far less than replaying it."""
    deleted = log.recorded_any(tx, [UUID(model_id) for model_id in model_ids], MODEL_DELETED)
    return {str(model_id) for model_id in deleted}


def _entry(row: tuple[Any, ...]) -> EntryRow:
    model_id, project_id, project, name, task, created, updated, creator, updater, doc = row
    return EntryRow(
        model_id, project_id, project, name, task, created, updated, creator, updater,
        loads(doc) or {},
    )


def models_per_organization(db: Database) -> dict[str, int]:
    """How many models each organization holding any has (every dialect's)."""
    with db.read() as tx:
        return {str(organization): int(count) for organization, count in tx.rows(
            "SELECT organization_id, COUNT(*) FROM catalog_models GROUP BY organization_id")}


def model_ids_named(db: Database, organization_id: str, names: Sequence[str]) -> list[str]:
    """The ids of the organization's models with these names, in the order of `names` (the
    first of each name; names it lacks left out)."""
    marks = ", ".join("?" for _ in names)
    with db.read() as tx:
        found: dict[str, str] = {}
        for model_id, name in tx.rows(
                f"SELECT model_id, name FROM catalog_models WHERE organization_id = ? AND"
                f" name IN ({marks}) ORDER BY created_seq", (organization_id, *names)):
            found.setdefault(name, str(model_id))
    return [found[name] for name in names if name in found]
