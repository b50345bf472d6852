"""Each organization's positions: exact for it, meaningless to anyone else."""

from __future__ import annotations

import itertools
import random

import pytest

from perfledger.domain.errors import InvalidInput
from perfledger.projections.tenant_positions import (
    LARGEST_NAMED,
    LARGEST_TOKEN,
    REMEMBERED,
    TenantPositions,
)

ALICE, BOB = "org-alice", "org-bob"


@pytest.fixture
def positions() -> TenantPositions:
    return TenantPositions("a fixed secret, so the cross-organization case is deterministic")


def test_a_token_reads_back_as_its_position_and_stays_below_2_to_the_52(
    positions: TenantPositions,
) -> None:
    chosen = random.Random(7)
    wanted = [1, 2, 3, LARGEST_NAMED, *(chosen.randrange(1, LARGEST_NAMED) for _ in range(2000))]
    tokens = [positions.give(ALICE, position) for position in wanted]
    assert all(0 < token <= LARGEST_TOKEN for token in tokens)
    assert [positions.read(ALICE, token) for token in tokens] == wanted
    assert len(set(tokens)) == len(set(wanted))  # no two positions share a token


def test_nothing_yet_is_0_for_everyone(positions: TenantPositions) -> None:
    assert positions.give(ALICE, 0) == 0 and positions.read(BOB, 0) == 0
    assert positions.seen(ALICE, 10**6) == 0  # given nothing: nothing of its own is visible


def test_consecutive_positions_do_not_look_consecutive(positions: TenantPositions) -> None:
    tokens = [positions.give(ALICE, position) for position in range(1000, 1100)]
    gaps = [abs(b - a) for a, b in itertools.pairwise(tokens)]
    assert min(gaps) > 1000  # the gap of two writes tells nothing of the writes between


def test_the_organizations_have_different_tokens_for_one_position(
    positions: TenantPositions,
) -> None:
    assert positions.give(ALICE, 12345) != positions.give(BOB, 12345)


def test_a_token_given_to_another_organization_is_refused(positions: TenantPositions) -> None:
    token = positions.give(ALICE, 12345)
    with pytest.raises(InvalidInput, match=f"position {token} was not given to this"):
        positions.read(BOB, token)


def test_what_is_seen_is_the_latest_own_position_the_projections_cover(
    positions: TenantPositions,
) -> None:
    for position in (10, 20, 30):
        positions.give(ALICE, position)
    assert positions.seen(ALICE, 25) == positions.give(ALICE, 20)
    assert positions.seen(ALICE, 9) == 0
    assert positions.seen(ALICE, 10**9) == positions.give(ALICE, 30)


def test_many_positions_fold_into_a_floor_that_never_claims_a_later_one(
    positions: TenantPositions,
) -> None:
    for position in range(1, 1001):
        positions.give(ALICE, position)
    remembered_from = 1001 - REMEMBERED
    assert positions.seen(ALICE, 1000) == positions.token(ALICE, 1000)
    assert positions.seen(ALICE, remembered_from) == positions.token(ALICE, remembered_from)
    assert positions.seen(ALICE, remembered_from - 1) == positions.token(
        ALICE, remembered_from - 1)  # the floor: the latest position forgotten
    assert positions.seen(ALICE, 500) == 0  # older than the floor: claims nothing
