"""Load an organisation's existing records into the home platform before its first import.

    python -m syncbridge.ops.import_home --tenant acme --type customer-locations FILE

FILE is CSV (header row) or JSON Lines (`.jsonl`/`.ndjson`), one record per row with an
`id` and the type's fields; see `syncbridge.domain.setup.home_import`. Runs against
HOME_TABLE wherever boto3 points; for the local runtime use
`python -m syncbridge_local import-home ...`. The review page offers the same upload.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from syncbridge.cli import OneLineParser, usage_error
from syncbridge.domain.errors import DomainError
from syncbridge.domain.setup.home_import import import_home_records
from syncbridge.domain.setup.models import RESOURCE_ORDER
from syncbridge.roots.keg import home_platform

PROG = "python -m syncbridge.ops.import_home"


def main(argv: list[str] | None = None) -> int:
    parser = OneLineParser(prog=PROG, description=__doc__.split("\n\n")[0])
    parser.add_argument("--tenant", required=True, help="the organisation (tenant id)")
    parser.add_argument("--type", required=True, choices=RESOURCE_ORDER, dest="resource_type")
    parser.add_argument("file", type=Path, help="CSV or JSON Lines file")
    parser.add_argument("--format", choices=("csv", "jsonl"), help="default: from the file name")
    args = parser.parse_args(argv)
    try:
        text = args.file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return usage_error(PROG, f"cannot read {args.file}: {exc}")
    fmt = args.format or ("jsonl" if args.file.suffix.lower() in (".jsonl", ".ndjson") else "csv")
    if not os.environ.get("HOME_TABLE"):
        return usage_error(
            PROG,
            "HOME_TABLE is not set: set it to your stack's HomeTable, or run "
            "`python -m syncbridge_local import-home ...` against the local runtime",
        )
    try:
        result = import_home_records(home_platform(), args.tenant, args.resource_type, text, fmt)
    except DomainError as error:
        return usage_error(PROG, f"{args.file}: {error.message}")
    print(
        json.dumps(
            {
                "tenant": args.tenant,
                "resource_type": result.resource_type,
                "received": result.received,
                "created": result.created,
                "already_there": result.already_there,
            }
        ),
        file=sys.stdout,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
