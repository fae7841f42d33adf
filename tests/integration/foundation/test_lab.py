"""The lab itself: every host and switch answers, `lab up` is idempotent, stale containers go."""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path

import pytest

from lab import cli

pytestmark = pytest.mark.lab
ROOT = Path(__file__).resolve().parents[3]


def lab(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["python", "-m", "lab", *args], cwd=ROOT, capture_output=True, text=True, env=dict(os.environ), check=False
    )


def container_ids() -> dict[str, str]:
    return {name: c["Id"] for name, c in cli.lab_containers().items()}


def test_smoke_playbook_reaches_every_host_and_switch() -> None:
    proc = subprocess.run(
        ["ansible-playbook", "playbooks/lab_smoke.yml"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stdout[-4000:]
    hosts, switches = cli.read_inventory()
    for name in [h.name for h in hosts] + [s.name for s in switches]:
        assert f"{name} " in proc.stdout and "unreachable=0" in proc.stdout, name
    assert "failed=1" not in proc.stdout and "unreachable=1" not in proc.stdout


def test_second_lab_up_reuses_everything() -> None:
    before = container_ids()
    started = time.monotonic()
    proc = lab("up")
    elapsed = time.monotonic() - started
    assert proc.returncode == 0, proc.stderr
    assert container_ids() == before, "a second `lab up` must not recreate containers"
    assert "building lab image" not in proc.stderr
    print(f"second lab up: {elapsed:.1f} s")


def test_lab_up_removes_stale_lab_containers() -> None:
    stale = "hisops-lab-stale-test"
    cli.podman("rm", "-f", "-t", "0", stale, check=False)
    cli.podman("create", "--name", stale, "--label", cli.LABEL + "=1", cli.image_tag("base"), "/sbin/init")
    assert stale in cli.lab_containers()
    proc = lab("up")
    assert proc.returncode == 0, proc.stderr
    assert "removing stale lab container " + stale in proc.stderr
    assert stale not in cli.lab_containers()


def test_status_lists_every_host_running() -> None:
    proc = lab("status")
    assert proc.returncode == 0
    hosts, switches = cli.read_inventory()
    lines = proc.stdout.splitlines()
    assert len(lines) == len(hosts) + len(switches)
    assert all(("running" in line) for line in lines), proc.stdout


@pytest.mark.parametrize(("host", "pgbackrest"), [("db-01", "2.55"), ("db-02", "2.45")])
def test_database_servers_have_their_release_backup_tools(host: str, pgbackrest: str) -> None:
    """db-01 is Debian 13, db-02 Debian 12 (issue 15): each with its release's backup tools."""
    out = cli.podman(
        "exec",
        "hisops-lab-" + host,
        "dpkg-query",
        "-W",
        "-f",
        "${Package} ${Version}\\n",
        "postgresql",
        "mariadb-server",
        "pgbackrest",
        "mariadb-backup",
        "restic",
    )
    versions = dict(line.split(" ", 1) for line in out.splitlines())
    assert sorted(versions) == ["mariadb-backup", "mariadb-server", "pgbackrest", "postgresql", "restic"]
    assert versions["pgbackrest"].startswith(pgbackrest), versions


def test_lab_network_is_private_to_the_lab() -> None:
    info = json.loads(cli.podman("network", "inspect", cli.NETWORK))
    assert info[0]["subnets"][0]["subnet"] == cli.SUBNET
    # every published port is bound to the loopback address only
    for c in cli.lab_containers().values():
        for port in c.get("Ports") or []:
            assert port["host_ip"] == "127.0.0.1", c["Names"]
