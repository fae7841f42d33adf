"""No switch secret leaks (issue 12): push, rotate with --diff, restore and a SIGKILLed run at -vvvv,
then every place hisops writes to is searched for each secret value (unique to this test run)."""

from __future__ import annotations

import base64
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from switchlab import ROOT, VENDORS, Lab

pytestmark = pytest.mark.lab

ANSIBLE_TMP = Path.home() / ".ansible" / "tmp"


def run_playbook(lab: Lab, store: Path, *args: str, kill_after: float = 0.0) -> str:
    """ansible-playbook with the default (human) output at -vvvv and --diff; the terminal text."""
    env = dict(os.environ, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"), ANSIBLE_FORCE_COLOR="0", HISOPS_STORE=str(store))
    cmd = [
        str(Path(sys.executable).parent / "ansible-playbook"), "-vvvv", "--diff",
        "-i", str(ROOT / "inventory" / "lab"), "-i", str(lab.inventory), "--limit", ",".join(VENDORS),
        "-e", "hisops_switch_backup_dir=%s" % lab.backup_dir, "-e", "hisops_switch_conn_timeout=5",
        "-e", "hisops_switch_command_timeout=10", "playbooks/switch_config.yml", *args,
    ]  # fmt: skip
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    head = ""
    if kill_after:
        # killed in the middle of the push: kill_after seconds after the push task starts
        assert proc.stdout is not None
        for line in proc.stdout:
            head += line
            if line.startswith("TASK [") and "ENFORCE" in line:
                break
        time.sleep(kill_after)
        proc.send_signal(signal.SIGKILL)
    out, _ = proc.communicate(timeout=240)
    return head + out


def secrets(folder: Path, password: str, community: str) -> str:
    """The secrets as a vars file (as a site keeps them in Vault): -vvvv echoes command-line values."""
    path = folder / ("secrets-%d.json" % len(list(folder.glob("secrets-*"))))
    path.write_text(
        json.dumps(
            {"vault_hisops_switch_netadmin_password": password, "vault_hisops_switch_snmp_community": community}
        ),
        encoding="utf-8",
    )
    path.chmod(0o600)
    return "@%s" % path


def files_under(*roots: Path) -> dict[Path, bytes]:
    found: dict[Path, bytes] = {}
    for root in roots:
        for path in [root] if root.is_file() else root.rglob("*") if root.exists() else []:
            if path.is_file():
                found[path] = path.read_bytes()
    return found


def test_no_secret_in_output_logs_temp_files_store_backups_or_reports(lab: Lab, tmp_path: Path) -> None:
    lab.baseline()
    tag = uuid.uuid4().hex[:10]
    values = {
        "password 1": "Pw1-%s" % tag,
        "community 1": "Co1-%s" % tag,
        "password 2": "Pw2-%s" % tag,
        "community 2": "Co2-%s" % tag,
        "password 3": "Pw3-%s" % tag,
        "community 3": "Co3-%s" % tag,
    }
    store = tmp_path / "store" / "results.sqlite"
    log = tmp_path / "ansible.log"
    os.environ["ANSIBLE_LOG_PATH"] = str(log)
    try:
        terminal = [
            run_playbook(lab, store, "-e", secrets(tmp_path, values["password 1"], values["community 1"])),
            # a rotation: the diff shows the community going out and the new one coming in
            run_playbook(lab, store, "-e", secrets(tmp_path, values["password 2"], values["community 2"])),
            run_playbook(lab, store, "-e", "hisops_switch_action=restore", "-e", "hisops_switch_restore_version=-2"),
            run_playbook(
                lab, store, "-e", secrets(tmp_path, values["password 3"], values["community 3"]), kill_after=0.5
            ),
        ]
        # back to the inventory's secrets
        terminal.append(run_playbook(lab, store))
    finally:
        del os.environ["ANSIBLE_LOG_PATH"]
    (tmp_path / "terminal-2.txt").write_text(terminal[1], encoding="utf-8")
    assert "PLAY RECAP" in terminal[0] and "changed=" in terminal[1]
    # the rotation's diff was shown, with the secrets masked
    assert "snmp-agent community read <hashed:" in terminal[1] and "snmp-server community ********" in terminal[1]
    assert "PLAY RECAP" not in terminal[3]  # killed in the middle
    reports = tmp_path / "reports"
    subprocess.run(
        [sys.executable, str(ROOT / "bin" / "hisops-report"), "--store", str(store), "--period", time.strftime("%Y-%m"),
         "--format", "html,xlsx,csv,json", "--out", str(reports)],
        cwd=ROOT, env=dict(os.environ, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg")), check=True, capture_output=True,
    )  # fmt: skip
    places = files_under(store.parent, lab.backup_dir, reports, ANSIBLE_TMP, log)
    assert any(p.suffix == ".cfg" for p in places) and any(p.parent == reports for p in places)
    for what, value in values.items():
        forms = {value, base64.b64encode(value.encode()).decode()}  # the emulators' "cipher" is base64
        for i, text in enumerate(terminal):
            at = min((text.find(f) for f in forms if f in text), default=-1)
            assert at < 0, "%s in the terminal output of run %d: %s" % (what, i + 1, text[max(0, at - 300) : at + 100])
        for path, data in places.items():
            assert not any(f.encode() in data for f in forms), "%s in %s" % (what, path)
