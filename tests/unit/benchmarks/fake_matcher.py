"""A deliberately broken matcher for the harness tests: it links every external record
to the same internal record, which breaks the one-to-one rule."""

from __future__ import annotations

import json

from benchmarks.peers.common import parse_args, read_records


def main() -> int:
    args = parse_args("broken matcher")
    internal = read_records(args.internal, args.profile)
    external = read_records(args.external, args.profile)
    first = str(internal["id"].iloc[0])
    with args.out.open("w", encoding="utf-8") as handle:
        for external_id in external["id"]:
            row = {
                "external_id": external_id,
                "internal_id": first,
                "score": 1.0,
                "decision": "match",
                "explanation": {},
            }
            handle.write(json.dumps(row) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
