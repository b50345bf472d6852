"""Stored timestamps: the shortcuts for text already (nearly) in the stored form answer what
the full parse and format would."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from perfledger.domain.timestamps import (
    FIRST_MICROS,
    LAST_MICROS,
    format_micros,
    format_timestamp,
    format_whole_seconds,
    normalize_timestamp,
    parse_timestamp,
    stored_micros,
    to_micros,
)


def full_normalization(text: str) -> str:
    return format_timestamp(parse_timestamp(text))


def generated_texts(count: int, seed: int) -> list[str]:
    """Moments from year 1 to 9999 in the shapes clients send, some of them invalid."""
    rng = random.Random(seed)
    texts = []
    for _ in range(count):
        moment = datetime(1, 1, 1, tzinfo=UTC) + timedelta(
            microseconds=rng.randrange(315_537_897_599_999_999))
        text = moment.isoformat(timespec="microseconds")
        shape = rng.randrange(8)
        if shape == 0:
            text = text.replace("+00:00", "Z")
        elif shape == 1:
            text = text.replace("+00:00", "-00:00")
        elif shape == 2:
            text = moment.astimezone(UTC).replace(tzinfo=None).isoformat() + "+05:30"
        elif shape == 3:
            text = text.replace("T", " ")
        elif shape == 4:  # a digit swapped for another character
            at = rng.randrange(len(text))
            text = text[:at] + rng.choice("9:-.TZx ") + text[at + 1:]
        elif shape == 5:
            text = text[:10]
        elif shape == 6:
            text = text[:11] + "24" + text[13:]
        texts.append(text)
    return texts


@pytest.mark.parametrize("seed", range(3))
def test_normalize_timestamp_equals_the_full_parse_and_format(seed: int) -> None:
    shortcut_taken = 0
    for text in generated_texts(5_000, seed):
        try:
            expected: str | Exception = full_normalization(text)
        except ValueError as error:
            expected = error
        if isinstance(expected, Exception):
            with pytest.raises(ValueError) as raised:
                normalize_timestamp(text)
            assert str(raised.value) == str(expected), text
            continue
        assert normalize_timestamp(text) == expected, text
        shortcut_taken += expected == text or expected == text[:26] + "Z"
    assert shortcut_taken > 1_000  # the usual shapes were among the generated ones


def test_a_real_day_is_checked_even_in_the_stored_shape() -> None:
    with pytest.raises(ValueError, match="not an ISO 8601"):
        normalize_timestamp("2026-02-30T10:00:00.000000Z")
    with pytest.raises(ValueError, match="not an ISO 8601"):
        normalize_timestamp("2026-01-01T24:00:00.000000+00:00")


def test_stored_micros_equal_the_parse_of_each_and_fill_in_the_default() -> None:
    rng = random.Random(4)
    texts: list[str | None] = [
        full_normalization(text) for text in generated_texts(3_000, 4)
        if not text[:1].isspace() and _valid(text)]
    texts += [None] * 50
    rng.shuffle(texts)
    expected = [-1 if text is None else to_micros(parse_timestamp(text)) for text in texts]
    assert stored_micros(texts, -1) == expected
    # One text not in the stored form: every one is parsed alone, with the same answer.
    older = [*texts, "2026-03-13T14:22:10+00:00"]
    assert stored_micros(older, -1) == [*expected, to_micros(datetime(2026, 3, 13, 14, 22, 10,
                                                                     tzinfo=UTC))]


def _valid(text: str) -> bool:
    try:
        parse_timestamp(text)
    except ValueError:
        return False
    return True


def test_whole_seconds_are_formatted_at_once_as_one_by_one() -> None:
    rng = random.Random(5)
    seconds = [rng.randrange(FIRST_MICROS // 1_000_000, LAST_MICROS // 1_000_000)
               for _ in range(2000)]
    moments = [s * 1_000_000 for s in [*seconds, 0, -3600, FIRST_MICROS // 1_000_000]]
    assert format_whole_seconds(moments) == [format_micros(m) for m in moments]
    assert format_whole_seconds([]) == []
