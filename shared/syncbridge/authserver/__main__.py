"""Command line for the authorization server: give a tenant its first credentials.

    python -m syncbridge.authserver bootstrap --tenant T      # admin client (JSON, once)
    python -m syncbridge.authserver add-user --tenant T --username alice --role operator

Runs against OAUTH_TABLE wherever boto3 points (AWS, or the local runtime's moto via
AWS_ENDPOINT_URL). The secret is printed once, on stdout, and stored only as a hash.
"""

from __future__ import annotations

import argparse
import json
import sys

from syncbridge.authserver.scopes import ROLES
from syncbridge.authserver.service import bootstrap_tenant, create_person
from syncbridge.authserver.store import OAuthStore
from syncbridge.domain.errors import DomainError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m syncbridge.authserver")
    commands = parser.add_subparsers(dest="command", required=True)
    boot = commands.add_parser("bootstrap", help="create a tenant's first admin client")
    boot.add_argument("--tenant", required=True)
    boot.add_argument("--name", default="bootstrap admin")
    user = commands.add_parser("add-user", help="issue a sign-in for a person of a tenant")
    user.add_argument("--tenant", required=True)
    user.add_argument("--username", required=True)
    user.add_argument("--role", choices=ROLES, default="viewer")
    args = parser.parse_args(argv)

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
