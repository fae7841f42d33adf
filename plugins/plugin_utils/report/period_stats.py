"""Period statistics for the leadership (rulebook 四.1-四.6): the period over time, not only its end.

- The period average beside the end-of-period state (期末状态), the full compliance runs and the
  other runs of the period (the trend's definition: ``plugin_utils.store.trend``).
- 环比 / 同比: the period average against the previous period and the same period last year,
  where the store has full compliance runs for them.
- Month x department and month x control (a quarter, a year; week x ... for a month), each row
  with its period average and its end-of-period state.
- The written analysis 四.6 asks for, in the operator's words: a text file per period that the
  report includes as it is (``report.operator_files``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ..store import PROJECT_ROOT, trend

from .i18n import LITERAL
from .model import Column, Kpi, SectionResult, static_table
from .operator_files import analysis_dir, read_analysis
from .period import Period
from .sections import Context, Section, tone_of, with_control, with_department, period_rule, register


def comparison_rows(ctx: Context, current: Mapping[str, Any]) -> list[dict[str, Any]]:
    """This period's average against the previous period (环比) and the same period last year (同比)."""
    period = ctx.source.period
    others = [("compare.previous", period.previous()), ("compare.year_before", period.year_before())]
    rows = [_comparison_row(ctx, "compare.current", period, current, None)]
    for label, other in others:
        if other is not None:
            rows.append(_comparison_row(ctx, label, other, ctx.source.average_of(other), current["rate"]))
    return rows


def _comparison_row(
    ctx: Context, label: str, period: Period, average: Mapping[str, Any], current: float | None
) -> dict[str, Any]:
    rate = average["rate"]
    change = None if current is None or rate is None else round((current - rate) * 100, 1)
    return {
        "compare": ctx.t(label),
        "period": period.label(ctx.t.lang),
        "runs": average["runs"],
        "rate": rate,
        "change": change,
    }


def bucket_table(
    ctx: Context, key: str, dimension: str, head: Sequence[Column], end_rows: Sequence[Mapping[str, Any]]
) -> Any:
    """A wide table: one row per department or control, one rate column per bucket, the period
    average and the end-of-period state."""
    cells = ctx.source.by_bucket(dimension)
    buckets = [p["key"] for p in ctx.cached("trend", ctx.source.trend)]
    average: dict[str, dict[str, int]] = {}
    for (_bucket, name), counts in cells.items():
        acc = average.setdefault(name, {})
        for status in trend.STATUSES:
            acc[status] = acc.get(status, 0) + int(counts.get(status) or 0)
    end = {str(r[dimension] or ""): r.get("rate") for r in end_rows}
    rows = []
    for name in sorted(set(average) | set(end)):
        row: dict[str, Any] = {dimension: name}
        for b in buckets:
            row["b:" + b] = (cells.get((b, name)) or {}).get("rate")
        row["average"] = trend.with_rate(average.get(name, {}))["rate"]
        row["end_state"] = end.get(name)
        rows.append(row)
    rows = with_department(ctx, rows) if dimension == "department" else with_control(ctx, rows)
    bucket_label = ctx.t("bucket." + ctx.source.granularity())
    columns = [
        *head,
        *(Column("b:" + b, LITERAL + b, "rate", 10) for b in buckets),
        Column("average", "col.average", "rate", 12),
        Column("end_state", "col.end_state", "rate", 12),
    ]
    title = "table.bucket_departments" if dimension == "department" else "table.bucket_controls"
    table = static_table(key, title, columns, rows)
    table.title = LITERAL + ctx.t(title, bucket=bucket_label)
    return table


class PeriodSection(Section):
    key, title, order = "period", "section.period", 15

    def has_data(self, ctx: Context) -> bool:
        return bool(ctx.source.runs)

    def build(self, ctx: Context) -> SectionResult:
        src, t = ctx.source, ctx.t
        points = ctx.cached("trend", src.trend)
        average = ctx.cached("average", lambda: trend.average(points))
        summary = ctx.cached("summary", src.summary)
        headline = len(src.headline_runs())
        result = SectionResult(self.key, self.title, intro=period_rule(ctx))
        result.kpis = [
            Kpi("kpi.period_average", average["rate"], "rate", tone_of(average["rate"], ctx.target)),
            Kpi("kpi.end_state", summary["rate"], "rate", tone_of(summary["rate"], ctx.target)),
            Kpi("kpi.headline_runs", headline),
            Kpi("kpi.other_runs", len(src.runs) - headline),
        ]
        folder = analysis_dir(ctx.analysis_dir)
        path, paragraphs = read_analysis(folder, src.period, t.lang)
        if not paragraphs:
            paragraphs = [t("report.no_analysis", path=_shown(path))]
        result.tables = [
            static_table(
                "analysis", "table.analysis", [Column("text", "col.analysis", "text", 100)],
                [{"text": p} for p in paragraphs],
            ),
            static_table(
                "comparison",
                "table.comparison",
                [
                    Column("compare", "col.compare", "text", 18),
                    Column("period", "col.period", "text", 18),
                    Column("runs", "kpi.headline_runs", "int", 10),
                    Column("rate", "col.average", "rate", 12),
                    Column("change", "col.change_points", "float", 14),
                ],
                comparison_rows(ctx, average),
            ),
            bucket_table(
                ctx,
                "bucket_departments",
                "department",
                [Column("department_name", "col.department_name", "text", 14)],
                ctx.cached("by_department", src.by_department),
            ),
            bucket_table(
                ctx,
                "bucket_controls",
                "control_id",
                [Column("control_id", "col.control", "text", 26), Column("title", "col.title", "text", 28)],
                ctx.cached("by_control", src.by_control),
            ),
        ]  # fmt: skip
        return result


def _shown(path: Path) -> str:
    """A path as the operator would type it: relative to the project when it is inside it."""
    try:
        return str(path.resolve().relative_to(PROJECT_ROOT))
    except ValueError:
        return str(path)


register(PeriodSection())
