"""JSON for machines: one document with a schema version, raw values (rates 0..1, status codes, UTC times).

Rows are written one by one, so a table of 400,000 findings never sits in memory.
"""

from __future__ import annotations

import json
from typing import IO, Any

from .i18n import Translator
from .model import Report

SCHEMA = "hisops-report"
SCHEMA_VERSION = 2  # 1: before the column kinds outcome and inventory_change


def _dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str, sort_keys=True)


def render_json(report: Report, out: IO[str], t: Translator) -> None:
    write = out.write
    write(
        '{"schema": %s, "schema_version": %d, "meta": %s, "sections": ['
        % (_dump(SCHEMA), SCHEMA_VERSION, _dump(report.meta))
    )
    for i, section in enumerate(report.sections):
        write("," if i else "")
        head = {
            "key": section.key,
            "title": t(section.title),
            "kpis": {kpi.label.split(".", 1)[1]: kpi.value for kpi in section.kpis},
        }
        write(_dump(head)[:-1] + ', "tables": [')
        tables = [tb for tb in section.tables if "json" in tb.formats]
        for j, table in enumerate(tables):
            write("," if j else "")
            columns = [{"key": c.key, "label": t(c.label), "kind": c.kind} for c in table.columns]
            write(
                '{"key": %s, "title": %s, "total": %d, "columns": %s, "rows": ['
                % (_dump(table.key), _dump(t(table.title)), table.total, _dump(columns))
            )
            keys = [c.key for c in table.columns]
            for k, row in enumerate(table.rows(None)):
                write(("," if k else "") + _dump({key: row.get(key) for key in keys}))
            write("]}")
        write("]}")
    write("]}\n")
