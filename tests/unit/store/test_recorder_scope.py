"""The recorder writes every inventory host of a run with the controls the run selected for it
(table run_hosts), so the reports can list the controls nobody checked; a failure on the
controller (the implicit localhost) fails the recorded run."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from ansible_collections.hisops.him.plugins.plugin_utils.store import open_store

from .conftest import HERE, recorder_env, run_playbook

pytestmark = pytest.mark.component


def _scope(path: Path) -> dict[str, dict]:
    with open_store(path) as store:
        return {r["host"]: r for r in store.records("run_hosts")}


def test_every_inventory_host_is_in_the_scope(recorded_sqlite) -> None:
    path, _ = recorded_sqlite
    scope = _scope(path)
    assert set(scope) == {"ws-a", "ws-b"}
    assert scope["ws-a"]["department"] == "outpatient" and "workstations" in scope["ws-a"]["groups"]
    assert scope["ws-a"]["in_scope"] == 1
    assert "HIM-5.4-games" in scope["ws-a"]["controls"] and "HIM-7.6-audit-trail" in scope["ws-a"]["controls"]
    assert "HIM-3.4-switch-config" not in scope["ws-a"]["controls"]


def test_limit_and_tags_narrow_the_scope(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite"
    proc = run_playbook(str(path), "--limit", "ws-a", "--tags", "him-5.4-games")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    scope = _scope(path)
    assert (scope["ws-a"]["in_scope"], scope["ws-a"]["controls"]) == (1, ["HIM-5.4-games"])
    assert (scope["ws-b"]["in_scope"], scope["ws-b"]["controls"]) == (0, [])


def test_a_failure_on_the_controller_fails_the_run(tmp_path: Path) -> None:
    playbook = tmp_path / "controller_fails.yml"
    playbook.write_text(
        "- name: A report that cannot be written\n  hosts: localhost\n  gather_facts: false\n  tasks:\n"
        "    - name: Fail on the controller\n      ansible.builtin.fail:\n        msg: no report\n",
        encoding="utf-8",
    )
    path = tmp_path / "s.sqlite"
    proc = subprocess.run(
        [str(Path(sys.executable).parent / "ansible-playbook"), "-i", str(HERE / "playbooks" / "hosts.yml"),
         str(playbook)],
        env=recorder_env(str(path)), capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert proc.returncode != 0
    with open_store(path) as store:
        (run,) = store.runs()
    assert run["status"] == "failed"


def test_a_hosts_skip_variable_narrows_its_scope(tmp_path: Path) -> None:
    """hisops_workstation_skip_controls (here -e; group_vars alike) leaves the control out of the scope:
    the reports show it not checked, reason filtered out, and the run's final check does not fail."""
    path = tmp_path / "s.sqlite"
    proc = run_playbook(str(path), "-e", '{"hisops_workstation_skip_controls": ["HIM-6.5-power"]}')
    assert proc.returncode == 0, proc.stdout + proc.stderr
    scope = _scope(path)
    assert "HIM-6.5-power" not in scope["ws-a"]["controls"]
    assert "HIM-5.4-games" in scope["ws-a"]["controls"] and "HIM-7.6-audit-trail" in scope["ws-a"]["controls"]
