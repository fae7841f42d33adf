"""The asset register in the reports (issue 17): device kind, asset number, location and purchase date
from the inventory, totals by kind, department and location, devices added and removed in the period;
and the changes: a rolled-back switch push shows as rolled back, not as a change, and what a check-mode
task would change is no change. A store with known records, written through the store's API and the
recording library, reported in zh and en."""

from __future__ import annotations

import datetime
import json
from pathlib import Path
from typing import Any

import pytest
from ansible_collections.hisops.him.plugins.plugin_utils.asset_inventory import (
    asset_problems,
    duplicate_asset_ids,
    register_columns,
)
from ansible_collections.hisops.him.plugins.plugin_utils.recording import RunRecording, change_outcome
from ansible_collections.hisops.him.plugins.plugin_utils.store import open_store

from .conftest import run_cli

pytestmark = pytest.mark.unit

# host: (department, kind, hisops_asset) as the inventory gives it (a YAML date for ws-a)
INVENTORY: dict[str, tuple[str, str, dict[str, Any]]] = {
    "ws-a": ("outpatient", "workstation", {"asset_id": "A-001", "kind": "Linux工作站", "location": "门诊楼1层",
                                           "purchase_date": datetime.date(2021, 3, 15)}),
    "ws-b": ("outpatient", "workstation", {"asset_id": "A-002", "kind": "Linux工作站", "location": "门诊楼1层",
                                           "purchase_date": "2018-05-02"}),
    "ws-c": ("inpatient", "workstation", {"asset_id": "A-003", "kind": "Linux工作站", "location": "住院楼3层",
                                          "purchase_date": "2026-10-28"}),
    "sw-1": ("it", "switch", {"asset_id": "N-001", "kind": "交换机", "location": "机房"}),
    "sw-2": ("it", "switch", {"asset_id": "N-002", "kind": "交换机", "location": "机房",
                              "purchase_date": "2024-01-10"}),
}  # fmt: skip
SERIALS = {"ws-a": "S-A", "ws-b": "S-B", "ws-c": "S-C", "sw-1": "FOC1", "sw-2": "FOC1"}
NAMES = {"outpatient": "门诊部", "inpatient": "住院部", "it": "信息科"}
# (uuid, started, mode, the run's inventory, [(host, task result, outcome, check mode)])
RUNS = [
    ("sep", "2026-09-20T02:00:00.000000Z", "check", ("ws-a", "ws-b", "sw-1"), []),
    ("nov-1", "2026-11-03T02:00:00.000000Z", "check", ("ws-a", "ws-c", "sw-1", "sw-2"),
     [("sw-1", {"changed": True, "msg": "would push 3 commands"}, "ok", True)]),
    ("nov-2", "2026-11-10T02:00:00.000000Z", "enforce", ("ws-a", "ws-c", "sw-1", "sw-2"), [
        ("sw-1", {"changed": True, "msg": "pushed 3 commands", "rolled_back": False}, "ok", False),
        ("sw-2", {"changed": True, "failed": True, "msg": "rejected; restored: yes", "rolled_back": True},
         "failed", False),
        ("ws-a", {"changed": True, "failed": True, "msg": "halfway"}, "failed", False),
        ("ws-c", {"changed": True, "msg": "would remove sl"}, "ok", True),
    ]),
]  # fmt: skip


def _write(path: Path) -> str:
    with open_store(str(path)) as store:
        for uuid, started, mode, hosts, tasks in RUNS:
            store.start_run({"uuid": uuid, "started": started, "mode": mode})
            rec = RunRecording(uuid)
            for host in hosts:
                dept, kind, asset = INVENTORY[host]
                groups = ["dept_" + dept, {"workstation": "workstations_linux", "switch": "switches"}[kind]]
                rec.record_scope(host, groups, True, [])
                facts = {"ansible_product_serial": SERIALS[host], "ansible_distribution": "Debian"}
                inventory = {"department_name": NAMES[dept]} | register_columns(asset)
                rec.record_result(host, groups, {"ansible_facts": facts}, "ok", ("Gather", "setup"), False,
                                  lambda inventory=inventory: inventory)  # fmt: skip
                for name, data, outcome, check in tasks:
                    if name == host:
                        rec.record_result(host, groups, data, outcome, ("Push", "m"), True, dict, check)
            batch = rec.take_batch()
            for row in batch.assets + batch.changes + batch.hosts:
                row["recorded_at"] = started
            store.write(batch)
            store.finish_run(uuid, "ok")
    return str(path)


@pytest.fixture(scope="module")
def store_path(tmp_path_factory: pytest.TempPathFactory) -> str:
    return _write(tmp_path_factory.mktemp("assets") / "results.sqlite")


def _tables(store_path: str, out: Path, lang: str) -> dict[str, list[dict[str, Any]]]:
    code, files, err = run_cli("--store", store_path, "--period", "2026-11", "--lang", lang, "--format", "json",
                               "--out", str(out))  # fmt: skip
    assert code == 0, err
    doc = json.loads(files[0].read_text(encoding="utf-8"))
    return {t["key"]: t["rows"] for s in doc["sections"] for t in s["tables"]}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_register_data_totals_and_devices_added_and_removed(store_path: str, tmp_path: Path, lang: str) -> None:
    tables = _tables(store_path, tmp_path, lang)
    assets = {r["host"]: (r["device_kind"], r["asset_id"], r["location"], r["purchase_date"]) for r in tables["assets"]}
    assert assets == {
        "ws-a": ("Linux工作站", "A-001", "门诊楼1层", "2021-03-15"),
        "ws-c": ("Linux工作站", "A-003", "住院楼3层", "2026-10-28"),
        "sw-1": ("交换机", "N-001", "机房", ""),
        "sw-2": ("交换机", "N-002", "机房", "2024-01-10"),
    }
    by_kind = {(r["device_kind"], r["department_name"]): r["hosts"] for r in tables["assets_by_kind"]}
    assert by_kind == {("Linux工作站", "门诊部"): 1, ("Linux工作站", "住院部"): 1, ("交换机", "信息科"): 2}
    by_location = {(r["location"], r["device_kind"]): r["hosts"] for r in tables["assets_by_location"]}
    assert by_location == {("门诊楼1层", "Linux工作站"): 1, ("住院楼3层", "Linux工作站"): 1, ("机房", "交换机"): 2}
    # against the inventory of September's run (the last before November): ws-b left, sw-2 and ws-c came
    changes = [(r["change"], r["host"], r["asset_id"], r["purchase_date"]) for r in tables["inventory_changes"]]
    assert changes == [
        ("added", "sw-2", "N-002", "2024-01-10"),
        ("added", "ws-c", "A-003", "2026-10-28"),
        ("removed", "ws-b", "A-002", "2018-05-02"),
    ]
    assert tables["duplicate_serials"] == [{"serial": "FOC1", "hosts": 2, "names": "sw-1, sw-2"}]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_rolled_back_push_is_no_change_and_check_mode_is_not_listed(store_path: str, tmp_path: Path,
                                                                      lang: str) -> None:  # fmt: skip
    tables = _tables(store_path, tmp_path, lang)
    switch = [(r["host"], r["outcome"], r["changed"]) for r in tables["switch_changes"]]
    assert switch == [("sw-1", "changed", True), ("sw-2", "rolled_back", False)]
    hosts = [(r["host"], r["outcome"], r["changed"]) for r in tables["host_changes"]]
    assert hosts == [("ws-a", "failed", False)]  # ws-c's check-mode task: what it would do, not listed


def test_the_html_says_rolled_back_in_the_reports_language(store_path: str, tmp_path: Path) -> None:
    for lang, label in (("zh", "已回滚（未变更）"), ("en", "rolled back (no change)")):
        code, files, err = run_cli("--store", store_path, "--period", "2026-11", "--lang", lang, "--format", "html",
                                   "--out", str(tmp_path / lang))  # fmt: skip
        assert code == 0, err
        assert label in files[0].read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("data", "outcome", "check", "expected"),
    [
        ({"changed": True}, "ok", False, "changed"),
        ({"changed": True}, "ok", True, "check"),
        ({"changed": True, "rolled_back": True}, "failed", False, "rolled_back"),
        ({"changed": True, "rolled_back": False}, "failed", False, "failed"),
        ({"changed": True}, "ignored", False, "failed"),
    ],
)
def test_change_outcome(data: dict[str, Any], outcome: str, check: bool, expected: str) -> None:
    assert change_outcome(data, outcome, check) == expected


def test_asset_problems_name_the_host_and_field() -> None:
    today = datetime.date(2026, 11, 28)
    assert asset_problems(None, "ws-a", today) == []
    assert asset_problems(INVENTORY["ws-a"][2], "ws-a", today) == []
    assert asset_problems(["A-001"], "ws-a", today) == [
        "host ws-a: hisops_asset must be a mapping (asset_id, kind, location, purchase_date)"
    ]
    assert asset_problems({"kind": "交换机", "location": ["机房"], "purchase_date": "2021-02-30"}, "sw-1", today) == [
        "host sw-1: hisops_asset.asset_id is missing or empty",
        "host sw-1: hisops_asset.location must be text, got ['机房']",
        "host sw-1: hisops_asset.purchase_date '2021-02-30' is not a date (use YYYY-MM-DD)",
    ]
    assert asset_problems({"asset_id": "X", "purchase_date": "2027-01-01"}, "sw-1", today) == [
        "host sw-1: hisops_asset.purchase_date '2027-01-01' is in the future"
    ]
    hostvars = {h: {"hisops_asset": a} for h, (_d, _k, a) in INVENTORY.items()} | {
        "sw-3": {"hisops_asset": {"asset_id": "N-001"}}
    }
    assert duplicate_asset_ids(hostvars, list(hostvars)) == [
        "host sw-3: hisops_asset.asset_id 'N-001' is also host sw-1's"
    ]


@pytest.mark.parametrize(("rolled_back", "expected"), [(True, "rolled_back"), (False, "failed")])
def test_a_rejected_push_as_the_switch_module_returns_it(rolled_back: bool, expected: str) -> None:
    """The module's own failure result (a rejected command, the configuration restored or not) reaches
    the store's change row as rolled back or failed."""
    from ansible_collections.hisops.him.plugins.module_utils import switchrun

    state = {"changed": True, "commands": ["vlan 999"], "rolled_back": rolled_back, "saved": False}
    data = switchrun.failure_result("sw-1", switchrun.SwitchConfigFailed("sw-1 rejected a command", **state))
    rec = RunRecording("r")
    rec.record_result("sw-1", ["dept_it", "switches"], data, "failed", ("Push", "m"), bool(data["changed"]), dict)
    (change,) = rec.take_batch().changes
    assert change["outcome"] == expected
