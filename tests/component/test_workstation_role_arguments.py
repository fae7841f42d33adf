"""The workstation role's argument spec, checked ONCE for every host of the play (hisops_role_arguments)
by the fleet playbook, which then imports the role with rolespec_validate: false:
a bad value fails the run before the module task reaches any host, naming the host and the variable,
whether it comes from the inventory, the play's vars or extra vars; the play's vars override the
inventory as for any task of the role. Runs against this machine as several hosts (local
connection, check mode: nothing is changed)."""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path

import pytest
import yaml

from tests.localhost_play import ansible_playbook

pytestmark = pytest.mark.component

ROOT = Path(__file__).resolve().parents[2]
HOSTS = ["ws-a", "ws-b", "ws-c"]
MODULE_TASK = "HIM | AUDIT+ENFORCE | all selected controls in one round trip"
ARGUMENTS_TASK = "Workstation policy | role arguments of every host, once"


def _inventory(tmp_path: Path, host_vars: dict[str, dict[str, object]]) -> Path:
    """Three workstations (this machine) of the lab's outpatient department, with the project's group_vars."""
    inventory = tmp_path / "inventory"
    (inventory / "group_vars").mkdir(parents=True)
    (inventory / "group_vars" / "all").symlink_to(ROOT / "group_vars" / "all")
    department = ROOT / "inventory" / "lab" / "group_vars" / "dept_outpatient"
    (inventory / "group_vars" / "dept_outpatient").symlink_to(department)
    hosts = {h: host_vars.get(h, {}) for h in HOSTS}
    tree = {
        "all": {
            "vars": {"ansible_connection": "local", "ansible_python_interpreter": sys.executable},
            "children": {
                "workstations": {"children": {"workstations_linux": {"hosts": hosts}}},
                "dept_outpatient": {"hosts": {host: {} for host in HOSTS}},
            },
        }
    }
    (inventory / "hosts.yml").write_text(yaml.safe_dump(tree), encoding="utf-8")
    return inventory


def _fleet_run(tmp_path: Path, inventory: Path, *args: str) -> tuple[int, str]:
    """playbooks/workstation_policy.yml in audit (check) mode, recorded in a store of its own."""
    proc = ansible_playbook(
        "-i",
        str(inventory),
        "playbooks/workstation_policy.yml",
        "--check",
        "--tags",
        "him-5.4-games",
        *args,
        HISOPS_RECORDER_ENABLED="true",
        HISOPS_STORE=str(tmp_path / "results.sqlite"),
        ANSIBLE_CACHE_PLUGIN="ansible.builtin.memory",
    )
    return proc.returncode, proc.stdout + proc.stderr


def test_the_fleet_playbook_checks_the_role_arguments_once_not_per_host(tmp_path: Path) -> None:
    code, out = _fleet_run(tmp_path, _inventory(tmp_path, {}))
    assert code == 0, out[-3000:]
    assert "TASK [%s]" % ARGUMENTS_TASK in out, out[-3000:]
    # Ansible's own per-host argument check (a task per host) does not run
    assert "Validating arguments against arg spec" not in out, out[-3000:]
    assert out.count("TASK [hisops.him.workstation_policy : %s]" % MODULE_TASK) == 1


@pytest.mark.parametrize(
    ("host_vars", "extra", "expected"),
    [
        ({"ws-b": {"hisops_workstation_mode": "bogus"}}, (), {"ws-b": "hisops_workstation_mode"}),
        (
            {"ws-a": {"hisops_workstation_fail_on_error": "maybe"}, "ws-c": {"hisops_workstation_platform": "solaris"}},
            (),
            {"ws-a": "hisops_workstation_fail_on_error", "ws-c": "hisops_workstation_platform"},
        ),
        ({}, ("-e", "hisops_workstation_mode=bogus"), dict.fromkeys(HOSTS, "hisops_workstation_mode")),
    ],
    ids=["one-host", "two-hosts", "extra-vars"],
)
def test_a_bad_role_argument_stops_the_run_before_any_host_naming_host_and_field(
    tmp_path: Path, host_vars: dict[str, dict[str, object]], extra: tuple[str, ...], expected: dict[str, str]
) -> None:
    code, out = _fleet_run(tmp_path, _inventory(tmp_path, host_vars), *extra)
    assert code != 0, out[-3000:]
    problems = out.split("TASK [%s]" % ARGUMENTS_TASK, 1)[1]
    for host in HOSTS:
        if host in expected:
            assert "host %s: " % host in problems and expected[host] in problems, (host, problems[:3000])
        else:
            assert "host %s: " % host not in problems, (host, problems[:3000])
    # nothing reached a host: the module task never started
    assert MODULE_TASK not in out, out[-3000:]
    # the recorder: each bad host failed with its own problem; no control result of any host (not checked)
    with sqlite3.connect(tmp_path / "results.sqlite") as db:
        failed = dict(db.execute("SELECT host, message FROM host_results WHERE status = 'failed'").fetchall())
        assert db.execute("SELECT count(*) FROM control_results").fetchone()[0] == 0
        assert db.execute("SELECT status FROM runs").fetchall() == [("failed",)]
    assert sorted(failed) == sorted(expected), failed
    assert all(expected[host] in message and "host %s: " % host in message for host, message in failed.items()), failed


def _role_play(tmp_path: Path, play_vars: dict[str, object]) -> Path:
    play = {
        "name": "The workstation role with the play's own vars",
        "hosts": "workstations",
        "gather_facts": False,
        "check_mode": True,
        "vars": play_vars,
        "tasks": [
            {
                "name": ARGUMENTS_TASK,
                "hisops.him.hisops_role_arguments": {"role": "hisops.him.workstation_policy"},
                "run_once": True,
                "any_errors_fatal": True,
                "tags": ["always"],
            },
            {
                "name": "Workstation policy role",
                "ansible.builtin.import_role": {"name": "hisops.him.workstation_policy", "rolespec_validate": False},
            },
        ],
    }
    book = tmp_path / "play.yml"
    book.write_text(yaml.safe_dump([play]), encoding="utf-8")
    return book


def test_the_play_vars_are_checked_as_the_role_sees_them(tmp_path: Path) -> None:
    """hostvars has neither the role's defaults nor the play's vars: the check reads them too."""
    inventory = _inventory(tmp_path, {"ws-b": {"hisops_workstation_mode": "bogus"}})
    # a bad value in the play's vars: every host
    proc = ansible_playbook("-i", str(inventory), str(_role_play(tmp_path, {"hisops_workstation_fail_on_error": 3.5})))
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0, out[-3000:]
    assert all("host %s: " % h in out for h in HOSTS) and "hisops_workstation_fail_on_error" in out, out[-3000:]
    assert MODULE_TASK not in out, out[-3000:]
    # the play's vars override the inventory's bad value: valid for every host, the audit runs
    proc = ansible_playbook(
        "-i",
        str(inventory),
        str(_role_play(tmp_path, {"hisops_workstation_mode": "audit", "hisops_workstation_fail_on_error": False})),
        "--tags",
        "him-5.4-games",
        ANSIBLE_CACHE_PLUGIN="ansible.builtin.memory",
    )
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-3000:]
    assert ARGUMENTS_TASK in out and MODULE_TASK in out, out[-3000:]
