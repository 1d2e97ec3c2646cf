"""Odoo ERP adapter (JSON-2 or XML-RPC, chosen by `settings.protocol`)."""

from syncbridge.adapters.odoo.adapter import OdooAdapter, OdooSettings

__all__ = ["OdooAdapter", "OdooSettings"]
