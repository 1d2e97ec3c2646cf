"""Review decisions as labelled pairs: what a person's choice on the review page teaches.

accept (link to the proposed record) -> the pair is a match;
pick another (link to a different record) -> the proposed pair is not, the chosen one is;
create new -> the proposed pair is not a match.
A change of mind counts too: a record the person had linked and now unlinks is not a
match (the later answer about a pair replaces the earlier one in the store).
A create that had no proposal and stays a create teaches nothing about any pair.
"""

from __future__ import annotations

from .models import Proposal, Resolution, ReviewLabel


def labels_from_edit(before: Proposal, resolution: Resolution) -> list[ReviewLabel]:
    """The labelled pairs one decision on a proposal (as it was `before`) amounts to."""
    ext = before.external_id
    chosen = resolution.internal_id if resolution.action == "link" else None
    previous = before.resolution.internal_id if before.resolution.action == "link" else None
    rejected = {x for x in (before.proposed_internal_id, previous) if x and x != chosen}
    out = [ReviewLabel(external_id=ext, internal_id=x, match=False) for x in sorted(rejected)]
    if chosen:
        out.append(ReviewLabel(external_id=ext, internal_id=chosen, match=True))
    return out
