"""The XLSX report (XlsxWriter, constant memory): one sheet per table, formatted for auditors."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import IO, Any

import xlsxwriter
from xlsxwriter.worksheet import Worksheet

from .formatting import local_datetime, text_value
from .i18n import Translator
from .model import Column, Report, Table

_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")
NUMBER_KINDS = ("int", "float", "rate")  # each is also the name of its _Formats attribute


def _sheet_name(title: str, used: set[str]) -> str:
    base = _BAD_SHEET_CHARS.sub(" ", title)[:31].strip() or "Sheet"
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
        self.time = book.add_format(font | {"num_format": "yyyy-mm-dd hh:mm"})


def _print_setup(ws: Worksheet) -> None:
    """A4 landscape, the header row on every page, as wide as one page."""
    ws.set_paper(9)
    ws.set_landscape()
    ws.repeat_rows(0)
    ws.fit_to_pages(1, 0)


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
    _print_setup(ws)
    written = _write_rows(ws, table, [(col.key, _cell_writer(ws, col, fmt, t)) for col in cols])
    ws.autofilter(0, 0, max(written, 1), len(cols) - 1)
    if not written:
        ws.write_string(1, 0, t("report.empty"), fmt.note)
    if table.xlsx_limit is not None and table.total > written:
        note = t("report.truncated_xlsx", shown=written, total=table.total, table=table.key)
        ws.write_string(written + 2, 0, note, fmt.note)


CellWriter = Callable[[int, int, Any], Any]


def _write_time(ws: Worksheet, r: int, c: int, value: Any, fmt: _Formats) -> None:
    when = local_datetime(value)
    if when is None:  # not a time the store writes: shown as it is
        ws.write_string(r, c, str(value))
    else:
        ws.write_datetime(r, c, when, fmt.time)


def _cell_writer(ws: Worksheet, col: Column, fmt: _Formats, t: Translator) -> CellWriter:
    """How a column's values are written: chosen once per column, not per cell."""
    kind, write_string, write_number = col.kind, ws.write_string, ws.write_number
    if kind in NUMBER_KINDS:
        number_fmt = getattr(fmt, kind)
        return lambda r, c, value: write_number(r, c, value, number_fmt)
    if kind == "text":
        return lambda r, c, value: write_string(r, c, str(value))
    if kind == "time":  # a real date-time (the controller's local time), sortable and filterable
        return lambda r, c, value: _write_time(ws, r, c, value, fmt)
    text_fmt = fmt.wrap if kind == "list" else None
    return lambda r, c, value: write_string(r, c, text_value(kind, value, t), text_fmt)


def _write_rows(ws: Worksheet, table: Table, writers: list[tuple[str, CellWriter]]) -> int:
    """Write the table's rows below the header (empty values leave the cell empty); return how many."""
    r = 0
    for r, row in enumerate(table.rows(table.xlsx_limit), start=1):
        for c, (key, write) in enumerate(writers):
            value = row.get(key)
            if value is not None and value != "":
                write(r, c, value)
    return r


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
