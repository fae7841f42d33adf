"""The workstation policy against the lab's workstations, in check mode only (changes nothing).

Planted violations, enforcement, idempotence and the before/after host-state comparison are
in the role's molecule scenario (roles/workstation_policy/molecule/default), which owns its
own throwaway containers. Here: the playbook as the network center runs it, on the shared lab.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

pytestmark = pytest.mark.lab

ROOT = Path(__file__).resolve().parents[3]
CATALOG = yaml.safe_load((ROOT / "group_vars/all/controls.yml").read_text(encoding="utf-8"))["hisops_control_catalog"]
# the workstation rules and, in the same round trip on Linux, the antivirus area (HIM-7.7-antivirus)
IDS = [cid for cid, e in CATALOG.items() if e["area"] in ("workstation", "antivirus")]
HOSTS = ["ws-mz-01", "ws-mz-02", "ws-zy-01", "ws-zy-02"]


def ansible(argv: list[str], **env: str) -> subprocess.CompletedProcess[str]:
    environ = dict(os.environ, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"), **env)
    return subprocess.run(argv, cwd=ROOT, env=environ, capture_output=True, text=True, timeout=300, check=False)


def run_playbook(*extra: str) -> tuple[int, dict[str, Any]]:
    argv = ["ansible-playbook", "playbooks/workstation_policy.yml", "--check", "--diff", *extra]
    proc = ansible(argv, ANSIBLE_STDOUT_CALLBACK="ansible.posix.json")
    return proc.returncode, json.loads(proc.stdout)


def task_results(report: dict[str, Any], name_part: str) -> dict[str, Any]:
    for play in report["plays"]:
        for task in play["tasks"]:
            if name_part in task["task"]["name"]:
                return task["hosts"]
    return {}


@pytest.fixture(scope="module")
def audit() -> dict[str, Any]:
    rc, report = run_playbook()
    assert rc == 0, report.get("stats")
    return report


def test_every_workstation_reports_every_control_once(audit: dict[str, Any]) -> None:
    results = task_results(audit, "all selected controls in one round trip")
    assert sorted(results) == HOSTS
    for host, res in results.items():
        assert [r["id"] for r in res["hisops_controls"]] == IDS, host
        assert all(r["status"] in ("pass", "fail", "exempt") for r in res["hisops_controls"]), host
        assert res["summary"]["fixed"] == 0 and res["summary"]["error"] == 0
        assert "protection_on" in res["antivirus"], host  # the state the recorder stores


def test_24h_clinical_station_has_no_shutdown(audit: dict[str, Any]) -> None:
    results = task_results(audit, "all selected controls in one round trip")
    power = {h: next(r for r in res["hisops_controls"] if r["id"] == "HIM-6.5-power") for h, res in results.items()}
    assert power["ws-mz-02"]["status"] in ("exempt", "fail")  # exempt unless someone planted a timer
    assert not any("enable" in c for c in power["ws-mz-02"]["changes"])


def test_check_mode_diff_lists_what_would_change(audit: dict[str, Any]) -> None:
    results = task_results(audit, "all selected controls in one round trip")
    for host, res in results.items():
        failing = [r for r in res["hisops_controls"] if r["status"] == "fail" and r["changes"]]
        if failing:
            assert res.get("diff"), host


def test_bad_policy_stops_every_host_before_the_module_runs() -> None:
    bad = json.dumps(
        {
            "hisops_workstation_exceptions": [
                {"control": "HIM-7.4-storage", "hosts": ["ws-zy-01"], "expires": "2030-01-01"}
            ]
        }
    )
    rc, report = run_playbook("-e", bad)
    assert rc != 0
    # the whole-inventory check, the playbook's first task, on the control node
    validate = task_results(report, "every host's data, all problems in one list")
    assert validate, "the inventory check did not run"
    result = next(iter(validate.values()))
    assert result["failed"]
    assert "host ws-zy-01: hisops_workstation_exceptions[0].approver is missing" in result["msg"]
    assert task_results(report, "all selected controls in one round trip") == {}


def ad_hoc(host: str, module: str, args: str) -> None:
    proc = ansible(["ansible", host, "-i", "inventory/lab", "-m", module, "-a", args])
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]


def test_sudoers_dropin_rule_is_found_on_a_lab_workstation() -> None:
    """A sudoers.d rule giving a user passwordless root fails HIM-5.5-admins (it passed before
    issue 13: only the sudo group's members were read). The planted file is removed after."""
    planted = "/etc/sudoers.d/zz-hisops-labtest"
    ad_hoc(
        "ws-zy-01",
        "ansible.builtin.copy",
        "dest=%s mode=0440 validate='visudo -cf %%s' content='labclerk ALL=(ALL) NOPASSWD: ALL\n'" % planted,
    )
    try:
        rc, report = run_playbook("-l", "ws-zy-01", "--tags", "him-5.5-admins")
    finally:
        ad_hoc("ws-zy-01", "ansible.builtin.file", "path=%s state=absent" % planted)
    assert rc == 0, report.get("stats")
    (record,) = task_results(report, "all selected controls in one round trip")["ws-zy-01"]["hisops_controls"]
    assert record["id"] == "HIM-5.5-admins" and record["status"] == "fail"
    assert "labclerk may run ALL as root without a password: named (%s line 1)" % planted in record["evidence"], record
    assert "disable 1 sudo rule(s) in %s" % planted in record["changes"]
