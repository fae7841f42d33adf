"""The XLSX report (XlsxWriter, constant memory): one sheet per table, formatted for auditors."""

from __future__ import annotations

import re
from typing import IO, Any

import xlsxwriter

from .formatting import local_time, text_value
from .i18n import Translator
from .model import Report, Table

_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")


def _sheet_name(title: str, used: set[str]) -> str:
    base = _BAD_SHEET_CHARS.sub(" ", title)[:31] or "Sheet"
    name, n = base, 2
    while name.lower() in used:
        suffix = " (%d)" % n
        name, n = base[: 31 - len(suffix)] + suffix, n + 1
    used.add(name.lower())
    return name


class _Formats:
    def __init__(self, book: xlsxwriter.Workbook) -> None:
        font = {"font_name": "Microsoft YaHei", "font_size": 10}
        self.header = book.add_format(font | {"bold": True, "bg_color": "#DCE6F1", "border": 1, "text_wrap": True})
        self.title = book.add_format(font | {"bold": True, "font_size": 14})
        self.label = book.add_format(font | {"bold": True})
        self.text = book.add_format(font)
        self.wrap = book.add_format(font | {"text_wrap": True, "valign": "top"})
        self.rate = book.add_format(font | {"num_format": "0.0%"})
        self.int = book.add_format(font | {"num_format": "0"})
        self.float = book.add_format(font | {"num_format": "0.0"})
        self.note = book.add_format(font | {"italic": True, "font_color": "#666666"})


def _summary_sheet(book: xlsxwriter.Workbook, report: Report, t: Translator, fmt: _Formats, used: set[str]) -> None:
    ws = book.add_worksheet(_sheet_name(t("section.summary"), used))
    ws.set_column(0, 0, 26)
    ws.set_column(1, 1, 60)
    meta = report.meta
    ws.write_string(0, 0, t("report.title"), fmt.title)
    rows: list[tuple[str, Any, Any]] = [
        (
            t("report.period"),
            "%s (%s – %s)" % (meta["period_label"], meta["period_start"], meta["period_last_day"]),
            None,
        ),
        (t("report.generated"), meta["generated_at"], None),
        (t("report.store"), meta["store"], None),
        (t("report.schema"), meta["report_schema_version"], fmt.int),
    ]
    for section in report.sections:
        for kpi in section.kpis:
            value = kpi.value
            rows.append((t(kpi.label), value, fmt.rate if kpi.kind == "rate" else fmt.int))
    for i, (label, value, cell_fmt) in enumerate(rows, start=2):
        ws.write_string(i, 0, label, fmt.label)
        if isinstance(value, (int, float)):
            ws.write_number(i, 1, value, cell_fmt)
        else:
            ws.write_string(i, 1, "" if value is None else str(value), fmt.text)
    ws.write_string(len(rows) + 3, 0, "", fmt.text)
    note_row = len(rows) + 3
    for section in report.sections:
        if section.intro:
            ws.write_string(note_row, 0, section.intro, fmt.note)
            note_row += 1


def _table_sheet(book: xlsxwriter.Workbook, table: Table, t: Translator, fmt: _Formats, used: set[str]) -> None:
    ws = book.add_worksheet(_sheet_name(t(table.title), used))
    cols = list(table.columns)
    for i, col in enumerate(cols):
        ws.set_column(i, i, col.width, fmt.wrap if col.kind == "list" else None)
    ws.set_row(0, 30)
    for i, col in enumerate(cols):
        ws.write_string(0, i, t(col.label), fmt.header)
    ws.freeze_panes(1, 0)
    writers = []
    for col in cols:
        if col.kind in ("int", "float", "rate"):
            cell_fmt = {"int": fmt.int, "float": fmt.float, "rate": fmt.rate}[col.kind]
            writers.append(("num", cell_fmt, col))
        elif col.kind == "text":
            writers.append(("str", None, col))
        elif col.kind == "time":
            writers.append(("time", None, col))
        else:
            writers.append(("fmt", fmt.wrap if col.kind == "list" else None, col))
    write_string, write_number = ws.write_string, ws.write_number
    r = 0
    for r, row in enumerate(table.rows(table.xlsx_limit), start=1):
        for c, (how, cell_fmt, col) in enumerate(writers):
            value = row.get(col.key)
            if value is None or value == "":
                continue
            if how == "num":
                write_number(r, c, value, cell_fmt)
            elif how == "str":
                write_string(r, c, str(value))
            elif how == "time":
                write_string(r, c, local_time(value))
            else:
                write_string(r, c, text_value(col.kind, value, t), cell_fmt)
    last = max(r, 1)
    ws.autofilter(0, 0, last, len(cols) - 1)
    if table.xlsx_limit is not None and table.total > r:
        ws.write_string(r + 2, 0, t("report.truncated_xlsx", shown=r, total=table.total, table=table.key), fmt.note)


def render_xlsx(report: Report, out: IO[bytes], t: Translator) -> None:
    book = xlsxwriter.Workbook(
        out,
        {
            "strings_to_numbers": False,
            "strings_to_urls": False,
            "strings_to_formulas": False,
            # rows are written in order: stream them to disk instead of holding every cell
            "constant_memory": True,
        },
    )
    book.set_properties({"title": t("report.title") + " " + report.meta["period_label"], "author": "hisops"})
    fmt = _Formats(book)
    used: set[str] = set()
    _summary_sheet(book, report, t, fmt, used)
    for table in report.tables():
        if "xlsx" in table.formats:
            _table_sheet(book, table, t, fmt, used)
    book.close()
