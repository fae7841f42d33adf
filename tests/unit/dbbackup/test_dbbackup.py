"""Control HIM-8.2.6 and the backup register from pgBackRest's own account (plugins/module_utils/dbbackup.py)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from ansible_collections.hisops.him.plugins.module_utils.dbbackup import (
    Repository,
    evaluate,
    iso,
    parse_mariadb_accounts,
    parse_pgbackrest_info,
    parse_restic_snapshots,
    policy_problems,
    register_rows,
)

pytestmark = pytest.mark.unit

DAY = 86400
NOW = 1_800_000_000
POLICY = {
    "monthly": {"calendar": "*-*-01 01:00:00", "keep": 12, "period": 31},
    "weekly": {"calendar": "Sun *-*-* 01:30:00", "keep": 5, "period": 7},
    "daily": {"calendar": "*-*-* 02:00:00", "keep": 7, "period": 1},
}


def backup(repo: int, level: str, kind: str, age_days: float, label: str, error: bool = False) -> dict[str, Any]:
    stop = int(NOW - age_days * DAY)
    return {
        "annotation": {"hisops-level": level},
        "database": {"id": 1, "repo-key": repo},
        "error": error,
        "info": {"size": 52_000_000, "delta": 52_000_000, "repository": {"size": 9_000_000, "delta": 3_000_000}},
        "label": label,
        "timestamp": {"start": stop - 60, "stop": stop},
        "type": kind,
    }


def info(backups: list[dict[str, Any]], repo2_status: tuple[int, str] = (0, "ok")) -> str:
    return json.dumps(
        [
            {
                "name": "main",
                "backup": backups,
                "repo": [
                    {"key": 1, "cipher": "aes-256-cbc", "status": {"code": 0, "message": "ok"}},
                    {
                        "key": 2,
                        "cipher": "aes-256-cbc",
                        "status": {"code": repo2_status[0], "message": repo2_status[1]},
                    },
                ],
            }
        ]
    )


def fresh(repo: int) -> list[dict[str, Any]]:
    return [
        backup(repo, "monthly", "full", 20, "F%d" % repo),
        backup(repo, "weekly", "diff", 3, "D%d" % repo),
        backup(repo, "daily", "incr", 0.5, "I%d" % repo),
    ]


def restore_tests(ok: bool = True) -> list[dict[str, Any]]:
    return [
        {"repo": repo, "level": level, "label": "x", "verified_at": "2027-01-15T05:00:00+00:00", "ok": ok}
        for repo in (1, 2)
        for level in POLICY
    ]


def run(text: str, verifications: list[dict[str, Any]], up: bool = True) -> Any:
    repos, backups = parse_pgbackrest_info(text, "main", {1: "db-01", 2: "nc-01"})
    return evaluate(backups, repos, verifications, POLICY, 6, NOW, up)


def test_fresh_backups_in_both_repositories_and_passed_restore_tests_pass() -> None:
    result = run(info(fresh(1) + fresh(2)), restore_tests())
    assert result.status == "pass", result.problems
    assert "main daily in repo2: I2, 12.0 h old" in result.evidence


@pytest.mark.parametrize(
    ("backups", "expected"),
    [
        (fresh(1)[:2] + fresh(2), "no daily backup in repo1"),
        (
            [*fresh(1)[:2], backup(1, "daily", "incr", 1.5, "old"), *fresh(2)],
            "main daily backup in repo1 is 36.0 h old",
        ),
        ([*fresh(1)[:2], backup(1, "daily", "incr", 0.2, "bad", error=True), *fresh(2)], "no daily backup in repo1"),
        (fresh(1) + fresh(2)[:2] + [backup(2, "daily", "incr", 0.6, "I2")], "second copy of the daily backup in repo2"),
    ],
    ids=["missing", "too-old", "error-flagged-not-counted", "second-copy-older"],
)
def test_each_fault_fails_the_control_naming_level_and_repository(backups: list[dict[str, Any]], expected: str) -> None:
    result = run(info(backups), restore_tests())
    assert result.status == "fail"
    assert any(expected in p for p in result.problems), result.problems


def test_failed_or_missing_restore_test_fails() -> None:
    assert "restore test of monthly x in repo1 failed" in run(info(fresh(1) + fresh(2)), restore_tests(False)).problems
    assert "no restore test of a weekly backup" in run(info(fresh(1) + fresh(2)), []).problems


def test_unreachable_second_repository_and_stopped_database_fail() -> None:
    result = run(info(fresh(1), (103, "unable to connect to nc-01")), restore_tests(), up=False)
    assert "repository 2 (nc-01) not usable: unable to connect to nc-01" in result.problems
    assert "the database service is not accepting connections" in result.problems


def test_register_rows_carry_location_medium_custodian_and_verification() -> None:
    repos, backups = parse_pgbackrest_info(info(fresh(1) + fresh(2)), "main", {1: "db-01", 2: "nc-01"})
    verified = [{"repo": 2, "label": "I2", "verified_at": "2027-01-15T05:00:00+00:00", "ok": True}]
    rows = register_rows("db-01", backups, repos, {2: "NC-DISK-01"}, "王伟", verified)
    first = rows[0]
    assert (first["label"], first["location"], first["medium"], first["custodian"]) == (
        "I2",
        "nc-01",
        "NC-DISK-01",
        "王伟",
    )
    assert first["verified_ok"] is True and first["level"] == "daily" and first["size_stored"] == 3_000_000
    assert rows[1]["verified_ok"] is None and rows[1]["verified_at"] == ""
    assert len(rows) == 6


@pytest.mark.parametrize(
    ("policy", "grace", "field"),
    [
        ({**POLICY, "daily": {**POLICY["daily"], "keep": 0}}, 6, "policy.daily.keep"),
        ({k: v for k, v in POLICY.items() if k != "weekly"}, 6, "exactly the levels"),
        ({**POLICY, "hourly": POLICY["daily"]}, 6, "exactly the levels"),
        ({**POLICY, "monthly": {**POLICY["monthly"], "period": "x"}}, 6, "policy.monthly.period"),
        (POLICY, -1, "grace_hours"),
    ],
)
def test_bad_policy_is_named(policy: dict[str, Any], grace: Any, field: str) -> None:
    assert any(field in p for p in policy_problems(policy, grace))


def test_good_policy_has_no_problem() -> None:
    assert policy_problems(POLICY, 6) == []


def test_unknown_stanza_and_garbage_are_reported() -> None:
    with pytest.raises(ValueError, match="no stanza 'other'"):
        parse_pgbackrest_info(info([]), "other", {})
    with pytest.raises(ValueError, match="did not return JSON"):
        parse_pgbackrest_info("ERROR: [041]", "main", {})


# ---- second copy, repository checks, retention ----------------------------------------------
def test_a_single_repository_is_a_missing_second_copy() -> None:
    one_repo = json.loads(info(fresh(1)))
    one_repo[0]["repo"] = one_repo[0]["repo"][:1]
    ev = run(json.dumps(one_repo), [v for v in restore_tests() if v["repo"] == 1])
    assert ev.status == "fail" and any("no second repository" in p for p in ev.problems)


def test_a_corrupted_repository_found_by_verify_is_a_finding() -> None:
    repos, backups = parse_pgbackrest_info(info(fresh(1) + fresh(2)), "main", {1: "db-01", 2: "nc-01"})
    checks = [{"repo": 1, "verify_ok": False, "message": "pgbackrest verify failed (exit 1): checksum mismatch"}]
    ev = evaluate(backups, repos, restore_tests(), POLICY, 6, NOW, True, checks)
    assert ev.status == "fail" and any("repo1 check found a problem" in p for p in ev.problems)


def test_register_rows_carry_engine_retention_and_expected_expiry() -> None:
    repos, backups = parse_pgbackrest_info(info(fresh(1)), "main", {1: "db-01", 2: "nc-01"})
    rows = register_rows("db-01", backups, repos, {}, "王伟", [], POLICY)
    monthly = next(r for r in rows if r["level"] == "monthly")
    assert monthly["engine"] == "postgresql" and monthly["retention"] == "12 monthly"
    assert monthly["expires"] == iso(NOW - 20 * DAY + 12 * 31 * DAY)


# ---- MariaDB: mariadb-backup's accounts and restic's snapshots ---------------------------------
def account(label: str, level: str, kind: str, age_days: float, checkpoints: bool = True) -> dict[str, Any]:
    stop = int(NOW - age_days * DAY)
    return {"engine": "mariadb", "label": label, "level": level, "kind": kind, "base": "", "start": stop - 30,
            "stop": stop, "size": 8_000_000, "size_stored": 900_000, "checkpoints": checkpoints}  # fmt: skip


def snapshot(label: str, level: str, age_days: float) -> dict[str, Any]:
    when = iso(NOW - age_days * DAY).replace("+00:00", ".123456789+00:00")
    return {"time": when, "short_id": "ab12cd34", "tags": ["hisops", "level=" + level, "label=" + label],
            "summary": {"data_added_packed": 850_000}}  # fmt: skip


def test_mariadb_backups_and_their_restic_copies_pass_when_fresh_and_tested() -> None:
    local = parse_mariadb_accounts(
        [account("M", "monthly", "full", 20), account("W", "weekly", "full", 3), account("D", "daily", "incr", 0.5)],
        "mariadb",
    )
    snaps = json.dumps([snapshot("M", "monthly", 20), snapshot("W", "weekly", 3), snapshot("D", "daily", 0.4)])
    copies = parse_restic_snapshots(snaps, "mariadb", local)
    assert [(b.repo, b.label, b.tool, b.size) for b in copies[:1]] == [(2, "M", "restic", 8_000_000)]
    repos = [Repository(1, "db-01", True, ""), Repository(2, "nc-01", True, "")]
    tests = [{"repo": 1, "level": lv, "label": "x", "verified_at": "t", "ok": True} for lv in POLICY]
    ev = evaluate(local + copies, repos, tests, POLICY, 6, NOW, True)
    assert ev.status == "pass", ev.problems


def test_mariadb_backup_without_checkpoints_is_flagged_and_not_counted() -> None:
    local = parse_mariadb_accounts([account("D", "daily", "incr", 0.5, checkpoints=False)], "mariadb")
    repos = [Repository(1, "db-01", True, ""), Repository(2, "nc-01", True, "")]
    ev = evaluate(local, repos, [], POLICY, 6, NOW, True)
    assert any("flagged with errors by mariadb-backup" in p for p in ev.problems)
    assert any("no daily backup in repo1" in p for p in ev.problems)


def test_restic_garbage_is_reported() -> None:
    with pytest.raises(ValueError, match="restic snapshots did not return JSON"):
        parse_restic_snapshots("not json", "mariadb", [])
