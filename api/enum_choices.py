"""Names the valid values in an invalid-enum error: "Invalid enum value 'weeek'" becomes
"Invalid enum value 'weeek'; expected one of: day, hour, month, week".

The values come from the route's own types (its parameters and the fields of the structs
it reads, enums and literals alike), read once per route."""

from __future__ import annotations

import enum
import types
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import msgspec
from litestar import Litestar, Request

ENUM_MESSAGE = "Invalid enum value"
MAX_DEPTH = 6

STATE_KEY = "enum_choices_of_handler"

Choices = dict[str, tuple[str, ...]]


def with_enum_choices(request: Request[Any, Any, Any], extra: Any) -> Any:
    """`extra` of a validation error, each invalid-enum message naming the valid values."""
    handler = request.scope.get("route_handler")
    if not isinstance(extra, list) or handler is None:
        return extra
    choices: Choices | None = None
    named = []
    for item in extra:
        message = item.get("message") if isinstance(item, dict) else None
        if isinstance(message, str) and message.startswith(ENUM_MESSAGE):
            choices = _choices_of(request.app, handler) if choices is None else choices
            values = choices.get(_field_name(str(item.get("key") or "")))
            if values:
                item = {**item, "message": f"{message}; expected one of: {', '.join(values)}"}
        named.append(item)
    return named


def _field_name(key: str) -> str:
    """`records[3].dataset_split` -> `dataset_split`."""
    return key.rsplit(".", 1)[-1].split("[", 1)[0]


def _choices_of(app: Litestar, handler: Any) -> Choices:
    """Kept in the app's state, as long as its handlers live (an id outliving its handler
    could name another's values)."""
    cache: dict[int, Choices] = app.state.setdefault(STATE_KEY, {})
    key = id(handler)
    if key not in cache:
        found: Choices = {}
        for name, parameter in handler.parsed_fn_signature.parameters.items():
            values = _values_of(parameter.annotation)
            if values:
                found[name] = values
            _collect(parameter.annotation, found, 0)
        cache[key] = found
    return cache[key]


def _values_of(annotation: Any) -> tuple[str, ...] | None:
    annotation = _unwrapped(annotation)
    origin = get_origin(annotation)
    if origin is Literal:
        return tuple(sorted(str(value) for value in get_args(annotation)))
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return tuple(sorted(str(member.value) for member in annotation))
    if origin in (Union, types.UnionType):
        return next(filter(None, map(_values_of, get_args(annotation))), None)
    return None


def _collect(annotation: Any, found: Choices, depth: int) -> None:
    """The enum fields of the structs `annotation` holds (in lists, unions, ...)."""
    if depth > MAX_DEPTH:
        return
    annotation = _unwrapped(annotation)
    if isinstance(annotation, type) and issubclass(annotation, msgspec.Struct):
        for field in msgspec.structs.fields(annotation):
            values = _values_of(field.type)
            if values:
                found.setdefault(field.encode_name, values)
            _collect(field.type, found, depth + 1)
        return
    for argument in get_args(annotation):
        _collect(argument, found, depth + 1)


def _unwrapped(annotation: Any) -> Any:
    while get_origin(annotation) is Annotated:
        annotation = get_args(annotation)[0]
    return annotation
