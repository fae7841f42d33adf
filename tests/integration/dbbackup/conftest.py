"""One converge of the database backups (playbooks/db_backup.yml: pg_backup and mariadb_backup)
for every database-backup lab test, then MariaDB seeded (Chinese text, tens of thousands of rows)
and backed up at each level, with a restore test, on both servers: the compliance run audits both
engines, so every test that reads HIM-8.2.6 needs both."""

from __future__ import annotations

import re

import pytest

from .dblab import SERVERS, mariadb_backup, on, playbook, sql

MARIADB_SEED_ROWS = 20000
MARIADB_DAILY_ROWS = 200  # inserted between the weekly full and the daily incremental


@pytest.fixture(scope="package")
def db_backup_converged() -> dict[str, dict[str, str]]:
    """The labels of this run's MariaDB backups, per server and level."""
    # `lab up` recreates a database server whose image changed, but nc-01 keeps that server's
    # pgBackRest repository 2: a new cluster (the same system identifier, from the same image) would
    # find WAL of the old one there, which pgBackRest rightly refuses to overwrite. A server without
    # backups in repository 1 is new: its old second copy goes.
    for host in SERVERS:
        if not on(host, "sh", "-c", "ls /var/lib/pgbackrest/backup/main 2>/dev/null | head -1").stdout.strip():
            on("nc-01", "rm", "-rf", "/srv/hisops-backup/pgbackrest/" + host)
    proc = playbook("playbooks/db_backup.yml", "-l", "db_servers")
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    labels: dict[str, dict[str, str]] = {}
    for host in SERVERS:
        sql(
            host,
            "DROP DATABASE IF EXISTS his; CREATE DATABASE his CHARACTER SET utf8mb4; USE his; "
            "CREATE TABLE patients (id INT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(64) NOT NULL, "
            "ward VARCHAR(16) NOT NULL) ENGINE=InnoDB; INSERT INTO patients (name, ward) SELECT "
            "CONCAT(ELT(1 + seq %% 5, '张','王','李','赵','刘'), '患者', seq), ELT(1 + seq %% 3, '内科','外科','儿科') "
            "FROM seq_1_to_%d" % MARIADB_SEED_ROWS,
            database="mysql",
        )
        labels[host] = {}
        for level in ("monthly", "weekly", "daily"):
            if level == "daily":
                sql(host, "INSERT INTO patients (name, ward) SELECT CONCAT('新患者', seq), '急诊' FROM seq_1_to_%d"
                    % MARIADB_DAILY_ROWS)  # fmt: skip
            out = mariadb_backup(host, "backup", level).stdout
            assert "second copy of" in out and out.count(": OK") == 2, out
            labels[host][level] = re.search(r"backup (\S+): OK", out).group(1)
        test = mariadb_backup(host, "restore-test", check=False)
        assert test.returncode == 0, test.stdout + test.stderr
    return labels
