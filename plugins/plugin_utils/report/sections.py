"""The report's sections: a registry, each section with a ``has_data`` check and a ``build``.

A section appears in a report only when ``has_data`` says the store holds data for it in
the period: no empty placeholders. A later record kind (a backup register, password
rotations) plugs in by registering a section, usually a ``RecordSection`` over its table::

    from .sections import RecordSection, register
    register(RecordSection("backup_register", "section.backups", [Column("host", "col.host"), ...], order=55))

(with its labels added to ``i18n.CATALOG``). The built-in sections are registered below in
report order: leadership summary, departments, hosts, runs, assets, switch changes, manual
controls.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..store import trend

from . import asset_register
from .catalog import rules_text
from .i18n import Translator
from .model import MACHINE_FORMATS, Chart, Column, Kpi, SectionResult, Table, static_table
from .operator_files import analysis_dir, read_manual_checks
from .source import ReportSource

COUNT_COLUMNS = [
    Column("pass", "col.pass", "int", 8),
    Column("fail", "col.fail", "int", 8),
    Column("fixed", "col.fixed", "int", 8),
    Column("exempt", "col.exempt", "int", 8),
    Column("error", "col.error", "int", 8),
    Column("not_checked", "col.not_checked", "int", 9),
]


@dataclass
class Context:
    """What every section reads: the store for the period, labels, control and department data."""

    source: ReportSource
    t: Translator
    catalog: dict[str, dict[str, Any]]
    departments: dict[str, dict[str, str]] = field(default_factory=dict)  # code -> name_zh/name_en/custodian
    html_rows: int = 500
    xlsx_rows: int = 10000
    target: float = 0.95
    analysis_dir: str | None = None  # the written analyses (report.period_stats); None: the default
    exceptions: list[dict[str, Any]] = field(default_factory=list)  # the inventory's (report.exemptions)
    rulebook: list[dict[str, Any]] = field(default_factory=list)  # its sections (report.rulebook)
    _cache: dict[str, Any] = field(default_factory=dict)

    def cached(self, key: str, fn: Any) -> Any:
        if key not in self._cache:
            self._cache[key] = fn()
        return self._cache[key]

    def dept_name(self, code: str | None) -> str:
        if not code:
            return self.t("host.unknown_department")
        dept = self.departments.get(code) or {}
        return dept.get("name_" + self.t.lang) or dept.get("name_zh") or dept.get("name_en") or code

    def custodian(self, code: str | None) -> str:
        return (self.departments.get(code or "") or {}).get("custodian", "")

    def control_title(self, control_id: str) -> str:
        return self.t.pick((self.catalog.get(control_id) or {}).get("title"), control_id)

    def control_rule(self, control_id: str) -> str:
        return rules_text(self.catalog.get(control_id))

    def control_remediation(self, control_id: str) -> str:
        """What to do about a finding of the control, in the report's language (the catalog's remediation)."""
        return self.t.pick((self.catalog.get(control_id) or {}).get("remediation"))


class Section:
    """Base of a report section."""

    key = ""
    title = ""
    order = 100

    def has_data(self, ctx: Context) -> bool:
        raise NotImplementedError

    def build(self, ctx: Context) -> SectionResult:
        raise NotImplementedError


SECTIONS: list[Section] = []


def register(section: Section) -> Section:
    """Add (or replace, by key) a section of the report."""
    SECTIONS[:] = [s for s in SECTIONS if s.key != section.key]
    SECTIONS.append(section)
    SECTIONS.sort(key=lambda s: (s.order, s.key))
    return section


def _charts() -> Any:
    """matplotlib is imported only when a chart is drawn (the XLSX/CSV/JSON outputs have none)."""
    from . import charts

    return charts


def with_control(ctx: Context, rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        r
        | {
            "title": ctx.control_title(r["control_id"]),
            "rule": ctx.control_rule(r["control_id"]),
            "remediation": ctx.control_remediation(r["control_id"]),
        }
        for r in rows
    ]


def with_department(ctx: Context, rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        r | {"department_name": ctx.dept_name(r.get("department")), "custodian": ctx.custodian(r.get("department"))}
        for r in rows
    ]


def tone_of(rate: float | None, target: float) -> str:
    if rate is None:
        return ""
    return "good" if rate >= target else "warn" if rate >= target - 0.1 else "bad"


# ------------------------------------------------------------------------------ summary
class SummarySection(Section):
    key, title, order = "summary", "section.summary", 10

    def has_data(self, ctx: Context) -> bool:
        return True  # the leadership summary is always there; it says when nothing was recorded

    def build(self, ctx: Context) -> SectionResult:
        t, src = ctx.t, ctx.source
        manual = sum(1 for c in ctx.catalog.values() if c.get("kind") == "manual")
        result = SectionResult(self.key, self.title)
        if not src.runs:
            result.intro = t("report.no_runs")
            result.kpis = [Kpi("kpi.runs", 0), Kpi("kpi.manual", manual)]
            return result
        summary = ctx.cached("summary", src.summary)
        blocking = summary["blocking_not_checked"]
        result.intro = t("report.rate_rule") + " " + period_rule(ctx)
        if summary["not_checked"]:
            result.intro += " " + t("report.not_checked", n=summary["not_checked"], blocking=blocking)
        # Never green while a critical or high control went unchecked (plugin_utils.coverage).
        rate_tone = "bad" if blocking else tone_of(summary["rate"], ctx.target)
        average = ctx.cached("average", lambda: trend.average(ctx.cached("trend", src.trend)))
        result.kpis = [
            Kpi("kpi.rate", summary["rate"], "rate", rate_tone),
            Kpi("kpi.period_average", average["rate"], "rate", tone_of(average["rate"], ctx.target)),
            Kpi("kpi.fixed", summary["fixed"], "int", "good" if summary["fixed"] else ""),
            Kpi("kpi.hosts", summary["hosts"]),
            _all_of("kpi.hosts_fully_checked", summary["fully_checked_hosts"], summary["hosts"]),
            Kpi("kpi.failing_hosts", summary["failing_hosts"], "int", "bad" if summary["failing_hosts"] else "good"),
            Kpi("kpi.controls", summary["controls"]),
            _all_of("kpi.controls_checked", summary["controls_checked"], summary["controls"]),
            Kpi("kpi.not_checked", summary["not_checked"], "int", "bad" if summary["not_checked"] else "good"),
            Kpi("kpi.runs", summary["runs"]),
            Kpi("kpi.manual", manual),
        ]
        by_dept = with_department(ctx, ctx.cached("by_department", src.by_department))
        by_control = with_control(ctx, ctx.cached("by_control", src.by_control))
        points = ctx.cached("trend", src.trend)
        top = with_control(ctx, src.top_failing(10, ctx.cached("by_control", src.by_control)))
        for row in top:
            row["failing"] = row["fail"] + row["error"]
        worst_first = sorted(by_control, key=lambda r: (r["rate"] if r["rate"] is not None else 2, r["control_id"]))
        result.charts = [
            Chart(
                "by_department",
                "chart.by_department",
                lambda: _charts().bar_chart(
                    "dept", [r["department_name"] for r in by_dept], [r["rate"] for r in by_dept], ctx.target
                ),
            ),
            Chart(
                "trend",
                "chart.trend",
                lambda: _charts().line_chart(
                    "trend", [p["key"] for p in points], [p["rate"] for p in points], ctx.target
                ),
            ),
            Chart(
                "by_control",
                "chart.by_control",
                lambda: _charts().bar_chart(
                    "ctl",
                    [
                        r["control_id"] if r["title"] == r["control_id"] else "%s %s" % (r["control_id"], r["title"])
                        for r in worst_first
                    ],
                    [r["rate"] for r in worst_first],
                    ctx.target,
                ),
            ),
        ]
        result.tables = [
            static_table(
                "by_department",
                "table.by_department",
                [
                    Column("department", "col.department", "text", 14),
                    Column("department_name", "col.department_name", "text", 16),
                    Column("custodian", "col.custodian", "text", 12),
                    Column("hosts", "col.hosts", "int", 9),
                    Column("compliant_hosts", "col.compliant_hosts", "int", 12),
                    Column("failing_hosts", "col.failing_hosts", "int", 12),
                    *COUNT_COLUMNS,
                    Column("rate", "col.rate", "rate", 11),
                ],
                by_dept,
            ),
            static_table(
                "by_control",
                "table.by_control",
                [
                    Column("control_id", "col.control", "text", 26),
                    Column("title", "col.title", "text", 30),
                    Column("rule", "col.rule", "text", 16),
                    Column("severity", "col.severity", "severity", 9),
                    Column("total", "col.checked", "int", 9),
                    *COUNT_COLUMNS,
                    Column("rate", "col.rate", "rate", 11),
                ],
                by_control,
            ),
            static_table(
                "not_checked",
                "table.not_checked",
                [
                    Column("control_id", "col.control", "text", 26),
                    Column("title", "col.title", "text", 30),
                    Column("severity", "col.severity", "severity", 9),
                    Column("reason", "col.reason", "reason", 20),
                    Column("hosts", "col.hosts", "int", 9),
                ],
                _not_checked_by_control(ctx),
            ),
            static_table(
                "top_failing",
                "table.top_failing",
                [
                    Column("control_id", "col.control", "text", 26),
                    Column("title", "col.title", "text", 30),
                    Column("rule", "col.rule", "text", 16),
                    Column("severity", "col.severity", "severity", 9),
                    Column("failing", "col.failing_hosts", "int", 12),
                    Column("total", "col.checked", "int", 9),
                    Column("rate", "col.rate", "rate", 11),
                    Column("remediation", "col.remediation", "text", 50),
                ],
                top,
            ),
            static_table(
                "trend",
                "table.trend",
                [
                    Column("key", "col.bucket", "text", 18),
                    Column("runs", "col.runs", "int", 8),
                    Column("total", "col.results", "int", 10),
                    *COUNT_COLUMNS,
                    Column("rate", "col.rate", "rate", 11),
                ],
                points,
            ),
        ]
        return result


def period_rule(ctx: Context) -> str:
    """How the period average and the trend are counted, in the report's language."""
    return ctx.t("report.period_rule", bucket=ctx.t("bucket." + ctx.source.granularity()))


def _all_of(label: str, value: int, whole: int) -> Kpi:
    """A count that is good only when it is all of ``whole`` (hosts fully checked, controls checked)."""
    return Kpi(label, value, "int", "good" if value == whole else "bad")


def _not_checked_by_control(ctx: Context) -> list[dict[str, Any]]:
    """Controls not checked, per control and reason, with how many hosts."""
    counts: dict[tuple[str, str, str], int] = {}
    for row in ctx.source.not_checked():
        key = (row["control_id"], row["severity"], row["reason"])
        counts[key] = counts.get(key, 0) + 1
    return with_control(
        ctx,
        [
            {"control_id": cid, "severity": severity, "reason": reason, "hosts": n}
            for (cid, severity, reason), n in sorted(counts.items())
        ],
    )


# ------------------------------------------------------------------------------ departments
class DepartmentSection(Section):
    key, title, order = "departments", "section.departments", 20

    def has_data(self, ctx: Context) -> bool:
        return bool(ctx.source.runs) and bool(ctx.cached("by_department", ctx.source.by_department))

    def build(self, ctx: Context) -> SectionResult:
        rows = with_control(ctx, with_department(ctx, ctx.source.department_controls()))
        rows.sort(key=lambda r: (r["department_name"], r["rate"] if r["rate"] is not None else 2, r["control_id"]))
        table = static_table(
            "department_controls",
            "table.department_controls",
            [
                Column("department_name", "col.department_name", "text", 14),
                Column("custodian", "col.custodian", "text", 12),
                Column("control_id", "col.control", "text", 26),
                Column("title", "col.title", "text", 30),
                Column("total", "col.checked", "int", 9),
                *COUNT_COLUMNS,
                Column("rate", "col.rate", "rate", 11),
            ],
            rows,
            html_limit=ctx.html_rows * 4,
            group_by="department_name",
        )
        return SectionResult(self.key, self.title, tables=[table])


# ------------------------------------------------------------------------------ hosts
HOST_COLUMNS = [
    Column("host", "col.host", "link", 18),
    Column("department_name", "col.department_name", "text", 14),
    Column("host_status", "col.status", "status", 10),
    Column("total", "col.checked", "int", 9),
    *COUNT_COLUMNS,
    Column("rate", "col.rate", "rate", 11),
    Column("failing_since", "col.failing_since", "time", 17),
    Column("last_seen", "col.last_seen", "time", 17),
]
FINDING_COLUMNS = [
    Column("department_name", "col.department_name", "text", 14),
    Column("host", "col.host", "text", 18),
    Column("control_id", "col.control", "text", 26),
    Column("title", "col.title", "text", 28),
    Column("status", "col.status", "status", 9),
    Column("severity", "col.severity", "severity", 9),
    Column("since", "col.since", "since", 10),
    Column("first_seen", "col.first_seen", "time", 17),
    Column("recorded_at", "col.last_seen_failing", "time", 17),
    Column("streak", "col.streak", "int", 9),
    Column("reason", "col.reason", "reason", 16),
    Column("finding", "col.finding", "text", 30),
    Column("message", "col.check_output", "text", 36),
    Column("evidence", "col.evidence", "list", 60),
]


class HostSection(Section):
    """Per-host detail. The HTML shows the hosts with findings (worst first, up to html_rows) and
    their findings with evidence; the XLSX/CSV/JSON carry every host and every finding."""

    key, title, order = "hosts", "section.hosts", 30

    def has_data(self, ctx: Context) -> bool:
        return bool(ctx.source.runs) and ctx.source.count_hosts() > 0

    def build(self, ctx: Context) -> SectionResult:
        src = ctx.source

        def hosts(limit: int | None, only_failing: bool = False) -> Iterator[dict[str, Any]]:
            for row in src.iter_hosts(only_failing=only_failing, limit=limit):
                row["department_name"] = ctx.dept_name(row["department"])
                if row["fail"] + row["error"] + row["not_checked"]:
                    row["host_anchor"] = row["host"]  # the HTML links the host to its findings
                if row["host_status"] in ("ok", ""):
                    row["host_status"] = (
                        "fail" if row["fail"] + row["error"] else "not_checked" if row["not_checked"] else "pass"
                    )
                yield row

        def findings(limit: int | None) -> Iterator[dict[str, Any]]:
            for row in src.iter_findings(limit=limit):
                row["department_name"] = ctx.dept_name(row["department"])
                row["title"] = ctx.control_title(row["control_id"])
                row["finding"] = finding_line(ctx, row)
                yield row

        failing = src.count_failing_hosts()
        n_findings = src.count_findings()
        all_hosts = Table("hosts", "table.hosts", HOST_COLUMNS, hosts, src.count_hosts(), formats=MACHINE_FORMATS)
        failing_hosts = Table(
            "failing_hosts",
            "table.hosts",
            HOST_COLUMNS,
            lambda limit: hosts(limit, only_failing=True),
            failing,
            html_limit=ctx.html_rows,
            formats=("html",),
        )
        finding_table = Table(
            "findings",
            "table.findings",
            FINDING_COLUMNS,
            findings,
            n_findings,
            html_limit=ctx.html_rows * 2,
            xlsx_limit=ctx.xlsx_rows,
            group_by="department_name",
            anchor="host",
        )
        fixes = Table(
            "fixes",
            "table.fixes",
            FIX_COLUMNS,
            lambda limit: _fix_rows(ctx, limit),
            src.count_fixes(),
            html_limit=ctx.html_rows,
            xlsx_limit=ctx.xlsx_rows,
        )
        return SectionResult(self.key, self.title, tables=[failing_hosts, all_hosts, finding_table, fixes])


def finding_line(ctx: Context, row: dict[str, Any]) -> str:
    """A finding in one line of the report's language, from data: a failed check says the catalog's
    ``finding`` text of its control, an error that the check failed, a control not checked its reason
    (the check's own output stays verbatim beside it)."""
    t, status = ctx.t, row.get("status")
    if status == "not_checked":
        message = t.value("reason", row.get("reason"))
    elif status == "error":
        message = t("finding.error")
    else:
        message = t.pick((ctx.catalog.get(row["control_id"]) or {}).get("finding"), row["title"])
    return t("finding.line", status=t.value("status", status), message=message)


FIX_COLUMNS = [
    Column("fixed_at", "col.fixed_at", "time", 17),
    Column("run", "col.run", "int", 9),
    Column("how", "col.how", "how", 10),
    Column("department_name", "col.department_name", "text", 14),
    Column("host", "col.host", "text", 18),
    Column("control_id", "col.control", "text", 26),
    Column("title", "col.title", "text", 28),
    Column("status_now", "col.status_now", "status", 10),
]


def _fix_rows(ctx: Context, limit: int | None) -> Iterator[dict[str, Any]]:
    for row in ctx.source.iter_fixes(limit=limit):
        row["department_name"] = ctx.dept_name(row["department"])
        row["title"] = ctx.control_title(row["control_id"])
        yield row


# ------------------------------------------------------------------------------ runs (audit trail, 七.6)
class RunSection(Section):
    key, title, order = "runs", "section.runs", 40

    def has_data(self, ctx: Context) -> bool:
        return bool(ctx.source.runs)

    def build(self, ctx: Context) -> SectionResult:
        hosts = ctx.source.run_host_counts()
        rows = [
            {
                "id": r["id"],
                "started": r["started"],
                "ended": r.get("ended"),
                "user_name": r.get("user_name", ""),
                "controller": r.get("controller", ""),
                "playbook": r.get("playbook", ""),
                "inventory": r.get("inventory", ""),
                "mode": r.get("mode", ""),
                "limit_expr": r.get("limit_expr", ""),
                "tags": r.get("tags", ""),
                "headline": trend.is_headline(r),
                "status": r.get("status", ""),
                "duration": round(float(r["duration"]), 1) if r.get("duration") is not None else None,
                "ansible_version": r.get("ansible_version", ""),
            }
            | {"hosts_" + k: v for k, v in hosts.get(int(r["id"]), {}).items()}
            for r in ctx.source.runs
        ]
        table = static_table(
            "runs",
            "table.runs",
            [
                Column("id", "col.run", "int", 9),
                Column("started", "col.started", "time", 17),
                Column("ended", "col.finished", "time", 17),
                Column("status", "col.run_status", "run_status", 11),
                Column("user_name", "col.user", "text", 12),
                Column("controller", "col.controller", "text", 14),
                Column("playbook", "col.playbook", "text", 32),
                Column("inventory", "col.inventory", "text", 18),
                Column("mode", "col.mode", "mode", 8),
                Column("limit_expr", "col.limit", "text", 14),
                Column("tags", "col.tags", "text", 14),
                Column("headline", "col.headline", "bool", 10),
                Column("hosts_ok", "col.hosts_ok", "int", 8),
                Column("hosts_failed", "col.hosts_failed", "int", 8),
                Column("hosts_unreachable", "col.hosts_unreachable", "int", 8),
                Column("duration", "col.duration", "float", 11),
                Column("ansible_version", "col.ansible_version", "text", 10),
            ],
            rows,
            html_limit=ctx.html_rows,
        )
        return SectionResult(self.key, self.title, tables=[table])


# ------------------------------------------------------------------------------ assets (四.4, 八.2(4))
ASSET_COLUMNS = [
    Column("host", "col.host", "text", 18),
    Column("department_name", "col.department_name", "text", 14),
    Column("custodian", "col.custodian", "text", 10),
    Column("custodian_staff_id", "col.staff_id", "text", 10),
    Column("device_kind", "col.device_kind", "text", 12),
    Column("asset_id", "col.asset_id", "text", 14),
    Column("location", "col.location", "text", 16),
    Column("purchase_date", "col.purchase_date", "text", 11),
    Column("serial", "col.serial", "text", 16),
    Column("vendor", "col.vendor", "text", 14),
    Column("product", "col.model", "text", 20),
    Column("os", "col.os", "text", 18),
    Column("ipv4", "col.ip", "text", 15),
    Column("mac", "col.mac", "text", 17),
    Column("kernel", "col.kernel", "text", 16),
    Column("arch", "col.arch", "text", 8),
    Column("cpus", "col.cpus", "int", 7),
    Column("memory_mb", "col.memory_mb", "int", 10),
    Column("disk_total_gb", "col.disk_gb", "float", 10),
    Column("packages_count", "col.software_count", "int", 10),
    Column("recorded_at", "col.last_seen", "time", 17),
]


class AssetSection(Section):
    key, title, order = "assets", "section.assets", 50

    def has_data(self, ctx: Context) -> bool:
        return ctx.source.count_assets() > 0 or bool(self.inventory_changes(ctx))

    @staticmethod
    def inventory_changes(ctx: Context) -> list[dict[str, Any]]:
        return ctx.cached("inventory_changes", lambda: asset_register.inventory_changes(ctx.source))

    def build(self, ctx: Context) -> SectionResult:
        src = ctx.source

        def name_of(row: dict[str, Any]) -> dict[str, Any]:
            """The department's name: the inventory's, else as the asset record recorded it."""
            code = row.get("department")
            recorded = row.get("department_name") or row.get("name") or code or ""
            return row | {"department_name": ctx.dept_name(code) if code in ctx.departments else recorded}

        def assets(limit: int | None) -> Iterator[dict[str, Any]]:
            for row in src.iter_assets(limit=limit):
                yield name_of(row) | {"os": " ".join(x for x in (row.get("os"), row.get("os_version")) if x)}

        stat_rows = [
            {"department_name": name_of(r)["department_name"]}
            | {"os": " ".join(x for x in (r["os"], r["os_version"]) if x) or "?", "hosts": int(r["hosts"])}
            for r in src.asset_stats()
        ]
        return SectionResult(
            self.key,
            self.title,
            tables=[
                static_table(
                    "asset_stats",
                    "table.asset_stats",
                    [
                        Column("department_name", "col.department_name", "text", 14),
                        Column("os", "col.os", "text", 22),
                        Column("hosts", "col.hosts", "int", 9),
                    ],
                    stat_rows,
                ),
                Table("assets", "table.assets", ASSET_COLUMNS, assets, src.count_assets(), html_limit=ctx.html_rows),
                static_table(
                    "assets_by_kind",
                    "table.assets_by_kind",
                    [
                        Column("device_kind", "col.device_kind", "text", 14),
                        Column("department_name", "col.department_name", "text", 14),
                        Column("hosts", "col.hosts", "int", 9),
                    ],
                    [name_of(r) for r in asset_register.totals(src, ("device_kind", "department"))],
                ),
                static_table(
                    "assets_by_location",
                    "table.assets_by_location",
                    [
                        Column("location", "col.location", "text", 20),
                        Column("device_kind", "col.device_kind", "text", 14),
                        Column("hosts", "col.hosts", "int", 9),
                    ],
                    asset_register.totals(src, ("location", "device_kind")),
                ),
                static_table(
                    "inventory_changes",
                    "table.inventory_changes",
                    [
                        Column("change", "col.inventory_change", "inventory_change", 9),
                        Column("host", "col.host", "text", 18),
                        Column("department_name", "col.department_name", "text", 14),
                        Column("device_kind", "col.device_kind", "text", 12),
                        Column("asset_id", "col.asset_id", "text", 14),
                        Column("location", "col.location", "text", 16),
                        Column("purchase_date", "col.purchase_date", "text", 11),
                        Column("serial", "col.serial", "text", 16),
                    ],
                    [name_of(r) for r in self.inventory_changes(ctx)],
                ),
                static_table(
                    "duplicate_serials",
                    "table.duplicate_serials",
                    [
                        Column("serial", "col.serial", "text", 18),
                        Column("hosts", "col.hosts", "int", 9),
                        Column("names", "col.host", "text", 60),
                    ],
                    src.duplicate_serials(),
                ),
            ],
        )


# ------------------------------------------------------------------------------ switch changes (三.4, 三.7)
class SwitchChangeSection(Section):
    """Changes the enforce runs of the period made (the recorder keeps no secret in a summary)."""

    key, title, order = "switch_changes", "section.switch_changes", 60
    rows_key = "switch_changes"

    def changes(self, ctx: Context) -> list[dict[str, Any]]:
        return ctx.cached(self.rows_key, ctx.source.switch_changes)

    def has_data(self, ctx: Context) -> bool:
        return bool(self.changes(ctx))

    def build(self, ctx: Context) -> SectionResult:
        rows = with_department(ctx, self.changes(ctx))
        for row in rows:
            row["changed"] = row["outcome"] == "changed"  # a rolled-back or failed push is no change
        table = static_table(
            self.rows_key,
            "table." + self.rows_key,
            [
                Column("started", "col.started", "time", 17),
                Column("run", "col.run", "int", 9),
                Column("host", "col.host", "text", 16),
                Column("department_name", "col.department_name", "text", 14),
                Column("user_name", "col.user", "text", 12),
                Column("mode", "col.mode", "mode", 8),
                Column("task", "col.change", "text", 40),
                Column("summary", "col.message", "text", 50),
                Column("outcome", "col.outcome", "outcome", 12),
                Column("changed", "col.changed", "bool", 8),
            ],
            rows,
            html_limit=ctx.html_rows,
        )
        return SectionResult(self.key, self.title, tables=[table])


class HostChangeSection(SwitchChangeSection):
    """Workstation and server changes of the enforce runs (rulebook 五, 七: what enforcement did)."""

    key, title, order = "host_changes", "section.host_changes", 65
    rows_key = "host_changes"

    def changes(self, ctx: Context) -> list[dict[str, Any]]:
        return ctx.cached(self.rows_key, ctx.source.host_changes)


# ------------------------------------------------------------------------------ manual controls
class ManualSection(Section):
    """The rulebook's rules checked by people, each with its last check of the period as the operator
    recorded it (``report.operator_files``: ``<period>.manual.yml``), or 未检查 / not checked."""

    key, title, order = "manual", "section.manual", 90

    def has_data(self, ctx: Context) -> bool:
        return any(c.get("kind") == "manual" for c in ctx.catalog.values())

    def build(self, ctx: Context) -> SectionResult:
        checks = read_manual_checks(analysis_dir(ctx.analysis_dir), ctx.source.period)
        rows = [
            {
                "control_id": cid,
                "title": ctx.control_title(cid),
                "rule": rules_text(c),
                "rule_text": c.get("rule_text", ""),
                "severity": c.get("severity", ""),
                "kind": "manual",
                "result": (checks.get(cid) or {}).get("result", "not_checked"),
                "checked_on": (checks.get(cid) or {}).get("checked_on", ""),
                "checker": (checks.get(cid) or {}).get("checker", ""),
                "note": (checks.get(cid) or {}).get("note") or ctx.t("manual.note"),
                "remediation": ctx.control_remediation(cid),
            }
            for cid, c in ctx.catalog.items()
            if c.get("kind") == "manual"
        ]
        table = static_table(
            "manual_controls",
            "table.manual",
            [
                Column("control_id", "col.control", "text", 26),
                Column("title", "col.title", "text", 28),
                Column("rule", "col.rule", "text", 16),
                Column("rule_text", "col.rule_text", "text", 40),
                Column("severity", "col.severity", "severity", 9),
                Column("kind", "col.kind", "kind", 8),
                Column("result", "col.status", "status", 9),
                Column("checked_on", "col.checked_on", "text", 12),
                Column("checker", "col.checker", "text", 12),
                Column("note", "col.manual_note", "text", 50),
                Column("remediation", "col.remediation", "text", 50),
            ],
            rows,
        )
        return SectionResult(self.key, self.title, tables=[table])


# ------------------------------------------------------------------------------ later record kinds
class RecordSection(Section):
    """A section over a run-linked table of the store (a record kind added by a later migration).

    Shown only when the table exists and has rows for runs of the period. ``columns`` name
    the table's columns to show; rows come from ``Store.records`` (oldest first).
    """

    def __init__(self, table: str, title: str, columns: Sequence[Column], order: int = 70) -> None:
        self.key = table
        self.table = table
        self.title = title
        self.columns = list(columns)
        self.order = order

    def has_data(self, ctx: Context) -> bool:
        return ctx.source.count_records(self.table) > 0

    def build(self, ctx: Context) -> SectionResult:
        rows = ctx.source.store.records(self.table, ctx.source.period.start, ctx.source.period.end)
        for row in rows:
            if "department" in row:
                row.setdefault("department_name", ctx.dept_name(row["department"]))
        return SectionResult(
            self.key,
            self.title,
            tables=[static_table(self.table, self.title, self.columns, rows, html_limit=ctx.html_rows)],
        )


for _section in (
    SummarySection(),
    DepartmentSection(),
    HostSection(),
    RunSection(),
    AssetSection(),
    SwitchChangeSection(),
    HostChangeSection(),
    ManualSection(),
):
    register(_section)


def active_sections(ctx: Context) -> list[Section]:
    """The registered sections that have data for this report, in order."""
    return [s for s in SECTIONS if s.has_data(ctx)]
