"""Verify mariadb_backup on the database servers themselves: timers, real backups of each
level, the restic second copy, a killed run that leaves nothing, the restore test and its rows."""

from __future__ import annotations

import json

import pytest

CALENDARS = {"monthly": "*-*-01 01:00:00", "weekly": "Sun *-*-* 01:30:00", "daily": "Mon..Sat *-*-* 02:00:00"}
REPO = "$(python3 -c \"import json;print(json.load(open('/etc/hisops/mariadb-backup.json'))['restic_repo'])\")"
RESTIC = "RESTIC_PASSWORD_FILE=/etc/hisops/restic-password RESTIC_REPOSITORY=%s restic" % REPO


def sql(host, query: str) -> str:
    return host.check_output("mariadb -N -B -D his -e %s", query)


@pytest.mark.parametrize("level", sorted(CALENDARS))
def test_timer_per_level_with_the_policy_calendar(host, level: str) -> None:
    timer = "hisops-mariadb-backup-%s.timer" % level
    assert host.service(timer).is_enabled
    assert host.service(timer).is_running
    shown = host.check_output("systemctl show -p TimersCalendar %s", timer)
    normalized = host.check_output("systemd-analyze calendar %s | sed -n 's/^ *Normalized form: //p'", CALENDARS[level])
    assert normalized in shown


def test_password_file_is_private(host) -> None:
    secret = host.file("/etc/hisops/restic-password")
    assert secret.user == "root" and secret.mode == 0o600
    assert "molecule-test-password" not in host.check_output("cat /etc/hisops/mariadb-backup.json")


def test_a_killed_backup_leaves_no_backup_and_the_next_run_succeeds(host) -> None:
    # kill the whole process group (the script and its mariadb-backup) while mariadb-backup copies
    script = (
        "setsid sh -c 'echo $$ > /tmp/bk.pid; exec /usr/local/sbin/hisops-mariadb-backup backup monthly' &\n"
        "until ls /var/backups/hisops-mariadb/.partial-*/raw/ibdata1 >/dev/null 2>&1; do sleep 0.02; done\n"
        "kill -KILL -- -$(cat /tmp/bk.pid)\nsleep 0.5\n"
    )
    host.check_output("printf %s %s > /tmp/kill-test.sh && timeout 120 bash /tmp/kill-test.sh", "%s", script)
    assert host.check_output("ls -a /var/backups/hisops-mariadb | grep -c '^.partial-.*-monthly$' || true") == "1"
    assert host.check_output("ls /var/backups/hisops-mariadb | grep -c monthly || true") == "0"
    out = host.run("/usr/local/sbin/hisops-mariadb-backup backup monthly")
    assert out.rc == 0, out.stdout + out.stderr
    assert "left by an interrupted run" in out.stdout or "partial" not in host.check_output(
        "ls -a /var/backups/hisops-mariadb"
    )
    assert host.check_output("ls -a /var/backups/hisops-mariadb | grep -c '^.partial' || true") == "0"


def test_each_level_backed_up_copied_and_restored(host) -> None:
    for level in ("weekly", "daily"):
        sql(host, "INSERT INTO patients (name, ward) SELECT CONCAT('新患者', seq), '急诊' FROM seq_1_to_500")
        out = host.run("/usr/local/sbin/hisops-mariadb-backup backup %s", level)
        assert out.rc == 0, out.stdout + out.stderr
    accounts = [json.loads(host.check_output("cat %s", f)) for f in
                host.check_output("ls /var/backups/hisops-mariadb/*/hisops.json").split()]  # fmt: skip
    kinds = {a["level"]: a["kind"] for a in accounts}
    assert kinds == {"monthly": "full", "weekly": "full", "daily": "incr"}
    daily = next(a for a in accounts if a["level"] == "daily")
    assert daily["base"].endswith("-weekly")
    snapshots = json.loads(host.check_output(RESTIC + " snapshots --json"))
    tags = {t for s in snapshots for t in s["tags"]}
    assert {"level=monthly", "level=weekly", "level=daily"} <= tags
    out = host.run("/usr/local/sbin/hisops-mariadb-backup restore-test")
    assert out.rc == 0, out.stdout + out.stderr
    result = json.loads(host.check_output("cat /var/lib/hisops/mariadb-backup/mariadb-restore-test.json"))
    assert {r["level"] for r in result["restores"] if r["ok"]} == set(CALENDARS)
    rows = sql(host, "SELECT COUNT(*) FROM patients")
    restored_daily = next(r for r in result["restores"] if r["level"] == "daily")
    assert "his.patients: %s rows" % rows in " ".join(restored_daily["evidence"])
    assert all(r["verify_ok"] for r in result["repositories"]) and len(result["repositories"]) == 2
    assert not host.file("/var/lib/hisops/mariadb-restore-test").exists
