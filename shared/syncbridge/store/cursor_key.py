"""The deployment's pagination-cursor key (Secrets Manager, CURSOR_KEY_SECRET_ARN).

Every container of every function must seal and open the same cursors, so the key is one
generated secret, read once per five minutes through Powertools' cache. Without the
variable (unit tests of a store) None: the cursor module then uses a per-process key.
"""

from __future__ import annotations

import os

CACHE_SECONDS = 300


def cursor_key() -> bytes | None:
    arn = os.environ.get("CURSOR_KEY_SECRET_ARN")
    if not arn:
        return None
    from aws_lambda_powertools.utilities import parameters

    value = parameters.get_secret(arn, max_age=CACHE_SECONDS)
    return value.encode("utf-8") if isinstance(value, str) else bytes(value)
