"""Report sections as a PDF (fpdf2: pure Python, no browser or system library needed).

Every page carries the board's name and the report's title at the top, and the date produced
and "Page n of m" at the foot. A section marked ``chart`` is drawn as a horizontal bar chart
(its first column the labels, its first number column the values) above its table, so the
chart's figures are always printed beside it in words. Bars take the colour of what they mean
where a label says it (red, amber, green for RAG ratings; overdue in red), else the brand blue.
"""
from __future__ import annotations

from datetime import datetime

from fpdf import FPDF
from fpdf.fonts import FontFace

from .wording import local_time

# The PDF core fonts speak Latin-1 only: map the typography our text uses.
_PLAIN = str.maketrans({"\u2013": "-", "\u2014": "-", "\u2018": "'", "\u2019": "'",
                        "\u201c": '"', "\u201d": '"', "\u2026": "...", "\u2192": "->"})
HEADINGS = FontFace(emphasis="BOLD", fill_color=(230, 235, 240))
BRAND = (29, 79, 118)          # the site's brand blue (web/assets/scss/app.scss)
MEANING = {"red": (212, 53, 28), "overdue": (212, 53, 28), "amber": (244, 119, 56),
           "green": (0, 112, 60), "complete": (80, 90, 95)}
LABEL_WIDTH, BAR_HEIGHT = 60, 5


def plain(value) -> str:
    """Text the core fonts can draw (anything else becomes '?')."""
    text = str(value).translate(_PLAIN)
    return text.encode("latin-1", "replace").decode("latin-1")


class ReportPDF(FPDF):
    """A4 with the board's name and the title on every page, the date and page number below."""

    def __init__(self, title: str, board: str, produced: datetime):
        super().__init__(format="A4")
        self.report_title, self.board, self.produced = plain(title), plain(board), produced

    def header(self):
        self.set_font("helvetica", "", 8)
        self.set_text_color(80, 90, 95)
        self.cell(0, 5, f"{self.board} - {self.report_title}" if self.board else self.report_title,
                  new_x="LMARGIN", new_y="NEXT")
        self.set_text_color(0, 0, 0)
        self.ln(2)

    def footer(self):
        self.set_y(-12)
        self.set_font("helvetica", "", 8)
        self.set_text_color(80, 90, 95)
        self.cell(0, 5, f"Produced {local_time(self.produced)}", align="L")
        self.set_x(self.l_margin)
        self.cell(0, 5, f"Page {self.page_no()} of {{nb}}", align="R")
        self.set_text_color(0, 0, 0)


def render_pdf(title: str, subtitle: str, sections, board: str = "",
               produced: datetime | None = None) -> bytes:
    """An A4 PDF of the report: title, period, then each section's chart, table and note."""
    pdf = ReportPDF(title, board, produced or datetime.now())
    pdf.set_title(plain(title))
    pdf.set_author(plain(board) or "LSCB Workflow")
    pdf.set_auto_page_break(auto=True, margin=18)
    pdf.add_page()
    pdf.set_font("helvetica", "B", 18)
    pdf.multi_cell(0, 9, plain(title), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("helvetica", "", 11)
    pdf.multi_cell(0, 7, plain(subtitle), new_x="LMARGIN", new_y="NEXT")
    for section in sections:
        chart = BAR_HEIGHT * 1.4 * len(section.rows) + 13 if getattr(section, "chart", False) else 0
        if pdf.get_y() + 30 + chart > pdf.page_break_trigger and pdf.get_y() > 40:
            pdf.add_page()                  # a heading starts a page rather than end one
        pdf.ln(4)
        pdf.set_font("helvetica", "B", 13)
        pdf.multi_cell(0, 8, plain(section.title), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("helvetica", "", 10)
        if section.rows and getattr(section, "chart", False):
            _bars(pdf, section)
            pdf.set_font("helvetica", "", 10)      # the chart's labels are smaller
        if section.rows:
            widths = getattr(section, "widths", None)
            with pdf.table(headings_style=HEADINGS, line_height=6, col_widths=widths,
                           text_align="LEFT") as table:
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


def _bars(pdf: FPDF, section) -> None:
    """A horizontal bar chart of the section's first number column (labels shortened to fit;
    the full label is in the table below)."""
    column = next((i for i, v in enumerate(section.rows[0]) if isinstance(v, (int, float))
                   and not isinstance(v, bool)), None)
    if column is None:
        return
    values = [(str(row[0]), row[column]) for row in section.rows]
    top = max((v for _, v in values), default=0) or 1
    width = pdf.epw - LABEL_WIDTH - 15
    if pdf.get_y() + BAR_HEIGHT * 1.4 * len(values) + 8 > pdf.page_break_trigger:
        pdf.add_page()
    pdf.set_font("helvetica", "I", 8)
    pdf.cell(0, 5, plain(f"Chart: {section.columns[column]} by {section.columns[0].lower()}"),
             new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("helvetica", "", 8)
    for label, value in values:
        y = pdf.get_y()
        pdf.cell(LABEL_WIDTH - 2, BAR_HEIGHT, _fit(pdf, plain(label), LABEL_WIDTH - 3), align="R")
        pdf.set_fill_color(*MEANING.get(label.lower(), BRAND))
        length = width * value / top
        if length > 0:
            pdf.rect(pdf.l_margin + LABEL_WIDTH, y + 0.5, length, BAR_HEIGHT - 1, style="F")
        pdf.set_xy(pdf.l_margin + LABEL_WIDTH + length + 1.5, y)
        pdf.cell(12, BAR_HEIGHT, str(value), new_x="LMARGIN", new_y="NEXT")
        pdf.set_y(y + BAR_HEIGHT * 1.4)
    pdf.set_fill_color(255, 255, 255)       # tables below take the current fill
    pdf.ln(2)


def _fit(pdf: FPDF, text: str, width: float) -> str:
    """``text`` shortened with "..." to ``width`` millimetres in the current font."""
    if pdf.get_string_width(text) <= width:
        return text
    while text and pdf.get_string_width(text + "...") > width:
        text = text[:-1]
    return text.rstrip() + "..."
