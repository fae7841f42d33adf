"""Assemble a report from the store: the sections that have data, with their tables and charts."""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from ..stale_runs import close_stale_runs, closed_message
from ..store import Store

from ..project import project_path
from . import exemptions, period_stats, rulebook
from .catalog import DEFAULT_CATALOG, inventory_departments, inventory_hostvars, inventory_list, load_catalog
from .i18n import Translator
from .model import Report
from .period import Period
from .render_json import SCHEMA_VERSION
from .sections import Context, active_sections
from .source import ReportSource, open_report_store

# Section modules beside report/sections.py: importing them registers their sections.
SECTION_MODULES = (exemptions, period_stats, rulebook)


@dataclass
class Options:
    store: str | None
    period: Period
    lang: str = "zh"
    catalog: str | None = None
    inventory: str | None = None
    html_rows: int = 500
    xlsx_rows: int = 10000
    target: float = 0.95
    stale_run_hours: float | None = None  # None: $HISOPS_STALE_RUN_HOURS, else 24 (plugin_utils.stale_runs)
    analysis_dir: str | None = None  # None: $HISOPS_ANALYSIS_DIR, else analysis/ (report.period_stats)


def merge_departments(
    recorded: dict[str, dict[str, str]], inventory: dict[str, dict[str, str]]
) -> dict[str, dict[str, str]]:
    """Department names and custodians: what the store recorded in the period wins (the person
    in charge at the time, rulebook 七.2); the inventory adds English names and departments the
    store has no asset record for."""
    out: dict[str, dict[str, str]] = {}
    for code in sorted(set(recorded) | set(inventory)):
        inv, rec = inventory.get(code, {}), recorded.get(code, {})
        out[code] = {
            "name_zh": rec.get("name") or inv.get("name_zh", ""),
            "name_en": inv.get("name_en", ""),
            "custodian": rec.get("custodian") or inv.get("custodian", ""),
            "staff_id": rec.get("staff_id") or inv.get("staff_id", ""),
        }
    return out


@contextmanager
def open_report(opts: Options) -> Iterator[tuple[Report, Translator]]:
    """Build the report; the store stays open while the caller renders (tables stream from it)."""
    t = Translator(opts.lang)
    catalog = load_catalog(opts.catalog)
    rules = rulebook.load_rulebook(rulebook.rulebook_path(opts.catalog or project_path(DEFAULT_CATALOG)))
    listed = inventory_list(opts.inventory) if opts.inventory else {}
    inventory = inventory_departments(listed) if listed else {}
    exceptions = (
        exemptions.inventory_exceptions(inventory_hostvars(listed), min(dt.date.today(), opts.period.last_day))
        if listed
        else []
    )
    store = open_report_store(opts.store)
    try:
        close_abandoned_runs(store, opts.stale_run_hours)
        source = ReportSource(store, opts.period, catalog)
        try:
            ctx = Context(
                source=source,
                t=t,
                catalog=catalog,
                rulebook=rules,
                departments=merge_departments(source.departments(), inventory),
                html_rows=opts.html_rows,
                xlsx_rows=opts.xlsx_rows,
                target=opts.target,
                analysis_dir=opts.analysis_dir,
                exceptions=exceptions,
            )
            sections = [s.build(ctx) for s in active_sections(ctx)]
            yield Report(meta=_meta(opts, store, source, t), sections=sections), t
        finally:
            source.close()
    finally:
        store.close()


def close_abandoned_runs(store: Store, hours: float | None) -> None:
    """Before reading: runs left 'running' by a process that died are marked interrupted, the one
    write a report makes. A store the report may not write to is reported as it is, with a warning."""
    try:
        closed = close_stale_runs(store, hours)
    except Exception as exc:
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        print("hisops report: warning: could not close abandoned runs: %s" % first, file=sys.stderr)
        return
    if closed:
        print("hisops report: " + closed_message(closed, hours), file=sys.stderr)


def _meta(opts: Options, store: Any, source: ReportSource, t: Translator) -> dict[str, Any]:
    period = opts.period
    return {
        "title": t("report.title"),
        "lang": opts.lang,
        "period": period.spec,
        "period_kind": period.kind,
        "period_label": period.label(opts.lang),
        "period_start": period.start.isoformat(),
        "period_last_day": period.last_day.isoformat(),
        "generated_at": dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M:%S %z"),
        "store": store.location.display,
        "store_kind": store.kind,
        "store_schema_version": store.schema_version(),
        "report_schema_version": SCHEMA_VERSION,
        "runs": len(source.runs),
        "target": opts.target,
    }
