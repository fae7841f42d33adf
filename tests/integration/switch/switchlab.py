"""Helpers for the switch lab tests: the TEST starts its own emulated switches on free 127.0.0.1 ports
(``python -m lab.switches --spec FILE``), so the shared lab switches are never touched."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[3]
# inventory name -> emulator model (the lab inventory's hosts; one per vendor)
SWITCHES = {
    "sw-mz-01": "cisco_2960_24TT_L",
    "sw-rj-01": "ruijie_s2928g",
    "sw-hw-01": "huawei_s5735_l24t4s",
    "sw-h3c-01": "h3c_s5130_28s",
}
VENDORS = {"sw-mz-01": "cisco_ios", "sw-rj-01": "ruijie_os", "sw-hw-01": "huawei_vrp", "sw-h3c-01": "h3c_comware"}
UNREACHABLE = "sw-core-01"  # given a port where nothing listens
PASSWORD = "hisops-lab"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_port(port: int, timeout: float = 60.0, proc: Any = None, log: Path | None = None) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(
                "the switch emulator exited (%s): %s" % (proc.returncode, log.read_text()[-2000:] if log else "")
            )
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError("emulated switch on port %d did not start: %s" % (port, log.read_text()[-2000:] if log else ""))


class Lab:
    """Emulated switches of one test module, and how to run playbooks against them."""

    def __init__(self, tmp: Path, ports: dict[str, int]) -> None:
        self.tmp = tmp
        self.ports = ports
        self.backup_dir = tmp / "backups"
        self.inventory = tmp / "ports.yml"
        hosts = {name: {"ansible_port": port} for name, port in ports.items()}
        self.inventory.write_text(yaml.safe_dump({"all": {"hosts": hosts}}), encoding="utf-8")
        self.at_baseline = False

    def baseline(self) -> None:
        """Bring every switch to the inventory's baseline (once; tests that change it restore it)."""
        if not self.at_baseline:
            out = self.playbook("playbooks/switch_config.yml", limit=",".join(VENDORS))
            assert all(s["failures"] == 0 for s in out["stats"].values()), out["stats"]
            self.at_baseline = True

    def playbook(self, *args: str, limit: str = "", check: bool = True) -> dict[str, Any]:
        """Run a playbook with the json callback; returns the parsed output."""
        env = dict(os.environ)
        env.update(
            ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"),
            ANSIBLE_STDOUT_CALLBACK="ansible.posix.json",
            ANSIBLE_FORCE_COLOR="0",
        )
        cmd = [
            str(Path(sys.executable).parent / "ansible-playbook"),
            "-i",
            str(ROOT / "inventory" / "lab"),
            "-i",
            str(self.inventory),
            "--limit",
            limit or ",".join(self.ports),
            "-e",
            "hisops_switch_backup_dir=%s" % self.backup_dir,
            "-e",
            "hisops_switch_conn_timeout=5",
            "-e",
            "hisops_switch_command_timeout=10",
            "-e",  # the test switches' keys (new ports every run) stay out of the project's file
            "hisops_switch_known_hosts=%s" % (self.tmp / "known_hosts"),
            *args,
        ]
        proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=240)
        out = proc.stdout[proc.stdout.index("{") :] if "{" in proc.stdout else ""
        if not out:
            raise AssertionError("ansible-playbook printed no JSON: %s %s" % (proc.stdout[-2000:], proc.stderr[-2000:]))
        return json.loads(out)

    def params(self, name: str) -> dict[str, Any]:
        return {
            "name": name,
            "host": "127.0.0.1",
            "port": self.ports[name],
            "vendor": VENDORS[name],
            "username": "admin",
            "password": PASSWORD,
            "secret": PASSWORD,
            "conn_timeout": 5.0,
            "command_timeout": 10.0,
            "state": "present",
            "intended_config": None,
            "secrets": [],
            "backup_dir": str(self.backup_dir),
            "backup_keep": 30,
            "backup_version": "latest",
            "save": True,
        }

    def running(self, name: str) -> str:
        from ansible_collections.hisops.him.plugins.module_utils import netdev

        conn = netdev.connect(self.params(name))
        try:
            return netdev.running_config(conn, VENDORS[name])
        finally:
            netdev.close(conn, VENDORS[name])


def results(output: dict[str, Any], task_prefix: str) -> dict[str, dict[str, Any]]:
    """Per-host results of the first task whose name contains ``task_prefix``."""
    for play in output["plays"]:
        for task in play["tasks"]:
            if task_prefix in task["task"]["name"]:
                return task["hosts"]
    raise AssertionError("no task %r in the run" % task_prefix)


CISCO_B64 = bytes.maketrans(
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/",
    b"./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
)


def holds_password(vendor: str, running: str, secret: str) -> bool:
    """Whether the switch stores a hash of ``secret`` for a local user (computed here, not by hisops).

    Cisco / Ruijie emulators store real type 9 (scrypt) / type 8 (PBKDF2-SHA256) hashes with a
    fresh salt; the Huawei / H3C emulators their documented stand-in hashes.
    """
    if vendor not in ("cisco_ios", "ruijie_os"):
        digest = hashlib.sha256(secret.encode()).hexdigest()
        stand_in = {
            "huawei_vrp": "irreversible-cipher $1a$%s$" % digest[:32],
            "h3c_comware": "password hash $h$6$" + digest[:32],
        }
        return stand_in[vendor] in running
    for kind, salt, key in re.findall(r"(?m)^username \S+ privilege \d+ secret ([89]) \$\1\$(\S{14})\$(\S+)$", running):
        if kind == "8":
            raw = hashlib.pbkdf2_hmac("sha256", secret.encode(), salt.encode(), 20000)
        else:
            raw = hashlib.scrypt(secret.encode(), salt=salt.encode(), n=16384, r=1, p=1, dklen=32)
        if base64.b64encode(raw).rstrip(b"=").translate(CISCO_B64).decode() == key:
            return True
    return False


@contextlib.contextmanager
def emulated_switches(tmp: Path) -> Iterator[Lab]:
    """The test's own emulated switches on free 127.0.0.1 ports (``python -m lab.switches --spec``)."""
    ports = {name: free_port() for name in SWITCHES}
    spec = [{"name": n, "port": p, "model": SWITCHES[n]} for n, p in ports.items()]
    (tmp / "spec.json").write_text(json.dumps(spec), encoding="utf-8")
    log = open(tmp / "switches.log", "wb")  # noqa: SIM115 - closed after the process ends
    proc = subprocess.Popen(
        [sys.executable, "-m", "lab.switches", "--spec", str(tmp / "spec.json")],
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        for port in ports.values():
            wait_port(port, proc=proc, log=tmp / "switches.log")
        ports[UNREACHABLE] = free_port()  # nothing listens there
        yield Lab(tmp, ports)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        log.close()
