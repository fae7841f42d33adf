"""The fleet module's engine: per-switch results, a failing switch reported alone."""

from __future__ import annotations

import os
import socket
from pathlib import Path
from typing import Any

import pytest
from ansible_collections.hisops.him.plugins.modules import hisops_switch_config_fleet as fleet

pytestmark = pytest.mark.unit


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_unreachable_switches_are_reported_each_under_its_name(tmp_path: Path) -> None:
    switch = {"host": "127.0.0.1", "vendor": "cisco_ios", "username": "admin", "password": "pw", "secret": "",
              "intended_config": "vlan 10\n name X\n", "secrets": []}  # fmt: skip
    params = {
        "switches": [{**switch, "name": n, "port": closed_port()} for n in ("sw-a", "sw-b")],
        "parallel": 2, "processes": 0, "conn_timeout": 2.0, "command_timeout": 2.0, "backup_dir": str(tmp_path),
        "backup_keep": 3, "save": True, "known_hosts": str(tmp_path / "known_hosts"),
    }  # fmt: skip
    results = fleet.run_fleet(params, check_mode=False, diff=False)
    assert sorted(results) == ["sw-a", "sw-b"]
    for name, result in results.items():
        assert result["failed"] is True and result["unreachable"] is True, result
        assert result["hisops_controls"][0]["status"] == "error"
        assert name in result["hisops_controls"][0]["message"]
    assert list(tmp_path.iterdir()) == []  # nothing reached, nothing backed up


def test_switches_are_shared_by_one_process_per_core_with_at_least_eight_each_unless_asked() -> None:
    from ansible_collections.hisops.him.plugins.module_utils import switchrun

    cores = os.cpu_count() or 1
    assert switchrun.plan_processes(0) == 1
    assert switchrun.plan_processes(5) == 1  # too few to be worth a fork
    assert switchrun.plan_processes(16) == min(cores, 2)
    assert switchrun.plan_processes(50) == min(cores, 7)
    # asked for: as many as asked, at most one per switch
    assert switchrun.plan_processes(16, processes=2) == 2
    assert switchrun.plan_processes(4, processes=2) == 2
    assert switchrun.plan_processes(50, processes=1) == 1
    assert switchrun.plan_processes(3, processes=8) == 3


def _fake_switch(item: dict[str, Any], check_mode: bool, diff: bool) -> dict[str, Any]:
    if item["name"] == "sw-dies":
        os._exit(3)  # a worker killed mid-run (out of memory, kill -9)
    return {"failed": False, "changed": True, "pid": os.getpid(), "check": check_mode}


def test_workers_run_in_separate_processes_and_results_keep_the_order(monkeypatch: pytest.MonkeyPatch) -> None:
    from ansible_collections.hisops.him.plugins.module_utils import switchrun

    monkeypatch.setattr(switchrun, "run_switch", _fake_switch)
    items = [{"name": "sw-%02d" % i} for i in range(16)]
    results = switchrun.run_parallel(items, check_mode=True, diff=False, parallel=50, processes=2)
    assert list(results) == [i["name"] for i in items]
    pids = {r["pid"] for r in results.values()}
    assert len(pids) == 2 and os.getpid() not in pids
    assert all(r["check"] for r in results.values())


def test_a_dead_worker_costs_only_its_own_switches_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    from ansible_collections.hisops.him.plugins.module_utils import switchrun

    monkeypatch.setattr(switchrun, "run_switch", _fake_switch)
    items = [{"name": "sw-%02d" % i} for i in range(15)] + [{"name": "sw-dies"}]
    results = switchrun.run_parallel(items, check_mode=False, diff=False, parallel=50, processes=2)
    assert sorted(results) == sorted(i["name"] for i in items)
    lost = {n for n, r in results.items() if r["failed"]}
    assert "sw-dies" in lost
    assert lost < set(results)  # the other worker's switches have their own results
    for name in lost:
        assert results[name]["hisops_controls"][0]["status"] == "error"
        assert "worker process" in results[name]["msg"] and name in results[name]["msg"]


# ------------------------------------------------------------------ the action's forked engine ---
def _action(check_mode: bool = False) -> Any:
    from unittest import mock

    from ansible_collections.hisops.him.plugins.action import hisops_switch_config_fleet as action

    task = mock.MagicMock(check_mode=check_mode, diff=False, args={})
    return action.ActionModule(
        task=task,
        connection=mock.MagicMock(),
        play_context=mock.MagicMock(connection="local"),
        loader=None,
        templar=None,
        shared_loader_obj=None,
    )


def _args(password: str) -> dict[str, Any]:
    switch = {"name": "sw-a", "host": "127.0.0.1", "vendor": "cisco_ios", "username": "admin", "password": password,
              "intended_config": "vlan 10\n", "secrets": ["Comm-Secret-1"]}  # fmt: skip
    return {"switches": [switch], "backup_dir": "/nonexistent", "fail_on_any": True}


def _echo_secrets(params: dict[str, Any], check_mode: bool, diff: bool) -> dict[str, dict[str, Any]]:
    """A stand-in engine run that leaks every secret it was given, and the process it ran in."""
    s = params["switches"][0]
    if s["password"] == "die":
        os._exit(9)  # the engine's process killed (out of memory, kill -9)
    msg = "pushed with %s and %s" % (s["password"], s["secrets"][0])
    return {s["name"]: {"failed": False, "changed": not check_mode, "msg": msg, "pid": os.getpid()}}


def test_the_action_runs_the_engine_in_a_forked_process_and_masks_the_modules_no_log_values(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from ansible_collections.hisops.him.plugins.module_utils import switchfleet

    monkeypatch.setattr(switchfleet, "run_fleet", _echo_secrets)
    result = _action(check_mode=True)._run_forked(_args("Pa55-Secret-9"))
    one = result["switches"]["sw-a"]
    assert one["pid"] != os.getpid() and one["changed"] is False  # another process, check mode passed on
    assert "Pa55-Secret-9" not in repr(result) and "Comm-Secret-1" not in repr(result)
    assert "********" in one["msg"] and result["failed"] is False and result["failed_switches"] == []


def test_the_action_reports_bad_options_and_a_lost_engine_process(monkeypatch: pytest.MonkeyPatch) -> None:
    from ansible.errors import AnsibleActionFail
    from ansible_collections.hisops.him.plugins.module_utils import switchfleet

    monkeypatch.setattr(switchfleet, "run_fleet", _echo_secrets)
    bad = _action()._run_forked({**_args("pw"), "parallel": 0})
    assert bad["failed"] is True and "parallel must be 1 or more" in bad["msg"]
    missing = _action()._run_forked({"switches": []})
    assert missing["failed"] is True and "backup_dir" in missing["msg"]
    with pytest.raises(AnsibleActionFail, match="ended abnormally"):
        _action()._run_forked(_args("die"))


def test_the_engine_process_started_before_the_preparation_touches_nothing_when_cancelled(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The action forks the engine's process before it validates and renders the switches; when
    they have problems the process is cancelled: it ends without running the engine."""
    from ansible_collections.hisops.him.plugins.action import hisops_switch_config_fleet as action
    from ansible_collections.hisops.him.plugins.module_utils import switchfleet

    ran = tmp_path / "engine-ran"

    def record_run(params: dict[str, Any], check_mode: bool, diff: bool) -> dict[str, dict[str, Any]]:
        ran.write_text("ran", encoding="utf-8")
        return {}

    monkeypatch.setattr(switchfleet, "run_fleet", record_run)
    engine = action.EngineProcess()
    engine.cancel()
    assert engine.process.exitcode == 0 and not ran.exists()
    engine.cancel()  # a second cancel (the action's finally) is harmless
    # and a process that was sent its run runs the engine once
    result = _action()._run_forked(_args("pw"), action.EngineProcess())
    assert ran.exists() and result["failed"] is False


def test_the_role_arguments_are_checked_once_per_distinct_set_of_values() -> None:
    from unittest import mock

    from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
    from ansible_collections.hisops.him.plugins.plugin_utils.role_arguments import RoleArguments

    validator = ArgumentSpecValidator({"timeout": {"type": "int"}, "name": {"type": "str"}})
    spec = RoleArguments(validator)
    with mock.patch.object(validator, "validate", wraps=validator.validate) as validate:
        assert spec.problems({"timeout": 10, "name": "a"}) == []
        assert spec.problems({"timeout": 10, "name": "a"}) == []  # a second switch, same group_vars
        assert validate.call_count == 1
        bad = spec.problems({"timeout": "fast", "name": "a"})
        assert validate.call_count == 2 and len(bad) == 1 and "timeout" in bad[0]
        assert spec.problems({"timeout": "10", "name": "a"}) == []  # "10" is not 10: checked on its own
        assert validate.call_count == 3
