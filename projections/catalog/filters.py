"""Compiles v3 filter, search and ordering parameters into SQL with bound parameters."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any
from uuid import UUID

import msgspec

from perfledger.domain.bounded_json import within_json_depth
from perfledger.domain.errors import InvalidInput
from perfledger.domain.timestamps import normalize_timestamp

MAX_DEPTH = 8
MAX_RULES = 200
MAX_VALUES = 1000
TIME_FIELDS = {"created_at", "updated_at"}
ID_FIELDS = {"id", "project_id"}
Clause = tuple[str, list[Any]]


def compile_filter(text: str, fields: Mapping[str, str], dialect: str) -> Clause:
    """`{"condition": "AND"|"OR", "rules": [...]}` as a WHERE fragment; malformed: 400."""
    try:
        tree = within_json_depth(text, msgspec.json.decode)
    except msgspec.DecodeError as error:
        raise InvalidInput(f"filter is not valid JSON: {error}") from None
    compiler = _Compiler(fields, dialect)
    return compiler.condition(tree, "filter", 0)


def compile_search(term: str, column: str, dialect: str) -> Clause:
    """A case-insensitive substring of `column`, which holds the searched fields lowercased.

    PostgreSQL gets LIKE (wildcards escaped), which its trigram index serves; SQLite scans
    either way, and instr() scans faster than LIKE.
    """
    if dialect == "sqlite":
        return f"instr({column}, ?) > 0", [term.lower()]
    escaped = term.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"{column} LIKE ? ESCAPE '\\'", [f"%{escaped}%"]


def compile_ordering(
    text: str | None, fields: Mapping[str, str], default: str, tiebreak: str = "created_seq"
) -> str:
    """`name,-created_at` as an ORDER BY list; ties break on creation order."""
    terms = []
    for part in (text or default).split(","):
        name = part.strip()
        descending = name.startswith("-")
        name = name.lstrip("-+")
        if name not in fields:
            raise InvalidInput(
                f"ordering names unknown field '{name}'; fields: {', '.join(sorted(fields))}"
            )
        terms.append(f"{fields[name]} {'DESC' if descending else 'ASC'}")
    return ", ".join([*terms, f"{tiebreak} ASC"])


class _Compiler:
    def __init__(self, fields: Mapping[str, str], dialect: str) -> None:
        self.fields = fields
        self.dialect = dialect
        self.rules = 0

    def condition(self, node: Any, path: str, depth: int) -> Clause:
        if not isinstance(node, dict) or "rules" not in node:
            raise InvalidInput(f"{path} must be an object with 'condition' and 'rules'")
        if depth > MAX_DEPTH:
            raise InvalidInput(f"{path} nests conditions deeper than {MAX_DEPTH}")
        joiner = str(node.get("condition", "AND")).upper()
        if joiner not in ("AND", "OR"):
            raise InvalidInput(f"{path}.condition must be AND or OR, not {node['condition']!r}")
        rules = node["rules"]
        if not isinstance(rules, list):
            raise InvalidInput(f"{path}.rules must be a list")
        parts: list[str] = []
        params: list[Any] = []
        for index, rule in enumerate(rules):
            where = f"{path}.rules[{index}]"
            is_condition = isinstance(rule, dict) and "rules" in rule
            sql, values = (
                self.condition(rule, where, depth + 1) if is_condition else self.rule(rule, where)
            )
            parts.append(sql)
            params += values
        if not parts:
            return ("1 = 1", [])
        return "(" + f" {joiner} ".join(parts) + ")", params

    def rule(self, rule: Any, path: str) -> Clause:
        self.rules += 1
        if self.rules > MAX_RULES:
            raise InvalidInput(f"filter has more than {MAX_RULES} rules")
        if not isinstance(rule, dict) or "field" not in rule or "operator" not in rule:
            raise InvalidInput(f"{path} must be an object with 'field', 'operator' and 'value'")
        field, operator = rule["field"], rule["operator"]
        if not isinstance(field, str) or field not in self.fields:
            known = ", ".join(sorted(self.fields))
            raise InvalidInput(f"{path}.field '{field}' is not filterable; fields: {known}")
        build = OPERATORS.get(operator) if isinstance(operator, str) else None
        if build is None:
            raise InvalidInput(
                f"{path}.operator '{operator}' is unknown; operators: {', '.join(OPERATORS)}"
            )
        return build(self, self.fields[field], field, rule.get("value"), path)

    def scalar(self, field: str, value: Any, path: str) -> str:
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise InvalidInput(f"{path}.value must be a string or a number for this operator")
        text = str(value)
        if "\x00" in text:
            raise InvalidInput(f"{path}.value contains the NUL character (\\u0000)")
        if field in TIME_FIELDS:
            try:
                return normalize_timestamp(text)
            except ValueError as error:
                raise InvalidInput(f"{path}.value: {error}") from None
        if field in ID_FIELDS:
            try:
                return str(UUID(text))
            except ValueError:
                return text
        return text

    def values(self, field: str, value: Any, path: str, count: int | None = None) -> list[str]:
        if not isinstance(value, list) or not value or len(value) > MAX_VALUES:
            raise InvalidInput(f"{path}.value must be a list of 1 to {MAX_VALUES} values")
        if count is not None and len(value) != count:
            raise InvalidInput(f"{path}.value must be a list of exactly {count} values")
        return [self.scalar(field, item, path) for item in value]

    def contains(self, column: str) -> str:
        function = "instr" if self.dialect == "sqlite" else "strpos"
        return f"{function}({column}, ?) > 0"


Builder = Callable[["_Compiler", str, str, Any, str], Clause]


def _compare(sign: str) -> Builder:
    def build(c: _Compiler, column: str, field: str, value: Any, path: str) -> Clause:
        return f"{column} {sign} ?", [c.scalar(field, value, path)]

    return build


def _negated(build: Builder) -> Builder:
    """The opposite rule; a row without a value does not equal, contain or start with anything."""

    def negation(c: _Compiler, column: str, field: str, value: Any, path: str) -> Clause:
        sql, params = build(c, column, field, value, path)
        return f"({column} IS NULL OR NOT ({sql}))", params

    return negation


def _in(c: _Compiler, column: str, field: str, value: Any, path: str) -> Clause:
    items = c.values(field, value, path)
    return f"{column} IN ({', '.join('?' * len(items))})", list(items)


def _between(c: _Compiler, column: str, field: str, value: Any, path: str) -> Clause:
    low, high = c.values(field, value, path, 2)
    return f"{column} BETWEEN ? AND ?", [low, high]


def _begins(c: _Compiler, column: str, field: str, value: Any, path: str) -> Clause:
    text = c.scalar(field, value, path)
    return f"substr({column}, 1, CAST(? AS INTEGER)) = ?", [len(text), text]


def _ends(c: _Compiler, column: str, field: str, value: Any, path: str) -> Clause:
    text = c.scalar(field, value, path)
    start = f"length({column}) - CAST(? AS INTEGER) + 1"
    return (f"(length({column}) >= CAST(? AS INTEGER) AND substr({column}, {start}) = ?)",
            [len(text), len(text), text])


def _contains(c: _Compiler, column: str, field: str, value: Any, path: str) -> Clause:
    return c.contains(column), [c.scalar(field, value, path)]


def _fixed(sql: str) -> Builder:
    def build(c: _Compiler, column: str, field: str, value: Any, path: str) -> Clause:
        return sql.format(column=column), []

    return build


OPERATORS: dict[str, Builder] = {
    "equal": _compare("="),
    "not_equal": _negated(_compare("=")),
    "in": _in,
    "not_in": _negated(_in),
    "less": _compare("<"),
    "less_or_equal": _compare("<="),
    "greater": _compare(">"),
    "greater_or_equal": _compare(">="),
    "between": _between,
    "not_between": _negated(_between),
    "begins_with": _begins,
    "not_begins_with": _negated(_begins),
    "contains": _contains,
    "not_contains": _negated(_contains),
    "ends_with": _ends,
    "not_ends_with": _negated(_ends),
    "is_empty": _fixed("({column} IS NULL OR {column} = '')"),
    "is_not_empty": _fixed("({column} IS NOT NULL AND {column} <> '')"),
    "is_null": _fixed("{column} IS NULL"),
    "is_not_null": _fixed("{column} IS NOT NULL"),
}
