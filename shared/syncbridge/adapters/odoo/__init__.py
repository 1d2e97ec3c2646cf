"""Odoo ERP adapter (JSON-2 or XML-RPC, chosen by `settings.protocol`)."""

from syncbridge.adapters.odoo.adapter import OdooAdapter, OdooSettings, OptionalField

__all__ = ["OdooAdapter", "OdooSettings", "OptionalField"]
