"""Report section: the backup register (备份登记, rulebook 三.5, 八.2(6)).

Registered through the section registry (``sections.register``); shown only when the period
has register rows. Two tables: per database, level and repository, the newest backup with its
age and whether a restore test proved it (freshness); then every backup copy as the backup
tool accounts for it, with the medium, the custodian, the retention and the expected expiry.
The register of the period is the one the last compliance run recorded for each server
(``plugin_utils.backup_register``).
"""

from __future__ import annotations

from typing import Any

from ..backup_register import TABLE, freshness, latest_register
from .model import Column, Kpi, SectionResult, static_table
from .sections import Context, Section, register

# which backup: the first columns of both tables
WHICH = [
    Column("host", "col.host", "text", 14),
    Column("engine", "col.db_engine", "text", 12),
    Column("database_name", "col.database", "text", 12),
    Column("level", "col.backup_level", "text", 8),
]
FRESHNESS_COLUMNS = [
    *WHICH,
    Column("location", "col.backup_location", "text", 12),
    Column("backups", "col.backup_count", "int", 8),
    Column("newest", "col.backup_newest", "time", 17),
    Column("age_hours", "col.backup_age_hours", "float", 10),
    Column("verified_ok", "col.backup_verified", "bool", 10),
    Column("custodian", "col.custodian", "text", 10),
]
REGISTER_COLUMNS = [
    *WHICH,
    Column("label", "col.backup_label", "text", 30),
    Column("kind", "col.backup_kind", "text", 8),
    Column("started", "col.started", "time", 17),
    Column("stopped", "col.finished", "time", 17),
    Column("size_mb", "col.backup_size_mb", "float", 10),
    Column("stored_mb", "col.backup_stored_mb", "float", 10),
    Column("location", "col.backup_location", "text", 12),
    Column("medium", "col.backup_medium", "text", 30),
    Column("custodian", "col.custodian", "text", 10),
    Column("retention", "col.backup_retention", "text", 10),
    Column("expires", "col.backup_expires", "time", 17),
    Column("verified_at", "col.backup_verified_at", "time", 17),
    Column("verified_ok", "col.backup_verified", "bool", 10),
    Column("tool_error", "col.backup_tool_error", "bool", 10),
]


def _mb(value: Any) -> float | None:
    return None if value is None else round(int(value) / 1_048_576, 1)


class BackupRegisterSection(Section):
    key, title, order = TABLE, "section.backup_register", 55

    def has_data(self, ctx: Context) -> bool:
        return ctx.source.count_records(TABLE) > 0

    def build(self, ctx: Context) -> SectionResult:
        t, src = ctx.t, ctx.source
        rows = latest_register(src.store, src.period.start, src.period.end)
        for row in rows:
            row["size_mb"], row["stored_mb"] = _mb(row["size_bytes"]), _mb(row["stored_bytes"])
        fresh = freshness(rows)
        for row in [*rows, *fresh]:
            row["level"] = t.value("level", row["level"])
        unproved = sum(1 for r in fresh if not r["verified_ok"])
        errors = sum(1 for r in rows if r["tool_error"])
        return SectionResult(
            self.key,
            self.title,
            intro=t("backup.intro"),
            kpis=[
                Kpi("kpi.backup_servers", len({r["host"] for r in rows})),
                Kpi("kpi.backup_copies", len(rows)),
                Kpi("kpi.backup_unproved", unproved, "int", "bad" if unproved else "good"),
                Kpi("kpi.backup_errors", errors, "int", "bad" if errors else "good"),
            ],
            tables=[
                static_table("backup_freshness", "table.backup_freshness", FRESHNESS_COLUMNS, fresh),
                static_table(TABLE, "table.backup_register", REGISTER_COLUMNS, rows, html_limit=ctx.html_rows),
            ],
        )


register(BackupRegisterSection())
