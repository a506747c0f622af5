"""Report sections as a PDF (fpdf2: pure Python, no browser or system library needed)."""
from __future__ import annotations

from fpdf import FPDF
from fpdf.fonts import FontFace

# The PDF core fonts speak Latin-1 only: map the typography our text uses.
_PLAIN = str.maketrans({"\u2013": "-", "\u2014": "-", "\u2018": "'", "\u2019": "'",
                        "\u201c": '"', "\u201d": '"', "\u2026": "..."})
HEADINGS = FontFace(emphasis="BOLD", fill_color=(230, 235, 240))


def plain(value) -> str:
    """Text the core fonts can draw (anything else becomes '?')."""
    text = str(value).translate(_PLAIN)
    return text.encode("latin-1", "replace").decode("latin-1")


def render_pdf(title: str, subtitle: str, sections) -> bytes:
    """An A4 PDF of the report: title, period, then each section's table and note."""
    pdf = FPDF(format="A4")
    pdf.set_title(plain(title))
    pdf.set_author("LSCB Workflow")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    pdf.set_font("helvetica", "B", 18)
    pdf.multi_cell(0, 9, plain(title), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("helvetica", "", 11)
    pdf.multi_cell(0, 7, plain(subtitle), new_x="LMARGIN", new_y="NEXT")
    for section in sections:
        pdf.ln(4)
        pdf.set_font("helvetica", "B", 13)
        pdf.multi_cell(0, 8, plain(section.title), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("helvetica", "", 10)
        if section.rows:
            with pdf.table(headings_style=HEADINGS, line_height=6) as table:
                header = table.row()
                for column in section.columns:
                    header.cell(plain(column))
                for values in section.rows:
                    row = table.row()
                    for value in values:
                        row.cell(plain(value))
        else:
            pdf.multi_cell(0, 6, "Nothing to report.", new_x="LMARGIN", new_y="NEXT")
        if section.note:
            pdf.set_font("helvetica", "I", 10)
            pdf.multi_cell(0, 6, plain(section.note), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
