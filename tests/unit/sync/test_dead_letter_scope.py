"""Dead letters through the port: a tenant's API sees and moves only its own, operators
see everyone's, and the counts per reason add up."""

from __future__ import annotations

from datetime import UTC, datetime

from syncbridge.domain.sync.dead_letters import (
    DeadLetter,
    DeadLetterFilter,
    MoveResult,
    counts_by_reason,
    list_dead_letters,
    move_dead_letters,
)

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)


def letter(mid: str, tenant: str, reason: str = "dependency_not_mapped") -> DeadLetter:
    return DeadLetter(message_id=mid, queue="events-dlq", tenant_id=tenant, reason=reason)


class ParkedLetters:
    """The dead-letter queues as a list, filtered the way the SQS adapter filters."""

    def __init__(self, letters: list[DeadLetter]) -> None:
        self.letters = letters
        self.moved: list[str] = []

    def list(self, selector: DeadLetterFilter) -> list[DeadLetter]:
        return [d for d in self.letters if selector.matches(d, NOW)]

    def move(self, selector: DeadLetterFilter) -> MoveResult:
        ids = [d.message_id for d in self.list(selector)]
        self.moved += ids
        self.letters = [d for d in self.letters if d.message_id not in ids]
        return MoveResult(moved=len(ids), message_ids=ids)


def parked() -> ParkedLetters:
    return ParkedLetters(
        [letter("m1", "a"), letter("m2", "b"), letter("m3", "a", reason="upstream_unavailable")]
    )


def test_a_tenant_lists_only_its_own_dead_letters_whatever_the_filter_says() -> None:
    queues = parked()
    everyone = DeadLetterFilter()
    assert [d.message_id for d in list_dead_letters(queues, everyone, "a")] == ["m1", "m3"]
    asks_for_b = DeadLetterFilter(tenant_id="b", reason="upstream_unavailable")
    assert [d.message_id for d in list_dead_letters(queues, asks_for_b, "a")] == ["m3"]
    # an operator (no tenant) sees every tenant's, filtered as asked
    assert [d.message_id for d in list_dead_letters(queues, everyone)] == ["m1", "m2", "m3"]
    assert [d.message_id for d in list_dead_letters(queues, DeadLetterFilter(tenant_id="b"))] == [
        "m2"
    ]


def test_a_tenant_moves_only_its_own_dead_letters() -> None:
    queues = parked()
    result = move_dead_letters(queues, DeadLetterFilter(tenant_id="b"), "a")
    assert (result.moved, result.message_ids) == (2, ["m1", "m3"])
    assert [d.message_id for d in queues.letters] == ["m2"]
    assert move_dead_letters(queues, DeadLetterFilter()).message_ids == ["m2"]


def test_counts_by_reason_count_every_letter() -> None:
    letters = [*parked().letters, letter("m4", "b", reason="upstream_unavailable")]
    assert counts_by_reason(letters) == {"dependency_not_mapped": 2, "upstream_unavailable": 2}
    assert counts_by_reason([]) == {}
