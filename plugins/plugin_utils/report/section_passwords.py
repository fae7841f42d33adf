"""Report section: the department password register (HIM-7.2, table ``password_rotations``).

Shown when the period has register rows: per department, the password's current version, its
age at the end of the period, the last trigger and the hosts still pending; then every event of
the period. Never a password (the register holds none). Registered by importing this module
(``report/__init__.py`` does).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from ..password_register import TABLE

from .i18n import CATALOG
from .model import Column, SectionResult, static_table
from .sections import Context, Section, register

CATALOG.update(
    {
        "section.passwords": ("科室密码轮换登记（七.2）", "Department password register (rule 七.2)"),
        "table.password_departments": ("各科室密码状态", "Password state by department"),
        "table.password_events": ("轮换与查看记录", "Rotations and read-outs"),
        "passwords.intro": (
            "每个科室管理账户的密码由 hisops 生成、加密保存并定期或在负责人变更时更换；"
            "登记中只有版本号和指纹，没有密码。",
            "Each department account's password is generated, kept encrypted and changed on schedule or when the "
            "custodian changes; the register holds versions and fingerprints, never a password.",
        ),
        "col.pw_version": ("密码版本", "Version"),
        "col.pw_age_days": ("密码天数", "Age (days)"),
        "col.pw_last_event": ("最近事件", "Last event"),
        "col.pw_trigger": ("触发原因", "Trigger"),
        "col.pw_fingerprint": ("指纹", "Fingerprint"),
        "col.pw_previous_custodian": ("原负责人", "Previous custodian"),
        "col.pw_custodian": ("负责人（工号）", "Custodian (staff id)"),
        "col.pw_by": ("执行人", "Run by"),
        "col.pw_hosts_done": ("已更换主机", "Hosts done"),
        "col.pw_hosts_pending": ("待更换主机", "Hosts pending"),
        "col.pw_event": ("事件", "Event"),
        "col.pw_when": ("时间", "When"),
    }
)

EVENT_COLUMNS = [
    Column("recorded_at", "col.pw_when", "time", 20),
    Column("department", "col.department", "text", 12),
    Column("department_name", "col.department_name", "text", 14),
    Column("event", "col.pw_event", "text", 10),
    Column("trigger_reason", "col.pw_trigger", "text", 10),
    Column("version", "col.pw_version", "int", 8),
    Column("fingerprint", "col.pw_fingerprint", "text", 18),
    Column("previous_custodian", "col.pw_previous_custodian", "text", 12),
    Column("custodian", "col.pw_custodian", "text", 12),
    Column("by_user", "col.pw_by", "text", 10),
    Column("hosts_done", "col.pw_hosts_done", "text", 24),
    Column("hosts_pending", "col.pw_hosts_pending", "text", 24),
]
STATE_COLUMNS = [
    Column("department", "col.department", "text", 12),
    Column("department_name", "col.department_name", "text", 14),
    Column("version", "col.pw_version", "int", 8),
    Column("age_days", "col.pw_age_days", "int", 10),
    Column("event", "col.pw_last_event", "text", 10),
    Column("trigger_reason", "col.pw_trigger", "text", 10),
    Column("custodian", "col.pw_custodian", "text", 12),
    Column("hosts_pending", "col.pw_hosts_pending", "text", 24),
]


def department_states(rows: list[dict[str, Any]], until: dt.datetime) -> list[dict[str, Any]]:
    """Per department (rows oldest first): the last event, and the age of the last completed version."""
    states: dict[str, dict[str, Any]] = {}
    for row in rows:
        if row["event"] == "read":
            continue
        state = states.setdefault(row["department"], {"department": row["department"], "age_days": None})
        state.update({k: row[k] for k in ("event", "trigger_reason", "custodian", "hosts_pending")})
        if row["event"] == "completed":
            state["version"] = row["version"]
            completed = dt.datetime.strptime(row["recorded_at"][:19], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=dt.UTC)
            state["age_days"] = max((until - completed).days, 0)
    return [states[k] for k in sorted(states)]


class PasswordSection(Section):
    key, title, order = TABLE, "section.passwords", 65

    def has_data(self, ctx: Context) -> bool:
        return ctx.source.count_records(TABLE) > 0

    def build(self, ctx: Context) -> SectionResult:
        period = ctx.source.period
        rows = ctx.source.store.records(TABLE, period.start, period.end)
        for row in rows:
            row["department_name"] = ctx.dept_name(row["department"])
        end = dt.datetime.combine(period.end, dt.time(), tzinfo=dt.UTC)
        until = min(end, dt.datetime.now(dt.UTC))
        states = department_states(rows, until)
        for state in states:
            state["department_name"] = ctx.dept_name(state["department"])
        return SectionResult(
            self.key,
            self.title,
            intro=ctx.t("passwords.intro"),
            tables=[
                static_table("password_departments", "table.password_departments", STATE_COLUMNS, states),
                static_table("password_events", "table.password_events", EVENT_COLUMNS, rows, html_limit=ctx.html_rows),
            ],
        )


register(PasswordSection())
