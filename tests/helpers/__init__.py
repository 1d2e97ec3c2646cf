"""Helpers shared by every test area (plain modules, not fixtures)."""
