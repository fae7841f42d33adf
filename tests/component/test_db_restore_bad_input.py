"""Database restore (issue 15): bad input to playbooks/db_restore.yml stops before anything changes,
naming the variable, for PostgreSQL and MariaDB alike; the live database is refused without
hisops_restore_overwrite_live.

The playbook runs against the lab inventory, but every step up to the failing check runs on the
control node (whole-inventory check, asserts, the engine's task file included): no lab host is
contacted (-vvv would show the SSH connection), so no lab lock is needed.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

pytestmark = pytest.mark.component

ROOT = Path(__file__).resolve().parents[2]


def restore(*extra: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"), ANSIBLE_NOCOLOR="1")
    return subprocess.run(
        ["ansible-playbook", "-vvv", "playbooks/db_restore.yml", "-l", "db-01", *extra],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["-e", "hisops_restore_engine=oracle"], "hisops_restore_engine (postgresql or mariadb: oracle)"),
        (
            ["-e", "hisops_restore_engine=mariadb", "-e", "hisops_restore_target=live"],
            "set hisops_restore_overwrite_live=true if that is really what is wanted",
        ),
        (
            ["-e", "hisops_restore_engine=mariadb", "-e", "hisops_restore_time='2026-11-27 10:15:00+08'"],
            "hisops_restore_time (point-in-time recovery is PostgreSQL only",
        ),
        (
            ["-e", "hisops_restore_set=20261101T010001Z-monthly"],
            "hisops_restore_set (latest, latest-verified or a pgBackRest label",
        ),
        (
            ["-e", "hisops_restore_engine=mariadb", "-e", "hisops_restore_source=restic"],
            "hisops_restore_source (local or second_copy: restic",
        ),
        (["-e", "hisops_restore_repo=2"], "it replaces hisops_restore_repo, which must not be given"),
    ],
    ids=[
        "unknown-engine",
        "mariadb-live-without-overwrite",
        "mariadb-point-in-time",
        "postgresql-with-a-mariadb-label",
        "unknown-source",
        "repo-replaced-by-source",
    ],
)
def test_bad_input_stops_before_any_host_naming_the_variable(extra: list[str], message: str) -> None:
    proc = restore(*extra)
    out = " ".join((proc.stdout + proc.stderr).split())  # the messages are folded YAML
    assert proc.returncode != 0, out[-3000:]
    assert message in out, out[-3000:]
    assert "nothing was changed" in out
    assert "ESTABLISH SSH CONNECTION" not in out and "ESTABLISH PODMAN" not in out
