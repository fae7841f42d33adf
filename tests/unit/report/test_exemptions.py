"""Exemptions: every approved deviation of the inventory with its expiry, and the exempt results."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from ansible_collections.hisops.him.plugins.plugin_utils.report.catalog import inventory_hostvars
from ansible_collections.hisops.him.plugins.plugin_utils.report.exemptions import (
    exception_state,
    inventory_exceptions,
)

from .conftest import run_cli

pytestmark = pytest.mark.unit

GAMES = '{control: HIM-5.4-games, groups: [dept_outpatient], items: [dicom*], approver: 李强, expires: "2099-12-31"}'
STORAGE = '{control: HIM-7.4-storage, hosts: [ws-mz-01], approver: 王伟, expires: "2020-01-31", reason: 检验仪器}'
# host variables: the project's group_vars/all (an empty list) wins over an inventory file's group vars
INVENTORY = """
all:
  children:
    workstations:
      children:
        dept_outpatient:
          hosts:
            ws-mz-01: {hisops_workstation_exceptions: [%s, %s]}
            ws-mz-02: {hisops_workstation_exceptions: [%s]}
    servers:
      hosts:
        db-01: {}
""" % (STORAGE, GAMES, GAMES)


@pytest.mark.parametrize(
    ("expires", "state"),
    [("2026-11-26", "expired"), ("2026-11-27", "expiring"), ("2026-12-27", "expiring"), ("2026-12-28", "active"),
     ("someday", "invalid")],
)  # fmt: skip
def test_exception_state(expires: str, state: str) -> None:
    assert exception_state(expires, dt.date(2026, 11, 27)) == state


EXP = "2027-01-01"


def test_inventory_exceptions_per_host_with_groups_of_parents() -> None:
    data = {
        "_meta": {"hostvars": {
            "a": {"hisops_workstation_exceptions": [{"control": "C", "groups": ["workstations"], "expires": EXP}]},
            "b": {"hisops_workstation_exceptions": [{"control": "C", "hosts": ["a"], "expires": EXP}]},
        }},
        "all": {"children": ["workstations"]},
        "workstations": {"children": ["dept_x"]},
        "dept_x": {"hosts": ["a", "b"]},
    }  # fmt: skip
    hostvars = inventory_hostvars(data)
    assert sorted(hostvars["a"]["group_names"]) == ["dept_x", "workstations"]
    rows = inventory_exceptions(hostvars, dt.date(2026, 12, 10))
    assert [(r["host"], r["state"]) for r in rows] == [("a", "expiring")]  # b's entry names host a only


def test_report_lists_exemptions_and_exempt_results(known_store: str, tmp_path: Path) -> None:
    inventory = tmp_path / "hosts.yml"
    inventory.write_text(INVENTORY, encoding="utf-8")
    code, files, err = run_cli("--store", known_store, "--period", "2026-11", "--format", "json", "--lang", "en",
                               "--inventory", str(inventory), "--out", str(tmp_path))  # fmt: skip
    assert code == 0, err
    doc = json.loads(files[0].read_text(encoding="utf-8"))
    tables = {t["key"]: t for s in doc["sections"] for t in s["tables"]}
    rows = [(r["host"], r["control_id"], r["state"], r["approver"], r["items"]) for r in tables["exemptions"]["rows"]]
    assert rows == [
        ("ws-mz-01", "HIM-7.4-storage", "expired", "王伟", ""),
        ("ws-mz-01", "HIM-5.4-games", "active", "李强", "dicom*"),
        ("ws-mz-02", "HIM-5.4-games", "active", "李强", "dicom*"),
    ]
    exempt = tables["exempt_results"]["rows"]
    assert [(r["host"], r["control_id"]) for r in exempt] == [("ws-mz-02", "HIM-7.7-antivirus")]
    # without --inventory: the store's exempt results only
    code, files, err = run_cli("--store", known_store, "--period", "2026-11", "--format", "json",
                               "--out", str(tmp_path / "plain"))  # fmt: skip
    assert code == 0, err
    doc = json.loads(files[0].read_text(encoding="utf-8"))
    keys = [t["key"] for s in doc["sections"] if s["key"] == "exemptions" for t in s["tables"]]
    assert keys == ["exempt_results"]
