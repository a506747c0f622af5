"""CSV and XLSX downloads of a table (header row + data rows), safe to open in a spreadsheet."""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date, datetime

from flask import Response, abort

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
TYPES = {"csv": "text/csv; charset=utf-8",
         "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def safe_text(value):
    """Text that a spreadsheet will not run as a formula (OWASP CSV injection advice)."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def _cell(value, for_csv: bool):
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.replace(microsecond=0)
        return value.isoformat() if for_csv else value.replace(tzinfo=None)
    if isinstance(value, date):
        return value.isoformat() if for_csv else value
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (list, tuple, set)):
        value = ", ".join(str(v) for v in value)
    return safe_text(value) if isinstance(value, str) else value


def table_response(name: str, fmt: str, header: Sequence[str],
                   rows: Iterable[Sequence]) -> Response:
    """A download named ``name.fmt`` (csv or xlsx; 404 for anything else).

    XLSX datetimes are written without their zone: every datetime here is UTC, as the header
    of the first datetime column should say.
    """
    if fmt not in TYPES:
        abort(404)
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(header)
        writer.writerows([_cell(v, True) for v in row] for row in rows)
        body = buffer.getvalue().encode("utf-8-sig")     # BOM: Excel then reads UTF-8
    else:
        body = _xlsx(name, header, rows)
    response = Response(body, content_type=TYPES[fmt])      # as given: one charset
    response.headers["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response


def _xlsx(name: str, header: Sequence[str], rows: Iterable[Sequence]) -> bytes:
    from openpyxl import Workbook
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=name[:31])
    sheet.append(list(header))
    for row in rows:
        sheet.append([_cell(v, False) for v in row])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
