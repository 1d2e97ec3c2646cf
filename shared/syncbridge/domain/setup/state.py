r"""The per-type state machine of a guided setup.

    pending -> importing -> matching -> awaiting_review -> applying -> done
                  ^  |  \  (a crashed import resumes from its cursor once its lease ran out;
                             a match too large for the matcher's memory stays `matching`
                             with the reason in `error`)
                  +--+   failed  (attempts used up: visible, with the reason, until a
                  ^          |    person retries: failed -> importing, from the cursor)
                  +----------+
    (matching and applying may also "move" to themselves: a progress write, records
     scored or applied so far)

Every step happens once: repositories apply a transition only when the stored status is
one the transition allows (a conditional write), so a redelivered message finds the type
already past its step and does nothing.
"""

from __future__ import annotations

from syncbridge.domain.errors import Conflict

from .models import TypeStatus

TRANSITIONS: dict[TypeStatus, frozenset[TypeStatus]] = {
    "pending": frozenset({"importing"}),
    "importing": frozenset({"importing", "matching", "failed"}),
    "failed": frozenset({"importing"}),
    "matching": frozenset({"matching", "awaiting_review"}),
    "awaiting_review": frozenset({"applying"}),
    "applying": frozenset({"applying", "done"}),
    "done": frozenset(),
}
ORDER: tuple[TypeStatus, ...] = (
    "pending",
    "importing",
    "failed",
    "matching",
    "awaiting_review",
    "applying",
    "done",
)


class InvalidTransition(Conflict):
    code = "invalid_transition"


def allowed_sources(target: TypeStatus) -> frozenset[TypeStatus]:
    """The statuses from which `target` may be entered (the condition of the write)."""
    return frozenset(s for s, targets in TRANSITIONS.items() if target in targets)


def check(current: TypeStatus, target: TypeStatus) -> None:
    """Raise InvalidTransition unless `current -> target` is an edge of the machine."""
    if target not in TRANSITIONS[current]:
        raise InvalidTransition(
            f"cannot go from {current} to {target}", current=current, target=target
        )


def is_past(current: TypeStatus, step: TypeStatus) -> bool:
    """True when `current` is beyond `step` (a redelivered message for `step` is stale)."""
    return ORDER.index(current) > ORDER.index(step)
