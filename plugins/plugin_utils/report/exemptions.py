"""Exemptions (approved deviations): every one listed, with its approver and expiry.

Two sources, both shown when present:

- the inventory (``--inventory``): every entry of ``hisops_workstation_exceptions`` (control,
  hosts/groups, items, approver, expires, reason; ``group_vars/all/workstation_policy.yml``) per
  host it applies to, with its state on the report's last day: in force, expiring within
  ``EXPIRING_DAYS`` days, or expired. An expired exemption is a finding already: the control's
  check fails with the exception named EXPIRED in its evidence (plugins/module_utils/workstation_linux.py);
- the store: every host and control whose latest result of the period is ``exempt``, with the
  evidence the check recorded (which names the exception).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from typing import Any

from .model import Column, SectionResult, Table, static_table
from .sections import Context, Section, register, with_control, with_department

EXCEPTIONS_VAR = "hisops_workstation_exceptions"
EXPIRING_DAYS = 30


def exception_state(expires: str, day: dt.date) -> str:
    """expired | expiring (within EXPIRING_DAYS days of ``day``) | active; ``invalid`` when not a date."""
    try:
        when = dt.date.fromisoformat(str(expires))
    except ValueError:
        return "invalid"
    if when < day:
        return "expired"
    return "expiring" if (when - day).days <= EXPIRING_DAYS else "active"


def inventory_exceptions(hostvars: Mapping[str, Mapping[str, Any]], day: dt.date) -> list[dict[str, Any]]:
    """One row per (host, exemption) from the hosts' ``hisops_workstation_exceptions``, soonest expiry first."""
    rows = []
    for host, variables in sorted(hostvars.items()):
        for entry in variables.get(EXCEPTIONS_VAR) or []:
            if not isinstance(entry, Mapping):
                continue
            targets = set(entry.get("hosts") or []) | set(entry.get("groups") or [])
            groups = set(variables.get("group_names") or []) | {host}
            if not targets & groups:
                continue
            expires = str(entry.get("expires") or "")
            rows.append(
                {
                    "host": host,
                    "department": str((variables.get("hisops_department") or {}).get("code") or ""),
                    "control_id": str(entry.get("control") or ""),
                    "items": ", ".join(str(i) for i in entry.get("items") or []),
                    "reason": str(entry.get("reason") or ""),
                    "approver": str(entry.get("approver") or ""),
                    "expires": expires,
                    "state": exception_state(expires, day),
                }
            )
    rows.sort(key=lambda r: (r["expires"], r["host"], r["control_id"]))
    return rows


EXCEPTION_COLUMNS = [
    Column("state", "col.exemption_state", "exemption", 10),
    Column("expires", "col.expires", "text", 12),
    Column("host", "col.host", "text", 18),
    Column("department_name", "col.department_name", "text", 14),
    Column("control_id", "col.control", "text", 26),
    Column("title", "col.title", "text", 28),
    Column("items", "col.items", "text", 24),
    Column("reason", "col.exemption_reason", "text", 30),
    Column("approver", "col.approver", "text", 16),
]
EXEMPT_COLUMNS = [
    Column("host", "col.host", "text", 18),
    Column("department_name", "col.department_name", "text", 14),
    Column("control_id", "col.control", "text", 26),
    Column("title", "col.title", "text", 28),
    Column("recorded_at", "col.checked_at", "time", 17),
    Column("message", "col.message", "text", 30),
    Column("evidence", "col.evidence", "list", 50),
]


class ExemptionSection(Section):
    key, title, order = "exemptions", "section.exemptions", 35

    def has_data(self, ctx: Context) -> bool:
        return bool(ctx.exceptions) or ctx.source.count_exempt() > 0

    def build(self, ctx: Context) -> SectionResult:
        src = ctx.source
        tables: list[Table] = []
        if ctx.exceptions:
            rows = with_control(ctx, with_department(ctx, ctx.exceptions))
            tables.append(static_table("exemptions", "table.exemptions", EXCEPTION_COLUMNS, rows))

        def exempt(limit: int | None) -> Iterator[dict[str, Any]]:
            for row in src.iter_exempt(limit=limit):
                row["department_name"] = ctx.dept_name(row["department"])
                row["title"] = ctx.control_title(row["control_id"])
                yield row

        tables.append(
            Table("exempt_results", "table.exempt_results", EXEMPT_COLUMNS, exempt, src.count_exempt(),
                  html_limit=ctx.html_rows)
        )  # fmt: skip
        return SectionResult(self.key, self.title, tables=tables)


register(ExemptionSection())
