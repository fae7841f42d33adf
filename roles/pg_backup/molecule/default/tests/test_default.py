"""Verify pg_backup on the database servers themselves: timers, real backups of each level
into each repository, the restore test and its row counts, encryption and block incremental."""

from __future__ import annotations

import json

import pytest

LEVELS = {"monthly": ("full", "Mon *-*-01 01:00:00"), "weekly": ("diff", ""), "daily": ("incr", "")}
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
        info = json.loads(host.check_output("sudo -u postgres pgbackrest --stanza=main --repo=%d --output=json info", repo))
        backups = info[0]["backup"]
        got = {b["annotation"]["hisops-level"]: b["type"] for b in backups if b.get("annotation")}
        assert got == {level: kind for level, (kind, _) in LEVELS.items()}, backups
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
