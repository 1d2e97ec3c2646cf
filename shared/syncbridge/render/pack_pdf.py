"""The compliance audit pack as a PDF: a cover with the figures, then one table per section."""

from __future__ import annotations

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from syncbridge.domain.insights.compliance import CompliancePack

WIDTHS = (34, 42, 62, 22, 30)  # at, what, detail, actor, audit ref (mm, A4 portrait)


def _latin1(text: str) -> str:
    """The core fonts speak Latin-1: replace what they cannot draw rather than fail."""
    replacements = {"→": "->", "—": "-", "\u2013": "-", "·": "-", "…": "..."}
    for a, b in replacements.items():
        text = text.replace(a, b)
    return text.encode("latin-1", "replace").decode("latin-1")


def pack_pdf(pack: CompliancePack) -> bytes:
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.set_title(f"Compliance pack {pack.site}")
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 18)
    pdf.cell(
        0,
        12,
        _latin1(f"Pest-control compliance pack: {pack.site}"),
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    pdf.set_font("Helvetica", "", 10)
    pdf.cell(
        0,
        6,
        _latin1(
            f"Period {pack.start:%Y-%m-%d} to {pack.end:%Y-%m-%d} - generated "
            f"{pack.generated_at:%Y-%m-%d %H:%M} UTC - tenant {pack.tenant}"
        ),
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    pdf.ln(4)
    pdf.set_font("Helvetica", "B", 12)
    pdf.cell(0, 8, "Summary", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font("Helvetica", "", 10)
    for section in pack.sections:
        pdf.cell(
            0,
            6,
            _latin1(f"{section.title}: {section.summary}"),
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )
    for section in pack.sections:
        pdf.ln(4)
        pdf.set_font("Helvetica", "B", 12)
        pdf.cell(
            0,
            8,
            _latin1(f"{section.title} ({section.figure})"),
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )
        pdf.set_font("Helvetica", "", 8)
        if not section.rows:
            pdf.cell(0, 6, "No entries in this period.", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            continue
        with pdf.table(col_widths=WIDTHS, text_align="LEFT", line_height=4.5) as table:
            header = table.row()
            for title in ("When", "What", "Detail", "By", "Audit ref"):
                header.cell(title)
            for entry in section.rows:
                row = table.row()
                row.cell(f"{entry.at:%Y-%m-%d %H:%M}")
                row.cell(_latin1(entry.what))
                row.cell(_latin1(entry.detail))
                row.cell(_latin1(entry.actor or ""))
                row.cell(_latin1(entry.audit_ref or ""))
    return bytes(pdf.output())
