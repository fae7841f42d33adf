"""A broken run fails loudly (issue 11): an inventory that does not parse or has no host, a YAML
error in group_vars, bad data anywhere in the inventory, a store that cannot record an enforce
run. Each case: exit status != 0, the message a technician needs, the store's record, and no
host touched (every host below points at a closed port on 127.0.0.1: nothing could be changed)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from ansible_collections.hisops.him.plugins.plugin_utils import coverage
from ansible_collections.hisops.him.plugins.plugin_utils.report.catalog import load_catalog
from ansible_collections.hisops.him.plugins.plugin_utils.store import open_store

from tests.unit.report.conftest import run_cli

pytestmark = pytest.mark.component
ROOT = Path(__file__).resolve().parents[3]
BIN = Path(sys.executable).parent

DEPARTMENT = """
hisops_department:
  code: outpatient
  name_zh: 门诊部
  name_en: Outpatient
  login_group: mz_staff
  custodian: {name: 张丽, staff_id: MZ0101, certificate: HIM-2019-0311}
"""


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _inventory(tmp_path: Path, hosts_yml: str | None = None) -> Path:
    inv = tmp_path / "inventory"
    (inv / "group_vars" / "dept_outpatient").mkdir(parents=True)
    (inv / "group_vars" / "dept_outpatient" / "department.yml").write_text("---" + DEPARTMENT, encoding="utf-8")
    port = _closed_port()
    (inv / "hosts.yml").write_text(
        hosts_yml
        or (
            "all:\n  children:\n    dept_outpatient:\n      hosts:\n        ws-gone:\n"
            "    workstations:\n      children:\n        workstations_linux:\n          hosts:\n"
            "            ws-gone: {ansible_host: 127.0.0.1, ansible_port: %d}\n" % port
        ),
        encoding="utf-8",
    )
    return inv


def _run(tmp_path: Path, inventory: Path, playbook: str, *extra: str, **env: str) -> subprocess.CompletedProcess[str]:
    full = dict(os.environ, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"), ANSIBLE_NOCOLOR="1")
    full.update(HISOPS_STORE=str(tmp_path / "results.sqlite"), PATH=str(BIN) + os.pathsep + os.environ["PATH"])
    full.pop("HISOPS_RECORDER_ENABLED", None)
    full.update(env)
    return subprocess.run(
        [str(BIN / "ansible-playbook"), "-i", str(inventory), "playbooks/" + playbook, *extra],
        cwd=ROOT, env=full, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip


def _runs(tmp_path: Path) -> list[dict]:
    path = tmp_path / "results.sqlite"
    if not path.exists():
        return []
    with open_store(path) as store:
        return store.runs()


def test_an_inventory_that_does_not_parse_fails_the_run_and_is_recorded_failed(tmp_path: Path) -> None:
    inv = _inventory(tmp_path, "all:\n  children:\n    workstations:\n      hosts:\n        ws-1: {ansible_host: x\n")
    proc = _run(tmp_path, inv, "compliance_audit.yml")
    assert proc.returncode == 2, proc.stdout[-3000:] + proc.stderr[-3000:]
    where = "%s line 6 column 1: YAML error: expected ',' or '}'" % (inv / "hosts.yml")
    assert "the inventory has 1 problem(s); nothing was changed" in proc.stdout
    assert where in proc.stdout and "hisops_recorder: " + where in proc.stderr
    # recorded: a failed run, and why (the parser's message with file and line), no host touched
    (run,) = _runs(tmp_path)
    assert run["status"] == "failed" and run["playbook"] == "playbooks/compliance_audit.yml"
    with open_store(tmp_path / "results.sqlite") as store:
        problems = [r["problem"] for r in store.records("run_problems") if r["run_uuid"] == run["uuid"]]
        assert store.run_host_results(run["uuid"]) == []
    assert any(p.startswith(str(inv / "hosts.yml") + " line 6 column 1: YAML error") for p in problems), problems
    assert any("the inventory has 1 problem(s)" in p and where in p for p in problems), problems


def test_an_inventory_without_hosts_fails_and_is_recorded_failed(tmp_path: Path) -> None:
    inv = _inventory(tmp_path, "all:\n  children:\n    workstations: {}\n")
    proc = _run(tmp_path, inv, "compliance_audit.yml")
    assert proc.returncode != 0
    assert "has no host" in proc.stdout
    (run,) = _runs(tmp_path)
    assert run["status"] == "failed"


def test_a_playbook_whose_group_has_no_host_fails(tmp_path: Path) -> None:
    """Before: 'skipping: no hosts matched', exit 0."""
    inv = _inventory(tmp_path)
    proc = _run(tmp_path, inv, "switch_config.yml")
    assert proc.returncode != 0
    assert "has no host in group switches, which this playbook works on" in proc.stdout
    (run,) = _runs(tmp_path)
    assert run["status"] == "failed"


def test_a_yaml_error_in_group_vars_names_the_file_and_line(tmp_path: Path) -> None:
    inv = _inventory(tmp_path)
    bad = inv / "group_vars" / "workstations.yml"
    bad.write_text("---\nhisops_workstation_screenlock_minutes: 10\nhisops_x: [1, 2\nhisops_y: 3\n", encoding="utf-8")
    proc = _run(tmp_path, inv, "workstation_policy.yml")
    assert proc.returncode != 0
    # named by the recorder when the playbook starts (Ansible's own error names no file)
    assert "hisops_recorder: %s line 4 column 9: YAML error" % bad in proc.stderr, proc.stderr[-2000:]
    (run,) = _runs(tmp_path)
    assert run["status"] == "failed"


PLAYBOOKS = ["site.yml", "workstation_policy.yml", "switch_config.yml", "compliance_audit.yml"]


def test_a_yaml_error_in_group_vars_all_names_the_file_and_line(tmp_path: Path) -> None:
    """A broken group_vars/all stops Ansible before any task: the recorder names the file and line."""
    inv = _inventory(tmp_path)
    (inv / "group_vars" / "all").mkdir()
    bad = inv / "group_vars" / "all" / "site.yml"
    bad.write_text("---\nhisops_x: [1, 2\nhisops_y: 3\n", encoding="utf-8")
    proc = _run(tmp_path, inv, "compliance_audit.yml")
    assert proc.returncode != 0
    assert "hisops_recorder: %s line 3 column 9: YAML error" % bad in proc.stderr, proc.stderr[-2000:]
    (run,) = _runs(tmp_path)
    assert run["status"] == "failed"


@pytest.mark.parametrize("playbook", PLAYBOOKS)
def test_every_playbook_lists_every_problem_before_any_host_is_touched(tmp_path: Path, playbook: str) -> None:
    port = _closed_port()
    inv = _inventory(
        tmp_path,
        "all:\n  children:\n    dept_outpatient:\n      hosts:\n        ws-gone:\n        sw-1:\n"
        "    dept_nowhere:\n      hosts:\n        ws-orphan:\n"
        "    workstations:\n      children:\n        workstations_linux:\n          hosts:\n"
        "            ws-gone: {ansible_host: 127.0.0.1, ansible_port: %d}\n"
        "            ws-orphan: {ansible_host: 127.0.0.1, ansible_port: %d}\n"
        "    switches:\n      children:\n        switches_cisco_ios:\n          hosts:\n"
        "            sw-1: {ansible_host: 127.0.0.1, ansible_port: %d, hisops_switch_vendor: cisco_iso,\n"
        "                   hisops_switch_model: cisco_2960_24TT_L}\n" % (port, port, port),
    )
    proc = _run(tmp_path, inv, playbook)
    assert proc.returncode != 0
    out = proc.stdout
    assert "the inventory has" in out and "nothing was changed" in out
    assert "host ws-orphan: hisops_department is not set for group dept_nowhere" in out
    assert "switch sw-1: hisops_switch_vendor 'cisco_iso' is not supported" in out
    assert "inventory/hosts.yml" in out  # the file
    # the validation (on the control node) was the only task: no play of hosts started, none contacted
    plays = [line for line in out.splitlines() if line.startswith("PLAY [")]
    assert len(plays) == 1 and plays[0].startswith("PLAY [Validate | the whole inventory"), plays
    assert "unreachable=1" not in out
    (run,) = _runs(tmp_path)
    assert run["status"] == "failed"


def test_an_enforce_run_that_cannot_record_changes_nothing(tmp_path: Path) -> None:
    inv = _inventory(tmp_path)
    store = tmp_path / "results.sqlite"
    store.write_bytes(b"not a database\n" * 300)
    proc = _run(tmp_path, inv, "workstation_policy.yml")
    assert proc.returncode != 0
    out = proc.stdout + proc.stderr
    assert "the results store %s is damaged" % store in out
    assert "this run is NOT recorded" in out and "nothing is changed by a run without its record" in out
    # the workstation play never started
    assert "PLAY [Workstation policy]" not in out
    assert store.read_bytes() == b"not a database\n" * 300


def test_a_check_run_that_cannot_record_fails_at_its_end(tmp_path: Path) -> None:
    inv = _inventory(tmp_path)
    proc = _run(tmp_path, inv, "compliance_audit.yml", HISOPS_RECORDER_ENABLED="false")
    assert proc.returncode != 0
    tail = proc.stdout.split("PLAY [Compliance | every control accounted for]")[-1]
    assert "this run is NOT recorded" in tail
    assert not (tmp_path / "results.sqlite").exists()


def test_the_scheduled_job_exits_non_zero(tmp_path: Path) -> None:
    """compliance_schedule's wrapper execs ansible-runner, whose exit status is the playbook's: the
    systemd unit (Type=oneshot) then shows failed."""
    inv = _inventory(tmp_path, "all:\n  children:\n    workstations: {}\n")
    env = dict(os.environ, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"), HISOPS_STORE=str(tmp_path / "results.sqlite"),
               PATH=str(BIN) + os.pathsep + os.environ["PATH"])  # fmt: skip
    proc = subprocess.run(
        [str(BIN / "ansible-runner"), "run", str(tmp_path / "runner"), "--project-dir", str(ROOT),
         "--playbook", "playbooks/compliance_audit.yml", "--inventory", str(inv), "--artifact-dir",
         str(tmp_path / "artifacts"), "--ident", "audit-test"],
        env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert proc.returncode != 0, proc.stdout[-2000:]
    assert (tmp_path / "artifacts" / "audit-test" / "status").read_text() == "failed"


@pytest.mark.parametrize("inventory", ["inventory/example-hospital", "inventory/lab"])
def test_the_shipped_inventories_validate(tmp_path: Path, inventory: str) -> None:
    """A hospital starts from the example: it validates out of the box (its secrets are in an example
    vault whose password file says it is an example only)."""
    proc = _run(tmp_path, ROOT / inventory, "validate_inventory.yml", "-v")
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    assert "the inventory is valid (" in proc.stdout
    assert "EXAMPLE" in (ROOT / "inventory/example-hospital/vault-password.EXAMPLE-ONLY.txt").name


def test_an_unreachable_workstation_fails_the_compliance_run_and_is_not_checked(tmp_path: Path) -> None:
    """Before: the run exited 0 and its report read 100 % with 1 control (HIM-7.6). Now every control
    of the host is listed as not checked (host unreachable), the run fails, the report is not green."""
    inv = _inventory(tmp_path)
    proc = _run(tmp_path, inv, "compliance_audit.yml")
    assert proc.returncode == 2, proc.stdout[-3000:]
    assert "controls were not checked: ws-gone HIM-5.1-staff-only (host unreachable)" in proc.stdout
    (run,) = _runs(tmp_path)
    assert run["status"] == "failed"
    code, files, err = run_cli("--store", str(tmp_path / "results.sqlite"), "--period", "this-month",
                               "--format", "json", "--out", str(tmp_path / "report"))  # fmt: skip
    assert code == 0, err
    doc = json.loads(files[0].read_text(encoding="utf-8"))
    kpis = doc["sections"][0]["kpis"]
    assert (kpis["hosts"], kpis["hosts_fully_checked"], kpis["failing_hosts"]) == (1, 0, 1)
    # HIM-7.6 passed (checked on the controller); every other control of a Linux workstation was not checked
    assert kpis["not_checked"] == len(coverage.applicable(load_catalog(), ["workstations", "workstations_linux"])) - 1
    assert kpis["rate"] == round(1 / (kpis["not_checked"] + 1), 4)
