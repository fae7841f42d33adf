"""MariaDB backups on the lab (issue 15): the mariadb_backup role applied by playbooks/db_backup.yml
to db-01 (Debian 13, MariaDB 11.8, restic 0.18) and db-02 (Debian 12, MariaDB 10.11, restic 0.14),
the second copy in restic on nc-01 over sftp, real MariaDB with seeded data.

The package fixture (conftest.py) converges, seeds MariaDB, backs up each level and runs the
restore test on both servers; then: each level in the compliance run's backup register with both
copies, the restored row counts, the restore playbook (scratch instance, a chosen backup; the live
database refused without hisops_restore_overwrite_live, replaced with it, and put back when the
backup cannot be moved in; the restic copy when the local backups are gone), and the faults not
covered elsewhere on the lab: a backup killed midway and the backup volume full midway (a clear
message, nothing partial registered, retention removes nothing, the next run succeeds).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .conftest import MARIADB_DAILY_ROWS, MARIADB_SEED_ROWS
from .dblab import SERVERS, compliance, in_mounts_of, mariadb_backup, on, playbook, sql

pytestmark = pytest.mark.lab

LEVELS = ("monthly", "weekly", "daily")
BACKUP_DIR = "/var/backups/hisops-mariadb"


def kept(host: str) -> list[str]:
    """The complete backups on the server (a partial one starts with a dot)."""
    return on(host, "ls", BACKUP_DIR).stdout.split()


def partials(host: str) -> list[str]:
    return [name for name in on(host, "ls", "-A", BACKUP_DIR).stdout.split() if name.startswith(".partial-")]


def mariadb_register(register: list[dict], host: str) -> list[dict]:
    return [r for r in register if r["host"] == host and r["engine"] == "mariadb"]


def assert_mariadb_part_passes(control: dict) -> None:
    # one record covers both engines: no MariaDB problem (the message lists the problems of both,
    # or, when there is none, says each engine is fine)
    assert not [p for p in control["message"].split("; ") if p.startswith("mariadb:")], control
    if control["status"] == "pass":
        assert "mariadb backups of every level fresh in 2 repositories" in control["message"], control


def test_each_level_in_the_register_with_both_copies(db_backup_converged: dict, tmp_path: Path) -> None:
    for host in SERVERS:
        for level in LEVELS:
            timer = "hisops-mariadb-backup-%s.timer" % level
            assert on(host, "systemctl", "is-enabled", timer).stdout.strip() == "enabled"
    proc, controls, register = compliance(tmp_path)
    assert proc.returncode == 0, proc.stdout[-4000:]
    assert {c["host"]: c["status"] for c in controls} == {"db-01": "pass", "db-02": "pass"}, controls
    for control in controls:
        assert_mariadb_part_passes(control)
    for host in SERVERS:
        mine = mariadb_register(register, host)
        for level, label in db_backup_converged[host].items():
            copies = {r["repo"]: r for r in mine if r["label"] == label}
            assert set(copies) == {1, 2}, (level, label, mine)
            assert {r["level"] for r in copies.values()} == {level}
            assert copies[1]["tool"] == "mariadb-backup" and copies[2]["tool"] == "restic"
            assert copies[1]["kind"] == ("incr" if level == "daily" else "full")
            assert copies[1]["location"] == host and copies[2]["location"] == "nc-01"
            assert copies[1]["verified_ok"] == 1, copies[1]  # the restore test proved the newest of each level
            assert all(r["size_bytes"] > 0 and r["custodian"] == "王伟" for r in copies.values()), copies
        daily = next(r for r in mine if r["label"] == db_backup_converged[host]["daily"] and r["repo"] == 1)
        weekly = next(r for r in mine if r["label"] == db_backup_converged[host]["weekly"] and r["repo"] == 1)
        assert daily["size_bytes"] < weekly["size_bytes"]  # an incremental, not another full


def test_restore_test_restored_each_level_with_production_row_counts(db_backup_converged: dict) -> None:
    rows = MARIADB_SEED_ROWS + MARIADB_DAILY_ROWS
    for host in SERVERS:
        assert sql(host, "SELECT COUNT(*) FROM patients") == str(rows)
        result = json.loads(on(host, "cat", "/var/lib/hisops/mariadb-backup/mariadb-restore-test.json").stdout)
        by_level = {r["level"]: r for r in result["restores"]}
        assert {lv: by_level[lv]["label"] for lv in LEVELS} == db_backup_converged[host]
        for level in LEVELS:
            assert by_level[level]["ok"], by_level[level]
        # the incremental (applied on its full) has exactly the rows inserted after the full, the
        # fulls exactly the rows before (the checks themselves allow 5 %: older copies)
        assert "his.patients: %d rows (production %d)" % (rows, rows) in by_level["daily"]["evidence"]
        assert "his.patients: %d rows (production %d)" % (MARIADB_SEED_ROWS, rows) in by_level["weekly"]["evidence"]
        assert [r["verify_ok"] for r in result["repositories"]] == [True, True], result["repositories"]


def test_restore_playbook_serves_the_chosen_backup_from_a_scratch_instance(db_backup_converged: dict) -> None:
    host, label = "db-01", db_backup_converged["db-01"]["weekly"]  # older than the newest: the choice counts
    sock = "/var/lib/hisops/mariadb-restore/mysqld.sock"
    proc = playbook("playbooks/db_restore.yml", "-l", host, "-e", "hisops_restore_engine=mariadb",
                    "-e", "hisops_restore_set=" + label)  # fmt: skip
    try:
        assert proc.returncode == 0, proc.stdout[-4000:]
        shown = " ".join(proc.stdout.split())  # the callback folds long messages over lines
        assert "backup %s (weekly, full) restored to the scratch instance" % label in shown, proc.stdout[-3000:]
        assert sql(host, "SELECT COUNT(*) FROM patients", socket=sock) == str(MARIADB_SEED_ROWS)
        assert sql(host, "SELECT @@port, @@bind_address", socket=sock).split() == ["3398", "127.0.0.1"]
        assert sql(host, "SELECT name FROM patients WHERE id = 1", socket=sock) == "王患者1"
        assert sql(host, "SELECT COUNT(*) FROM patients") == str(MARIADB_SEED_ROWS + MARIADB_DAILY_ROWS)
    finally:
        cleanup = "systemctl stop hisops-mariadb-restore; rm -rf /var/lib/hisops/mariadb-restore"
        on(host, "sh", "-c", cleanup, check=False)


def test_restore_playbook_refuses_the_live_database_unless_asked(db_backup_converged: dict) -> None:
    proc = playbook("playbooks/db_restore.yml", "-l", "db-02", "-e", "hisops_restore_engine=mariadb",
                    "-e", "hisops_restore_target=live")  # fmt: skip
    assert proc.returncode != 0
    assert "hisops_restore_overwrite_live" in proc.stdout and "nothing was changed" in proc.stdout
    assert "mariadb-backup restore" not in proc.stdout
    assert sql("db-02", "SELECT COUNT(*) FROM patients") == str(MARIADB_SEED_ROWS + MARIADB_DAILY_ROWS)


def restore(host: str, *extra: str) -> tuple[int, str]:
    """playbooks/db_restore.yml for MariaDB on HOST: its exit status and its output with the
    callback's line folding undone."""
    proc = playbook("playbooks/db_restore.yml", "-l", host, "-e", "hisops_restore_engine=mariadb", *extra)
    return proc.returncode, " ".join(proc.stdout.split())


def rows_named(host: str, prefix: str) -> str:
    return sql(host, "SELECT COUNT(*) FROM patients WHERE name LIKE '%s%%'" % prefix)


def test_live_restore_replaces_the_database_keeps_the_data_it_had_and_runs(db_backup_converged: dict) -> None:
    host, label = "db-01", db_backup_converged["db-01"]["daily"]  # an incremental: applied on its full
    sql(host, "INSERT INTO patients (name, ward) SELECT CONCAT('备份后新增', seq), '急诊' FROM seq_1_to_7")
    before = set(on(host, "ls", "-A", "/var/lib").stdout.split())
    rc, shown = restore(host, "-e", "hisops_restore_target=live", "-e", "hisops_restore_overwrite_live=true",
                        "-e", "hisops_restore_set=" + label)  # fmt: skip
    kept = sorted(set(on(host, "ls", "-A", "/var/lib").stdout.split()) - before)
    try:
        assert rc == 0, shown[-3000:]
        assert "backup %s (daily, incr) restored to the production database in /var/lib/mysql (the data it had " \
            "is kept in /var/lib/mysql.before-restore-" % label in shown, shown[-3000:]  # fmt: skip
        assert on(host, "systemctl", "is-active", "mariadb").stdout.strip() == "active"
        # the backup's rows, exactly: the rows written after it are gone from production
        assert sql(host, "SELECT COUNT(*) FROM patients") == str(MARIADB_SEED_ROWS + MARIADB_DAILY_ROWS)
        assert rows_named(host, "备份后新增") == "0"
        assert sql(host, "SELECT name, ward FROM patients WHERE id = 1").split() == ["王患者1", "外科"]
        # the data it had is kept beside it (and nothing else is left there: no staging copy)
        assert len(kept) == 1 and kept[0].startswith("mysql.before-restore-"), kept
        on(host, "test", "-f", "/var/lib/%s/ibdata1" % kept[0])
        on(host, "test", "-d", "/var/lib/%s/his" % kept[0])
    finally:
        for name in kept:
            if name.startswith("mysql.before-restore-"):
                on(host, "rm", "-rf", "/var/lib/" + name)


def test_live_restore_puts_the_data_back_when_the_backup_cannot_be_moved_in(db_backup_converged: dict) -> None:
    host, label = "db-02", db_backup_converged["db-02"]["daily"]
    sql(host, "INSERT INTO patients (name, ward) SELECT CONCAT('失败保留', seq), '急诊' FROM seq_1_to_5")
    before = set(on(host, "ls", "-A", "/var/lib").stdout.split())
    # the fault: mariadb-backup --move-back moves the whole backup in, then fails (found before the
    # package's mariadb-backup on the command's PATH; every other call goes on to the real one)
    fault = (
        '#!/bin/sh\ncase " $* " in *" --move-back "*)\n  /usr/bin/mariadb-backup "$@"\n'
        '  echo "injected fault: move-back failed" >&2; exit 1;;\nesac\nexec /usr/bin/mariadb-backup "$@"\n'
    )
    wrapper = "/usr/local/sbin/mariadb-backup"
    try:
        on(host, "sh", "-c", "printf '%%s' \"$0\" > %s; chmod 0755 %s" % (wrapper, wrapper), fault)
        rc, shown = restore(host, "-e", "hisops_restore_target=live", "-e", "hisops_restore_overwrite_live=true",
                            "-e", "hisops_restore_set=" + label)  # fmt: skip
    finally:
        on(host, "rm", "-f", wrapper)
    after = set(on(host, "ls", "-A", "/var/lib").stdout.split())
    try:
        assert rc != 0, shown[-3000:]
        assert "restore FAILED" in shown and "injected fault: move-back failed" in shown, shown[-3000:]
        assert "the data the production database had was put back in /var/lib/mysql and it runs again" in shown
        assert on(host, "systemctl", "is-active", "mariadb").stdout.strip() == "active"
        # the data it had, rows written after the backup included; nothing left beside it
        assert rows_named(host, "失败保留") == "5"
        assert sql(host, "SELECT COUNT(*) FROM patients") == str(MARIADB_SEED_ROWS + MARIADB_DAILY_ROWS + 5)
        assert after == before, after ^ before
    finally:
        sql(host, "DELETE FROM patients WHERE name LIKE '失败保留%'")


def test_restore_from_the_second_copy_when_the_local_backups_are_gone(db_backup_converged: dict) -> None:
    moved = BACKUP_DIR + ".gone-test"
    scratch = "/var/lib/hisops/mariadb-restore"
    for host in SERVERS:  # restic 0.18 on db-01, 0.14 on db-02
        label = db_backup_converged[host]["daily"]  # an incremental: its full comes from restic too
        on(host, "sh", "-c", "mv %s %s && install -d -m 0700 %s" % (BACKUP_DIR, moved, BACKUP_DIR))
        try:
            rc, shown = restore(host, "-e", "hisops_restore_set=" + label)
            assert rc != 0 and "there is no MariaDB backup in %s" % BACKUP_DIR in shown, shown[-3000:]
            rc, shown = restore(host, "-e", "hisops_restore_set=" + label, "-e", "hisops_restore_source=second_copy")
            assert rc == 0, shown[-3000:]
            assert "backup %s (daily, incr) from the second copy (restic snapshot " % label in shown, shown[-3000:]
            assert "restored to the scratch instance in %s" % scratch in shown, shown[-3000:]
            sock, rows = scratch + "/mysqld.sock", MARIADB_SEED_ROWS + MARIADB_DAILY_ROWS
            assert sql(host, "SELECT COUNT(*) FROM patients", socket=sock) == str(rows)
            assert sql(host, "SELECT name FROM patients WHERE id = 1", socket=sock) == "王患者1"
            emergency = sql(host, "SELECT COUNT(*) FROM patients WHERE ward = '急诊'", socket=sock)
            assert emergency == str(MARIADB_DAILY_ROWS)  # the incremental's rows, applied on its full
            assert on(host, "ls", "-A", "/var/lib/hisops").stdout.split().count(".hisops-second-copy") == 0
            assert on(host, "ls", "-A", BACKUP_DIR).stdout.split() == []  # restored beside the target, not here
        finally:
            cleanup = "systemctl stop hisops-mariadb-restore; rm -rf %s %s && mv %s %s"
            on(host, "sh", "-c", cleanup % (scratch, BACKUP_DIR, moved, BACKUP_DIR))


def test_a_backup_killed_midway_leaves_nothing_registered_and_the_next_run_succeeds(
    db_backup_converged: dict, tmp_path: Path
) -> None:
    host = "db-01"
    before = kept(host)
    # kill the whole process group (the command and its mariadb-backup) while mariadb-backup copies
    script = (
        "set -e\nrm -f /tmp/hisops-kill-test.pid\n"
        "setsid sh -c 'echo $$ > /tmp/hisops-kill-test.pid; exec /usr/local/sbin/hisops-mariadb-backup backup weekly' "
        ">/dev/null 2>&1 &\n"
        "until ls %s/.partial-*/raw/ibdata1 >/dev/null 2>&1; do sleep 0.02; done\n"
        "kill -KILL -- -$(cat /tmp/hisops-kill-test.pid)\n"
        "while kill -0 -- -$(cat /tmp/hisops-kill-test.pid) 2>/dev/null; do sleep 0.05; done\n" % BACKUP_DIR
    )
    on(host, "timeout", "120", "bash", "-c", script)
    assert len(partials(host)) == 1 and kept(host) == before  # the remains are partial, nothing removed
    proc, controls, register = compliance(tmp_path)
    assert proc.returncode == 0, proc.stdout[-4000:]
    assert_mariadb_part_passes(next(c for c in controls if c["host"] == host))
    assert {r["label"] for r in mariadb_register(register, host) if r["repo"] == 1} == set(before)
    out = mariadb_backup(host, "backup", "weekly").stdout
    assert "left by an interrupted run" in out and "second copy of" in out and out.count(": OK") == 2, out
    assert partials(host) == []
    after = kept(host)
    assert set(before) - set(after) == {o.split()[4] for o in out.splitlines() if "(retention)" in o}


def test_backup_volume_full_midway_is_reported_and_the_next_run_succeeds(db_backup_converged: dict) -> None:
    host = "db-02"
    before = kept(host)
    used_kb = int(on(host, "du", "-sk", BACKUP_DIR).stdout.split()[0])
    # a backup volume with the backups it has and 4 MB to spare: a full backup of the seeded
    # server (its raw copy alone is larger) fills it midway
    on(host, "sh", "-c", "rm -rf /root/hisops-volume-full-test && cp -a %s /root/hisops-volume-full-test" % BACKUP_DIR)
    in_mounts_of(host, "mount", "-t", "tmpfs", "-o", "size=%dk,mode=0700" % (used_kb + 4096), "tmpfs", BACKUP_DIR)
    try:
        on(host, "cp", "-a", "/root/hisops-volume-full-test/.", BACKUP_DIR)
        proc = on(host, "/usr/local/sbin/hisops-mariadb-backup", "backup", "monthly", check=False, timeout=600)
        assert proc.returncode == 1, proc.stdout + proc.stderr
        assert "monthly backup FAILED, nothing kept" in proc.stderr, proc.stderr
        assert "the backup volume of %s is full" % BACKUP_DIR in proc.stderr, proc.stderr
        assert partials(host) == [] and kept(host) == before  # nothing partial, retention removed nothing
    finally:
        in_mounts_of(host, "umount", BACKUP_DIR)
        on(host, "rm", "-rf", "/root/hisops-volume-full-test")
    out = mariadb_backup(host, "backup", "monthly").stdout
    assert "second copy of" in out and out.count(": OK") == 2, out
