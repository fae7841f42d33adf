"""The action hisops_workstation: ONE task of the role for Linux and Windows hosts runs the host's
platform module with that module's controller-side work (Windows: the policy check before anything
is sent, the update age after), and fails a host whose platform is neither."""

from __future__ import annotations

from typing import Any
from unittest import mock

import pytest
from ansible.plugins.action import ActionBase
from ansible_collections.hisops.him.plugins.action import hisops_workstation
from ansible_collections.hisops.him.plugins.action.hisops_workstation_windows import LAST_UPDATE_KEY
from ansible_collections.hisops.him.plugins.module_utils.results import control_result

from .data import controls_for

pytestmark = pytest.mark.unit

DEPARTMENT = {"code": "mz", "login_group": "mz_staff"}
UPDATES = "HIM-7.7-updates"


def _run(platform: Any, department: dict[str, Any], module_result: dict[str, Any]) -> tuple[dict[str, Any], list]:
    """The action's result for one host, and the modules it ran (name, arguments)."""
    args = {
        "platform": platform,
        "controls": controls_for([UPDATES], platform if platform in ("linux", "windows") else "linux"),
        "policy": {"update_max_age_days": 7},
        "department": department,
        "today": "2026-11-27",
    }
    task = mock.MagicMock(args=args, action="hisops.him.hisops_workstation")
    action = hisops_workstation.ActionModule(
        task=task,
        connection=mock.MagicMock(),
        play_context=mock.MagicMock(remote_user="root"),
        loader=None,
        templar=None,
        shared_loader_obj=None,
    )
    ran: list = []

    def execute(module_name: str, module_args: dict[str, Any], task_vars: Any) -> dict[str, Any]:
        ran.append((module_name, module_args))
        return dict(module_result)

    with (
        mock.patch.object(ActionBase, "run", return_value={}),
        mock.patch.object(action, "_execute_module", side_effect=execute),
    ):
        return action.run(task_vars={"inventory_hostname": "ws-1", "group_names": ["workstations"]}), ran


def _updates_result(last: str) -> dict[str, Any]:
    record = control_result(UPDATES, "pass", "high", [], [], "automatic updates enforced")
    return {"changed": False, "hisops_controls": [record], LAST_UPDATE_KEY: last}


def test_linux_runs_the_linux_module_without_the_platform_option() -> None:
    result, ran = _run("linux", DEPARTMENT, _updates_result("2020-01-01"))
    assert [name for name, _ in ran] == ["hisops.him.hisops_workstation_linux"]
    assert "platform" not in ran[0][1] and ran[0][1]["host"] == "ws-1"
    # the update age is the Linux module's own business: the record is as the module gave it
    assert result["ansible_facts"]["hisops_workstation_results"][0]["status"] == "pass"


def test_windows_runs_the_windows_module_and_applies_the_update_age() -> None:
    result, ran = _run("windows", DEPARTMENT, _updates_result("2026-10-01"))
    assert [name for name, _ in ran] == ["hisops.him.hisops_workstation_windows"]
    (record,) = result["ansible_facts"]["hisops_workstation_results"]
    assert record["id"] == UPDATES and record["status"] == "fail", record


def test_windows_policy_is_checked_before_anything_is_sent() -> None:
    result, ran = _run("windows", {"code": "mz"}, _updates_result("2026-11-26"))
    assert ran == [] and result["failed"] is True
    assert "ws-1" in result["msg"] and "login_group" in result["msg"], result["msg"]


def test_linux_leaves_the_policy_check_to_its_module() -> None:
    _, ran = _run("linux", {"code": "mz"}, _updates_result("2026-11-26"))
    assert [name for name, _ in ran] == ["hisops.him.hisops_workstation_linux"]


@pytest.mark.parametrize("platform", ["solaris", None])
def test_an_unknown_platform_fails_the_host_naming_it(platform: Any) -> None:
    result, ran = _run(platform, DEPARTMENT, _updates_result("2026-11-26"))
    assert ran == [] and result["failed"] is True
    assert "ws-1" in result["msg"] and "hisops_workstation_platform" in result["msg"], result["msg"]
