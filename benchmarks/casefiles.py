"""The file layout every benchmark case shares."""

from __future__ import annotations

from pathlib import Path


class CaseFiles:
    """The files of a case directory, named as `../shared/bench/README.md` lays them out."""

    directory: Path

    @property
    def internal(self) -> Path:
        return self.directory / "internal.jsonl"

    @property
    def external(self) -> Path:
        return self.directory / "external.jsonl"

    @property
    def gold(self) -> Path:
        return self.directory / "gold.jsonl"
