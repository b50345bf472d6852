"""The v3 `filter` and `ordering` parameters over a short list held in memory.

An organization's webhooks (at most 20) and a model's alert rules (at most 100) are few, so
their listings filter and sort in Python, with the same filter language the catalog compiles
to SQL: `{"condition": "AND"|"OR", "rules": [{"field", "operator", "value"} | condition]}`.
Values compare as text; ids compare as canonical UUIDs. On a list field (`feature_names`),
`equal` and `any` mean "holds the value", `in` "holds one of the values", `contains` "an
element contains the text".
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Any

import msgspec

from perfledger.domain.bounded_json import within_json_depth
from perfledger.domain.errors import InvalidInput
from perfledger.projections.catalog.filters import MAX_DEPTH, MAX_RULES, MAX_VALUES

Item = Mapping[str, Any]
Predicate = Callable[[Item], bool]
ID_FIELDS = frozenset({"id", "model_id", "project_id", "baseline_id", "segment_id"})


def parse_filter(text: str) -> Any:
    try:
        return within_json_depth(text, msgspec.json.decode)
    except msgspec.DecodeError as error:
        raise InvalidInput(f"filter is not valid JSON: {error}", {"field": "filter"}) from None


def item_filter(tree: Any, fields: Collection[str]) -> Predicate:
    """A predicate over items for a parsed filter; a 400 naming the part it cannot read."""
    return _Compiler(fields).condition(tree, "filter", 0)


NAMES_THE_MODEL = ('filter must name the model, as fiddler-client does:'
                   ' {"field": "model_id", "operator": "equal", "value": "<model id>"}')


def model_filter(text: str | None, fields: Collection[str]) -> tuple[str, Predicate]:
    """The model a listing's filter names (`model_id` equal, as fiddler-client sends it) and
    the predicate of the whole filter; a 400 naming `filter` when it names no model."""
    tree = None if text is None else parse_filter(text)
    model_ids = [] if tree is None else equal_values(tree, "model_id")
    if not model_ids:
        raise InvalidInput(NAMES_THE_MODEL, {"field": "filter"})
    return model_ids[0], item_filter(tree, fields)


def equal_values(tree: Any, field: str) -> list[str]:
    """The values a top-level AND requires `field` to equal (how a listing finds its scope)."""
    if not isinstance(tree, dict) or str(tree.get("condition", "AND")).upper() != "AND":
        return []
    rules = tree.get("rules")
    return [_text(field, rule.get("value")) for rule in rules or []
            if isinstance(rule, dict) and rule.get("field") == field
            and rule.get("operator") == "equal" and isinstance(rule.get("value"), str | int)]


def sort_items(items: Sequence[Item], ordering: str | None, fields: Collection[str],
               default: str) -> list[Item]:
    """Sorted by `name,-created_at` (comma-joined, `-` descending); stable for ties."""
    terms = []
    for part in (ordering or default).split(","):
        name = part.strip()
        descending = name.startswith("-")
        name = name.lstrip("-+")
        if name not in fields:
            raise InvalidInput(f"ordering names unknown field '{name}'; fields:"
                               f" {', '.join(sorted(fields))}", {"field": "ordering"})
        terms.append((name, descending))
    ordered = list(items)
    for name, descending in reversed(terms):
        ordered.sort(key=lambda item: _sort_key(item.get(name)), reverse=descending)
    return ordered


def _sort_key(value: Any) -> tuple[int, str]:
    return (0, "") if value is None else (1, str(value))


def _text(field: str, value: Any) -> str:
    text = str(value)
    if field in ID_FIELDS:
        try:
            return str(uuid.UUID(text))
        except ValueError:
            return text
    return text


class _Compiler:
    def __init__(self, fields: Collection[str]) -> None:
        self.fields = fields
        self.rules = 0

    def condition(self, node: Any, path: str, depth: int) -> Predicate:
        if not isinstance(node, dict) or not isinstance(node.get("rules"), list):
            raise InvalidInput(f"{path} must be an object with 'condition' and a list of"
                               " 'rules'", {"field": "filter"})
        if depth > MAX_DEPTH:
            raise InvalidInput(f"{path} nests conditions deeper than {MAX_DEPTH}",
                               {"field": "filter"})
        joiner = str(node.get("condition", "AND")).upper()
        if joiner not in ("AND", "OR"):
            raise InvalidInput(f"{path}.condition must be AND or OR", {"field": "filter"})
        parts = []
        for index, rule in enumerate(node["rules"]):
            where = f"{path}.rules[{index}]"
            nested = isinstance(rule, dict) and "rules" in rule
            parts.append(self.condition(rule, where, depth + 1) if nested
                         else self.rule(rule, where))
        if joiner == "AND":
            return lambda item: all(part(item) for part in parts)
        return lambda item: not parts or any(part(item) for part in parts)

    def rule(self, rule: Any, path: str) -> Predicate:
        self.rules += 1
        if self.rules > MAX_RULES:
            raise InvalidInput(f"filter has more than {MAX_RULES} rules", {"field": "filter"})
        if not isinstance(rule, dict) or "field" not in rule or "operator" not in rule:
            raise InvalidInput(f"{path} must be an object with 'field', 'operator' and 'value'",
                               {"field": "filter"})
        field, operator, value = rule["field"], rule["operator"], rule.get("value")
        if not isinstance(field, str) or field not in self.fields:
            raise InvalidInput(f"{path}.field '{field}' is not filterable; fields:"
                               f" {', '.join(sorted(self.fields))}", {"field": "filter"})
        build = OPERATORS.get(operator) if isinstance(operator, str) else None
        if build is None:
            raise InvalidInput(f"{path}.operator '{operator}' is unknown here; operators:"
                               f" {', '.join(OPERATORS)}", {"field": "filter"})
        return build(field, value, path)


def _scalar(field: str, value: Any, path: str) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise InvalidInput(f"{path}.value must be a string or a number for this operator",
                           {"field": "filter"})
    return _text(field, value)


def _values(field: str, value: Any, path: str) -> set[str]:
    if not isinstance(value, list) or not value or len(value) > MAX_VALUES:
        raise InvalidInput(f"{path}.value must be a list of 1 to {MAX_VALUES} values",
                           {"field": "filter"})
    return {_scalar(field, item, path) for item in value}


def _held(field: str, item: Item) -> set[str]:
    """The texts an item's field holds: none for null, each element of a list."""
    value = item.get(field)
    if value is None:
        return set()
    if isinstance(value, list):
        return {_text(field, element) for element in value}
    return {_text(field, value)}


Builder = Callable[[str, Any, str], Predicate]


def _equal(field: str, value: Any, path: str) -> Predicate:
    wanted = _scalar(field, value, path)
    return lambda item: wanted in _held(field, item)


def _in(field: str, value: Any, path: str) -> Predicate:
    wanted = _values(field, value, path)
    return lambda item: bool(wanted & _held(field, item))


def _substring(test: Callable[[str, str], bool]) -> Builder:
    def build(field: str, value: Any, path: str) -> Predicate:
        wanted = _scalar(field, value, path)
        return lambda item: any(test(held, wanted) for held in _held(field, item))

    return build


def _negated(build: Builder) -> Builder:
    def negation(field: str, value: Any, path: str) -> Predicate:
        positive = build(field, value, path)
        return lambda item: not positive(item)

    return negation


def _is_null(field: str, value: Any, path: str) -> Predicate:
    return lambda item: not _held(field, item)


OPERATORS: dict[str, Builder] = {
    "equal": _equal,
    "any": _equal,
    "not_equal": _negated(_equal),
    "in": _in,
    "not_in": _negated(_in),
    "contains": _substring(lambda held, wanted: wanted in held),
    "not_contains": _negated(_substring(lambda held, wanted: wanted in held)),
    "begins_with": _substring(lambda held, wanted: held.startswith(wanted)),
    "ends_with": _substring(lambda held, wanted: held.endswith(wanted)),
    "is_null": _is_null,
    "is_not_null": _negated(_is_null),
}
