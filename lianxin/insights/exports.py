"""CSV and XLSX of a metric's rows: the plain columns the owning app gives, never personal data."""

from __future__ import annotations

import csv
import io

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

# Columns exported, in order; an app's rows() may carry more (the url), which stay out.
COLUMNS = ("number", "category", "grid", "channel", "status", "at")


def _headers() -> list[str]:
    return [_("Number"), _("Category"), _("Grid"), _("Channel"), _("Status"), _("Time")]


def _cell(row: dict, column: str) -> str:
    value = row.get(column, "")
    if column == "at" and value:
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    return str(value)


def rows_csv(rows: list[dict]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(_headers())
    for row in rows:
        writer.writerow([_cell(row, c) for c in COLUMNS])
    # A byte-order mark so spreadsheet programs read the Chinese as UTF-8.
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def rows_xlsx(rows: list[dict], *, title: str) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = title[:31] or "rows"
    sheet.append(_headers())
    for row in rows:
        sheet.append([_cell(row, c) for c in COLUMNS])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
