"""Which webhooks a delivery run drains: organizations take turns, two webhooks each."""

from __future__ import annotations

from perfledger.scheduler.webhooks.delivery import in_turns


def test_organizations_take_turns_and_each_drains_at_most_two_webhooks_a_run() -> None:
    due = [("a1", "A", 5), ("a2", "A", 1), ("a3", "A", 3), ("b1", "B", 2), ("c1", "C", 9)]
    # A's two longest waiting (a2, a3); the organizations by their longest wait: A, B, C
    assert in_turns(due) == ["a2", "b1", "c1", "a3"]
    assert in_turns([]) == []
