"""The HTML report: ONE self-contained file (inline CSS, inline SVG charts, no scripts, no fetches)."""

from __future__ import annotations

from collections.abc import Iterator
from html import escape
from typing import IO, Any

from .formatting import text_value
from .i18n import Translator
from .model import Column, Report, SectionResult, Table

CSS = """
:root { --good: #2e7d32; --warn: #b7791f; --bad: #c62828; --line: #d7dce2; --head: #eef2f6; }
* { box-sizing: border-box; }
body { margin: 0; color: #1f2933; background: #fff;
  font: 14px/1.5 "Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC",
  "WenQuanYi Micro Hei", "Helvetica Neue", Arial, sans-serif; }
header { background: #12355b; color: #fff; padding: 20px 32px; }
header h1 { margin: 0 0 6px; font-size: 24px; }
header dl { margin: 0; display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px; font-size: 13px; }
header dt { opacity: .8; } header dd { margin: 0; }
nav { padding: 10px 32px; border-bottom: 1px solid var(--line); background: #f7f9fb; }
nav a { margin-right: 18px; color: #12355b; text-decoration: none; }
main { padding: 8px 32px 32px; }
section { margin-top: 26px; }
h2 { font-size: 20px; border-left: 5px solid #12355b; padding-left: 10px; margin: 0 0 10px; }
h3 { font-size: 16px; margin: 22px 0 8px; }
p.intro { color: #52606d; margin: 0 0 12px; }
.kpis { display: flex; flex-wrap: wrap; gap: 12px; margin: 10px 0 16px; }
.kpi { border: 1px solid var(--line); border-radius: 6px; padding: 10px 16px; min-width: 150px; }
.kpi .v { font-size: 26px; font-weight: 700; } .kpi .l { color: #52606d; font-size: 13px; }
.good .v, td.good { color: var(--good); } .warn .v, td.warn { color: var(--warn); }
.bad .v, td.bad { color: var(--bad); }
figure { margin: 12px 0 18px; } figcaption { font-weight: 600; margin-bottom: 4px; }
svg.chart { max-width: 100%; height: auto; }
table { border-collapse: collapse; width: 100%; font-size: 13px; margin-bottom: 6px; }
th, td { border: 1px solid var(--line); padding: 4px 8px; text-align: left; vertical-align: top; }
thead th { background: var(--head); position: sticky; top: 0; }
tr.group th { background: #f7f9fb; text-align: left; font-size: 14px; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.list { white-space: pre-wrap; font-family: "Noto Sans Mono CJK SC", monospace; font-size: 12px; }
.badge { display: inline-block; padding: 0 6px; border-radius: 3px; color: #fff; font-size: 12px; white-space: nowrap; }
.s-pass, .s-fixed, .s-ok { background: var(--good); }
.s-fail, .s-unreachable, .s-failed, .s-not_checked, .s-critical, .s-high { background: var(--bad); }
.s-error, .s-medium, .s-new, .s-expiring { background: var(--warn); }
.s-carried, .s-expired, .s-invalid { background: var(--bad); } .s-active { background: var(--good); }
.s-exempt, .s-low, .s-manual, .s-automated { background: #607d8b; }
p.note { color: #52606d; font-size: 13px; font-style: italic; }
footer { color: #52606d; font-size: 12px; padding: 16px 32px; border-top: 1px solid var(--line); }
@media print { nav { display: none; } thead th { position: static; } section { break-inside: auto; } }
"""

NUMERIC = ("int", "float", "rate")
BADGES = ("status", "severity", "kind", "since", "exemption")
LINK_PREFIX = "f-"  # a host's findings: id of the first finding row of the host
EVIDENCE_LINES = 10


def _cell(col: Column, value: Any, t: Translator, target: float, row: dict[str, Any] | None = None) -> str:
    text = text_value(col.kind, value, t)
    if col.kind in NUMERIC:
        tone = ""
        if col.kind == "rate" and value is not None:
            tone = " good" if value >= target else " warn" if value >= target - 0.1 else " bad"
        return '<td class="num%s">%s</td>' % (tone, escape(text))
    if col.kind in BADGES and value:
        return '<td><span class="badge s-%s">%s</span></td>' % (escape(str(value)), escape(text))
    anchor = (row or {}).get(col.key + "_anchor") if col.kind == "link" else None
    if anchor:  # a link to the first row that names it (Table.anchor)
        return '<td><a href="#%s">%s</a></td>' % (escape(LINK_PREFIX + str(anchor)), escape(text))
    if col.kind == "list":
        lines = value if isinstance(value, list) else [text]
        shown = [str(v) for v in lines[:EVIDENCE_LINES]]
        if len(lines) > EVIDENCE_LINES:
            shown.append("… (+%d)" % (len(lines) - EVIDENCE_LINES))
        return '<td class="list">%s</td>' % escape("\n".join(shown))
    return "<td>%s</td>" % escape(text)


def _table(table: Table, t: Translator, target: float) -> Iterator[str]:
    yield '<h3 id="t-%s">%s</h3>' % (escape(table.key), escape(t(table.title)))
    cols = [c for c in table.columns if c.key != table.group_by]
    yield "<table><thead><tr>%s</tr></thead><tbody>" % "".join("<th>%s</th>" % escape(t(c.label)) for c in cols)
    group = object()
    shown = 0
    anchored: set[str] = set()
    for row in table.rows(table.html_limit):
        if table.group_by and row.get(table.group_by) != group:
            group = row.get(table.group_by)
            yield '<tr class="group"><th colspan="%d">%s</th></tr>' % (len(cols), escape(str(group or "")))
        target_id = str(row.get(table.anchor) or "") if table.anchor else ""
        row_id = ' id="%s"' % escape(LINK_PREFIX + target_id) if target_id and target_id not in anchored else ""
        anchored.add(target_id)
        yield "<tr%s>%s</tr>" % (row_id, "".join(_cell(c, row.get(c.key), t, target, row) for c in cols))
        shown += 1
    if not shown:
        yield '<tr><td colspan="%d">%s</td></tr>' % (len(cols), escape(t("report.empty")))
    yield "</tbody></table>"
    if table.total > shown:
        yield '<p class="note">%s</p>' % escape(t("report.truncated", shown=shown, total=table.total, table=table.key))


def _section(section: SectionResult, t: Translator, target: float) -> Iterator[str]:
    yield '<section id="%s"><h2>%s</h2>' % (escape(section.key), escape(t(section.title)))
    if section.intro:
        yield '<p class="intro">%s</p>' % escape(section.intro)
    if section.kpis:
        yield '<div class="kpis">'
        for kpi in section.kpis:
            value = text_value(kpi.kind, kpi.value, t) + ("%" if kpi.kind == "rate" and kpi.value is not None else "")
            yield '<div class="kpi %s"><div class="v">%s</div><div class="l">%s</div></div>' % (
                escape(kpi.tone),
                escape(value or "—"),
                escape(t(kpi.label)),
            )
        yield "</div>"
    for chart in section.charts:
        yield '<figure id="c-%s"><figcaption>%s</figcaption>%s</figure>' % (
            escape(chart.key),
            escape(t(chart.title)),
            chart.svg,
        )
    for table in section.tables:
        if "html" in table.formats:
            yield from _table(table, t, target)
    yield "</section>"


def render_html(report: Report, out: IO[str], t: Translator) -> None:
    meta = report.meta
    target = float(meta.get("target", 0.95))
    lang = "zh-CN" if t.lang == "zh" else "en"
    write = out.write
    write('<!DOCTYPE html>\n<html lang="%s"><head><meta charset="utf-8">' % lang)
    write('<meta name="viewport" content="width=device-width, initial-scale=1">')
    write('<meta name="generator" content="hisops report %s">' % escape(str(meta["report_schema_version"])))
    write(
        "<title>%s · %s</title><style>%s</style></head><body>"
        % (escape(t("report.title")), escape(meta["period_label"]), CSS)
    )
    write("<header><h1>%s</h1><dl>" % escape(t("report.title")))
    for label, value in (
        ("report.period", "%s (%s – %s)" % (meta["period_label"], meta["period_start"], meta["period_last_day"])),
        ("report.generated", meta["generated_at"]),
        ("report.store", meta["store"]),
    ):
        write("<dt>%s</dt><dd>%s</dd>" % (escape(t(label)), escape(value)))
    write("</dl></header><nav>")
    for section in report.sections:
        write('<a href="#%s">%s</a>' % (escape(section.key), escape(t(section.title))))
    write("</nav><main>")
    for section in report.sections:
        for chunk in _section(section, t, target):
            write(chunk)
    write("</main><footer>%s</footer></body></html>\n" % escape(t("report.footer")))
