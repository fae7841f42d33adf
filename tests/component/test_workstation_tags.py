"""Control tags of the workstation role, as an Ansible user uses them: --list-tags lists every
workstation control's tag, --tags/--skip-tags select controls, and the selected controls are
still checked in ONE module call. Runs the role for real against this machine (localhost, check
mode, audit only: nothing is changed) and reads which controls the module checked."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.localhost_play import ansible_playbook
from tests.unit.workstation.data import CATALOG

pytestmark = pytest.mark.component

ROOT = Path(__file__).resolve().parents[2]
# the workstation rules and the antivirus area, checked in the same round trip on Linux
IDS = [c for c, e in CATALOG.items() if e.get("area") in ("workstation", "antivirus") and e.get("kind") == "automated"]
HOSTS = ["ws-a", "ws-b"]
MODULE_TASK = "HIM | AUDIT+ENFORCE | all selected controls in one round trip"


def _playbook(tmp_path: Path, out: Path) -> Path:
    play = {
        "name": "Workstation role against this machine as two hosts, audit only",
        "hosts": "all",
        "gather_facts": False,
        "check_mode": True,
        "vars": {"hisops_workstation_mode": "audit", "hisops_workstation_fail_on_error": False},
        "roles": [{"role": "hisops.him.workstation_policy"}],
        "post_tasks": [
            {
                "name": "Test | the controls the module checked on the host, and whether it was called",
                "ansible.builtin.copy": {
                    "content": "{{ {'checked': ansible_facts.hisops_workstation_results | default([])"
                    " | map(attribute='id') | list, 'messages': ansible_facts.hisops_workstation_results"
                    " | default([]) | map(attribute='message') | list,"
                    " 'called': ansible_facts.hisops_workstation_results is defined} | to_json }}",
                    "dest": "%s/{{ inventory_hostname }}.json" % out,
                    "mode": "0600",
                },
                "check_mode": False,
                "tags": ["always"],
            }
        ],
    }
    # the inventory a site has: the project's group_vars (catalog, site policy), the host's department
    inventory = tmp_path / "inventory"
    inventory.mkdir()
    (inventory / "group_vars").symlink_to(ROOT / "group_vars")
    # two hosts (this machine twice) of two departments: each keeps its own results
    hosts = {
        name: {
            "ansible_connection": "local",
            "ansible_python_interpreter": sys.executable,
            "hisops_department": {"code": name, "login_group": "staff_%s" % name},
            "hisops_workstation_platform": "linux",
        }
        for name in HOSTS
    }
    (inventory / "hosts.yml").write_text(yaml.safe_dump({"all": {"hosts": hosts}}), encoding="utf-8")
    book = tmp_path / "play.yml"
    book.write_text(yaml.safe_dump([play], allow_unicode=True), encoding="utf-8")
    return book


def _ansible_playbook(tmp_path: Path, *args: str) -> tuple[subprocess.CompletedProcess[str], Path]:
    out = tmp_path / "checked"
    out.mkdir()
    # no fact cache: the results must come from this run's module call, not an earlier run's
    book = _playbook(tmp_path, out)
    proc = ansible_playbook(
        "-i", str(tmp_path / "inventory"), str(book), *args, ANSIBLE_CACHE_PLUGIN="ansible.builtin.memory"
    )
    return proc, out


def test_list_tags_shows_every_workstation_control_tag(tmp_path: Path) -> None:
    proc = _ansible_playbook(tmp_path, "--list-tags")[0]
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    listed = proc.stdout.split("TASK TAGS:", 1)[1]
    assert IDS and all(cid.lower() in listed for cid in IDS), listed


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ((), IDS),
        (("--tags", "him-5.4-games"), ["HIM-5.4-games"]),
        (("--tags", "him-7.1-settings,him-5.4-games"), ["HIM-5.4-games", "HIM-7.1-settings"]),
        (
            ("--skip-tags", "him-6.5-power,him-7.7-updates"),
            [c for c in IDS if c not in ("HIM-6.5-power", "HIM-7.7-updates")],
        ),
        (("--tags", "workstation_policy"), IDS),
        (
            (
                "--tags",
                "him-5.4-games,him-7.7-updates",
                "-e",
                '{"hisops_workstation_skip_controls": ["HIM-7.7-updates"]}',
            ),
            ["HIM-5.4-games"],
        ),
        (("--tags", "some_other_role"), []),
        (("--tags", "him-7.7-antivirus"), ["HIM-7.7-antivirus"]),
    ],
    ids=["no-tags", "one-tag", "two-tags", "skip-tags", "role-tag", "tag-and-skip-variable", "other-tag", "antivirus"],
)
def test_tags_select_the_controls_checked_in_one_module_call(
    tmp_path: Path, args: tuple[str, ...], expected: list[str]
) -> None:
    proc, out = _ansible_playbook(tmp_path, *args)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    for host in HOSTS:
        result = json.loads((out / (host + ".json")).read_text(encoding="utf-8"))
        assert result["checked"] == expected, host
        assert result["called"] is bool(expected), host
        if "HIM-5.1-staff-only" in expected:
            assert "login not limited to staff_%s" % host in result["messages"], (host, result["messages"])
    assert proc.stdout.count("TASK [hisops.him.workstation_policy : %s]" % MODULE_TASK) == 1
