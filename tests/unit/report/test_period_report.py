"""Period statistics and findings over time (issue 17): a year of daily runs, every figure of the
report against an oracle that recounts the generated records (tests/unit/report/yeardata.py)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import lxml.html
import pytest
from ansible_collections.hisops.him.plugins.plugin_utils.migrations import MIGRATIONS, V11_PREVIOUS_STATUS
from ansible_collections.hisops.him.plugins.plugin_utils.report.period import parse_period
from ansible_collections.hisops.him.plugins.plugin_utils.store import open_store, trend

from . import yeardata as yd
from .conftest import run_cli

pytestmark = pytest.mark.unit


@pytest.fixture(scope="module")
def year(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[yd.Run], str, str]:
    runs = yd.history()
    store, catalog = yd.write(tmp_path_factory.mktemp("year") / "year.sqlite", runs)
    return runs, store, catalog


def _report(year: tuple[list[yd.Run], str, str], period: str, out: Path, *extra: str) -> dict[str, Any]:
    _runs, store, catalog = year
    code, files, err = run_cli("--store", store, "--catalog", catalog, "--period", period, "--format", "json",
                               "--out", str(out), *extra)  # fmt: skip
    assert code == 0, err
    return json.loads(files[0].read_text(encoding="utf-8"))


def _tables(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {t["key"]: t for s in doc["sections"] for t in s["tables"]}


def _kpis(doc: dict[str, Any], section: str) -> dict[str, Any]:
    return next(s["kpis"] for s in doc["sections"] if s["key"] == section)


def _bounds(period: str) -> tuple[dt.date, dt.date]:
    p = parse_period(period)
    return p.start, p.end


@pytest.mark.parametrize(("period", "by"), [("2026", "month"), ("2026-Q2", "month"), ("2026-03", "week")])
def test_trend_and_period_average_match_the_oracle(year, tmp_path: Path, period: str, by: str) -> None:
    runs = year[0]
    start, end = _bounds(period)
    doc = _report(year, period, tmp_path)
    expected = yd.pooled(runs, start, end, by)
    rows = _tables(doc)["trend"]["rows"]
    # one point per bucket (12 months for the year, not 365 runs), the headline runs only
    assert [r["key"] for r in rows] == sorted(expected)
    assert len(rows) == {"month": len({k for k in expected}), "week": len(expected)}[by]
    for row in rows:
        counts = expected[row["key"]]
        assert {s: row[s] for s in trend.STATUSES if row[s]} == counts, row["key"]
        assert row["rate"] == yd.rate(counts)
    assert sum(r["runs"] for r in rows) == yd.headline_count(runs, start, end)
    total: dict[str, int] = {}
    for counts in expected.values():
        yd.add(total, counts)
    period_kpis = _kpis(doc, "period")
    assert period_kpis["period_average"] == _kpis(doc, "summary")["period_average"] == yd.rate(total)
    assert period_kpis["headline_runs"] == yd.headline_count(runs, start, end)
    assert period_kpis["headline_runs"] + period_kpis["other_runs"] == sum(
        1 for r in runs if yd.in_period(r, start, end)
    )


def test_a_daily_year_has_twelve_points_and_subset_enforce_runs_stay_out(year, tmp_path: Path) -> None:
    doc = _report(year, "2026", tmp_path)
    rows = _tables(doc)["trend"]["rows"]
    assert [r["key"] for r in rows] == ["2026-%02d" % m for m in range(1, 13)]
    assert sum(r["runs"] for r in rows) == 365  # the daily check runs, not the enforce/subset/interrupted ones
    assert all(r["fixed"] == 0 for r in rows)  # only enforce runs record 'fixed': none in the trend


def test_end_of_period_state_and_fixed_are_the_oracles(year, tmp_path: Path) -> None:
    runs = year[0]
    for period in ("2026", "2026-Q3", "2026-06"):
        start, end = _bounds(period)
        doc = _report(year, period, tmp_path / period)
        state = yd.end_state(runs, start, end)
        counts: dict[str, int] = {}
        for status in state.values():
            counts[status] = counts.get(status, 0) + 1
        summary = _kpis(doc, "summary")
        assert summary["rate"] == _kpis(doc, "period")["end_state"] == yd.rate(counts), period
        assert summary["fixed"] == counts.get("fixed", 0) > 0, period  # the fix does not vanish
        assert summary["not_checked"] == counts.get("not_checked", 0) > 0, period  # C-4 at least
        by_control = {r["control_id"]: r for r in _tables(doc)["by_control"]["rows"]}
        for control in yd.CONTROLS:
            mine = [s for (_h, c), s in state.items() if c == control]
            got = by_control[control]
            assert {s: got[s] for s in trend.STATUSES if got[s]} == {s: mine.count(s) for s in set(mine)}, control


def test_bucket_tables_match_the_oracle(year, tmp_path: Path) -> None:
    runs = year[0]
    start, end = _bounds("2026-Q4")
    doc = _report(year, "2026-Q4", tmp_path)
    tables = _tables(doc)
    state = yd.end_state(runs, start, end)
    for key, dimension, name_key in (
        ("bucket_departments", "department", "department_name"),
        ("bucket_controls", "control", "control_id"),
    ):
        cells = yd.pooled(runs, start, end, "month", dimension)
        rows = {r[name_key]: r for r in tables[key]["rows"]}
        names = {k.split("|")[1] for k in cells}
        assert set(rows) == names, key
        for name, row in rows.items():
            overall: dict[str, int] = {}
            for month in ("2026-10", "2026-11", "2026-12"):
                counts = cells.get(month + "|" + name, {})
                assert row["b:" + month] == yd.rate(counts), (key, name, month)
                yd.add(overall, counts)
            assert row["average"] == yd.rate(overall), (key, name)
            mine: dict[str, int] = {}
            for (host, control), status in state.items():
                if (yd.HOSTS[host] if dimension == "department" else control) == name:
                    mine[status] = mine.get(status, 0) + 1
            assert row["end_state"] == yd.rate(mine), (key, name)


@pytest.mark.parametrize(
    ("period", "previous", "year_before"),
    [("2026-01", "2025-12", None), ("2026-12", "2026-11", "2025-12"), ("2026", "2025", None)],
)
def test_comparison_with_previous_period_and_last_year(year, tmp_path: Path, period, previous, year_before) -> None:
    runs = year[0]
    doc = _report(year, period, tmp_path)
    rows = _tables(doc)["comparison"]["rows"]

    def average(spec: str) -> float | None:
        start, end = _bounds(spec)
        total: dict[str, int] = {}
        for counts in yd.pooled(runs, start, end, "month").values():
            yd.add(total, counts)
        return yd.rate(total)

    current = average(period)
    assert rows[0]["rate"] == current and rows[0]["change"] is None
    assert rows[1]["period"] == parse_period(previous).label("zh")
    assert rows[1]["rate"] == average(previous) is not None
    assert rows[1]["change"] == round((current - rows[1]["rate"]) * 100, 1)
    if period == "2026":
        assert len(rows) == 2  # a year's 同比 is its 环比
    else:
        assert rows[2]["rate"] == (average(year_before) if year_before else None)
        assert rows[2]["runs"] == (yd.headline_count(runs, *_bounds(year_before)) if year_before else 0)


def test_findings_over_time_and_fixes_match_the_oracle(year, tmp_path: Path) -> None:
    runs = year[0]
    for period in ("2026", *("2026-%02d" % m for m in range(1, 13))):
        start, end = _bounds(period)
        doc = _report(year, period, tmp_path / period)
        tables = _tables(doc)
        expected = yd.findings(runs, start, end)
        got = {
            (r["host"], r["control_id"]): {k: r[k] for k in ("streak", "first_seen", "since")}
            for r in tables["findings"]["rows"]
            if r["status"] in ("fail", "error")
        }
        assert got == expected and expected, period
        fixes = sorted((f["host"], f["control_id"], f["run"], f["how"]) for f in tables["fixes"]["rows"])
        assert fixes == sorted((f["host"], f["control_id"], f["run"], f["how"]) for f in yd.fixes(runs, start, end))
        assert {f[3] for f in fixes} == {"enforced", "by_hand"}, period
        state = yd.end_state(runs, start, end)
        for row in tables["fixes"]["rows"]:
            assert row["status_now"] == state[(row["host"], row["control_id"])]
        hosts = {r["host"]: r for r in tables["hosts"]["rows"]}
        for host in yd.HOSTS:
            since = [v["first_seen"] for (h, _c), v in expected.items() if h == host]
            assert hosts[host]["failing_since"] == (min(since) if since else None), (period, host)


def test_a_store_written_before_the_predecessor_columns_gives_the_same_fixes(year, tmp_path: Path) -> None:
    """A store not recorded into since V11_PREVIOUS_STATUS (a report never migrates): the fixes are
    searched in the history instead (report.source.FIXES_SEARCH_SQL), with the same result."""
    runs, _store, catalog = year
    before = MIGRATIONS[: MIGRATIONS.index(V11_PREVIOUS_STATUS)]
    old = yd.fill(str(tmp_path / "old.sqlite"), runs, before)
    for period in ("2026", "2026-01", "2026-07"):
        start, end = _bounds(period)
        code, files, err = run_cli("--store", old, "--catalog", catalog, "--period", period, "--format", "json",
                                   "--out", str(tmp_path / period))  # fmt: skip
        assert code == 0, err
        rows = _tables(json.loads(files[0].read_text(encoding="utf-8")))["fixes"]["rows"]
        fixes = sorted((f["host"], f["control_id"], f["run"], f["how"]) for f in rows)
        assert fixes == sorted((f["host"], f["control_id"], f["run"], f["how"]) for f in yd.fixes(runs, start, end))
        assert {f[3] for f in fixes} == {"enforced", "by_hand"}, period
    with open_store(old, migrate=False) as store:
        assert store.schema_version() == before[-1].version


def test_the_written_analysis_is_included(year, tmp_path: Path) -> None:
    folder = tmp_path / "analysis"
    folder.mkdir()
    (folder / "2026-Q1.zh.md").write_text("一季度合规率稳定。\n\n住院部 C-2 问题较多，已安排整改。\n", encoding="utf-8")
    (folder / "2026-Q1.md").write_text("Q1 was stable.\n", encoding="utf-8")
    doc = _report(year, "2026-Q1", tmp_path / "zh", "--analysis-dir", str(folder))
    paragraphs = [r["text"] for r in _tables(doc)["analysis"]["rows"]]
    assert paragraphs == ["一季度合规率稳定。", "住院部 C-2 问题较多，已安排整改。"]
    doc = _report(year, "2026-Q1", tmp_path / "en", "--analysis-dir", str(folder), "--lang", "en")
    assert [r["text"] for r in _tables(doc)["analysis"]["rows"]] == ["Q1 was stable."]
    doc = _report(year, "2026-Q2", tmp_path / "none", "--analysis-dir", str(folder))
    (row,) = _tables(doc)["analysis"]["rows"]
    assert "尚无书面分析" in row["text"] and "2026-Q2.md" in row["text"]


def test_html_links_hosts_to_their_findings_and_labels_the_end_state(year, tmp_path: Path) -> None:
    _runs, store, catalog = year
    code, files, err = run_cli("--store", store, "--catalog", catalog, "--period", "2026-Q4", "--format", "html",
                               "--out", str(tmp_path))  # fmt: skip
    assert code == 0, err
    doc = lxml.html.fromstring(files[0].read_text(encoding="utf-8"))
    links = doc.xpath('//h3[@id="t-failing_hosts"]/following-sibling::table[1]//td/a/@href')
    assert links and all(doc.xpath('//tr[@id="%s"]' % href[1:]) for href in links)
    ids = doc.xpath('//h3[@id="t-findings"]/following-sibling::table[1]//tr/@id')
    assert len(ids) == len(set(ids))  # one anchor per host
    kpis = doc.xpath('//section[@id="period"]//div[@class="l"]/text()')
    assert kpis[:2] == ["期间平均合规率", "期末状态合规率"]
    months = doc.xpath('//h3[@id="t-bucket_departments"]/following-sibling::table[1]//th/text()')
    assert months[1:4] == ["2026-10", "2026-11", "2026-12"] and months[-2:] == ["期间平均 (%)", "期末状态 (%)"]


def test_the_store_api_trend_is_the_same_definition(year) -> None:
    runs, store_path, _catalog = year
    start, end = _bounds("2026")
    with open_store(store_path, migrate=False) as store:
        points = store.trend(start, end, by="month", catalog=yd.CATALOG)
    expected = yd.pooled(runs, start, end, "month")
    assert {p["key"]: {s: p[s] for s in trend.STATUSES if p[s]} for p in points} == expected


def test_manual_checks_recorded_by_people(year, tmp_path: Path) -> None:
    folder = tmp_path / "analysis"
    folder.mkdir()
    (folder / "2026-11.manual.yml").write_text(
        "- {control: M-1, date: 2026-11-06, checker: 王伟, result: pass, note: 机房已打扫}\n"
        "- {control: M-1, date: 2026-11-20, checker: 李强, result: fail, note: 未换鞋}\n",
        encoding="utf-8",
    )
    doc = _report(year, "2026-11", tmp_path / "nov", "--analysis-dir", str(folder))
    (row,) = _tables(doc)["manual_controls"]["rows"]
    assert (row["control_id"], row["result"], row["checked_on"], row["checker"], row["note"]) == (
        "M-1", "fail", "2026-11-20", "李强", "未换鞋")  # fmt: skip
    doc = _report(year, "2026-10", tmp_path / "oct", "--analysis-dir", str(folder))
    (row,) = _tables(doc)["manual_controls"]["rows"]
    assert row["result"] == "not_checked" and row["checker"] == ""
    (folder / "2026-09.manual.yml").write_text("- {control: M-1, date: someday, result: pass}\n", encoding="utf-8")
    _runs, store, catalog = year
    code, _files, err = run_cli("--store", store, "--catalog", catalog, "--period", "2026-09", "--format", "json",
                                "--analysis-dir", str(folder), "--out", str(tmp_path / "sep"))  # fmt: skip
    assert code == 2 and "2026-09.manual.yml, entry 1: date must be YYYY-MM-DD" in err
