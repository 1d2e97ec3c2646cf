"""File a tenant's existing home records under their candidate keys.

    python -m syncbridge.ops.refile_keys --tenant acme                  # every type
    python -m syncbridge.ops.refile_keys --tenant acme --type products  # some types

A `created` event for a record nothing maps yet looks for its twins among the home records
by candidate key (name, SKU, lot code, postcode, phone, e-mail; `domain.candidate_keys`).
Records written before the key items existed (or by a tool that bypassed the home
platform) have none, so their twins would not be found and the event would create a
second record. This command files every record of the tenant again; it is idempotent
(key items are overwritten, never duplicated) and safe while the sync runs. Runs against
HOME_TABLE wherever boto3 points; for the local runtime use
`python -m syncbridge_local refile-keys ...`. Prints one JSON line per type.
"""

from __future__ import annotations

import json
import os
import sys

from syncbridge.cli import OneLineParser, usage_error
from syncbridge.domain.setup.models import RESOURCE_ORDER
from syncbridge.roots.keg import home_platform

PROG = "python -m syncbridge.ops.refile_keys"


def main(argv: list[str] | None = None) -> int:
    parser = OneLineParser(prog=PROG, description=__doc__.split("\n\n")[0])
    parser.add_argument("--tenant", required=True, help="the organisation (tenant id)")
    parser.add_argument(
        "--type",
        choices=RESOURCE_ORDER,
        action="append",
        dest="resource_types",
        help="a resource type (repeatable; default: every type)",
    )
    args = parser.parse_args(argv)
    if not os.environ.get("HOME_TABLE"):
        return usage_error(
            PROG,
            "HOME_TABLE is not set: set it to your stack's HomeTable, or run "
            "`python -m syncbridge_local refile-keys ...` against the local runtime",
        )
    home = home_platform()
    for resource_type in args.resource_types or RESOURCE_ORDER:
        filed = home.refile(args.tenant, resource_type)
        print(
            json.dumps({"tenant": args.tenant, "resource_type": resource_type, "filed": filed}),
            file=sys.stdout,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
