"""A bucket's lowest (or highest) values, kept so that rows can leave without reading the
bucket's rows again: the KEPT smallest distinct values, each with how many of the bucket's
values equal it.

`Ends` lists them ascending. When they count every value of the bucket (their counts sum to
its count) they are complete; otherwise every value below the last one listed is listed, with
its exact count, and nothing is known past it. A merge keeps only what both sides know; a
leaving set of values (its own ends, and its count) takes its values back where they are
known. When nothing is left known of a bucket that still has values, `None` says so: its
extremes must be read again from its rows (rare: values that arrive refill the ends).
Highest values are the lowest of the negated ones.
"""

from __future__ import annotations

import math
from collections import defaultdict

import numpy as np
import numpy.typing as npt

KEPT = 4
Ends = tuple[tuple[float, int], ...]
FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


def smallest(values: FloatArray) -> Ends:
    """The ends of a set of values."""
    if not values.size:
        return ()
    found, counts = np.unique(values, return_counts=True)
    return tuple(zip(found[:KEPT].tolist(), counts[:KEPT].tolist(), strict=True))


def ends_by_group(values: FloatArray, groups: IntArray, count: int
                  ) -> tuple[list[Ends], list[Ends]]:
    """The lowest ends and the highest ends (descending) of each of `count` groups of values
    (`groups[i]`: value i's), from one sort."""
    lows: list[Ends] = [()] * count
    highs: list[Ends] = [()] * count
    if not values.size:
        return lows, highs
    order = np.lexsort((values, groups))
    ordered, owners = values[order], groups[order]
    starts = np.flatnonzero(np.r_[True, (owners[1:] != owners[:-1])
                                  | (ordered[1:] != ordered[:-1])])
    run_owners, run_values = owners[starts], ordered[starts]
    run_counts = np.diff(np.r_[starts, ordered.size])
    firsts = np.flatnonzero(np.r_[True, run_owners[1:] != run_owners[:-1]])
    sizes = np.diff(np.r_[firsts, starts.size])
    rank = np.arange(starts.size) - np.repeat(firsts, sizes)
    for into, kept in ((lows, rank < KEPT), (highs, np.repeat(sizes, sizes) - rank <= KEPT)):
        listed: dict[int, list[tuple[float, int]]] = defaultdict(list)
        for group, value, times in zip(run_owners[kept].tolist(), run_values[kept].tolist(),
                                       run_counts[kept].tolist(), strict=True):
            listed[group].append((value, times))
        for group, items in listed.items():
            into[group] = tuple(items) if into is lows else tuple(reversed(items))
    return lows, highs


def joined(mine: Ends, my_count: int, theirs: Ends, their_count: int) -> Ends | None:
    """The ends of two sets of values together; None when one side's are not known."""
    if (not mine and my_count > 0) or (not theirs and their_count > 0):
        return None
    bound = min(_known_up_to(mine, my_count), _known_up_to(theirs, their_count))
    merged: dict[float, int] = defaultdict(int)
    for value, times in (*mine, *theirs):
        if value <= bound:
            merged[value] += times
    return tuple(sorted(merged.items())[:KEPT])


def without(kept: Ends, kept_count: int, gone: Ends, gone_count: int) -> Ends | None:
    """The ends of a set of values once `gone` (the ends of `gone_count` of them) left;
    None when they are no longer known."""
    if gone_count == 0:
        return kept
    if not kept:
        return () if kept_count == gone_count else None
    counts = dict(kept)
    bound = _known_up_to(kept, kept_count)
    for value, times in gone:
        if value > bound:
            break
        if counts.get(value, 0) < times:
            return None  # not as listed: say unknown rather than guess
        counts[value] -= times
        if counts[value] == 0:
            del counts[value]
    if _known_up_to(gone, gone_count) < math.inf:  # more left than `gone` lists: past its
        last = gone[-1][0]  # last value, what left is not known
        counts = {value: times for value, times in counts.items() if value <= last}
    left = tuple(sorted(counts.items()))
    return left if left or kept_count == gone_count else None


def negated(ends: Ends) -> Ends:
    return tuple((-value, times) for value, times in ends)


def _known_up_to(ends: Ends, count: int) -> float:
    """Up to which value the ends list every value: all of them when complete."""
    if sum(times for _, times in ends) >= count:
        return math.inf
    return ends[-1][0] if ends else -math.inf
