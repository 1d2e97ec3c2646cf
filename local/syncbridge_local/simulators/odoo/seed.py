"""The Golden Crust Manchester example both simulators start with, as a real Odoo has it.

The same records `../shared/tools/odoo-real/seed.py` puts into a real Odoo 19: 11 inspection
points (`product.product` in the "Inspection Points" category) named the way a
pest-control company types them, `"<Customer Site> - <Area>"`, with `default_code`
ERP024_025_01..11 (what Microshare keeps in `location[3]`); points 01 and 02 carry their
device's DevEUI in `barcode` and exist in the Microshare trap cluster, 9 have no device
yet. No sale description, no custom fields, and a project "Pest Control Incidents".
"""

from __future__ import annotations

from dataclasses import dataclass

SITE = "Golden Crust Manchester"
CATEGORY = "Inspection Points"
INCIDENT_PROJECT = "Pest Control Incidents"
TRAP_CLUSTER_REC_TYPE = "io.microshare.trap.packed"
TRAP_CLUSTER_NAME = "Golden Crust traps"


@dataclass(frozen=True)
class SeedPoint:
    reference: str
    area: str
    deveui: str | None = None  # as written in Odoo's barcode

    @property
    def product_name(self) -> str:
        return f"{SITE} - {self.area}"

    @property
    def device_id(self) -> str | None:
        """The device's id in the Microshare cluster (its DevEUI)."""
        return self.deveui

    @property
    def location(self) -> list[str]:
        """The Microshare `meta.location` list: site, building, area, reference, zone, method."""
        return [SITE, "", self.area, self.reference, "", ""]


POINTS: tuple[SeedPoint, ...] = (
    SeedPoint("ERP024_025_01", "Flour Storage Silo A", deveui="58-A0-CB-00-00-10-2F-01"),
    SeedPoint("ERP024_025_02", "Flour Storage Silo B", deveui="58-A0-CB-00-00-10-2F-02"),
    SeedPoint("ERP024_025_03", "Dough Mixing Room"),
    SeedPoint("ERP024_025_04", "Proofing Cabinet Area"),
    SeedPoint("ERP024_025_05", "Oven Line 1"),
    SeedPoint("ERP024_025_06", "Cooling Racks"),
    SeedPoint("ERP024_025_07", "Packing Hall"),
    SeedPoint("ERP024_025_08", "Dry Goods Store"),
    SeedPoint("ERP024_025_09", "Loading Bay Door"),
    SeedPoint("ERP024_025_10", "Staff Canteen"),
    SeedPoint("ERP024_025_11", "Waste Compound"),
)

MAPPED = tuple(p for p in POINTS if p.deveui)
UNMAPPED = tuple(p for p in POINTS if not p.deveui)

# Products that are not inspection points (the adapter must not list them).
OTHER_PRODUCTS: tuple[tuple[str, str, str], ...] = (
    ("Rodenticide bait block 5kg", "BAIT-5KG", "5012345678900"),
    ("Snap trap spare spring", "SPR-01", ""),
)
