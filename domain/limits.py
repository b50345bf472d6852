"""Caps on everything a tenant can grow, checked before anything is appended.

Many organizations share one event log and one set of read models: a value that becomes an
index key must fit every backend's index, and a collection one tenant grows must not grow
another's costs. Each cap is generous next to real use; the README lists them all.
"""

from __future__ import annotations

from collections.abc import Sized

from perfledger.domain.errors import InvalidInput

# Values that become part of an index key: ids, labels, user names, bucket ids, tag values.
# PostgreSQL's B-tree holds about 2,700 bytes per entry; a key joins a few of these.
MAX_KEY_BYTES = 256
MAX_NAME_CHARS = 200  # model, project and job names
MAX_TEXT_CHARS = 10_000  # descriptions and reasons, shown with every read of their resource
MAX_PARAMS_BYTES = 65_536  # free-form parameters (a version's, a deployment's), as JSON
MAX_LABELS_PER_MODEL = 1_000  # a confusion matrix is labels x labels cells
MAX_COLUMNS_PER_MODEL = 2_000  # v3 schema columns, and declared inputs
MAX_ENTRY_BYTES = 1_048_576  # a v3 registry entry (schema, spec, parameters) as JSON
MAX_FILTERS = 50  # conditions of one v2 metrics query
MAX_FILTER_VALUES = 1_000  # values of one `is one of` condition
MAX_FILTER_VALUE_BYTES = 1_024  # one compared value or field path
MAX_TAGS_PER_MODEL = 20  # tag names a model's rows may carry: slices are counted per name
MAX_TAG_NAME_CHARS = 64  # a tag name is also a query parameter (`tag.<name>=`)
MAX_TAG_VALUE_CHARS = 256


def key_problem(value: str, limit: int = MAX_KEY_BYTES) -> str | None:
    """Why `value` cannot be a key (too long), or None when it can."""
    if len(value) * 4 <= limit:
        return None
    size = len(value.encode("utf-8", "surrogatepass"))
    if size <= limit:
        return None
    return f"is {size} bytes long; at most {limit} bytes (UTF-8) are allowed"


def check_key(field: str, value: str | None, limit: int = MAX_KEY_BYTES) -> None:
    """A 400 naming `field` and the cap when `value` is too long to be a key."""
    if value is None:
        return
    problem = key_problem(value, limit)
    if problem is not None:
        raise InvalidInput(f"{field} {problem}", {"field": field, "limit_bytes": limit})


def check_chars(field: str, value: str | None, limit: int) -> None:
    if value is not None and len(value) > limit:
        raise InvalidInput(
            f"{field} is {len(value)} characters long; at most {limit} are allowed",
            {"field": field, "limit": limit},
        )


def check_count(field: str, items: Sized, limit: int) -> None:
    if len(items) > limit:
        raise InvalidInput(
            f"{field} holds {len(items)} items; at most {limit} are allowed",
            {"field": field, "limit": limit},
        )


def check_encoded_size(field: str, size: int, limit: int) -> None:
    if size > limit:
        raise InvalidInput(
            f"{field} is {size} bytes as JSON; at most {limit} are allowed",
            {"field": field, "limit_bytes": limit},
        )
