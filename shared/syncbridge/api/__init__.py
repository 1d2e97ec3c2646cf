"""The HTTP edge: the shared resolver, error handlers, the caller's principal and routers."""
