"""The job metrics filter language, compiled to SQL with bound parameters for each engine."""

from __future__ import annotations

import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from perfledger.domain.errors import InvalidInput
from perfledger.domain.limits import (
    MAX_FILTER_VALUE_BYTES,
    MAX_FILTER_VALUES,
    MAX_FILTERS,
    key_problem,
)
from perfledger.domain.timestamps import parse_timestamp, to_micros
from perfledger.projections.json import dumps

MISSING: Any = object()
LIST_OPERATORS = ("is one of", "is not one of")
PRESENCE_OPERATORS = ("exists", "not exists")
ORDER_OPERATORS = {"lt": "<", "lte": "<=", "gt": ">", "gte": ">="}
NEGATIONS = {"is not": "is", "is not one of": "is one of", "not starts with": "starts with",
             "not contains": "contains", "not exists": "exists"}
OPERATORS = ("is", "is one of", "starts with", "contains", "exists", *ORDER_OPERATORS,
             *NEGATIONS)
LABEL_COLUMNS = {"arcanna.result_label": "e.decision", "arcanna.consensus": "e.consensus"}
TEXT_COLUMNS = {
    "arcanna.model_id": "e.model_id",
    "arcanna.bucket_id": "e.bucket_id",
    "arcanna.knowledge_base_state":
        "(CASE WHEN k.event_id IS NOT NULL THEN 'in_kb' WHEN e.consensus IS NOT NULL"
        " THEN 'new' END)",
}
PY_ORDER: dict[str, Callable[[Any, Any], bool]] = {
    "lt": operator.lt, "lte": operator.le, "gt": operator.gt, "gte": operator.ge}


@dataclass(frozen=True)
class Filter:
    field: str
    operator: str
    value: Any = MISSING


@dataclass
class Sql:
    """An ANDed list of conditions and their parameters, in order."""

    conditions: list[str] = field(default_factory=list)
    params: list[Any] = field(default_factory=list)

    def add(self, condition: str, *params: Any) -> None:
        self.conditions.append(condition)
        self.params.extend(params)

    @property
    def where(self) -> str:
        return " AND ".join(self.conditions) or "1 = 1"


def compile_filters(filters: Sequence[Filter], dialect: str, decisions: Sequence[str]) -> Sql:
    _check_bounds(filters)
    sql = Sql()
    for index, item in enumerate(filters):
        condition, params = _compile(item, index, dialect, decisions)
        sql.add(condition, *params)
    return sql


def _compile(item: Filter, index: int, dialect: str, decisions: Sequence[str]
             ) -> tuple[str, list[Any]]:
    name = f"filter {index} ({item.field!r} {item.operator!r})"
    op = item.operator
    if op not in OPERATORS:
        raise InvalidInput(f"Unknown operator in {name}; use one of {list(OPERATORS)}")
    if not item.field:
        raise InvalidInput(f"Missing field in {name}")
    _check_value(item, name)
    positive = NEGATIONS.get(op, op)
    condition, params = _positive(item.field, positive, item.value, name, dialect, decisions)
    if op in NEGATIONS:  # an event without the field matches every negation
        condition = f"NOT COALESCE(({condition}), FALSE)"
    return condition, params


def _check_bounds(filters: Sequence[Filter]) -> None:
    """Filters per query, values in all, and the size of each: an SQL statement has room
    for a bounded number of conditions and parameters, on every engine."""
    if len(filters) > MAX_FILTERS:
        raise InvalidInput(f"A query takes at most {MAX_FILTERS} filters, not {len(filters)}",
                           {"field": "filters", "limit": MAX_FILTERS})
    values = 0
    for index, item in enumerate(filters):
        listed = item.value if isinstance(item.value, list) else [item.value]
        values += len(listed)
        texts = [item.field, *(v for v in listed if isinstance(v, str))]
        if any(key_problem(text, MAX_FILTER_VALUE_BYTES) for text in texts if text):
            raise InvalidInput(
                f"filter {index}: a field or value is longer than {MAX_FILTER_VALUE_BYTES} bytes",
                {"field": f"filters[{index}]", "limit_bytes": MAX_FILTER_VALUE_BYTES})
    if values > MAX_FILTER_VALUES:
        raise InvalidInput(
            f"The filters compare {values} values; at most {MAX_FILTER_VALUES} in all",
            {"field": "filters", "limit": MAX_FILTER_VALUES})


def _check_value(item: Filter, name: str) -> None:
    value = item.value
    if item.operator in PRESENCE_OPERATORS:
        return
    if value is MISSING or value is None:
        raise InvalidInput(f"Missing value in {name}")
    if item.operator in LIST_OPERATORS:
        if not isinstance(value, list) or not all(_is_scalar(v) for v in value):
            raise InvalidInput(f"The value of {name} must be a list of strings or numbers")
    elif not _is_scalar(value):
        raise InvalidInput(f"The value of {name} must be a single string (without U+0000), "
                           "number (below 2^63) or boolean; a list needs 'is one of' or "
                           "'is not one of'")


def _is_scalar(value: Any) -> bool:
    if isinstance(value, int) and not isinstance(value, bool):
        return abs(value) < 2**63  # beyond, no engine stores it as a number
    if isinstance(value, str):
        return "\x00" not in value  # nothing stored holds U+0000
    return isinstance(value, float | bool)


def as_text(value: Any) -> str:
    """How a scalar compares as text: strings as they are, others as their JSON."""
    return value if isinstance(value, str) else dumps(value)


def _positive(field_name: str, op: str, value: Any, name: str, dialect: str,
              decisions: Sequence[str]) -> tuple[str, list[Any]]:
    if field_name in LABEL_COLUMNS:
        return _labels(LABEL_COLUMNS[field_name], op, value, decisions)
    if field_name == "timestamp":
        return _timestamp(op, value, name)
    if field_name in TEXT_COLUMNS:
        return _text(TEXT_COLUMNS[field_name], [], None, op, value, dialect)
    path = _path(field_name, name)
    if dialect == "postgresql":
        text = "e.fields #>> ?::text[]"
        number = ("(CASE WHEN jsonb_typeof(e.fields #> ?::text[]) = 'number'"
                  " THEN (e.fields #>> ?::text[])::double precision END)")
        exists = "COALESCE(jsonb_typeof(e.fields #> ?::text[]), 'null') <> 'null'"
        return _text(text, [path], (number, [path, path], exists), op, value, dialect)
    json_path = "$" + "".join(f'."{segment}"' for segment in path)
    text = ("(CASE json_type(e.fields, ?) WHEN 'true' THEN 'true' WHEN 'false' THEN 'false'"
            " ELSE CAST(json_extract(e.fields, ?) AS TEXT) END)")
    number = ("(CASE WHEN json_type(e.fields, ?) IN ('integer', 'real')"
              " THEN json_extract(e.fields, ?) END)")
    exists = "COALESCE(json_type(e.fields, ?), 'null') <> 'null'"
    return _text(text, [json_path] * 2, (number, [json_path] * 2, exists), op, value, dialect)


def _path(field_name: str, name: str) -> list[str]:
    segments = field_name.split(".")
    if any(not s or '"' in s or "\\" in s or "\x00" in s for s in segments):
        raise InvalidInput(f"The field of {name} is not a dotted path of plain names")
    return segments


def _text(expr: str, params: list[Any], json: tuple[str, list[Any], str] | None, op: str,
          value: Any, dialect: str) -> tuple[str, list[Any]]:
    """Operators on a text expression (with the JSON number and presence forms, if a path)."""
    if op == "exists":
        if json is None:
            return f"{expr} IS NOT NULL", params
        return json[2], params[:1]
    if op == "is":
        return f"{expr} = ?", [*params, as_text(value)]
    if op == "is one of":
        if not value:
            return "1 = 0", []
        return f"{expr} IN ({', '.join('?' * len(value))})", [*params, *map(as_text, value)]
    if op == "starts with":
        return f"substr({expr}, 1, ?) = ?", [*params, len(as_text(value)), as_text(value)]
    if op == "contains":
        find = "strpos" if dialect == "postgresql" else "instr"
        return f"{find}({expr}, ?) > 0", [*params, as_text(value)]
    symbol = ORDER_OPERATORS[op]
    if json is not None and isinstance(value, int | float) and not isinstance(value, bool):
        return f"{json[0]} {symbol} ?", [*json[1], float(value)]
    collate = ' COLLATE "C"' if dialect == "postgresql" else ""
    return f"{expr}{collate} {symbol} ?", [*params, as_text(value)]


def _labels(column: str, op: str, value: Any, decisions: Sequence[str]) -> tuple[str, list[Any]]:
    """Decision and consensus are codes: find the matching labels here, then test the codes."""
    if op == "exists":
        return f"{column} IS NOT NULL", []
    wanted = [as_text(v) for v in value] if op == "is one of" else [as_text(value)]

    def matches(label: str) -> bool:
        if op in ("is", "is one of"):
            return label in wanted
        if op == "starts with":
            return label.startswith(wanted[0])
        if op == "contains":
            return wanted[0] in label
        return PY_ORDER[op](label, wanted[0])

    codes = [code for code, label in enumerate(decisions) if matches(label)]
    if not codes:
        return "1 = 0", []
    return f"{column} IN ({', '.join('?' * len(codes))})", codes


def _timestamp(op: str, value: Any, name: str) -> tuple[str, list[Any]]:
    if op == "exists":
        return "1 = 1", []
    if op in ("starts with", "contains"):
        raise InvalidInput(f"The operator of {name} does not apply to timestamps")
    values = value if op == "is one of" else [value]
    try:
        micros = [to_micros(parse_timestamp(str(v))) for v in values]
    except ValueError as error:
        raise InvalidInput(f"The value of {name}: {error}") from None
    if op == "is":
        return "e.ts = ?", micros
    if op == "is one of":
        return (f"e.ts IN ({', '.join('?' * len(micros))})", micros) if micros else ("1 = 0", [])
    return f"e.ts {ORDER_OPERATORS[op]} ?", micros
