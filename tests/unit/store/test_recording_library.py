"""The recording library under the recorder callback, and the one inventory model it shares."""

from __future__ import annotations

from pathlib import Path

import pytest
from ansible_collections.hisops.him.plugins.plugin_utils import project
from ansible_collections.hisops.him.plugins.plugin_utils.inventory_model import (
    department_code,
    department_group,
    department_groups,
    host_kind,
)
from ansible_collections.hisops.him.plugins.plugin_utils.recording import RunRecording, playbook_name

pytestmark = pytest.mark.unit


def test_the_inventory_model() -> None:
    groups = ["all", "workstations", "dept_outpatient", "workstations_linux"]
    assert department_groups(groups) == ["dept_outpatient"]
    assert (department_code(groups), host_kind(groups)) == ("outpatient", "workstation")
    assert (department_code(["switches", "workstations"]), host_kind(["switches", "workstations"])) == ("", "switch")
    assert host_kind(["db_servers"]) == "server" and department_group("it") == "dept_it"


def test_a_run_recording_buffers_hosts_controls_changes_facts_and_problems() -> None:
    rec = RunRecording("u-1")
    groups = ["dept_it", "db_servers"]
    data = {
        "changed": True,
        "msg": "db_password=hunter2 set",
        "hisops_controls": [
            {"id": "HIM-7.6-audit-trail", "status": "pass", "severity": "high", "evidence": ["ok"]},
            {"id": "HIM-7.4-software", "status": "bogus"},
            {"status": "pass"},
        ],
        "ansible_facts": {"ansible_distribution": "Debian", "ansible_processor_vcpus": 2},
    }
    rec.record_result("db-01", groups, data, "ok", ("A task", "some.module"), True, lambda: {"custodian": "王"})
    rec.record_result("db-01", groups, {"msg": "boom"}, "failed", ("B", "m"), False, dict)
    rec.record_problem("hosts.yml line 3 column 1: YAML error")
    assert len(rec.warnings) == 2 and "unknown status 'bogus'" in rec.warnings[0]
    assert rec.hosts_failed() and rec.stats()["db-01"] == {
        "ok": 1, "changed": 1, "failed": 1, "ignored": 0, "skipped": 0, "unreachable": 0,
    }  # fmt: skip
    assert rec.pending_rows() == 1 + 2 + 1 + 1 + 1  # host, two control rows, change, asset, problem
    batch = rec.take_batch()
    assert [(c["control_id"], c["status"]) for c in batch.controls] == [
        ("HIM-7.6-audit-trail", "pass"),
        ("HIM-7.4-software", "error"),
    ]
    (change,) = batch.changes
    assert change["summary"] == "db_password=******** set"  # redacted
    (host,) = batch.hosts
    assert (host["department"], host["kind"], host["status"], host["message"]) == ("it", "server", "failed", "boom")
    (asset,) = batch.assets
    assert (asset["os"], asset["cpus"], asset["custodian"]) == ("Debian", 2, "王")
    assert batch.extra["run_problems"][0]["problem"] == "hosts.yml line 3 column 1: YAML error"
    assert rec.pending_rows() == 0 and not rec.take_batch()


def test_project_directory_and_playbook_names(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANSIBLE_CONFIG", str(tmp_path / "site" / "ansible.cfg"))
    assert project.project_dir() == tmp_path / "site"
    assert project.project_path("results/x.sqlite") == tmp_path / "site" / "results" / "x.sqlite"
    assert project.project_relative(str(tmp_path / "site" / "hosts.yml")) == "hosts.yml"
    monkeypatch.delenv("ANSIBLE_CONFIG")
    monkeypatch.chdir(tmp_path)
    assert project.project_dir() == tmp_path.resolve()
    # a playbook of the collection outside the project: by its name, never a machine path
    assert playbook_name(str(project.COLLECTION_ROOT / "playbooks" / "compliance_audit.yml")) == (
        "hisops.him.compliance_audit"
    )
    assert playbook_name(str(tmp_path / "mine.yml")) == "mine.yml"
