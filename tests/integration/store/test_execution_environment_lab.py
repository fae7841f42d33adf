"""The AWX / Automation Platform path: the compliance job runs INSIDE the execution environment.

The image is built for real (``python -m lab ee``: a Debian 13 base made with debootstrap, then
``ansible-builder build`` with the built collection artifact and the pinned requirements; cached
by a hash of what goes into it). ``ansible-runner --process-isolation`` then runs the collection's
``hisops.him.compliance_audit`` in a container of that image against the lab, as AWX does: the
job's project (ansible.cfg, vault password), inventory (the lab's, with the project's
group_vars/all) and machine credential (the lab's SSH key) are ansible-runner's private data
directory, mounted at /runner; the results store is the project's ``results/hisops.sqlite``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from ansible_collections.hisops.him.plugins.plugin_utils.store import open_store

from lab.cli import SSH_KEY, podman_env
from tests.integration.store.test_compliance_lab import lab_hosts

pytestmark = pytest.mark.lab

ROOT = Path(__file__).resolve().parents[3]
PLAYBOOK = "hisops.him.compliance_audit"
# The job's project: what a hospital's AWX project holds besides its inventory. The collection
# comes from the image (/usr/share/ansible/collections), so no collections_path here.
ANSIBLE_CFG = """\
[defaults]
callbacks_enabled = hisops.him.hisops_recorder
vault_identity_list = lab@lab/vault-password.txt
interpreter_python = auto_silent
forks = 25
[inventory]
enable_plugins = host_list, yaml, ini, auto, toml, hisops.him.hisops_asset_register
[ssh_connection]
pipelining = True
"""


@pytest.fixture(scope="module")
def ee_image() -> str:
    """The execution environment's tag: built when its content changed, else reused."""
    proc = subprocess.run(
        [sys.executable, "-m", "lab", "ee"], cwd=ROOT, capture_output=True, text=True, timeout=3600, check=False
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-5000:]
    return proc.stdout.strip().splitlines()[-1]


def _private_data_dir(base: Path) -> Path:
    """ansible-runner's private data directory for the job, as AWX prepares it."""
    pdd = base / "runner"
    inventory = pdd / "inventory"
    shutil.copytree(ROOT / "inventory" / "lab", inventory)
    shutil.copytree(ROOT / "group_vars" / "all", inventory / "group_vars" / "all", dirs_exist_ok=True)
    project = pdd / "project"
    (project / "lab").mkdir(parents=True)
    shutil.copy(ROOT / "lab" / "vault-password.txt", project / "lab" / "vault-password.txt")
    (project / "ansible.cfg").write_text(ANSIBLE_CFG, encoding="utf-8")
    env = pdd / "env"
    env.mkdir()
    # the machine credential: runner loads it into ssh-agent in the container
    (env / "ssh_key").write_text(SSH_KEY.read_text(encoding="utf-8"), encoding="utf-8")
    # the lab inventory's key path is the control node's: the credential replaces it
    (env / "extravars").write_text(yaml.safe_dump({"ansible_ssh_private_key_file": ""}), encoding="utf-8")
    (env / "envvars").write_text(yaml.safe_dump({"HISOPS_RUN_USER": "awx-ee-test"}), encoding="utf-8")
    return pdd


def test_the_compliance_job_runs_in_the_execution_environment_and_is_recorded(tmp_path: Path, ee_image: str) -> None:
    pdd = _private_data_dir(tmp_path)
    env = podman_env()
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    cmd = [str(Path(sys.executable).parent / "ansible-runner"), "run", str(pdd), "-p", PLAYBOOK]
    cmd += ["--limit", "dept_outpatient", "--ident", "ee-job"]
    cmd += ["--process-isolation", "--process-isolation-executable", "podman", "--container-image", ee_image]
    # the lab listens on 127.0.0.1 of this machine; root in the container reads the mounted job files
    cmd += ["--container-option=--network=host", "--container-option=--user=root"]
    proc = subprocess.run(cmd, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=900, check=False)
    artifacts = pdd / "artifacts" / "ee-job"
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-3000:]
    assert (artifacts / "status").read_text() == "successful"
    # it ran in a container of the image, not on this machine
    command = json.loads((artifacts / "command").read_text())["command"]
    assert command[:2] == ["podman", "run"] and ee_image in command, command
    with open_store(pdd / "project" / "results" / "hisops.sqlite") as store:
        (run,) = store.runs()
        assert (run["status"], run["mode"], run["playbook"]) == ("ok", "check", PLAYBOOK)
        assert (run["user_name"], run["limit_expr"], run["inventory"]) == (
            "awx-ee-test",
            "dept_outpatient",
            "/runner/inventory",
        )
        outpatient = {h for h, d in lab_hosts().items() if d == "outpatient"}
        hosts = {h["host"]: h for h in store.run_host_results(run["uuid"])}
        assert set(hosts) == outpatient and all(h["status"] == "ok" for h in hosts.values())
        trail = {
            c["host"]: c["status"]
            for c in store.run_control_results(run["uuid"])
            if c["control_id"] == "HIM-7.6-audit-trail"
        }
        assert trail == dict.fromkeys(outpatient, "pass")
        scope = {r["host"] for r in store.records("run_hosts") if r["in_scope"]}
        assert scope == outpatient
        assets = {a["host"]: a for a in store.assets()}
        assert set(assets) == outpatient and assets["ws-mz-01"]["department_name"] == "门诊部"


def test_the_image_holds_the_built_collection_on_debian_13(ee_image: str) -> None:
    script = "python3 --version; ansible-galaxy collection list hisops.him --format json; ansible-doc -l hisops.him"
    proc = subprocess.run(
        ["podman", "run", "--rm", "--entrypoint", "bash", ee_image, "-c", script],
        env=podman_env(),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    version, listing, *docs = proc.stdout.splitlines()
    assert version.startswith("Python 3.13."), version
    galaxy = yaml.safe_load((ROOT / "galaxy.yml").read_text(encoding="utf-8"))
    found = json.loads(listing)
    assert found == {
        "/usr/share/ansible/collections/ansible_collections": {"hisops.him": {"version": galaxy["version"]}}
    }
    assert any(line.startswith("hisops.him.hisops_workstation_linux ") for line in docs), docs[:20]
