"""The external id -> internal id mapping port shared by the setup and sync services.

`syncbridge.store.mappings` implements it on `MAPPINGS_TABLE`; each concern's ports extend
it with what that concern also needs (bulk writes for the setup, versions for the sync).
"""

from __future__ import annotations

from typing import Protocol


class Mappings(Protocol):
    def get(self, tenant_id: str, erp: str, resource_type: str, external_id: str) -> str | None:
        """The internal id mapped to an ERP record, if any."""
        ...

    def put(
        self,
        tenant_id: str,
        erp: str,
        resource_type: str,
        external_id: str,
        internal_id: str,
        source: str,
    ) -> bool:
        """Write external -> internal. True when written or already so; False when the
        external id is mapped to another internal id (never overwritten here)."""
        ...
