"""Benchmark: PostgreSQL backups with pgBackRest, as ratios measured in the same run (issue 15).

On a database of about ``--gb`` GB (default 1) in a private container of the lab's database
image of each release (``db13``: PostgreSQL 17, pgBackRest 2.55; ``db12``: PostgreSQL 15,
pgBackRest 2.45; not the shared lab), one after the other in this order:

1. ``pg_basebackup -Ft`` with zstd level 3 (server side, into a local directory): the baseline;
2. pgBackRest full backup (zstd level 3, ``process-max`` 2, asynchronous WAL archiving; on 2.46+
   with ``repo-bundle`` and ``repo-block``, as the pg_backup role configures it). Target: at most
   1.2x the baseline's time;
3. a day's worth of change: new rows equal to 1 % of the database and updates of 1 % of the
   existing rows (a contiguous range, as a day's work updates recent records; ``--scattered``
   spreads them over every page instead, which makes any page-level incremental nearly a full),
   then a pgBackRest incremental backup. Target on 2.46+ (block incremental): at
   most 10 % of the full backup's time and of its size in the repository; on 2.45 (file level)
   the figure is reported: every changed 1 GB segment is copied whole;
4. the restore of the newest backup into a scratch directory and the cluster started on it
   (recovery done): the time is reported.

Prints one JSON document (and a table to stderr). Never asserts on time.

    python -m bench.db_backup [--releases db13,db12] [--gb 1.0] [--scattered]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from typing import Any

from lab import cli

SETUP = r"""
set -e
V=$(ls /usr/lib/postgresql | sort -n | tail -1)
systemctl start postgresql@$V-main >/dev/null 2>&1 || true
for i in $(seq 60); do runuser -u postgres -- pg_isready -q && break; sleep 1; done
BLOCK=""
if [ "$(pgbackrest version | awk '{print $2}' | tr -d .)" -ge 246 ]; then BLOCK="repo1-bundle=y
repo1-block=y"; fi
install -d -o postgres -g postgres -m 750 /var/lib/pgbackrest /var/spool/pgbackrest /var/log/pgbackrest /bench
cat > /etc/pgbackrest.conf <<EOF
[global]
repo1-path=/var/lib/pgbackrest
repo1-retention-full=2
compress-type=zst
compress-level=3
process-max=2
start-fast=y
archive-async=y
spool-path=/var/spool/pgbackrest
$BLOCK
[main]
pg1-path=/var/lib/postgresql/$V/main
EOF
chown postgres /etc/pgbackrest.conf
cat > /etc/postgresql/$V/main/conf.d/bench.conf <<EOF
wal_level = replica
archive_mode = on
archive_command = 'pgbackrest --stanza=main archive-push %p'
max_wal_size = 4GB
EOF
systemctl restart postgresql@$V-main
runuser -u postgres -- pgbackrest --stanza=main stanza-create >/dev/null
echo $V
"""


def sh(container: str, script: str, timeout: float = 3600) -> tuple[float, str]:
    started = time.monotonic()
    proc = subprocess.run(
        ["podman", "exec", "-i", container, "bash", "-c", script],
        env=cli.podman_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    elapsed = time.monotonic() - started
    if proc.returncode != 0:
        raise RuntimeError("%s: %s" % (script.strip().splitlines()[0][:80], proc.stderr.strip()[-800:]))
    return elapsed, proc.stdout.strip()


def psql(sql: str) -> str:
    return "runuser -u postgres -- psql -X -A -t -q -d bench -c %s" % json.dumps(sql)


def repo_bytes(container: str, label: str) -> int:
    _, out = sh(container, "runuser -u postgres -- pgbackrest --stanza=main --output=json info")
    for b in json.loads(out)[0]["backup"]:
        if b["label"] == label:
            return int(b["info"]["repository"]["delta"])
    raise RuntimeError("backup %s not found" % label)


def newest_label(container: str) -> str:
    _, out = sh(container, "runuser -u postgres -- pgbackrest --stanza=main --output=json info")
    return str(json.loads(out)[0]["backup"][-1]["label"])


def bench_release(kind: str, gb: float, scattered: bool) -> dict[str, Any]:
    tag = cli.image_tag(kind)
    name = "hisops-bench-dbbackup-" + kind
    cli.podman("rm", "-f", "-t", "0", name, check=False)
    cli.podman("run", "-d", "--name", name, "--systemd", "always", tag, "/sbin/init")
    try:
        time.sleep(3)
        _, version = sh(name, SETUP)
        rows = int(gb * 1024**3 / 130)  # about 130 bytes a row on disk (tuple, md5 text, index)
        load, _ = sh(
            name,
            "runuser -u postgres -- createdb bench && "
            + psql(
                "CREATE TABLE t (id bigint PRIMARY KEY, a text, b text, n int); "
                "INSERT INTO t SELECT i, md5(i::text), md5((i * 7)::text), (random() * 1e6)::int "
                "FROM generate_series(1, %d) i; CHECKPOINT" % rows
            ),
        )
        _, size = sh(name, psql("SELECT pg_database_size('bench')"))
        base, _ = sh(
            name,
            "rm -rf /bench/bb && runuser -u postgres -- pg_basebackup -D /bench/bb -Ft -X fetch "
            "--compress=server-zstd:3 --checkpoint=fast",
        )
        _, base_bytes = sh(name, "du -sb /bench/bb | cut -f1")
        full, _ = sh(name, "runuser -u postgres -- pgbackrest --stanza=main --type=full backup")
        full_label = newest_label(name)
        change = max(1, rows // 100)
        sh(
            name,
            psql(
                "INSERT INTO t SELECT i, md5(i::text), md5((i * 7)::text), 0 FROM generate_series(%d, %d) i; "
                "UPDATE t SET n = n + 1 WHERE %s; CHECKPOINT"
                % (
                    rows + 1,
                    rows + change,
                    "id %% 100 = 0" if scattered else "id BETWEEN %d AND %d" % (rows // 2, rows // 2 + change),
                )
            ),
        )
        incr, _ = sh(name, "runuser -u postgres -- pgbackrest --stanza=main --type=incr backup")
        incr_label = newest_label(name)
        restore, _ = sh(
            name,
            "set -e; V=$(ls /usr/lib/postgresql | sort -n | tail -1); install -d -o postgres -m 700 /bench/r /bench/s; "
            "runuser -u postgres -- pgbackrest --stanza=main --pg1-path=/bench/r --type=immediate "
            "--target-action=promote --archive-mode=off restore; "
            "printf \"port = 5499\\nlisten_addresses = ''\\nunix_socket_directories = '/bench/s'\\n\" "
            "> /bench/r/postgresql.conf; echo 'local all all peer' > /bench/r/pg_hba.conf; : > /bench/r/pg_ident.conf; "
            "chown postgres /bench/r/*.conf; "
            "runuser -u postgres -- /usr/lib/postgresql/$V/bin/pg_ctl -D /bench/r -w -t 600 -l /bench/r.log start; "
            'until [ "$(runuser -u postgres -- psql -X -A -t -h /bench/s -p 5499 -d postgres '
            "-c 'SELECT pg_is_in_recovery()')\" = f ]; do sleep 0.2; done",
        )
        full_bytes, incr_bytes = repo_bytes(name, full_label), repo_bytes(name, incr_label)
        _, pgbr = sh(name, "pgbackrest version")
        return {
            "release": kind,
            "postgresql": version,
            "pgbackrest": pgbr.split()[1],
            "database_bytes": int(size),
            "load_s": round(load, 1),
            "pg_basebackup_s": round(base, 1),
            "pg_basebackup_bytes": int(base_bytes),
            "full_s": round(full, 1),
            "full_repo_bytes": full_bytes,
            "full_vs_basebackup": round(full / base, 2),
            "incr_s": round(incr, 1),
            "incr_repo_bytes": incr_bytes,
            "incr_time_vs_full": round(incr / full, 3),
            "incr_size_vs_full": round(incr_bytes / full_bytes, 3),
            "restore_s": round(restore, 1),
        }
    finally:
        cli.podman("rm", "-f", "-t", "0", name, check=False)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--releases", default="db13,db12")
    ap.add_argument("--gb", type=float, default=1.0)
    ap.add_argument("--scattered", action="store_true", help="spread the updates over every page")
    args = ap.parse_args()
    results = []
    for kind in args.releases.split(","):
        cli.build_db_images(kind)
        results.append(bench_release(kind, args.gb, args.scattered))
        r = results[-1]
        print(
            "%(release)s pgBackRest %(pgbackrest)s, %(database_bytes)d bytes: full %(full_s)ss = "
            "%(full_vs_basebackup)sx pg_basebackup (%(pg_basebackup_s)ss); incr %(incr_s)ss = %(incr_time_vs_full)s of "
            "the full's time, %(incr_size_vs_full)s of its size; restore %(restore_s)ss" % r,
            file=sys.stderr,
        )
    print(json.dumps({"bench": "db_backup", "gb": args.gb, "scattered": args.scattered, "results": results}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
