"""Helpers of the database-backup lab tests (issue 15): commands on the lab's containers, the
backup and restore playbooks, and the compliance run's HIM-8.2.6 result and backup register."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from ansible_collections.hisops.him.plugins.plugin_utils.store import open_store

from lab import cli

ROOT = Path(__file__).resolve().parents[3]
SERVERS = ("db-01", "db-02")


def env(store: Path | None = None) -> dict[str, str]:
    out = dict(os.environ, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"))
    out["PATH"] = str(Path(sys.executable).parent) + os.pathsep + out.get("PATH", "")
    if store is not None:
        out["HISOPS_STORE"] = str(store)
    return out


def playbook(*args: str, store: Path | None = None, timeout: float = 900) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["ansible-playbook", *args], cwd=ROOT, env=env(store), capture_output=True, text=True, timeout=timeout
    )


def on(host: str, *argv: str, check: bool = True, timeout: float = 900) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        ["podman", "exec", "hisops-lab-" + host, *argv],
        env=cli.podman_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if check and proc.returncode != 0:
        raise AssertionError("%s: %s failed (%d): %s" % (host, " ".join(argv), proc.returncode, proc.stderr[-2000:]))
    return proc


def in_mounts_of(host: str, *argv: str) -> None:
    """Run ARGV in the container's mount namespace with the host's privileges (a lab container
    may not mount a filesystem itself): how the tests give a backup volume a size limit."""
    pid = subprocess.run(
        ["podman", "inspect", "-f", "{{.State.Pid}}", "hisops-lab-" + host],
        env=cli.podman_env(),
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    # in its process namespace too: umount reads the mount table in /proc/self of the container's /proc
    proc = subprocess.run(["nsenter", "-t", pid, "-m", "-p", *argv], capture_output=True, text=True)
    if proc.returncode != 0:
        raise AssertionError("%s: %s failed (%d): %s" % (host, " ".join(argv), proc.returncode, proc.stderr[-2000:]))


def compliance(tmp_path: Path) -> tuple[subprocess.CompletedProcess[str], list[dict], list[dict]]:
    """The compliance run of HIM-8.2.6 on the database servers: its result and the backup register."""
    store = tmp_path / "results.sqlite"
    proc = playbook("playbooks/compliance_audit.yml", "-l", "db_servers", "--tags", "him-8.2.6-db-backup", store=store)
    with open_store(store) as st:
        controls = [c for c in st.control_results() if c["control_id"] == "HIM-8.2.6-db-backup"]
        register = st.records("backup_register")
    return proc, controls, register


def sql(host: str, query: str, database: str = "his", socket: str = "/run/mysqld/mysqld.sock") -> str:
    """A MariaDB query on the server (as root over the socket), its rows tab-separated. The character
    set is given: without it the client takes the locale's (latin1 in a bare podman exec)."""
    argv = ["mariadb", "--no-defaults", "--default-character-set=utf8mb4", "-S", socket, "-u", "root", "-N", "-B"]
    argv += ["-D", database, "-e", query]
    return on(host, *argv).stdout.strip()


def mariadb_backup(host: str, *argv: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    """The mariadb_backup role's command (what its timers run)."""
    return on(host, "/usr/local/sbin/hisops-mariadb-backup", *argv, check=check)
