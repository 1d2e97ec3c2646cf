"""The Golden Crust Manchester example both simulators start with.

11 inspection points in Odoo (`product.product` in the "Inspection Points" category);
2 of them already carry a device's DevEUI in `barcode` and exist in the Microshare trap
cluster, 9 have no device yet. The product name encodes "Site / Area / Point" and
`description_sale` "Placement / Trap type"; `default_code` is what Microshare keeps in
`location[3]`. One barcode is stored plain and lower-case on purpose: DevEUIs must be
compared normalized.
"""

from __future__ import annotations

from dataclasses import dataclass

SITE = "Golden Crust Manchester"
AREA = "Manchester Production"
CATEGORY = "Inspection Points"
TRAP_CLUSTER_REC_TYPE = "io.microshare.trap.packed"
TRAP_CLUSTER_NAME = "Golden Crust traps"


@dataclass(frozen=True)
class SeedPoint:
    reference: str
    point: str
    placement: str
    trap_type: str
    deveui: str | None = None  # as written in Odoo's barcode
    device_id: str | None = None  # as written in the Microshare cluster

    @property
    def product_name(self) -> str:
        return f"{SITE} / {AREA} / {self.point}"

    @property
    def description(self) -> str:
        return f"{self.placement} / {self.trap_type}"

    @property
    def location(self) -> list[str]:
        """The Microshare `meta.location` list for this point."""
        return [SITE, AREA, self.point, self.reference, self.placement, self.trap_type]


POINTS: tuple[SeedPoint, ...] = (
    SeedPoint(
        "ERP024_025_01",
        "Flour Storage Silo A",
        "Internal",
        "Bait/Lured",
        deveui="58-A0-CB-00-00-10-2F-01",
        device_id="58-A0-CB-00-00-10-2F-01",
    ),
    SeedPoint(
        "ERP024_025_02",
        "Flour Storage Silo B",
        "Internal",
        "Bait/Lured",
        deveui="58a0cb0000102f02",
        device_id="58-A0-CB-00-00-10-2F-02",
    ),
    SeedPoint("ERP024_025_03", "Mixing Room", "Internal", "Snap Trap"),
    SeedPoint("ERP024_025_04", "Proving Room", "Internal", "Snap Trap"),
    SeedPoint("ERP024_025_05", "Oven Hall", "Internal", "Snap Trap"),
    SeedPoint("ERP024_025_06", "Packing Line 1", "Internal", "Bait/Lured"),
    SeedPoint("ERP024_025_07", "Packing Line 2", "Internal", "Snap Trap"),
    SeedPoint("ERP024_025_08", "Dispatch Bay", "Internal", "Bait/Lured"),
    SeedPoint("ERP024_025_09", "Loading Dock", "External", "Bait/Lured"),
    SeedPoint("ERP024_025_10", "Waste Compound", "External", "Bait/Lured"),
    SeedPoint("ERP024_025_11", "Perimeter Fence North", "External", "Bait/Lured"),
)

MAPPED = tuple(p for p in POINTS if p.deveui)
UNMAPPED = tuple(p for p in POINTS if not p.deveui)

# Products that are not inspection points (the adapter must not list them).
OTHER_PRODUCTS: tuple[tuple[str, str, str], ...] = (
    ("Rodenticide bait block 5kg", "BAIT-5KG", "5012345678900"),
    ("Snap trap spare spring", "SPR-01", ""),
)
