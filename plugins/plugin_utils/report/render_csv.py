"""CSV: one file per table, UTF-8 with BOM (so Excel shows Chinese), labels in the report language.

CSV injection (OWASP): a spreadsheet runs a cell that starts with ``=``, ``+``, ``-``, ``@``,
a tab or a carriage return as a formula (a custodian named ``=HYPERLINK(...)``). Such cells
are written with a leading single quote, which spreadsheets show as text. A plain number
(``-3``, ``-2.5%``) is left as it is: it is not a formula.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

from .formatting import text_value
from .i18n import Translator
from .model import Report


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = re.compile(r"^[-+]?\d+(?:\.\d+)?%?$")


def csv_cell(text: str) -> str:
    """A cell value that a spreadsheet shows as text, never runs as a formula."""
    if text.startswith(FORMULA_START) and not PLAIN_NUMBER.match(text):
        return "'" + text
    return text


def render_csv(report: Report, directory: Path, t: Translator) -> list[Path]:
    """Write every table into ``directory`` (created, must not exist); return the files written."""
    directory.mkdir(parents=True, exist_ok=False)
    written = []
    for table in report.tables():
        if "csv" not in table.formats:
            continue
        path = directory / (table.key + ".csv")
        with open(path, "x", encoding="utf-8-sig", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow([csv_cell(t(c.label)) for c in table.columns])
            kinds = [(c.key, c.kind) for c in table.columns]
            for row in table.rows(None):
                writer.writerow([csv_cell(text_value(kind, row.get(key), t)) for key, kind in kinds])
        written.append(path)
    return written
