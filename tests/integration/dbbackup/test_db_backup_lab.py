"""Database backups on the lab (issue 15): db-01 (Debian 13, pgBackRest 2.55, second copy over SFTP)
and db-02 (Debian 12, pgBackRest 2.45, nc-01 as repository host), real PostgreSQL with seeded data.

One converge, one backup of each level and one restore test per server (module fixture), then:
the timers' calendars, the compliance run's HIM-8.2.6 result and backup register in the store,
a point-in-time restore, a restore from the second copy (repository 2), the restore playbook's
refusal to overwrite the live database, and the faults (repository 1's volume full midway, second
copy unreachable, corrupted repository) reported and recovered from.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from .dblab import SERVERS, compliance, in_mounts_of, on, playbook

pytestmark = pytest.mark.lab

SEED_ROWS = 20000


def psql(host: str, sql: str, database: str = "his", port: int = 5432, socket: str = "/var/run/postgresql") -> str:
    argv = ["runuser", "-u", "postgres", "--", "psql", "-X", "-A", "-t", "-q", "-h", socket, "-p", str(port)]
    return on(host, *argv, "-d", database, "-c", sql).stdout.strip()


def backup(host: str, level: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return on(host, "runuser", "-u", "postgres", "--", "/usr/local/sbin/hisops-pg-backup", level, check=check)


@pytest.fixture(scope="module")
def converged(db_backup_converged: None) -> Iterator[None]:
    for host in SERVERS:
        if psql(host, "SELECT 1 FROM pg_database WHERE datname = 'his'", database="postgres") != "1":
            psql(host, "CREATE DATABASE his", database="postgres")
        psql(
            host,
            "DROP TABLE IF EXISTS patients; CREATE TABLE patients (id serial PRIMARY KEY, name text, ward text, "
            "created timestamptz DEFAULT now()); INSERT INTO patients (name, ward) SELECT '张' || i, "
            "(ARRAY['内科','外科','儿科'])[1 + i %% 3] FROM generate_series(1, %d) AS i" % SEED_ROWS,
        )
        for level in ("monthly", "weekly", "daily"):
            out = backup(host, level).stdout
            assert out.count(": OK") == 2, out  # both repositories
        test = on(
            host, "runuser", "-u", "postgres", "--", "/usr/local/sbin/hisops-pg-restore-test", "main", check=False
        )
        assert test.returncode == 0, test.stdout + test.stderr
    yield


def test_timers_run_each_level_on_its_policy_calendar(converged: None) -> None:
    for host in SERVERS:
        for level, calendar in (("monthly", "*-*-01 01:00:00"), ("weekly", "Sun *-*-* 01:30:00")):
            out = on(host, "systemctl", "show", "-p", "TimersCalendar", "hisops-pg-backup-%s.timer" % level).stdout
            normalized = on(host, "systemd-analyze", "calendar", calendar).stdout.split("Normalized form: ")[1]
            assert normalized.splitlines()[0].strip() in out, out
            assert on(host, "systemctl", "is-enabled", "hisops-pg-backup-%s.timer" % level).stdout.strip() == "enabled"


def test_compliance_run_records_the_control_and_the_register(converged: None, tmp_path: Path) -> None:
    proc, controls, register = compliance(tmp_path)
    assert proc.returncode == 0, proc.stdout[-4000:]
    assert {c["host"]: c["status"] for c in controls} == {"db-01": "pass", "db-02": "pass"}, controls
    for host in SERVERS:
        mine = [r for r in register if r["host"] == host and r["engine"] == "postgresql"]
        assert {(r["repo"], r["level"]) for r in mine} >= {
            (repo, lv) for repo in (1, 2) for lv in ("monthly", "weekly", "daily")
        }
        assert {r["custodian"] for r in mine} == {"王伟"}
        assert {r["location"] for r in mine} == {host, "nc-01"}
        assert all(r["verified_ok"] == 1 for r in mine if r["verified_at"]), mine
        assert all(r["size_bytes"] > 0 and r["expires"] and r["retention"] for r in mine)


def test_point_in_time_restore_returns_exactly_the_rows_before(converged: None) -> None:
    psql("db-01", "INSERT INTO patients (name, ward) VALUES ('PITR-before', '内科')")
    target = psql("db-01", "SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') || '+00'")
    psql("db-01", "SELECT pg_sleep(1.2); INSERT INTO patients (name, ward) VALUES ('PITR-after', '内科')")
    on("db-01", "runuser", "-u", "postgres", "--", "pgbackrest", "--stanza=main", "check")  # WAL switched and archived
    proc = playbook("playbooks/db_restore.yml", "-l", "db-01", "-e", "hisops_restore_time='%s'" % target)
    try:
        assert proc.returncode == 0, proc.stdout[-4000:]
        rows = psql("db-01", "SELECT name FROM patients WHERE name LIKE 'PITR-%' ORDER BY 1", port=5498,
                    socket="/var/lib/hisops/pg-restore/sock")  # fmt: skip
        assert rows.splitlines() == ["PITR-before"]
        count = psql("db-01", "SELECT count(*) FROM patients", port=5498, socket="/var/lib/hisops/pg-restore/sock")
        assert int(count) == SEED_ROWS + 1
    finally:
        stop = "runuser -u postgres -- /usr/lib/postgresql/*/bin/pg_ctl -D /var/lib/hisops/pg-restore/data -m fast stop"
        on("db-01", "sh", "-c", stop + "; rm -rf /var/lib/hisops/pg-restore", check=False)


def test_restore_refuses_to_overwrite_the_live_database_unless_asked(converged: None) -> None:
    proc = playbook("playbooks/db_restore.yml", "-l", "db-02", "-e", "hisops_restore_target=live")
    assert proc.returncode != 0
    assert "hisops_restore_overwrite_live" in proc.stdout and "nothing was changed" in proc.stdout
    assert "pgBackRest restore" not in proc.stdout
    on("db-02", "runuser", "-u", "postgres", "--", "pg_isready", "-q")


def test_restore_from_the_second_copy_on_the_network_center_server(converged: None) -> None:
    host = "db-02"  # repository 2 through nc-01 as a pgBackRest repository host (2.45)
    proc = playbook("playbooks/db_restore.yml", "-l", host, "-e", "hisops_restore_source=second_copy")
    try:
        shown = " ".join(proc.stdout.split())  # the callback folds long messages over lines
        assert proc.returncode == 0, proc.stdout[-4000:]
        assert "of stanza main from repo2 restored to the scratch cluster" in shown, shown[-3000:]
        argv = {"port": 5498, "socket": "/var/lib/hisops/pg-restore/sock"}
        assert psql(host, "SELECT count(*) FROM patients", **argv) == psql(host, "SELECT count(*) FROM patients")
        assert psql(host, "SELECT ward FROM patients WHERE name = '张3'", **argv) == "内科"
    finally:
        stop = "runuser -u postgres -- /usr/lib/postgresql/*/bin/pg_ctl -D /var/lib/hisops/pg-restore/data -m fast stop"
        on(host, "sh", "-c", stop + "; rm -rf /var/lib/hisops/pg-restore", check=False)


def repo1_labels(host: str) -> set[str]:
    argv = ["runuser", "-u", "postgres", "--", "pgbackrest", "--stanza=main", "--repo=1", "--output=json", "info"]
    return {b["label"] for b in json.loads(on(host, *argv).stdout)[0]["backup"]}


def test_backup_volume_full_midway_is_reported_and_the_next_run_succeeds(converged: None) -> None:
    host, repo, under = "db-02", "/var/lib/pgbackrest", "/root/hisops-pgrepo-under"
    before = repo1_labels(host)
    info = ["runuser", "-u", "postgres", "--", "pgbackrest", "--stanza=main", "--repo=1", "--output=json", "info"]
    newest_full = [b for b in json.loads(on(host, *info).stdout)[0]["backup"] if b["type"] == "full"][-1]
    spare_kb = max(256, newest_full["info"]["repository"]["delta"] // 2048)  # half a full backup
    used_kb = int(on(host, "du", "-sk", repo).stdout.split()[0])
    # repository 1 on a volume with what it holds and half a full backup to spare; the repository
    # itself stays reachable underneath (a bind mount), so the WAL archived meanwhile is kept
    on(host, "install", "-d", "-m", "0700", under)
    in_mounts_of(host, "mount", "--bind", repo, under)
    in_mounts_of(host, "mount", "-t", "tmpfs", "-o", "size=%dk" % (used_kb + spare_kb), "tmpfs", repo)
    try:
        on(host, "sh", "-c", "cp -a %s/. %s && chown postgres:postgres %s && chmod 0750 %s" % (under, repo, repo, repo))
        proc = backup(host, "monthly", check=False)
        assert proc.returncode == 1, proc.stdout[-2000:] + proc.stderr[-2000:]
        message = "into repo1 FAILED: the backup volume of repo1 (%s, " % repo
        assert message in proc.stderr and "MB free) is full" in proc.stderr, proc.stderr[-3000:]
        assert "into repo2: OK" in proc.stdout, proc.stdout[-2000:]  # the second copy is not held up
        assert repo1_labels(host) == before  # nothing partial listed, retention removed nothing
    finally:
        on(host, "sh", "-c", "cp -a -n %s/archive/. %s/archive/" % (repo, under), check=False)
        in_mounts_of(host, "umount", repo)
        in_mounts_of(host, "umount", under)
        on(host, "rmdir", under)
    assert repo1_labels(host) == before
    out = backup(host, "monthly").stdout
    assert out.count(": OK") == 2, out
    assert len(repo1_labels(host) - before) == 1


def test_second_copy_unreachable_is_a_finding_and_nothing_is_lost(converged: None, tmp_path: Path) -> None:
    before = {host: json.loads(on(host, "runuser", "-u", "postgres", "--", "pgbackrest", "--stanza=main", "--repo=1",
                                  "--output=json", "info").stdout)[0]["backup"] for host in SERVERS}  # fmt: skip
    on("nc-01", "systemctl", "stop", "ssh.socket", "ssh.service", check=False)
    try:
        for host in SERVERS:
            proc = backup(host, "daily", check=False)
            assert proc.returncode == 1, proc.stdout + proc.stderr
            # reported, never green; on pgBackRest 2.55 (SFTP) the backup of repo1 fails too while
            # the second copy is unreachable (the first lab run showed it): the message names repo2
            assert "into repo2 FAILED" in proc.stderr, proc.stdout[-2000:] + proc.stderr[-2000:]
        on("db-01", "pkill", "-u", "postgres", "-f", "pgbackrest.*archive-push", check=False)
    finally:
        on("nc-01", "systemctl", "start", "ssh.service")
    for host in SERVERS:
        after = json.loads(on(host, "runuser", "-u", "postgres", "--", "pgbackrest", "--stanza=main", "--repo=1",
                              "--output=json", "info").stdout)[0]["backup"]  # fmt: skip
        labels = {b["label"] for b in after}
        assert {b["label"] for b in before[host]} <= labels  # nothing kept before was removed
        assert backup(host, "daily").stdout.count(": OK") == 2  # the next run succeeds


def test_a_corrupted_backup_is_found_by_verify_and_never_green(converged: None, tmp_path: Path) -> None:
    host = "db-02"  # pgBackRest 2.45 stores one file per database file: corrupt one of the newest full backup
    find = "ls -d /var/lib/pgbackrest/backup/main/*F | tail -1"
    full = on(host, "sh", "-c", find).stdout.strip()
    victim = on(host, "sh", "-c", "find %s/pg_data/base -name '*.zst' -size +2k | head -1" % full).stdout.strip()
    assert victim, full
    on(host, "cp", "-p", victim, "/root/victim.bak")
    try:
        on(host, "sh", "-c", "printf 'XXXXXXXXXXXXXXXX' | dd of=%s bs=1 seek=200 conv=notrunc status=none" % victim)
        restore_test = ["runuser", "-u", "postgres", "--", "/usr/local/sbin/hisops-pg-restore-test", "main"]
        test = on(host, *restore_test, "--repo", "1", check=False)
        assert test.returncode == 1, test.stdout + test.stderr
        _, controls, _ = compliance(tmp_path)
        (mine,) = [c for c in controls if c["host"] == host]
        assert mine["status"] == "fail" and "repo1" in mine["message"], mine
    finally:
        on(host, "mv", "/root/victim.bak", victim)  # the original back, and no copy left on the host
    test = on(host, "runuser", "-u", "postgres", "--", "/usr/local/sbin/hisops-pg-restore-test", "main", check=False)
    assert test.returncode == 0, test.stdout + test.stderr


def test_a_backup_killed_midway_is_never_registered_and_the_next_run_succeeds(converged: None, tmp_path: Path) -> None:
    host = "db-01"

    def labels() -> set[str]:
        argv = ["runuser", "-u", "postgres", "--", "pgbackrest", "--stanza=main", "--repo=1", "--output=json", "info"]
        info = on(host, *argv)
        return {b["label"] for b in json.loads(info.stdout)[0]["backup"]}

    before = labels()
    # kill the whole process group (the command, pgBackRest and its workers) once pgBackRest has
    # started writing the new full backup into repository 1
    script = (
        "set -e\nls /var/lib/pgbackrest/backup/main > /tmp/hisops-pg-kill-before\nrm -f /tmp/hisops-pg-kill.pid\n"
        "runuser -u postgres -- setsid sh -c 'echo $$ > /tmp/hisops-pg-kill.pid; "
        "exec /usr/local/sbin/hisops-pg-backup monthly' >/dev/null 2>&1 &\n"
        "until ls /var/lib/pgbackrest/backup/main | grep -qvxFf /tmp/hisops-pg-kill-before; do sleep 0.02; done\n"
        "kill -KILL -- -$(cat /tmp/hisops-pg-kill.pid)\n"
        "while kill -0 -- -$(cat /tmp/hisops-pg-kill.pid) 2>/dev/null; do sleep 0.05; done\n"
    )
    on(host, "timeout", "300", "bash", "-c", script)
    assert labels() == before  # pgBackRest lists only complete backups: nothing new, nothing removed
    _, controls, register = compliance(tmp_path)
    mine = next(c for c in controls if c["host"] == host)
    assert not [p for p in mine["message"].split("; ") if p.startswith("postgresql:")], mine
    registered = {r["label"] for r in register if r["host"] == host and r["engine"] == "postgresql" and r["repo"] == 1}
    assert registered == before
    out = backup(host, "monthly").stdout
    assert out.count(": OK") == 2, out
    assert len(labels() - before) == 1
