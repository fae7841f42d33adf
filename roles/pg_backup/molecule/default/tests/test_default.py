"""Verify pg_backup on the database servers themselves: timers, real backups of each level
into each repository, the restore test and its row counts, encryption and block incremental."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

LEVELS = {"monthly": "full", "weekly": "diff", "daily": "incr"}
CALENDARS = {"monthly": "*-*-01 01:00:00", "weekly": "Sun *-*-* 01:30:00", "daily": "Mon..Sat *-*-* 02:00:00"}


def repos(host) -> list[int]:
    return [1, 2] if host.backend.get_hostname() == "pg-db13" else [1]


def psql(host, sql: str) -> str:
    return host.check_output("sudo -u postgres psql -X -A -t -d his -c %s", sql)


@pytest.mark.parametrize("level", sorted(CALENDARS))
def test_timer_per_level_with_the_policy_calendar(host, level: str) -> None:
    timer = "hisops-pg-backup-%s.timer" % level
    assert host.service(timer).is_enabled
    assert host.service(timer).is_running
    shown = host.check_output("systemctl show -p TimersCalendar %s", timer)
    normalized = host.check_output("systemd-analyze calendar %s | sed -n 's/^ *Normalized form: //p'", CALENDARS[level])
    assert normalized in shown


def test_config_is_private_and_encrypted(host) -> None:
    conf = host.file("/etc/pgbackrest.conf")
    assert conf.user == "postgres" and conf.mode == 0o640
    text = host.check_output("cat /etc/pgbackrest.conf")
    for repo in repos(host):
        assert "repo%d-cipher-type=aes-256-cbc" % repo in text
        assert "repo%d-retention-full=12" % repo in text
    assert "compress-type=zst" in text
    block = host.backend.get_hostname() == "pg-db13"
    assert ("repo1-block=y" in text) is block
    assert "molecule-test-passphrase" not in host.check_output("cat /etc/hisops/pg-backup-main.json")


def test_wal_archiving_works(host) -> None:
    assert psql(host, "SHOW archive_mode") == "on"
    host.check_output("sudo -u postgres pgbackrest --stanza=main check")


def test_each_level_backed_up_into_every_repository_then_restored(host) -> None:
    for level in ("monthly", "weekly", "daily"):
        psql(host, "INSERT INTO patients (name, ward) SELECT '新患者' || g, '急诊' FROM generate_series(1, 500) g")
        out = host.run("sudo -u postgres /usr/local/sbin/hisops-pg-backup %s", level)
        assert out.rc == 0, out.stderr
    for repo in repos(host):
        info = json.loads(
            host.check_output("sudo -u postgres pgbackrest --stanza=main --repo=%s --output=json info", str(repo))
        )
        backups = info[0]["backup"]
        got = {b["annotation"]["hisops-level"]: b["type"] for b in backups if b.get("annotation")}
        assert got == LEVELS, backups
        assert info[0]["cipher"] == "aes-256-cbc"
    out = host.run("sudo -u postgres /usr/local/sbin/hisops-pg-restore-test main")
    assert out.rc == 0, out.stdout + out.stderr
    result = json.loads(host.check_output("cat /var/lib/hisops/db-backup/pg-main-restore-test.json"))
    tested = {(r["repo"], r["level"]) for r in result["restores"] if r["ok"]}
    assert tested == {(repo, level) for repo in repos(host) for level in LEVELS}
    patients = psql(host, "SELECT count(*) FROM patients")
    daily = [r for r in result["restores"] if r["level"] == "daily"]
    assert all("his.patients: %s rows" % patients in " ".join(r["evidence"]) for r in daily)
    assert all(r["verify_ok"] for r in result["repositories"])
    # the scratch cluster is gone and nothing listens on its port
    assert not host.file("/var/lib/hisops/pg-restore-test/data").exists
    assert not host.socket("tcp://127.0.0.1:5499").is_listening


def audit(host, tmp: Path, **extra) -> dict:
    """Run the HIM-8.2.6 audit module on the host through Ansible (as the compliance run does)."""
    name = host.backend.get_hostname()
    root = os.environ["HISOPS_ROOT"]
    args = {
        "host": name,
        "policy": {
            "monthly": {"calendar": CALENDARS["monthly"], "keep": 12, "period": 31},
            "weekly": {"calendar": CALENDARS["weekly"], "keep": 5, "period": 7},
            "daily": {"calendar": CALENDARS["daily"], "keep": 7, "period": 1},
        },
        "locations": {"1": name, "2": "pg-nc"},
        "media": {"1": "local disk", "2": "NC-DISK-01"},
        "custodian": "王伟",
        **extra,
    }
    # a bare configuration (no recorder, no vault ids), JSON on stdout, the collection's module
    cfg = tmp / "ansible.cfg"
    cfg.write_text("[defaults]\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANSIBLE_")}
    env.update(
        ANSIBLE_CONFIG=str(cfg),
        ANSIBLE_COLLECTIONS_PATH=root + "/collections",  # the collection hisops.him, in place
        ANSIBLE_LOAD_CALLBACK_PLUGINS="1",
        ANSIBLE_STDOUT_CALLBACK="json",
    )
    proc = subprocess.run(
        ["ansible", "all", "-i", name + ",", "-c", "containers.podman.podman", "--check",
         "-e", "ansible_python_interpreter=/usr/bin/python3",
         "-m", "hisops.him.hisops_db_backup_audit", "-a", json.dumps(args)],
        capture_output=True, text=True, env=env, check=False, timeout=300,
    )  # fmt: skip
    assert proc.stdout.startswith("{"), proc.stderr[-2000:]
    out = json.loads(proc.stdout)
    return out["plays"][0]["tasks"][0]["hosts"][name]


def test_audit_passes_and_registers_every_copy(host, tmp_path: Path) -> None:
    copies = len(repos(host))
    if copies < 2:
        # this scenario gives the Debian 12 server (pgBackRest 2.45: no SFTP) no repository host, so
        # the policy's second copy is missing: a finding, never a pass
        record = audit(host, tmp_path)["hisops_controls"][0]
        assert record["status"] == "fail" and "1 of 2 copies of the media" in record["message"], record
    result = audit(host, tmp_path, copies=copies)
    record = result["hisops_controls"][0]
    assert record["id"] == "HIM-8.2.6-db-backup"
    assert record["status"] == "pass", record
    assert not result["changed"]
    rows = result["hisops_backup_register"]
    assert {(r["repo"], r["level"]) for r in rows} == {(repo, level) for repo in repos(host) for level in LEVELS}
    assert all(r["custodian"] == "王伟" for r in rows)
    newest = {}
    for row in rows:  # newest first
        newest.setdefault((row["repo"], row["level"]), row)
    assert all(row["verified_ok"] is True and row["verified_at"] for row in newest.values()), newest
    media = {"local disk", "NC-DISK-01"} if len(repos(host)) == 2 else {"local disk"}
    assert {r["medium"] for r in rows} == media


def test_audit_fails_when_the_database_is_stopped(host, tmp_path: Path) -> None:
    version = host.check_output("pg_lsclusters --no-header | awk '{print $1}'")
    host.check_output("systemctl stop postgresql@%s-main", version)
    try:
        record = audit(host, tmp_path)["hisops_controls"][0]
    finally:
        host.check_output("systemctl start postgresql@%s-main", version)
    assert record["status"] == "fail"
    assert "the database service is not accepting connections" in record["message"]
