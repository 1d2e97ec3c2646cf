"""The home platform's adapters (`dynamodb`: the embedded default, `search`).

The port itself (`HomePlatform`, `HomeRecord`, its errors) belongs to the domain:
`syncbridge.domain.home`. Its names are re-exported here for code written against the
old location.
"""

from syncbridge.domain.home import (
    HomeKind,
    HomePlatform,
    HomeRecord,
    HomeRecordNotFound,
    HomeVersionConflict,
)

__all__ = ["HomeKind", "HomePlatform", "HomeRecord", "HomeRecordNotFound", "HomeVersionConflict"]
