"""The built collection works away from this repository: ``ansible-galaxy collection build`` makes
the artifact, it installs into an empty collections folder, and a project in another directory
(no ansible.cfg, no path to this repository) syntax-checks the main job and runs a module."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
import yaml

from tests.localhost_play import write_audit_play

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
