"""Report section: antivirus per department (HIM-7.7, rulebook 六.4, 七.7, 八.2(7); table ``antivirus_states``).

Shown when the period has antivirus states. Each host counts with its last state in the period:
current (protection running, signatures within the policy limit), stale (signatures past the
limit or of unknown age) or off (the protection does not run). Per department: hosts current /
stale / off, the oldest signature age and the detections of the period's scans; then each host,
and each detection once. Registered by importing this module (``report/__init__.py`` does).
"""

from __future__ import annotations

from ..antivirus_register import TABLE, department_summary, detections_in_period, host_class, latest_states
from .i18n import CATALOG
from .model import Column, Kpi, SectionResult, static_table
from .sections import Context, Section, register

CATALOG.update(
    {
        "section.antivirus": ("防病毒（七.7）", "Antivirus (rule 七.7)"),
        "antivirus.intro": (
            "每台终端取本期间最后一次检查的状态：正常 = 防病毒程序运行且病毒库未超过时限；"
            "病毒库过期 = 病毒库超过时限或无法确定更新时间；未运行 = 防病毒程序没有运行。"
            "检出数为本期间完成的扫描所检出的文件（每个检出只计一次）。",
            "Each workstation counts with its last state in the period: current = the antivirus runs and its "
            "signatures are within the limit; stale = signatures past the limit or of unknown age; off = the "
            "antivirus does not run. Detections are the files the period's scans found (each counted once).",
        ),
        "table.antivirus_departments": ("各科室防病毒状态", "Antivirus by department"),
        "table.antivirus_hosts": ("各终端防病毒状态", "Antivirus by workstation"),
        "table.antivirus_detections": ("本期间检出", "Detections in the period"),
        "kpi.av_current": ("病毒库正常", "Current"),
        "kpi.av_stale": ("病毒库过期", "Stale"),
        "kpi.av_off": ("防病毒未运行", "Off"),
        "kpi.av_detections": ("本期间检出", "Detections"),
        "col.av_current": ("正常", "Current"),
        "col.av_stale": ("过期", "Stale"),
        "col.av_off": ("未运行", "Off"),
        "col.av_oldest_age": ("最旧病毒库（小时）", "Oldest signatures (h)"),
        "col.av_unknown_age": ("更新时间不明", "Age unknown"),
        "col.av_detections": ("检出", "Detections"),
        "col.av_state": ("状态", "State"),
        "col.av_age": ("病毒库时长（小时）", "Signature age (h)"),
        "col.av_limit": ("时限（小时）", "Limit (h)"),
        "col.av_engine": ("引擎", "Engine"),
        "col.av_last_scan": ("最近扫描", "Last scan"),
        "col.av_detection": ("检出（文件: 特征）", "Detection (file: signature)"),
        "av_state.current": ("正常", "current"),
        "av_state.stale": ("病毒库过期", "stale"),
        "av_state.off": ("未运行", "off"),
    }
)

DEPARTMENT = [
    Column("department", "col.department", "text", 12),
    Column("department_name", "col.department_name", "text", 14),
]
DEPARTMENT_COLUMNS = [
    *DEPARTMENT,
    Column("hosts", "col.hosts", "int", 8),
    Column("current", "col.av_current", "int", 8),
    Column("stale", "col.av_stale", "int", 8),
    Column("off", "col.av_off", "int", 8),
    Column("oldest_age_hours", "col.av_oldest_age", "float", 12),
    Column("unknown_age", "col.av_unknown_age", "int", 10),
    Column("detections", "col.av_detections", "int", 8),
]
HOST_COLUMNS = [
    Column("host", "col.host", "text", 14),
    *DEPARTMENT,
    Column("state", "col.av_state", "text", 10),
    Column("signature_age_hours", "col.av_age", "float", 12),
    Column("max_age_hours", "col.av_limit", "float", 10),
    Column("engine", "col.av_engine", "text", 16),
    Column("last_scan_at", "col.av_last_scan", "text", 20),
    Column("status", "col.status", "text", 10),
    Column("checked_at", "col.checked_at", "time", 20),
]
DETECTION_COLUMNS = [
    Column("scan_at", "col.av_last_scan", "text", 20),
    Column("host", "col.host", "text", 14),
    *DEPARTMENT,
    Column("detection", "col.av_detection", "text", 50),
]


class AntivirusSection(Section):
    key, title, order = TABLE, "section.antivirus", 60

    def has_data(self, ctx: Context) -> bool:
        return ctx.source.count_records(TABLE) > 0

    def build(self, ctx: Context) -> SectionResult:
        t, period = ctx.t, ctx.source.period
        latest, rows = latest_states(ctx.source.store, period.start, period.end)
        detections = detections_in_period(rows, period.start_ts())
        departments = department_summary(latest, detections)
        hosts = [
            row | {"state": t.value("av_state", host_class(row)), "status": t.value("status", row["status"]),
                   "checked_at": row["started"]}
            for row in latest
        ]  # fmt: skip
        for row in [*departments, *hosts, *detections]:
            row["department_name"] = ctx.dept_name(row["department"])
        total = {k: sum(d[k] for d in departments) for k in ("current", "stale", "off", "detections")}
        return SectionResult(
            self.key,
            self.title,
            intro=t("antivirus.intro"),
            kpis=[
                Kpi("kpi.hosts", len(latest)),
                Kpi("kpi.av_current", total["current"], "int", "good" if total["current"] == len(latest) else ""),
                Kpi("kpi.av_stale", total["stale"], "int", "bad" if total["stale"] else "good"),
                Kpi("kpi.av_off", total["off"], "int", "bad" if total["off"] else "good"),
                Kpi("kpi.av_detections", total["detections"], "int", "warn" if total["detections"] else "good"),
            ],
            tables=[
                static_table("antivirus_departments", "table.antivirus_departments", DEPARTMENT_COLUMNS, departments),
                static_table("antivirus_hosts", "table.antivirus_hosts", HOST_COLUMNS, hosts, html_limit=ctx.html_rows),
                static_table(
                    "antivirus_detections",
                    "table.antivirus_detections",
                    DETECTION_COLUMNS,
                    detections,
                    html_limit=ctx.html_rows,
                ),
            ],
        )


register(AntivirusSection())
