"""The asset-register inventory plugin: sample registers with Chinese headers, malformed rows, bad input."""

from __future__ import annotations

import csv
import datetime
import shutil
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from ansible.errors import AnsibleParserError
from ansible.inventory.data import InventoryData
from ansible.parsing.dataloader import DataLoader
from ansible.plugins.loader import inventory_loader

# each test carries its layer: unit, or component where it runs an Ansible command

ROOT = Path(__file__).resolve().parents[3]
FIXTURES = Path(__file__).parent / "fixtures"
EXAMPLE = ROOT / "inventory" / "example-register"
DEPARTMENTS = "departments:\n  门诊部: outpatient\n  住院部: inpatient\n"


def _plugin() -> Any:
    plugin = inventory_loader.get("hisops.him.hisops_asset_register")
    assert plugin is not None, "the plugin hisops.him.hisops_asset_register did not load"
    return plugin


def _parse(config: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[InventoryData, list[str]]:
    plugin = _plugin()
    warnings: list[str] = []
    monkeypatch.setattr(plugin.display, "warning", lambda msg, *a, **k: warnings.append(str(msg)))
    inventory = InventoryData()
    plugin.parse(inventory, DataLoader(), str(config), cache=False)
    return inventory, warnings


def _config(tmp_path: Path, register: str, extra: str = "") -> Path:
    cfg = tmp_path / "site.hisops_assets.yml"
    cfg.write_text(
        "plugin: hisops.him.hisops_asset_register\npath: %s\n%s%s" % (register, DEPARTMENTS, extra), encoding="utf-8"
    )
    return cfg


def _hosts(inventory: InventoryData, group: str) -> set[str]:
    return {h.name for h in inventory.groups[group].get_hosts()} if group in inventory.groups else set()


@pytest.mark.unit
def test_verify_file_accepts_only_hisops_assets_names(tmp_path: Path) -> None:
    plugin = _plugin()
    good = tmp_path / "a.hisops_assets.yml"
    bad = tmp_path / "hosts.yml"
    for p in (good, bad):
        p.write_text("plugin: hisops.him.hisops_asset_register\n")
    assert plugin.verify_file(str(good))
    assert not plugin.verify_file(str(bad))


@pytest.mark.unit
@pytest.mark.parametrize("register", ["asset-register.csv", "asset-register.xlsx"])
def test_example_register_csv_and_xlsx(register: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copytree(EXAMPLE, tmp_path / "reg")
    config = tmp_path / "reg" / "hospital.hisops_assets.yml"
    text = config.read_text(encoding="utf-8").replace("path: asset-register.csv", "path: %s" % register)
    config.write_text(text, encoding="utf-8")
    inventory, warnings = _parse(config, monkeypatch)
    assert warnings == []
    with open(EXAMPLE / "asset-register.csv", encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert set(inventory.hosts) == {r["设备名称"] for r in rows}
    assert _hosts(inventory, "dept_outpatient") == {r["设备名称"] for r in rows if r["使用科室"] == "门诊部"}
    assert _hosts(inventory, "workstations_windows") == {r["设备名称"] for r in rows if r["类型"] == "Windows工作站"}
    assert "dept_outpatient" in {g.name for g in inventory.groups["departments"].child_groups}
    assert {g.name for g in inventory.groups["workstations_linux"].parent_groups} >= {"workstations", "linux_hosts"}
    host = inventory.get_host("mz-win-003")
    asset = host.vars["hisops_asset"]
    assert host.vars["ansible_host"] == "10.10.11.23"
    assert asset["asset_id"] == "ZC-2022-0107"
    assert asset["department"] == "outpatient" and asset["department_name"] == "门诊部"
    assert asset["custodian"] == "张丽" and asset["serial"] == "CN0X7K93"
    # 2022年6月1日 in the CSV, an Excel date in the XLSX: both become ISO dates.
    assert asset["purchase_date"] == "2022-06-01"
    assert inventory.get_host("mz-pc-002").vars["hisops_asset"]["purchase_date"] == "2021-03-15"
    assert asset["source"].startswith("asset-register.")


@pytest.mark.unit
def test_malformed_rows_are_skipped_with_line_numbers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copy(FIXTURES / "malformed.csv", tmp_path / "reg.csv")
    inventory, warnings = _parse(_config(tmp_path, "reg.csv"), monkeypatch)
    text = "\n".join(warnings)
    assert "reg.csv line 3: IP address '10.0.0.300' is not valid" in text
    assert "reg.csv line 4: department '外星科'" in text
    assert "reg.csv line 5: required value(s) empty: hostname" in text
    assert "reg.csv line 6: purchase_date '明年'" in text
    assert "reg.csv line 8: duplicate hostname 'ws-a-01' (first on line 2)" in text
    assert "reg.csv line 11: host name 'ws b 04'" in text
    assert len(warnings) == 6
    # Good rows are kept: the multi-line cell row (lines 9-10) and a code given as is.
    assert set(inventory.hosts) == {"ws-a-01", "ws-b-03", "ws-b-05"}
    assert inventory.get_host("ws-b-03").vars["hisops_asset"]["source"] == "reg.csv:9"
    assert inventory.get_host("ws-a-01").vars["hisops_asset"]["asset_id"] == "ZC-1"
    # A type without a group mapping adds no kind group.
    assert {g.name for g in inventory.get_host("ws-b-05").get_groups()} == {"departments", "dept_inpatient"}


@pytest.mark.unit
def test_strict_makes_malformed_rows_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copy(FIXTURES / "malformed.csv", tmp_path / "reg.csv")
    with pytest.raises(AnsibleParserError, match=r"6 malformed row\(s\)[\s\S]*reg.csv line 3"):
        _parse(_config(tmp_path, "reg.csv", "strict: true\n"), monkeypatch)


@pytest.mark.unit
def test_malformed_xlsx_row_reported_by_sheet_row(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    book = openpyxl.Workbook()
    ws = book.active
    ws.append(["资产编号", "设备名称", "IP地址", "使用科室", "购置日期"])
    ws.append(["ZC-1", "ws-a-01", "10.0.0.1", "门诊部", datetime.datetime(2020, 5, 6)])
    ws.append([None, None, None, None, None])
    ws.append(["ZC-2", "ws-a-02", "not-an-ip", "门诊部", None])
    book.save(tmp_path / "reg.xlsx")
    inventory, warnings = _parse(_config(tmp_path, "reg.xlsx"), monkeypatch)
    assert warnings == ["asset register: skipped malformed row: reg.xlsx row 4: IP address 'not-an-ip' is not valid"]
    assert set(inventory.hosts) == {"ws-a-01"}
    assert inventory.get_host("ws-a-01").vars["hisops_asset"]["purchase_date"] == "2020-05-06"


@pytest.mark.unit
def test_missing_required_columns_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copy(FIXTURES / "missing-columns.csv", tmp_path / "reg.csv")
    with pytest.raises(AnsibleParserError) as err:
        _parse(_config(tmp_path, "reg.csv"), monkeypatch)
    msg = str(err.value)
    assert "required column(s) missing" in msg
    assert "资产编号 (asset_id)" in msg and "使用科室 (department)" in msg
    assert "设备名称 (hostname)" not in msg


@pytest.mark.unit
def test_missing_register_file_and_bad_type(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(AnsibleParserError, match="does not exist"):
        _parse(_config(tmp_path, "nowhere.csv"), monkeypatch)
    (tmp_path / "reg.txt").write_text("x")
    with pytest.raises(AnsibleParserError, match="unsupported file type"):
        _parse(_config(tmp_path, "reg.txt"), monkeypatch)


@pytest.mark.unit
def test_gb18030_register_needs_encoding_option(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = "资产编号,设备名称,使用科室\nZC-1,ws-a-01,门诊部\n"
    (tmp_path / "reg.csv").write_bytes(text.encode("gb18030"))
    with pytest.raises(AnsibleParserError, match="encoding"):
        _parse(_config(tmp_path, "reg.csv"), monkeypatch)
    inventory, _ = _parse(_config(tmp_path, "reg.csv", "encoding: gb18030\n"), monkeypatch)
    assert _hosts(inventory, "dept_outpatient") == {"ws-a-01"}


@pytest.mark.unit
def test_constructed_keyed_groups_and_compose(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copy(FIXTURES / "malformed.csv", tmp_path / "reg.csv")
    extra = (
        "keyed_groups:\n  - key: hisops_asset.model\n    prefix: model\n"
        "compose:\n  asset_year: hisops_asset.purchase_date[:4]\n"
        "groups:\n  bought_2021: hisops_asset.purchase_date.startswith('2021')\n"
    )
    inventory, _ = _parse(_config(tmp_path, "reg.csv", extra), monkeypatch)
    assert _hosts(inventory, "model_M1") == {"ws-a-01", "ws-b-03", "ws-b-05"}
    assert _hosts(inventory, "bought_2021") == {"ws-a-01", "ws-b-03", "ws-b-05"}
    assert inventory.get_host("ws-a-01").vars["asset_year"] == "2021"


@pytest.mark.component
def test_enabled_in_ansible_cfg_and_combined_with_the_hospital_inventory() -> None:
    """ansible-inventory with the project's ansible.cfg: the register adds asset data to the hosts."""
    import json
    import os
    import subprocess
    import sys

    env = dict(os.environ, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"))
    exe = str(Path(sys.executable).parent / "ansible-inventory")
    sources = ["-i", str(ROOT / "inventory" / "example-hospital"), "-i", str(EXAMPLE / "hospital.hisops_assets.yml")]
    proc = subprocess.run([exe, *sources, "--list"], capture_output=True, text=True, env=env, cwd=ROOT, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "hisops_asset_register" not in proc.stderr  # parsed by the plugin, no warning
    data = json.loads(proc.stdout)
    hostvars = data["_meta"]["hostvars"]
    # Register text is untrusted data to Ansible (never templated), so --list marks it unsafe.
    assert hostvars["his-db-01"]["hisops_asset"]["serial"] == {"__ansible_unsafe": "2102311XYZ"}
    assert hostvars["his-db-01"]["hisops_department"]["name_zh"] == "信息科"  # the hospital's group_vars still apply
