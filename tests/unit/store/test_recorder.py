"""The hisops_recorder callback, driven by real ansible-playbook runs on localhost."""

from __future__ import annotations

import signal
import subprocess
from pathlib import Path

import pytest
from ansible_collections.hisops.him.plugins.plugin_utils.store import open_store

from .conftest import run_playbook, slow_recorded_run

pytestmark = pytest.mark.component

SECRET = "S3cr3t-Pa55-xyz"  # recorder_secret in playbooks/hosts.yml


def _store_bytes(path: Path) -> bytes:
    """Every byte the SQLite store left on disk (database, WAL, shared memory)."""
    return b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))


def test_run_is_recorded(recorded_sqlite) -> None:
    path, _ = recorded_sqlite
    with open_store(path) as store:
        (run,) = store.runs()
        assert run["status"] == "ok" and run["mode"] == "enforce"
        assert run["playbook"] == "tests/unit/store/playbooks/record.yml"
        assert run["duration"] > 0 and run["ended"] >= run["started"] and run["user_name"]
        hosts = {h["host"]: h for h in store.run_host_results(run["uuid"])}
        assert set(hosts) == {"ws-a", "ws-b"}
        assert hosts["ws-a"]["department"] == "outpatient" and hosts["ws-b"]["department"] == "inpatient"
        assert hosts["ws-a"]["kind"] == "workstation"
        # the ignored failure leaves the host ok, as Ansible's recap does
        assert (hosts["ws-a"]["status"], hosts["ws-a"]["ignored"], hosts["ws-a"]["skipped"]) == ("ok", 1, 1)
        controls = {(c["host"], c["control_id"]): c for c in store.run_control_results(run["uuid"])}
        assert controls["ws-a", "HIM-5.4-games"]["status"] == "fail"
        assert controls["ws-b", "HIM-5.4-games"]["status"] == "pass"
        # evidence is kept as the module wrote it: a path with "password" in it is no secret
        assert controls["ws-a", "HIM-5.4-games"]["evidence"] == [
            "package sl installed",
            "/etc/pam.d/gdm-password does not check access",
        ]
        assert controls["ws-a", "HIM-5.4-games"]["task"] == "HIM-5.4 | AUDIT | games"
        # loop items each return records
        assert controls["ws-b", "HIM-7.1-settings"]["status"] == "pass"
        # records of a failed (ignored) task are kept
        assert controls["ws-a", "HIM-5.5-admins"]["message"] == "could not list admins"
        # an invalid record becomes an error naming the problem
        assert controls["ws-a", "HIM-7.4-software"]["status"] == "error"
        assert "unknown status 'bogus'" in controls["ws-a", "HIM-7.4-software"]["message"]
        # no_log: Ansible censors the result, nothing of it is recorded but the change
        assert ("ws-a", "HIM-7.2-password-rotation") not in controls
        changes = store.changes(host="ws-a")
        assert [c["task"] for c in changes] == [
            "A change with a password in its diff",
            "A no_log task carrying a password",
        ]
        assert changes[0]["summary"].splitlines() == ["/etc/test.conf", "+password = ********", "+listen = 1"]
        assert changes[1]["summary"] == "(details hidden: no_log)"


def test_no_secret_reaches_the_store(recorded_sqlite) -> None:
    path, _ = recorded_sqlite
    assert SECRET.encode() not in _store_bytes(path)
    with open_store(path) as store:
        dumped = repr([store.runs(), store.changes(), store.control_results(), store.host_results()])
    assert SECRET not in dumped


def test_invalid_record_is_reported_to_the_technician(recorded_sqlite) -> None:
    _, proc = recorded_sqlite
    assert "hisops_recorder: task 'An invalid record' on ws-a: control HIM-7.4-software: unknown status 'bogus'" in (
        proc.stdout + proc.stderr
    )


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_interrupted_run_is_marked_and_consistent(tmp_path: Path, signum: int) -> None:
    path = tmp_path / "results.sqlite"
    with slow_recorded_run(path) as proc:
        proc.send_signal(signum)
        proc.wait(timeout=60)
    with open_store(path) as store:
        (run,) = store.runs()
        assert run["status"] == "interrupted" and run["ended"] and run["duration"] > 0
        # every task before the interrupted one is there, in full
        assert len(store.run_control_results(run["uuid"])) == 10
        assert {h["host"]: h["skipped"] for h in store.run_host_results(run["uuid"])} == {"ws-a": 1, "ws-b": 1}
    check = subprocess.run(["sqlite3", str(path), "PRAGMA integrity_check"], capture_output=True, text=True)
    assert check.stdout.strip() == "ok"


def test_unwritable_store_is_one_clear_line_and_the_run_goes_on(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    proc = run_playbook(str(blocker / "results.sqlite"), "--tags", "never")
    assert proc.returncode == 0
    errors = [line for line in (proc.stdout + proc.stderr).splitlines() if "hisops_recorder" in line]
    assert len(errors) == 1
    assert "cannot open the results store" in errors[0] and "this run is NOT recorded" in errors[0]


def test_unknown_scheme_is_one_clear_line(tmp_path: Path) -> None:
    proc = run_playbook("mysql://db/hisops", "--tags", "never")
    errors = [line for line in (proc.stdout + proc.stderr).splitlines() if "hisops_recorder" in line]
    assert len(errors) == 1 and "unknown results store scheme 'mysql://'" in errors[0]


def test_recorder_can_be_disabled(tmp_path: Path) -> None:
    path = tmp_path / "results.sqlite"
    proc = run_playbook(str(path), "--tags", "never", HISOPS_RECORDER_ENABLED="false")
    assert proc.returncode == 0 and not path.exists()
