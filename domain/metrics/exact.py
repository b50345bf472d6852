"""Exact sums of floats: a running total that millions of additions and subtractions leave
exact, so a metric kept incrementally equals the one computed from all rows at once.

A total is a Python int counting units of 2**-1074 (the smallest float64): every finite
float64 is an integer number of them, so adding and subtracting them loses nothing (squares
count units of 2**-2148). Dividing a total by a count rounds once, correctly.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
_UNIT_SHIFT = 1074  # float64 values are integer multiples of 2**-1074
_SQUARE_UNIT_SHIFT = 2 * _UNIT_SHIFT  # and their squares of 2**-2148
_HALF = 26  # mantissas split in halves of at most 27 bits each
# values summed at once: float64 sums of 2**25 halves of 27 bits stay below 2**53, exact
_CHUNK = 1 << 25
# Within these magnitudes a square is split exactly into two floats (Dekker's product).
_SQUARE_SAFE = (1e-140, 1e140)


def exact_sum(values: FloatArray, unit_shift: int = _UNIT_SHIFT) -> int:
    """The exact sum of finite float64 values, in units of 2**-unit_shift."""
    total = 0
    for first in range(0, values.size, _CHUNK):
        total += _chunk_sum(values[first:first + _CHUNK], unit_shift)
    return total


def _chunk_sum(values: FloatArray, unit_shift: int) -> int:
    """Each value is an integer times a power of two; the integers are summed per power
    with numpy's bincount, in halves small enough for its float64 sums to stay exact."""
    mantissas, exponents = np.frexp(values)
    integers = (mantissas * 2.0**53).astype(np.int64)  # exact: 53 significant bits
    lowest = int(exponents.min())
    groups = (exponents - lowest).astype(np.intp)
    highs = np.bincount(groups, weights=(integers >> _HALF).astype(np.float64))
    lows = np.bincount(groups, weights=(integers & ((1 << _HALF) - 1)).astype(np.float64))
    present = np.flatnonzero((highs != 0) | (lows != 0))
    total = 0
    for group, high, low in zip(present.tolist(), highs[present].astype(np.int64).tolist(),
                                lows[present].astype(np.int64).tolist(), strict=True):
        shift = lowest + group - 53 + unit_shift
        summed = (high << _HALF) + low
        # subnormals have trailing zero bits: shifting them right stays exact
        total += summed << shift if shift >= 0 else summed >> -shift
    return total


def exact_sums_by_group(values: FloatArray, groups: IntArray, count: int,
                        unit_shift: int = _UNIT_SHIFT) -> list[int]:
    """The exact sum of the values of each of `count` groups (`groups[i]`: value i's), in
    units of 2**-unit_shift: one bincount over (group, power of two) for them all."""
    totals = [0] * count
    if values.size == 0:
        return totals
    for first in range(0, values.size, _CHUNK):
        part, owners = values[first:first + _CHUNK], groups[first:first + _CHUNK]
        mantissas, exponents = np.frexp(part)
        integers = (mantissas * 2.0**53).astype(np.int64)
        lowest = int(exponents.min())
        spread = int(exponents.max()) - lowest + 1
        keys = owners.astype(np.int64) * spread + (exponents - lowest)
        size = count * spread
        highs = np.bincount(keys, weights=(integers >> _HALF).astype(np.float64), minlength=size)
        lows = np.bincount(keys, weights=(integers & ((1 << _HALF) - 1)).astype(np.float64),
                           minlength=size)
        present = np.flatnonzero((highs != 0) | (lows != 0))
        if present.size == 0:
            continue
        # Each group's sum counted first in units of 2**(lowest - 53), small integers added
        # by numpy over Python ints; each group's then shifted to the unit once.
        owner, power = np.divmod(present, spread)
        summed = ((highs[present].astype(np.int64).astype(object) << _HALF)
                  + lows[present].astype(np.int64).astype(object)) << power.astype(object)
        firsts = np.flatnonzero(np.r_[True, owner[1:] != owner[:-1]])
        shift = lowest - 53 + unit_shift
        for group, total in zip(owner[firsts].tolist(),
                                np.add.reduceat(summed, firsts).tolist(), strict=True):
            # subnormals have trailing zero bits: shifting them right stays exact
            totals[group] += total << shift if shift >= 0 else total >> -shift
    return totals


def exact_sums_of_squares_by_group(values: FloatArray, groups: IntArray, count: int
                                   ) -> list[int]:
    """Each group's exact sum of squares (as `exact_sum_of_squares`), in units of 2**-2148."""
    magnitudes = np.abs(values)
    safe = (magnitudes == 0) | ((magnitudes > _SQUARE_SAFE[0]) & (magnitudes < _SQUARE_SAFE[1]))
    totals = [0] * count
    for value, group in zip(values[~safe].tolist(), groups[~safe].tolist(), strict=True):
        totals[group] += _exact_square(value)
    kept, owners = values[safe], groups[safe]
    rounded = kept * kept
    scaled = 134217729.0 * kept
    high = scaled - (scaled - kept)
    low = kept - high
    error = ((high * high - rounded) + 2.0 * high * low) + low * low
    for part in (rounded, error):
        for group, total in enumerate(exact_sums_by_group(part, owners, count,
                                                          _SQUARE_UNIT_SHIFT)):
            totals[group] += total
    return totals


def exact_sum_of_squares(values: FloatArray) -> int:
    """The exact sum of the values' squares (not of their rounded squares), in units of
    2**-2148."""
    magnitudes = np.abs(values)
    safe = (magnitudes == 0) | ((magnitudes > _SQUARE_SAFE[0]) & (magnitudes < _SQUARE_SAFE[1]))
    total = sum(_exact_square(value) for value in values[~safe].tolist())
    kept = values[safe]
    rounded = kept * kept
    # Veltkamp's split: kept = high + low exactly, each with half the significant bits
    scaled = 134217729.0 * kept
    high = scaled - (scaled - kept)
    low = kept - high
    error = ((high * high - rounded) + 2.0 * high * low) + low * low
    return (total + exact_sum(rounded, _SQUARE_UNIT_SHIFT)
            + exact_sum(error, _SQUARE_UNIT_SHIFT))


def _exact_square(value: float) -> int:
    numerator, denominator = value.as_integer_ratio()  # denominator: at most 2**1074
    return numerator * numerator * ((1 << _SQUARE_UNIT_SHIFT) // (denominator * denominator))


def as_float(total: int) -> float:
    """The total as the nearest float64 (infinite past its range)."""
    return _ratio_as_float(Fraction(total, 1 << _UNIT_SHIFT))


def mean_of(total: int, count: int) -> float:
    """total / count, rounded once."""
    return _ratio_as_float(Fraction(total, count << _UNIT_SHIFT))


def spread_of(total: int, total_of_squares: int, count: int) -> Fraction:
    """The exact sum of squared deviations from the mean, Σx² - (Σx)²/n, from an exact_sum
    and an exact_sum_of_squares."""
    unit = 1 << _SQUARE_UNIT_SHIFT
    return Fraction(total_of_squares, unit) - Fraction(total * total, unit * count)


def _ratio_as_float(ratio: Fraction) -> float:
    try:
        return ratio.numerator / ratio.denominator
    except OverflowError:
        return float("inf") if ratio > 0 else float("-inf")
