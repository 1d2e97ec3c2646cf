"""Turning insight models into files people open: CSV tables, PNG/SVG charts, the PDF pack.

Matplotlib and fpdf2 ship in the reports layer only; the rest of the package never
imports this module, so the API and queue functions stay small.
"""
