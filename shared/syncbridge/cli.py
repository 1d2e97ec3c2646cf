"""What every command line of Sync Bridge shares: a usage error is one line on stderr
(`prog: message (see --help)`) and exit code 2, never a usage dump or a traceback."""

from __future__ import annotations

import argparse
import sys


class OneLineParser(argparse.ArgumentParser):
    """argparse with one-line usage errors; its subcommands inherit the behaviour."""

    def error(self, message: str) -> None:  # type: ignore[override]
        sys.stderr.write(f"{self.prog}: {message} (see --help)\n")
        raise SystemExit(2)


def positive_int(text: str) -> int:
    """An argparse type: a whole number above zero."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def usage_error(prog: str, message: str) -> int:
    """Report a usage problem found after parsing (one line) and return exit code 2."""
    sys.stderr.write(f"{prog}: {message}\n")
    return 2
