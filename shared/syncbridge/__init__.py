"""Sync Bridge: connects a home platform (keg tracking, pest control, ...) to an ERP.

This package is the shared Lambda code, shipped as a layer. Handlers in `functions/` stay
thin and call into `domain/` services, which reach the outside world only through
`adapters/` and `store/`.
"""

__version__ = "0.1.0"
