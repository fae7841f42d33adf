"""The report model: sections made of KPIs, charts and tables, rendered to HTML, XLSX, CSV and JSON.

A table's rows are produced by a function, so a large table (every host, every finding) is
streamed from the database once per output format instead of being held in memory.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

# Column kinds drive formatting: text, int, rate (0..1 shown as a percentage), status,
# severity, kind, mode, reason (why a control was not checked), bool, list (lines of evidence),
# time (store time text), link (text; in the HTML a link to the row the row's KEY_anchor value names),
# since (new | carried: whether a finding began in the period or before it), coverage (how a rulebook
# item is accounted for: report.rulebook), outcome (what became of a change: changed | rolled_back |
# failed), inventory_change (added | removed: a device in the inventory).
ALL_FORMATS = ("html", "xlsx", "csv", "json")
MACHINE_FORMATS = ("xlsx", "csv", "json")
KINDS = (
    "text", "int", "float", "rate", "status", "severity", "kind", "mode", "reason", "bool", "list", "time", "link",
    "since", "how", "run_status", "exemption", "coverage", "outcome", "inventory_change",
)  # fmt: skip


@dataclass(frozen=True)
class Column:
    key: str
    label: str  # i18n key
    kind: str = "text"
    width: int = 14  # XLSX column width (characters)


@dataclass
class Table:
    key: str  # file/sheet name: by_department, findings, ...
    title: str  # i18n key
    columns: Sequence[Column]
    rows: Callable[[int | None], Iterable[dict[str, Any]]]  # rows(limit) -> dicts keyed by column key
    total: int  # number of rows without a limit
    html_limit: int | None = None  # None: the whole table in the HTML report
    xlsx_limit: int | None = None  # None: the whole table in the XLSX report
    group_by: str | None = None  # HTML: start a sub-heading when this column's value changes
    formats: tuple[str, ...] = ALL_FORMATS  # the outputs that carry this table
    anchor: str | None = None  # HTML: the first row of each value of this column is the target of its links

    def values(self, row: dict[str, Any]) -> list[Any]:
        return [row.get(c.key) for c in self.columns]


@dataclass
class Kpi:
    label: str  # i18n key
    value: Any
    kind: str = "int"
    tone: str = ""  # good | warn | bad


@dataclass
class Chart:
    key: str
    title: str  # i18n key
    draw: Callable[[], str]  # returns the SVG; called only by the HTML renderer
    _svg: str | None = None

    @property
    def svg(self) -> str:
        if self._svg is None:
            self._svg = self.draw()
        return self._svg


@dataclass
class SectionResult:
    key: str
    title: str  # i18n key
    intro: str = ""  # already translated text shown under the title
    kpis: list[Kpi] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)


@dataclass
class Report:
    meta: dict[str, Any]
    sections: list[SectionResult]

    def tables(self) -> list[Table]:
        return [t for s in self.sections for t in s.tables]


def static_table(key: str, title: str, columns: Sequence[Column], rows: list[dict[str, Any]], **kw: Any) -> Table:
    """A table whose rows are already in memory (small aggregates)."""
    return Table(key, title, columns, lambda limit: rows if limit is None else rows[:limit], len(rows), **kw)
