"""The guided setup's vocabulary: resource types, their order, statuses and messages.

A setup belongs to one tenant's connection to one ERP and walks the resource types in
`RESOURCE_ORDER`; each type goes import -> match -> review -> apply before the next one
starts (a batch needs its product's mapping first).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

ResourceType = Literal["customer-locations", "storage-locations", "products", "product-batches"]
RESOURCE_ORDER: tuple[ResourceType, ...] = (
    "customer-locations",
    "storage-locations",
    "products",
    "product-batches",
)
Profile = Literal["location", "product", "batch"]
PROFILE_BY_TYPE: dict[str, Profile] = {
    "customer-locations": "location",
    "storage-locations": "location",
    "products": "product",
    "product-batches": "batch",
}
LABELS: dict[str, str] = {
    "customer-locations": "Customer locations",
    "storage-locations": "Storage locations",
    "products": "Products",
    "product-batches": "Product batches",
}

TypeStatus = Literal[
    "pending", "importing", "failed", "matching", "awaiting_review", "applying", "done"
]
SetupStatus = Literal["in_progress", "complete"]
Decision = Literal["match", "review", "create"]
DECISIONS: tuple[Decision, ...] = ("match", "review", "create")


def next_type(resource_type: str) -> ResourceType | None:
    """The type offered after `resource_type` is applied, or None after the last one."""
    index = RESOURCE_ORDER.index(resource_type)  # type: ignore[arg-type]
    return RESOURCE_ORDER[index + 1] if index + 1 < len(RESOURCE_ORDER) else None


class _Message(BaseModel):
    """Fields every setup message carries; extra fields from other producers are ignored."""

    model_config = ConfigDict(extra="ignore")

    tenant_id: str = Field(min_length=1)
    connection_id: str = Field(min_length=1)
    erp: str = Field(default="ekos", min_length=1)
    resource_type: ResourceType
    run_id: str = Field(min_length=1)


class ImportMessage(_Message):
    action: Literal["import"] = "import"


class SourcePage(BaseModel):
    """One page the ERP listed, and the cursor that reads the page after it."""

    records: list[dict[str, Any]]
    next_cursor: str | None = None


class MatchMessage(_Message):
    action: Literal["match"] = "match"


class ApplyMessage(_Message):
    action: Literal["apply"] = "apply"


class TypeProgress(BaseModel):
    """Where one resource type stands (one item in the Setup table)."""

    resource_type: ResourceType
    status: TypeStatus = "pending"
    run_id: str = ""
    pages: int = 0
    records: int = 0
    counts: dict[str, int] = Field(default_factory=dict)
    applied: dict[str, int] = Field(default_factory=dict)
    lease_until: int = 0
    error: str = ""
    updated_at: str = ""
    cursor: str = ""  # stream state: the ERP cursor after the last staged page
    attempts: int = 0  # import attempts since the type started (or a person's retry)
    # record counts behind the page's progress bar (records, not steps)
    match_total: int = 0  # ERP records the matcher was given
    matched: int = 0  # of those, scored so far
    apply_total: int = 0  # proposals the applier writes
    applied_records: int = 0  # of those, written so far


class Setup(BaseModel):
    """One guided setup: a tenant's connection walking the resource types in order."""

    tenant_id: str
    connection_id: str
    erp: str
    run_id: str
    status: SetupStatus = "in_progress"
    started_at: str = ""
    completed_at: str = ""
    types: dict[str, TypeProgress] = Field(default_factory=dict)

    def progress(self, resource_type: str) -> TypeProgress:
        return self.types.get(resource_type) or TypeProgress(resource_type=resource_type)  # type: ignore[arg-type]

    @property
    def current_type(self) -> ResourceType | None:
        """The first type not yet done (the one the person works on), None when complete."""
        for resource_type in RESOURCE_ORDER:
            if self.progress(resource_type).status != "done":
                return resource_type
        return None


class MatchOutcome(BaseModel):
    """What the matcher says about one external record (the matching CLI's output line)."""

    external_id: str
    internal_id: str | None = None
    score: float = 0.0
    decision: Decision
    explanation: dict[str, Any] = Field(default_factory=dict)


class ReviewLabel(BaseModel):
    """A person's answer about one pair: is this ERP record the same as this home record?

    Every review decision is one or two of these (see `learning.labels_from_edit`); the
    matcher learns its weights from them and obeys them on every later run."""

    model_config = ConfigDict(frozen=True)

    external_id: str
    internal_id: str
    match: bool


class MatchGuidance(BaseModel):
    """What the tenant's earlier reviews tell the matcher: the labelled pairs of this
    resource type, and the weights learned on an earlier run of the same profile (the
    previous resource type, or an earlier setup). `learned` comes back filled with what
    this run learned."""

    labels: list[ReviewLabel] = Field(default_factory=list)
    parameters: dict[str, list[float]] | None = None
    learned: dict[str, list[float]] | None = None


class Resolution(BaseModel):
    """What the person chose: link to an internal record, or create a new one."""

    action: Literal["link", "create"]
    internal_id: str | None = None


class Proposal(BaseModel):
    """One external record awaiting review, with the matcher's suggestion and the choice."""

    external_id: str
    decision: Decision
    score: float = 0.0
    proposed_internal_id: str | None = None
    explanation: dict[str, Any] = Field(default_factory=dict)
    external: dict[str, Any] = Field(default_factory=dict)
    internal: dict[str, Any] | None = None
    resolution: Resolution
    confirmed: bool = False
    version: int = 1

    @property
    def needs_confirmation(self) -> bool:
        """A proposed link needs a person's (or the bulk accept's) yes; a create does not."""
        return not self.confirmed and self.resolution.action == "link"


class Page(BaseModel):
    """A page of results with an opaque cursor for the next one."""

    items: list[Any]
    next_cursor: str | None = None


def staging_key(tenant_id: str, connection_id: str, resource_type: str, run_id: str) -> str:
    """Where one import run of one type stages its records (tenant first, as every key)."""
    return f"TENANT#{tenant_id}#CONN#{connection_id}#TYPE#{resource_type}#RUN#{run_id}"


def proposal_scope(tenant_id: str, connection_id: str, resource_type: str, run_id: str) -> str:
    """The partition of one type's proposals in one setup run (a later run starts clean)."""
    return f"TENANT#{tenant_id}#CONN#{connection_id}#TYPE#{resource_type}#RUN#{run_id}"
