"""Command line for the authorization server: give a tenant its first credentials.

    python -m syncbridge.authserver bootstrap --tenant T      # admin client (JSON, once)
    python -m syncbridge.authserver add-user --tenant T --username alice --role operator

Runs against OAUTH_TABLE wherever boto3 points (a deployed stack: OAUTH_TABLE = the
stack's OAuthTable and AWS credentials). For the local runtime use
`python -m syncbridge_local add-user ...`, which points it at the running one. The secret
is printed once, on stdout, and stored only as a hash.
"""

from __future__ import annotations

import json
import os
import sys

from syncbridge.authserver.scopes import ROLES
from syncbridge.authserver.service import bootstrap_tenant, create_person
from syncbridge.authserver.store import OAuthStore
from syncbridge.cli import OneLineParser, usage_error
from syncbridge.domain.errors import DomainError

PROG = "python -m syncbridge.authserver"


def main(argv: list[str] | None = None) -> int:
    parser = OneLineParser(prog=PROG, description="Issue a tenant's first credentials.")
    commands = parser.add_subparsers(dest="command", required=True)
    boot = commands.add_parser("bootstrap", help="create a tenant's first admin client")
    boot.add_argument("--tenant", required=True)
    boot.add_argument("--name", default="bootstrap admin")
    user = commands.add_parser("add-user", help="issue a sign-in for a person of a tenant")
    user.add_argument("--tenant", required=True)
    user.add_argument("--username", required=True)
    user.add_argument("--role", choices=ROLES, default="viewer")
    args = parser.parse_args(argv)
    if not os.environ.get("OAUTH_TABLE"):
        return usage_error(
            PROG,
            "OAUTH_TABLE is not set: set it to your stack's OAuthTable, or run "
            f"`python -m syncbridge_local {args.command} ...` against the local runtime",
        )

    store = OAuthStore()
    try:
        if args.command == "bootstrap":
            issued = bootstrap_tenant(store, args.tenant, args.name).model_dump()
        else:
            issued = create_person(store, args.tenant, args.username, args.role).model_dump()
    except DomainError as error:
        print(json.dumps({"error": error.code, "message": error.message}), file=sys.stderr)
        return 2
    print(json.dumps(issued, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
