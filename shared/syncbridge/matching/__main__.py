"""`python -m syncbridge.matching ...`: see cli.py."""

import sys

from syncbridge.matching.cli import main

sys.exit(main())
