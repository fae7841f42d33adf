"""CSV: one file per table, UTF-8 with BOM (so Excel shows Chinese), labels in the report language."""

from __future__ import annotations

import csv
from pathlib import Path

from .formatting import text_value
from .i18n import Translator
from .model import Report


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
            writer.writerow([t(c.label) for c in table.columns])
            kinds = [(c.key, c.kind) for c in table.columns]
            for row in table.rows(None):
                writer.writerow([text_value(kind, row.get(key), t) for key, kind in kinds])
        written.append(path)
    return written
