"""`python -m syncbridge.ops replay list|show|move ...` (see `syncbridge.ops.replay`)."""

from syncbridge.ops.replay import main

raise SystemExit(main())
