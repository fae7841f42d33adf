"""Schema of the hisops results store, as an ordered list of migrations.

Each migration has a version (1, 2, ...), a name, and SQL statements written once for both
back-ends, with three tokens the store replaces per dialect:

- ``{ID}``   an auto-numbered primary key (SQLite ``INTEGER PRIMARY KEY``, PostgreSQL identity)
- ``{JSON}`` a JSON document (SQLite ``TEXT``, PostgreSQL ``JSONB``)
- ``{REAL}`` a floating-point number

Conventions every table follows, so the reports can read a new table without new code:

- times are UTC text ``YYYY-MM-DDTHH:MM:SS.ffffffZ`` (sorts as text, same on both back-ends);
- a record kind that belongs to a run has ``run_id`` (references ``runs.id``), ``host`` and
  ``recorded_at`` columns;
- JSON columns hold lists or mappings of strings, never secrets.

A new kind of record (a backup register entry, a password rotation) is a NEW migration
appended to ``MIGRATIONS`` that creates its table; released migrations are never edited.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Migration:
    """One step of the schema: applied once, in version order, inside one transaction."""

    version: int
    name: str
    statements: tuple[str, ...]


V1_CORE = Migration(
    1,
    "core: runs, host results, control results, changes",
    (
        """CREATE TABLE runs (
            id {ID},
            uuid TEXT NOT NULL UNIQUE,
            started TEXT NOT NULL,
            ended TEXT,
            status TEXT NOT NULL CHECK (status IN ('running', 'ok', 'failed', 'interrupted')),
            user_name TEXT NOT NULL DEFAULT '',
            controller TEXT NOT NULL DEFAULT '',
            playbook TEXT NOT NULL DEFAULT '',
            inventory TEXT NOT NULL DEFAULT '',
            mode TEXT NOT NULL CHECK (mode IN ('check', 'enforce')),
            limit_expr TEXT NOT NULL DEFAULT '',
            tags TEXT NOT NULL DEFAULT '',
            duration {REAL},
            ansible_version TEXT NOT NULL DEFAULT '',
            stats {JSON}
        )""",
        "CREATE INDEX runs_started ON runs (started)",
        """CREATE TABLE host_results (
            run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
            host TEXT NOT NULL,
            department TEXT NOT NULL DEFAULT '',
            kind TEXT NOT NULL DEFAULT '',
            status TEXT NOT NULL CHECK (status IN ('ok', 'failed', 'unreachable', 'skipped')),
            ok INTEGER NOT NULL DEFAULT 0,
            changed INTEGER NOT NULL DEFAULT 0,
            failed INTEGER NOT NULL DEFAULT 0,
            ignored INTEGER NOT NULL DEFAULT 0,
            skipped INTEGER NOT NULL DEFAULT 0,
            unreachable INTEGER NOT NULL DEFAULT 0,
            message TEXT NOT NULL DEFAULT '',
            recorded_at TEXT NOT NULL,
            PRIMARY KEY (run_id, host)
        )""",
        """CREATE TABLE control_results (
            id {ID},
            run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
            host TEXT NOT NULL,
            department TEXT NOT NULL DEFAULT '',
            control_id TEXT NOT NULL,
            status TEXT NOT NULL CHECK (status IN ('pass', 'fail', 'fixed', 'exempt', 'error')),
            severity TEXT NOT NULL DEFAULT 'medium',
            evidence {JSON},
            changes {JSON},
            message TEXT NOT NULL DEFAULT '',
            task TEXT NOT NULL DEFAULT '',
            recorded_at TEXT NOT NULL
        )""",
        "CREATE INDEX control_results_run ON control_results (run_id, host)",
        "CREATE INDEX control_results_latest ON control_results (host, control_id, id)",
        """CREATE TABLE changes (
            id {ID},
            run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
            host TEXT NOT NULL,
            task TEXT NOT NULL DEFAULT '',
            module TEXT NOT NULL DEFAULT '',
            changed INTEGER NOT NULL DEFAULT 0,
            summary TEXT NOT NULL DEFAULT '',
            recorded_at TEXT NOT NULL
        )""",
        "CREATE INDEX changes_run ON changes (run_id, host)",
    ),
)

V2_ASSETS = Migration(
    2,
    "assets: facts gathered during runs joined with department and custodian",
    (
        """CREATE TABLE assets (
            run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
            host TEXT NOT NULL,
            department TEXT NOT NULL DEFAULT '',
            department_name TEXT NOT NULL DEFAULT '',
            custodian TEXT NOT NULL DEFAULT '',
            custodian_staff_id TEXT NOT NULL DEFAULT '',
            vendor TEXT NOT NULL DEFAULT '',
            product TEXT NOT NULL DEFAULT '',
            serial TEXT NOT NULL DEFAULT '',
            os TEXT NOT NULL DEFAULT '',
            os_version TEXT NOT NULL DEFAULT '',
            kernel TEXT NOT NULL DEFAULT '',
            arch TEXT NOT NULL DEFAULT '',
            cpus INTEGER,
            memory_mb INTEGER,
            ipv4 TEXT NOT NULL DEFAULT '',
            mac TEXT NOT NULL DEFAULT '',
            disks_count INTEGER,
            disk_total_gb {REAL},
            packages_count INTEGER,
            facts {JSON},
            recorded_at TEXT NOT NULL,
            PRIMARY KEY (run_id, host)
        )""",
        "CREATE INDEX assets_host ON assets (host)",
    ),
)

V3_RUN_STATUS_INDEX = Migration(
    3,
    "index control_results (run_id, status) for the reports' per-run status counts",
    # With it the reports count a period's results by status in one index-only pass
    # (bench/report_scale.py: about 1.7 s of CPU less per report at 4.8 million results).
    ("CREATE INDEX control_results_run_status ON control_results (run_id, status)",),
)

V4_RUN_OWNER = Migration(
    4,
    "runs: the controller process recording a run, to close runs whose process died",
    # A run killed with SIGKILL (or a controller that lost power) stays 'running': the next run
    # or report on the same controller sees that this process is gone and marks it interrupted
    # (plugin_utils.stale_runs). controller_process tells a reused pid from the original process.
    (
        "ALTER TABLE runs ADD COLUMN controller_pid INTEGER",
        "ALTER TABLE runs ADD COLUMN controller_process TEXT NOT NULL DEFAULT ''",
    ),
)

V5_RUN_HOSTS = Migration(
    5,
    "run_hosts: every inventory host of a run and the controls the run selected for it",
    # The reports list every control for every host it applies to; a control without a result
    # is "not checked", with its reason (plugin_utils.coverage). groups: the host's inventory
    # groups; in_scope: 1 when --limit included it; controls: the applicable controls --tags and
    # --skip-tags selected (JSON list).
    (
        """CREATE TABLE run_hosts (
            run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
            host TEXT NOT NULL,
            department TEXT NOT NULL DEFAULT '',
            kind TEXT NOT NULL DEFAULT '',
            groups {JSON},
            in_scope INTEGER NOT NULL DEFAULT 1,
            controls {JSON},
            recorded_at TEXT NOT NULL,
            PRIMARY KEY (run_id, host)
        )""",
        "CREATE INDEX run_hosts_host ON run_hosts (host)",
    ),
)

V6_SWITCH_SECRET_VERSIONS = Migration(
    6,
    "switch_secret_versions: which version of each hashed switch secret a run pushed (never the secret)",
    # One row per secret a verified push set on a switch (plugin_utils.switch_secrets): secret is
    # the masked line ("username netadmin privilege 15 secret <hashed>"), version the keyed
    # fingerprint the control node keeps beside the switch's backups, verified 1 when the switch's
    # stored hash was checked against the intended secret (Cisco IOS / Ruijie secret 5/8/9).
    (
        """CREATE TABLE switch_secret_versions (
            id {ID},
            run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
            host TEXT NOT NULL,
            secret TEXT NOT NULL,
            version TEXT NOT NULL,
            verified INTEGER NOT NULL DEFAULT 0,
            recorded_at TEXT NOT NULL
        )""",
        "CREATE INDEX switch_secret_versions_host ON switch_secret_versions (host, secret, id)",
    ),
)


V7_PERIOD_STATISTICS_INDEX = Migration(
    7,
    "index control_results (run_id, department, control_id, status) for the reports' period statistics",
    # The trend, the month x department and month x control tables and the period comparisons
    # count every run's results by department, control and status (plugin_utils.store.trend):
    # with it one index-only pass (bench/report_scale.py: 0.6 s of CPU at 4.8 million results,
    # against 4.8 s reading the table).
    ("CREATE INDEX control_results_run_cube ON control_results (run_id, department, control_id, status)",),
)


V8_PASSWORD_ROTATIONS = Migration(
    8,
    "password_rotations: the register of department password rotations and read-outs (HIM-7.2)",
    # One row per department and event of a run (plugin_utils.password_register): never a
    # password, only its version and a keyed fingerprint. host: the controller that ran it.
    # hosts_done / hosts_pending: host names separated by ", ".
    (
        """CREATE TABLE password_rotations (
            id {ID},
            run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
            host TEXT NOT NULL DEFAULT '',
            department TEXT NOT NULL,
            event TEXT NOT NULL CHECK (event IN ('started', 'completed', 'pending', 'read')),
            trigger_reason TEXT NOT NULL DEFAULT '',
            version INTEGER NOT NULL DEFAULT 0,
            fingerprint TEXT NOT NULL DEFAULT '',
            previous_custodian TEXT NOT NULL DEFAULT '',
            custodian TEXT NOT NULL DEFAULT '',
            by_user TEXT NOT NULL DEFAULT '',
            hosts_done TEXT NOT NULL DEFAULT '',
            hosts_pending TEXT NOT NULL DEFAULT '',
            recorded_at TEXT NOT NULL
        )""",
        "CREATE INDEX password_rotations_department ON password_rotations (department, id)",
    ),
)


V9_RUN_PROBLEMS = Migration(
    9,
    "run_problems: why a run failed before or outside any host's task",
    # An inventory that does not parse, a YAML error in group_vars, the whole-inventory check's
    # problems, a store that cannot record: the run is failed and these rows say why (one a
    # problem). host: the host a problem names, '' for the run as a whole.
    (
        """CREATE TABLE run_problems (
            run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
            host TEXT NOT NULL DEFAULT '',
            problem TEXT NOT NULL,
            recorded_at TEXT NOT NULL
        )""",
        "CREATE INDEX run_problems_run ON run_problems (run_id)",
    ),
)


V10_BACKUP_REGISTER = Migration(
    10,
    "backup_register: the database backups each compliance run found (备份登记, rulebook 八.2(6))",
    # One row per backup copy (a backup in one repository) as the backup tool itself accounts
    # for it, written by every run that audits HIM-8.2.6 (plugin_utils.backup_register). Times
    # of the backup (started/stopped/verified_at/expires) are UTC ISO text from the server;
    # verified_ok is NULL when no restore test has proved the backup yet.
    (
        """CREATE TABLE backup_register (
            id {ID},
            run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
            host TEXT NOT NULL,
            department TEXT NOT NULL DEFAULT '',
            engine TEXT NOT NULL DEFAULT '',
            database_name TEXT NOT NULL DEFAULT '',
            level TEXT NOT NULL DEFAULT '',
            tool TEXT NOT NULL DEFAULT '',
            label TEXT NOT NULL DEFAULT '',
            kind TEXT NOT NULL DEFAULT '',
            started TEXT NOT NULL DEFAULT '',
            stopped TEXT NOT NULL DEFAULT '',
            size_bytes BIGINT,
            stored_bytes BIGINT,
            repo INTEGER,
            location TEXT NOT NULL DEFAULT '',
            medium TEXT NOT NULL DEFAULT '',
            custodian TEXT NOT NULL DEFAULT '',
            retention TEXT NOT NULL DEFAULT '',
            expires TEXT NOT NULL DEFAULT '',
            tool_error INTEGER NOT NULL DEFAULT 0,
            verified_at TEXT NOT NULL DEFAULT '',
            verified_ok INTEGER,
            recorded_at TEXT NOT NULL
        )""",
        "CREATE INDEX backup_register_run ON backup_register (run_id, host)",
    ),
)

V11_PREVIOUS_STATUS = Migration(
    11,
    "control_results: the previous record's status and run, written with each record",
    # The period reports' fixes (a pass right after a fail or error: fixed by hand) read each
    # record's predecessor from the record itself instead of searching the history of every
    # failing record (bench/report_scale.py, a year of daily runs of 1,000 hosts: 7.4 s of CPU
    # for that search). previous_status: the status of the record before it of the same host and
    # control ('' when none), previous_run_id: that record's run. The writer fills both
    # (plugin_utils.store.writer); the records written before this version are filled here once.
    # The partial index holds the fixes by hand only (a few per cent of the records).
    (
        "ALTER TABLE control_results ADD COLUMN previous_status TEXT NOT NULL DEFAULT ''",
        "ALTER TABLE control_results ADD COLUMN previous_run_id INTEGER",
        """UPDATE control_results SET
            previous_status = COALESCE((SELECT p.status FROM control_results p WHERE p.host = control_results.host
                AND p.control_id = control_results.control_id AND p.id < control_results.id
                ORDER BY p.id DESC LIMIT 1), ''),
            previous_run_id = (SELECT p.run_id FROM control_results p WHERE p.host = control_results.host
                AND p.control_id = control_results.control_id AND p.id < control_results.id
                ORDER BY p.id DESC LIMIT 1)""",
        "CREATE INDEX control_results_fixed_by_hand ON control_results (run_id, previous_run_id, host, control_id, "
        "department) WHERE status = 'pass' AND previous_status IN ('fail', 'error')",
    ),
)

V12_CONTROL_COUNTS = Migration(
    12,
    "control_counts: each run's control records counted by department, control and status",
    # Kept by the writer in the transaction that inserts the records (plugin_utils.store.counts):
    # the trend and the period tables read a few hundred thousand counts instead of counting every
    # record of the period (bench/report_scale.py, a year of daily runs of 1,000 hosts: 14.6 million
    # index entries, 2.6 s of CPU). Derived from control_results, not a record kind of its own
    # (no host, no recorded_at); filled here once from the records written before it.
    (
        """CREATE TABLE control_counts (
            run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
            department TEXT NOT NULL DEFAULT '',
            control_id TEXT NOT NULL,
            status TEXT NOT NULL,
            n INTEGER NOT NULL,
            PRIMARY KEY (run_id, department, control_id, status)
        )""",
        "INSERT INTO control_counts (run_id, department, control_id, status, n) "
        "SELECT run_id, department, control_id, status, COUNT(*) FROM control_results "
        "GROUP BY run_id, department, control_id, status",
    ),
)


V13_ANTIVIRUS_STATES = Migration(
    13,
    "antivirus_states: each workstation's antivirus state as each run found it (HIM-7.7, rulebook 七.7)",
    # One row per host and run that audited HIM-7.7-antivirus (plugin_utils.antivirus_register):
    # the control's status, whether the protection runs (clamd / real-time protection; NULL
    # unknown), the signature age in hours (NULL unknown) and the policy limit, the last finished
    # scan (UTC ISO text, '' none) and what it detected, one "path: signature" per line.
    (
        """CREATE TABLE antivirus_states (
            id {ID},
            run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
            host TEXT NOT NULL,
            department TEXT NOT NULL DEFAULT '',
            status TEXT NOT NULL DEFAULT '',
            protection_on INTEGER,
            signature_age_hours {REAL},
            max_age_hours {REAL},
            engine TEXT NOT NULL DEFAULT '',
            last_scan_at TEXT NOT NULL DEFAULT '',
            detections TEXT NOT NULL DEFAULT '',
            quarantined INTEGER,
            recorded_at TEXT NOT NULL
        )""",
        "CREATE INDEX antivirus_states_run ON antivirus_states (run_id, host)",
    ),
)

V14_ASSET_REGISTER = Migration(
    14,
    "assets: the inventory's asset register data (device kind, asset number, location, purchase date)",
    # What the hospital's register says about a device (the host variable hisops_asset, from the
    # register inventory plugin or the hosts file: plugin_utils.asset_inventory), written with the
    # facts of the same asset row; '' where the inventory has none.
    (
        "ALTER TABLE assets ADD COLUMN device_kind TEXT NOT NULL DEFAULT ''",
        "ALTER TABLE assets ADD COLUMN asset_id TEXT NOT NULL DEFAULT ''",
        "ALTER TABLE assets ADD COLUMN location TEXT NOT NULL DEFAULT ''",
        "ALTER TABLE assets ADD COLUMN purchase_date TEXT NOT NULL DEFAULT ''",
    ),
)

V15_CHANGE_OUTCOME = Migration(
    15,
    "changes: what became of a change (changed, rolled back, failed, or only what check mode would change)",
    # outcome: 'changed' (the host was changed), 'rolled_back' (a switch push undone after an error,
    # verified), 'failed' (the task failed after changing something, not rolled back), 'check' (a
    # task in check mode: what it would change). The reports show only 'changed' as changes
    # (plugin_utils.recording.change_outcome). Rows written before it keep 'changed'.
    ("ALTER TABLE changes ADD COLUMN outcome TEXT NOT NULL DEFAULT 'changed'",),
)

V16_STAFF_ACCOUNT_EVENTS = Migration(
    16,
    "staff_account_events: staff accounts created, enabled, marked and disabled (HIM-8.1.1, rulebook 八.1(1))",
    # One row per account a run changed on a workstation (plugin_utils.staff_register): the
    # department, the login and the person's staff id, what was done (who ran it: the run's
    # user_name). Written by the recorder from the module's result. Never a password.
    (
        """CREATE TABLE staff_account_events (
            id {ID},
            run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
            host TEXT NOT NULL,
            department TEXT NOT NULL DEFAULT '',
            login TEXT NOT NULL,
            staff_id TEXT NOT NULL DEFAULT '',
            event TEXT NOT NULL CHECK (event IN ('create', 'enable', 'adopt', 'join', 'disable')),
            recorded_at TEXT NOT NULL
        )""",
        "CREATE INDEX staff_account_events_login ON staff_account_events (department, login, id)",
    ),
)

MIGRATIONS: tuple[Migration, ...] = (
    V1_CORE,
    V2_ASSETS,
    V3_RUN_STATUS_INDEX,
    V4_RUN_OWNER,
    V5_RUN_HOSTS,
    V6_SWITCH_SECRET_VERSIONS,
    V7_PERIOD_STATISTICS_INDEX,
    V8_PASSWORD_ROTATIONS,
    V9_RUN_PROBLEMS,
    V10_BACKUP_REGISTER,
    V11_PREVIOUS_STATUS,
    V12_CONTROL_COUNTS,
    V13_ANTIVIRUS_STATES,
    V14_ASSET_REGISTER,
    V15_CHANGE_OUTCOME,
    V16_STAFF_ACCOUNT_EVENTS,
)
