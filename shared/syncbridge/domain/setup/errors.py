"""Why a setup request was refused (each maps to an HTTP status at the API edge)."""

from __future__ import annotations

from syncbridge.domain.errors import Conflict, DomainError, NotFound


class SetupNotFound(NotFound):
    code = "setup_not_found"


class ProposalNotFound(NotFound):
    code = "proposal_not_found"


class ProposalChanged(Conflict):
    """Someone else changed the proposal since the page loaded it."""

    code = "proposal_changed"


class NotInReview(Conflict):
    code = "not_in_review"


class ImportNotFailed(Conflict):
    """Only a failed import can be retried by hand (others retry by themselves)."""

    code = "import_not_failed"


class UnconfirmedProposals(Conflict):
    code = "unconfirmed_proposals"


class DuplicateLinks(Conflict):
    code = "duplicate_links"


class MatchTooLarge(DomainError):
    """The records cannot be matched within the matcher's memory (its Lambda MemorySize):
    refused before the engine starts, instead of the function being killed mid-run."""

    code = "match_too_large"
    http_status = 507
