"""A compliance run on the lab, then the report of the period: every host and control is in it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import lxml.html
import openpyxl
import pytest
from ansible_collections.hisops.him.plugins.plugin_utils.store import local_day, open_store

from tests.integration.report.test_screenshot import CHROMIUM, screenshot
from tests.unit.report.conftest import run_cli

pytestmark = pytest.mark.lab
ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def lab_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("lab") / "results.sqlite"
    env = dict(os.environ, HISOPS_STORE=str(path), ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"))
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    proc = subprocess.run(
        ["ansible-playbook", "playbooks/compliance_audit.yml"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=900, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return path


def test_report_of_a_lab_run_has_every_host_and_control(lab_store: Path, tmp_path: Path) -> None:
    with open_store(lab_store, migrate=False) as store:
        (run,) = store.runs()
        results = store.run_control_results(run["uuid"])
        hosts = {h["host"]: h for h in store.run_host_results(run["uuid"])}
        by_dept = {d["department"]: d for d in store.compliance_by_department()}
        assets = {a["host"] for a in store.assets()}
    day = local_day(run["started"])  # periods are in the controller's local time
    code, files, err = run_cli("--store", str(lab_store), "--period", "%s..%s" % (day, day), "--format", "html,xlsx",
                               "--inventory", str(ROOT / "inventory" / "lab"), "--out", str(tmp_path))  # fmt: skip
    assert code == 0, err
    html = next(p for p in files if p.suffix == ".html")
    book = openpyxl.load_workbook(next(p for p in files if p.suffix == ".xlsx"))
    # XLSX: every host of the run, with its number of checked controls as the store has them.
    sheet = list(book["主机合规汇总"].iter_rows(min_row=2, values_only=True))
    checked = {row[0]: row[3] for row in sheet if row[0]}
    assert set(checked) == set(hosts)
    for host in hosts:
        assert checked[host] == sum(1 for r in results if r["host"] == host)
    controls = {row[0] for row in book["按控制项合规率"].iter_rows(min_row=2, values_only=True) if row[0]}
    assert controls == {r["control_id"] for r in results}
    # HTML: departments with the store's counts and names from the inventory, the assets, the run.
    doc = lxml.html.fromstring(html.read_text(encoding="utf-8"))
    table = doc.get_element_by_id("t-by_department").getnext()
    rows = {tr.findall("td")[0].text_content(): [td.text_content() for td in tr.findall("td")]
            for tr in table.iter("tr") if tr.findall("td")}  # fmt: skip
    assert set(rows) == set(by_dept)
    for dept, row in rows.items():
        assert int(row[3]) == len({h for h, r in hosts.items() if r["department"] == dept})
        assert row[-1] == "%.1f" % (by_dept[dept]["rate"] * 100)
    assert rows["outpatient"][1] == "门诊部" and rows["outpatient"][2] == "张丽"
    asset_table = doc.get_element_by_id("t-assets").getnext()
    assert {tr.findall("td")[0].text_content() for tr in asset_table.iter("tr") if tr.findall("td")} == assets
    if CHROMIUM:
        png = tmp_path / "lab-report.png"
        screenshot(html, png, tmp_path / "profile")
        assert png.stat().st_size > 50_000
