"""ROC AUC kept exactly as rows come and go: the Mann-Whitney U of positives' scores over
negatives', updated from how many scores of the other class lie below each changed score.

Each class's scores are a sorted multiset in levels (a large base, a middle and a small
level, each a sorted float64 array, and as many levels of removed scores), so a batch of k
changes costs O(k log n) searches and the occasional merge of a level into the next: 8 bytes
per score, and no Python object per row.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
_SMALL = 16_384  # scores in the small level before it merges into the middle one


class SortedScores:
    """A multiset of floats answering "how many are below s" in O(log n)."""

    def __init__(self, scores: FloatArray | None = None) -> None:
        self._base = np.sort(scores) if scores is not None else np.empty(0)
        self._middle = np.empty(0)
        self._small = np.empty(0)
        self._removed: list[FloatArray] = [np.empty(0), np.empty(0)]  # middle, small
        self.size = int(self._base.size)

    def below(self, scores: FloatArray, inclusive: bool = False) -> npt.NDArray[np.int64]:
        """For each score, how many held scores are below it (or equal, when inclusive)."""
        side: Literal["left", "right"] = "right" if inclusive else "left"
        count = np.zeros(scores.size, dtype=np.int64)
        for level in (self._base, self._middle, self._small):
            count += np.searchsorted(level, scores, side)
        for removed in self._removed:
            count -= np.searchsorted(removed, scores, side)
        return count

    def values(self) -> FloatArray:
        """Every held score, sorted."""
        held = _merged(_merged(self._base, self._middle), self._small)
        return _without(held, _merged(self._removed[0], self._removed[1]))

    def add(self, scores: FloatArray) -> None:
        self._small = _merged(self._small, scores)
        self.size += int(scores.size)
        self._settle_levels()

    def remove(self, scores: FloatArray) -> None:
        """Removes scores it holds (each occurrence once)."""
        self._removed[1] = _merged(self._removed[1], scores)
        self.size -= int(scores.size)
        self._settle_levels()

    def _settle_levels(self) -> None:
        if self._small.size + self._removed[1].size > _SMALL:
            self._middle = _merged(self._middle, self._small)
            self._removed[0] = _merged(self._removed[0], self._removed[1])
            self._small, self._removed[1] = np.empty(0), np.empty(0)
        if self._middle.size + self._removed[0].size > max(_SMALL, self._base.size // 16):
            held = _merged(self._base, self._middle)
            # the old levels go before the removal copies `held`: two copies at most, not three
            self._base, self._middle = np.empty(0), np.empty(0)
            self._base = _without(held, self._removed[0])
            self._removed[0] = np.empty(0)


def _merged(sorted_values: FloatArray, values: FloatArray) -> FloatArray:
    merged = np.concatenate((sorted_values, values))
    merged.sort(kind="stable")  # two sorted runs: a merge
    return merged


def _without(held: FloatArray, removed: FloatArray) -> FloatArray:
    """The sorted multiset `held` less one occurrence per value of `removed`."""
    if removed.size == 0:
        return held
    values, counts = np.unique(removed, return_counts=True)
    firsts = np.searchsorted(held, values, "left")
    offsets = np.arange(removed.size) - np.repeat(np.cumsum(counts) - counts, counts)
    keep = np.ones(held.size, dtype=bool)
    keep[np.repeat(firsts, counts) + offsets] = False
    return held[keep]


class RankedPairs:
    """Scores of one binary problem's positives and negatives, and twice their U statistic:
    2U = Σ over (positive, negative) pairs of 2 when the positive scores higher, 1 on a tie."""

    def __init__(self, positives: FloatArray, negatives: FloatArray) -> None:
        self.positives = SortedScores(positives)
        self.negatives = SortedScores(negatives)
        self.twice_u = (int(_cross(np.sort(positives), self.negatives).sum())
                        if positives.size else 0)

    def against(self, positives: FloatArray, negatives: FloatArray) -> int:
        """Twice the U the given rows count against the held ones (in either class). Only
        sums are taken, so the scores are searched in order: each binary search then starts
        where the last one ended, and walks memory the last one brought in (about twice as
        fast at millions of held scores)."""
        return (int(_cross(np.sort(positives), self.negatives).sum())
                + int(_cross_negatives(np.sort(negatives), self.positives).sum()))

    def add(self, positives: FloatArray, negatives: FloatArray) -> None:
        self.twice_u += self.against(positives, negatives) + pairs_within(positives, negatives)
        self.hold(positives, negatives)

    def remove(self, positives: FloatArray, negatives: FloatArray) -> None:
        """Removes scores it holds; pairs within the removed rows were counted twice above."""
        self.twice_u -= self.against(positives, negatives) - pairs_within(positives, negatives)
        self.let_go(positives, negatives)

    def hold(self, positives: FloatArray, negatives: FloatArray) -> None:
        """Adds scores without counting them (the caller keeps the U it belongs to)."""
        self.positives.add(positives)
        self.negatives.add(negatives)

    def let_go(self, positives: FloatArray, negatives: FloatArray) -> None:
        self.positives.remove(positives)
        self.negatives.remove(negatives)

    def merge(self, other: RankedPairs, sign: int = 1) -> None:
        """Adds another scope's scores and their U (sign 1), or takes them back (-1) from a
        scope holding them."""
        positives, negatives = other.positives.values(), other.negatives.values()
        if sign > 0:
            self.twice_u += self.against(positives, negatives) + other.twice_u
            self.hold(positives, negatives)
        else:
            self.twice_u -= self.against(positives, negatives) - other.twice_u
            self.let_go(positives, negatives)

    def auc(self) -> float | None:
        pairs = self.positives.size * self.negatives.size
        return None if pairs == 0 else self.twice_u / (2 * pairs)


def _cross(positives: FloatArray, negatives: SortedScores) -> npt.NDArray[np.int64]:
    """Twice the U contribution of each positive against the held negatives."""
    return negatives.below(positives) + negatives.below(positives, inclusive=True)


def _cross_negatives(negatives: FloatArray, positives: SortedScores) -> npt.NDArray[np.int64]:
    """Twice the U contribution of each negative against the held positives."""
    return 2 * positives.size - positives.below(negatives) - positives.below(
        negatives, inclusive=True)


def pairs_within(positives: FloatArray, negatives: FloatArray) -> int:
    """Twice the U of the given positives over the given negatives."""
    if positives.size == 0 or negatives.size == 0:
        return 0
    return int(_cross(np.sort(positives), SortedScores(negatives)).sum())
