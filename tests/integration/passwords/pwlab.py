"""Helpers of the department password tests: run the rotation playbook, read the store, check a
host's password on the host itself (its own crypt, not hisops' code)."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path
from typing import Any

from ansible.parsing.vault import VaultLib, VaultSecret
from ansible_collections.hisops.him.plugins.plugin_utils import passwords as pw

ROOT = Path(__file__).resolve().parents[3]
LAB_VAULT = VaultSecret((ROOT / "lab" / "vault-password.txt").read_bytes().strip())
DEPARTMENTS = {"outpatient": ["ws-mz-01", "ws-mz-02"], "inpatient": ["ws-zy-01", "ws-zy-02"]}
HOSTS = [h for hosts in DEPARTMENTS.values() for h in hosts]
RECAP = re.compile(r"^(\S+)\s+: ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", re.M)
# the host's own check: python3 (Debian 12: 3.11, with crypt) compares /etc/shadow with stdin
HOST_CHECK = (
    "import crypt, sys\n"
    "user = sys.argv[1]\n"
    "entry = next(l.split(':')[1] for l in open('/etc/shadow') if l.split(':')[0] == user)\n"
    "print('match' if crypt.crypt(sys.stdin.read(), entry) == entry else 'no')\n"
)


def ansible_playbook(*argv: str, callback: str = "", timeout: int = 300) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"), ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0")
    if callback:
        env["ANSIBLE_STDOUT_CALLBACK"] = callback
    return subprocess.run(
        ["ansible-playbook", *argv], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )


def recap(output: str) -> dict[str, dict[str, int]]:
    return {
        m.group(1): {"ok": int(m.group(2)), "changed": int(m.group(3)), "unreachable": int(m.group(4)),
                     "failed": int(m.group(5))}
        for m in RECAP.finditer(output)
    }  # fmt: skip


def store(directory: Path) -> pw.VaultFileStore:
    return pw.VaultFileStore(directory, VaultLib([("lab", LAB_VAULT)]), "lab", LAB_VAULT)


def every_password(directory: Path) -> list[str]:
    s = store(directory)
    return [e["password"] for d in s.departments() for e in s.load(d).known_passwords()]


def podman(*argv: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, CONTAINERS_CONF=str(ROOT / ".lab" / "containers.conf"))
    return subprocess.run(
        ["podman", *argv], env=env, input=stdin, capture_output=True, text=True, timeout=60, check=False
    )


def logs_in(host: str, account: str, password: str) -> bool:
    """Whether ``password`` is the account's password on the host (checked by the host's own crypt)."""
    proc = podman(
        "exec", "-i", "hisops-lab-" + host, "python3", "-W", "ignore", "-c", HOST_CHECK, account, stdin=password
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip() == "match"


def remove_accounts() -> None:
    for host in HOSTS:
        for code in DEPARTMENTS:
            podman(
                "exec",
                "hisops-lab-" + host,
                "sh",
                "-c",
                "id %s_admin >/dev/null 2>&1 && userdel -r %s_admin" % (code, code),
            )


def current(directory: Path, department: str) -> dict[str, Any]:
    return store(directory).load(department).current or {}
