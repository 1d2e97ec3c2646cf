"""The trivial baseline: link records whose cleaned names are identical, nothing else.

It is the floor every real matcher must clear, and it let the harness be tested before
the engine existed. One-to-one: among records sharing a name, the first unused internal
record (in file order) is taken.

    python -m benchmarks.peers.baseline --internal I --external E --profile P --out O
"""

from __future__ import annotations

from collections import defaultdict

from benchmarks.peers.common import clean_text, parse_args, read_records, write_output


def main(argv: list[str] | None = None) -> int:
    args = parse_args(__doc__ or "", argv)
    internal = read_records(args.internal, args.profile)
    external = read_records(args.external, args.profile)
    pool: dict[str, list[str]] = defaultdict(list)
    for internal_id, name in zip(internal["id"], clean_text(internal["name"]), strict=True):
        if name is not None:
            pool[name].append(internal_id)
    for candidates in pool.values():
        candidates.reverse()  # pop() from the end takes them in file order
    links = []
    for external_id, name in zip(external["id"], clean_text(external["name"]), strict=True):
        if name is not None and pool.get(name):
            links.append((external_id, pool[name].pop(), 1.0))
    explanations = {(e, i): {"name": 1.0} for e, i, _ in links}
    write_output(args.out, external["id"], links, explanations)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
