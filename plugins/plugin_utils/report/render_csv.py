"""CSV for machines: one file per table, UTF-8 with BOM (so Excel shows Chinese), versioned.

Every file (format ``CSV_SCHEMA``, version ``CSV_SCHEMA_VERSION``; docs/reports.md, "Machine
formats"):

- line 1, the version line: ``#hisops-report-csv,<version>,<table>,<lang>``;
- line 2, the column ids: stable English keys (the JSON's keys), whatever the report's language;
- then one line per row, with the JSON's values: rates on the same 0..1 scale, status and other
  codes untranslated, times as stored (UTC), lists one item a line, empty for none.

``columns.csv`` beside them (same version line) gives each table's column ids with their kind
and their label in the report's language.

CSV injection (OWASP): a spreadsheet runs a cell that starts with ``=``, ``+``, ``-``, ``@``,
a tab or a carriage return as a formula (a custodian named ``=HYPERLINK(...)``). Such cells
are written with a leading single quote, which spreadsheets show as text. A plain number
(``-3``, ``-2.5%``) is left as it is: it is not a formula.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path
from typing import Any

from .i18n import Translator
from .model import Report


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = re.compile(r"^[-+]?\d+(?:\.\d+)?%?$")


def csv_cell(text: str) -> str:
    """A cell value that a spreadsheet shows as text, never runs as a formula."""
    if text.startswith(FORMULA_START) and not PLAIN_NUMBER.match(text):
        return "'" + text
    return text


CSV_SCHEMA = "#hisops-report-csv"
CSV_SCHEMA_VERSION = 2  # 1: the unversioned files before, headers in the report's language
COLUMNS_FILE = "columns.csv"


def csv_value(value: Any) -> str:
    """A value as the JSON carries it, as CSV text (lists one item a line, None empty)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return "\n".join(str(v) for v in value)
    if isinstance(value, float):
        return repr(value)
    return str(value)


def render_csv(report: Report, directory: Path, t: Translator) -> list[Path]:
    """Write every table into ``directory`` (created, must not exist); return the files written."""
    directory.mkdir(parents=True, exist_ok=False)
    written = []
    labels: list[list[str]] = []
    for table in report.tables():
        if "csv" not in table.formats:
            continue
        path = directory / (table.key + ".csv")
        with open(path, "x", encoding="utf-8-sig", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow([CSV_SCHEMA, str(CSV_SCHEMA_VERSION), table.key, t.lang])
            writer.writerow([c.key for c in table.columns])
            keys = [c.key for c in table.columns]
            for row in table.rows(None):
                writer.writerow([csv_cell(csv_value(row.get(key))) for key in keys])
        labels.extend([table.key, c.key, c.kind, csv_cell(t(c.label))] for c in table.columns)
        written.append(path)
    path = directory / COLUMNS_FILE
    with open(path, "x", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow([CSV_SCHEMA, str(CSV_SCHEMA_VERSION), "columns", t.lang])
        writer.writerow(["table", "column", "kind", "label"])
        writer.writerows(labels)
    written.append(path)
    return written
