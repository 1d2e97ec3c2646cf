"""Microshare adapter: token auth, device clusters (safe read-modify-write), alert shares."""

from syncbridge.adapters.microshare.auth import MicroshareCredentials, TokenProvider
from syncbridge.adapters.microshare.changes import (
    AssignDevEui,
    DeviceChange,
    DeviceMatch,
    RemoveDevice,
    SetDeviceStatus,
    UpsertDevice,
)
from syncbridge.adapters.microshare.client import DevicePlatform, MicroshareClient
from syncbridge.adapters.microshare.errors import (
    MicroshareAuthError,
    MicroshareConflict,
    MicroshareError,
    MicroshareNotFound,
    MicroshareUnavailable,
)
from syncbridge.adapters.microshare.models import (
    DEVICE_STATUSES,
    RODENT_ALERTS,
    TRAP_CLUSTERS,
    TRAP_EVENTS,
    Alert,
    Device,
    DeviceCluster,
    DeviceMeta,
    PlatformHealth,
)
from syncbridge.domain.pest.deveui import (
    UNASSIGNED_DEVEUI,
    InvalidDevEui,
    is_unassigned,
    normalize_deveui,
    same_deveui,
    try_normalize_deveui,
)

__all__ = [
    "DEVICE_STATUSES",
    "RODENT_ALERTS",
    "TRAP_CLUSTERS",
    "TRAP_EVENTS",
    "UNASSIGNED_DEVEUI",
    "Alert",
    "AssignDevEui",
    "Device",
    "DeviceChange",
    "DeviceCluster",
    "DeviceMatch",
    "DeviceMeta",
    "DevicePlatform",
    "InvalidDevEui",
    "MicroshareAuthError",
    "MicroshareClient",
    "MicroshareConflict",
    "MicroshareCredentials",
    "MicroshareError",
    "MicroshareNotFound",
    "MicroshareUnavailable",
    "PlatformHealth",
    "RemoveDevice",
    "SetDeviceStatus",
    "TokenProvider",
    "UpsertDevice",
    "is_unassigned",
    "normalize_deveui",
    "same_deveui",
    "try_normalize_deveui",
]
