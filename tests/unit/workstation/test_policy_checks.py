"""Where the workstation policy data is checked on its way to a host: once for the whole play
(the role's validate.yml), then authoritatively by the module; for Windows the action plugin
checks in the PowerShell module's stead. Wrong data fails the task either way, nothing changed."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from ansible.module_utils.testing import patch_module_args
from ansible_collections.hisops.him.plugins.modules import hisops_workstation_linux

from tests.localhost_play import ansible_playbook, write_audit_play

from .data import controls_for

ROOT = Path(__file__).resolve().parents[3]


def _run_with_bad_department(tmp_path: Path, module: str) -> dict:
    """The task's result when the department has no login group (policy data the check refuses)."""
    out = tmp_path / "result.json"
    book = write_audit_play(
        tmp_path / "play.yml",
        module,
        {"code": "it"},
        {
            "name": "Result",
            "ansible.builtin.copy": {"content": "{{ outcome | to_json }}", "dest": "{{ out }}"},
            "check_mode": False,
        },
    )
    proc = ansible_playbook("-i", "localhost,", str(book), "-e", "out=%s" % out)
    assert proc.returncode == 0 and out.exists(), proc.stdout[-2000:] + proc.stderr[-2000:]
    return json.loads(out.read_text(encoding="utf-8"))


@pytest.mark.component
def test_linux_task_with_wrong_data_fails_and_names_the_field(tmp_path: Path) -> None:
    result = _run_with_bad_department(tmp_path, "hisops.him.hisops_workstation_linux")
    assert result["failed"] and "nothing was changed" in result["msg"] and "login_group" in result["msg"]


@pytest.mark.unit
def test_linux_module_checks_the_policy_data_itself(monkeypatch: pytest.MonkeyPatch) -> None:
    """The Linux module refuses wrong data on its own (its action plugin no longer checks it)."""
    args = {"controls": controls_for(["HIM-5.4-games"]), "policy": {}, "department": {"code": "it"}}
    args.update(host="ws-1", groups=[], connection_user="root", today="2026-11-27", _ansible_check_mode=True)
    with patch_module_args(args):
        module = hisops_workstation_linux.build_module()
    failures: list[dict] = []
    monkeypatch.setattr(module, "fail_json", lambda **kw: failures.append(kw) or sys.exit(1))
    with pytest.raises(SystemExit):
        hisops_workstation_linux.WorkstationLinux(module).main()
    assert failures and "login_group" in failures[0]["msg"] and failures[0]["problems"]


@pytest.mark.component
def test_windows_action_plugin_checks_before_the_module(tmp_path: Path) -> None:
    """The message can only come from the action plugin: the PowerShell module cannot run here."""
    result = _run_with_bad_department(tmp_path, "hisops.him.hisops_workstation_windows")
    assert result["failed"] and "nothing was changed" in result["msg"] and "login_group" in result["msg"]
