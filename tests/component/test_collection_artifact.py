"""The built collection works away from this repository: ``ansible-galaxy collection build`` makes
the artifact, it installs into an empty collections folder, and a project in another directory
(no ansible.cfg, no path to this repository) syntax-checks the main job, runs a module, and runs
the compliance job with the recorder, whose store, report and backups are the project's."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
import yaml
from ansible_collections.hisops.him.plugins.plugin_utils.store import open_store

from tests.localhost_play import write_audit_play
from tests.unit.foundation.test_broken_runs import DEPARTMENT

pytestmark = pytest.mark.component

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
GALAXY = yaml.safe_load((ROOT / "galaxy.yml").read_text(encoding="utf-8"))


def _run(cmd: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=600, check=False)
    assert proc.returncode == 0, "%s\n%s\n%s" % (" ".join(cmd), proc.stdout[-3000:], proc.stderr[-3000:])
    return proc


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """(a project folder elsewhere, its environment) with the built collection installed for it."""
    tmp = tmp_path_factory.mktemp("collection")
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANSIBLE_")}
    env.update(PATH=str(BIN) + os.pathsep + env.get("PATH", ""), ANSIBLE_NOCOLOR="1")
    _run([str(BIN / "ansible-galaxy"), "collection", "build", "--output-path", str(tmp)], ROOT, env)
    artifact = tmp / ("%s-%s-%s.tar.gz" % (GALAXY["namespace"], GALAXY["name"], GALAXY["version"]))
    with tarfile.open(artifact) as tar:
        names = set(tar.getnames())
    assert "plugins/modules/hisops_workstation_linux.py" in names and "roles/workstation_policy/tasks/main.yml" in names
    leaked = sorted(n for n in names if n.split("/")[0] in {"inventory", "group_vars", "lab", "bench", "collections"})
    assert not leaked, "playbook-project files in the artifact: %s" % leaked[:10]
    collections = tmp / "collections"
    # --force: installed here even when another collections path has a copy.
    _run(
        [
            str(BIN / "ansible-galaxy"),
            "collection",
            "install",
            "--force",
            "--no-deps",
            "-p",
            str(collections),
            str(artifact),
        ],
        tmp,
        env,
    )
    project = tmp / "project"
    project.mkdir()
    env.update(ANSIBLE_COLLECTIONS_PATH=str(collections), ANSIBLE_COLLECTIONS_SCAN_SYS_PATH="false")
    env.update(HISOPS_RECORDER_ENABLED="false", ANSIBLE_LOCAL_TEMP=str(tmp / "tmp"))
    return project, env


def test_the_installed_collection_is_the_one_found(installed: tuple[Path, dict[str, str]]) -> None:
    project, env = installed
    proc = _run([str(BIN / "ansible-galaxy"), "collection", "list", "hisops.him", "--format", "json"], project, env)
    found = json.loads(proc.stdout)
    assert list(found) == [env["ANSIBLE_COLLECTIONS_PATH"] + "/ansible_collections"], found


def test_main_job_syntax_check_from_another_directory(installed: tuple[Path, dict[str, str]]) -> None:
    project, env = installed
    proc = _run([str(BIN / "ansible-playbook"), "-i", "localhost,", "--syntax-check", "hisops.him.site"], project, env)
    assert "playbook: " in proc.stdout


def test_a_module_runs_against_localhost_from_another_directory(installed: tuple[Path, dict[str, str]]) -> None:
    """hisops_workstation_linux (action plugin, module, module_utils) audits one control of this machine."""
    project, env = installed
    write_audit_play(
        project / "audit.yml",
        "hisops.him.hisops_workstation_linux",
        {"code": "it", "login_group": "it-staff"},
        {"name": "Records", "ansible.builtin.debug": {"var": "outcome.hisops_controls"}},
    )
    proc = _run([str(BIN / "ansible-playbook"), "-i", "localhost,", "audit.yml"], project, env)
    assert '"id": "HIM-5.4-games"' in proc.stdout, proc.stdout[-3000:]
    assert "ok=2" in proc.stdout and "failed=0" in proc.stdout and "ignored=0" in proc.stdout


def _project(project: Path) -> None:
    """A hospital's project around the installed collection, in Ansible's usual layout: its hosts
    file (one workstation on a closed port: nothing can be changed) with group_vars beside it (the
    control catalog and policy, copied from this repository, and the department)."""
    shutil.copytree(ROOT / "group_vars", project / "group_vars", dirs_exist_ok=True)
    (project / "group_vars" / "dept_outpatient").mkdir(exist_ok=True)
    (project / "group_vars" / "dept_outpatient" / "department.yml").write_text("---" + DEPARTMENT, encoding="utf-8")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    hosts = {
        "all": {
            "children": {
                "dept_outpatient": {"hosts": {"ws-away": None}},
                "workstations": {"children": {"workstations_linux": {"hosts": {"ws-away": None}}}},
            },
            "vars": {"ansible_host": "127.0.0.1", "ansible_port": port},
        }
    }
    (project / "hosts.yml").write_text(yaml.safe_dump(hosts), encoding="utf-8")


def test_the_main_job_runs_from_an_installed_collection_and_records_in_the_project(
    installed: tuple[Path, dict[str, str]],
) -> None:
    """The compliance run of the installed collection, recorder on, from a project elsewhere: the
    run, its scope (the project's control catalog) and the report land in the PROJECT's results/
    and reports/, the switch backups' default is the project's backups/, nothing is written into
    the installed collection."""
    project, env = installed
    _project(project)
    collection = Path(env["ANSIBLE_COLLECTIONS_PATH"]) / "ansible_collections" / "hisops" / "him"
    before = sorted(str(p.relative_to(collection)) for p in collection.rglob("*"))
    env = dict(env, HISOPS_RECORDER_ENABLED="true", ANSIBLE_CALLBACKS_ENABLED="hisops.him.hisops_recorder")
    env.pop("HISOPS_STORE", None)
    cmd = [str(BIN / "ansible-playbook"), "-i", "hosts.yml", "hisops.him.compliance_audit"]
    proc = subprocess.run(cmd, cwd=project, env=env, capture_output=True, text=True, timeout=600, check=False)
    # the workstation cannot be reached: the run fails, every control of it "not checked"
    assert proc.returncode == 2, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "ws-away HIM-5.1-staff-only (host unreachable)" in proc.stdout, proc.stdout[-3000:]
    with open_store(project / "results" / "hisops.sqlite") as store:
        (run,) = store.runs()
        scope = store.records("run_hosts")
    assert (run["status"], run["playbook"], run["inventory"]) == ("failed", "hisops.him.compliance_audit", "hosts.yml")
    (row,) = scope
    assert row["host"] == "ws-away" and row["department"] == "outpatient" and "HIM-5.1-staff-only" in row["controls"]
    report = [str(BIN / "ansible-playbook"), "-i", "hosts.yml", "hisops.him.report"]
    report += ["-e", "hisops_report_period=this-month", "-e", "hisops_report_formats=json"]
    _run(report, project, env)
    assert list((project / "reports").glob("*.json")), "no report in the project's reports/"
    backups = [str(BIN / "ansible"), "localhost", "-m", "ansible.builtin.debug"]
    backups += ["-a", "msg={{ 'backups/switches' | hisops.him.hisops_project_path }}"]
    assert '"msg": "%s"' % (project / "backups" / "switches") in _run(backups, project, env).stdout
    after = sorted(str(p.relative_to(collection)) for p in collection.rglob("*") if "__pycache__" not in p.parts)
    assert after == [p for p in before if "__pycache__" not in p], "the run wrote into the installed collection"
