"""Runs whose recording process died: a real ansible-playbook killed with SIGKILL, then closed by
the next recorded run or by a report; the rules of plugin_utils.stale_runs one by one."""

from __future__ import annotations

import contextlib
import io
import json
import os
import signal
import socket
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from ansible_collections.hisops.him.plugins.plugin_utils import migrations as mig
from ansible_collections.hisops.him.plugins.plugin_utils import stale_runs
from ansible_collections.hisops.him.plugins.plugin_utils.store import Store, StoreError, open_store

from .conftest import run_playbook, slow_recorded_run

# each test carries its layer: unit, or component where it runs an Ansible command

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
HOST = socket.gethostname()


def _kill_while_recording(path: Path) -> int:
    """SIGKILL a recorded ansible-playbook (and its workers) during its slow task; its pid."""
    with slow_recorded_run(path) as proc:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL
    return proc.pid


def _report_runs(path: Path, out: Path) -> tuple[list[dict[str, Any]], str]:
    """The runs table of a JSON report of the store (any time), and what the report said on stderr."""
    from ansible_collections.hisops.him.plugins.plugin_utils.report.cli import main

    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        code = main(["--store", str(path), "--period", "2000-01-01..2099-12-31", "--format", "json", "--out", str(out)])
    assert code == 0, stderr.getvalue()
    doc = json.loads(Path(stdout.getvalue().split()[0]).read_text(encoding="utf-8"))
    tables = {t["key"]: t for s in doc["sections"] for t in s["tables"]}
    return tables["runs"]["rows"], stderr.getvalue()


@pytest.mark.component
def test_a_killed_run_stays_running_until_a_report_closes_it(tmp_path: Path) -> None:
    path = tmp_path / "results.sqlite"
    pid = _kill_while_recording(path)
    with open_store(path) as store:
        (run,) = store.runs()
        assert run["status"] == "running" and run["ended"] is None
        assert (run["controller"], run["controller_pid"]) == (HOST, pid) and run["controller_process"]
    rows, said = _report_runs(path, tmp_path / "reports")
    assert [r["status"] for r in rows] == ["interrupted"] and rows[0]["ended"] is None
    assert "marked 1 abandoned run(s) interrupted" in said and run["uuid"] in said
    with open_store(path) as store:
        assert store.run(run["uuid"])["status"] == "interrupted"
        assert len(store.run_control_results(run["uuid"])) == 10  # what it recorded stays
    assert _report_runs(path, tmp_path / "again")[1] == ""  # nothing left to close


@pytest.mark.component
def test_the_next_recorded_run_closes_a_killed_one(tmp_path: Path) -> None:
    path = tmp_path / "results.sqlite"
    _kill_while_recording(path)
    proc = run_playbook(str(path), "--tags", "never")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "hisops_recorder: marked 1 abandoned run(s) interrupted" in proc.stdout + proc.stderr
    with open_store(path) as store:
        killed, new = store.runs()
        assert killed["status"] == "interrupted" and killed["ended"] is None
        assert new["status"] == "ok" and new["controller_pid"] != killed["controller_pid"]


# ------------------------------------------------------------------------------ the rules
def _dead_pid() -> tuple[int, str]:
    """The pid and identity of a process that has exited (and been reaped)."""
    proc = subprocess.Popen(["sleep", "30"])
    identity = stale_runs.process_identity(proc.pid)
    proc.kill()
    proc.wait()
    return proc.pid, identity


def _start(store: Store, uuid: str, started: str, **owner: Any) -> None:
    store.start_run({"uuid": uuid, "started": started, "mode": "check"} | owner)


@pytest.mark.unit
def test_which_runs_are_abandoned(tmp_path: Path) -> None:
    me = stale_runs.run_owner()
    dead_pid, dead_identity = _dead_pid()
    assert me["controller"] == HOST and me["controller_process"] and dead_identity
    with open_store(tmp_path / "s.sqlite") as store:
        old, recent = "2026-11-01T00:00:00.000000Z", "2026-11-20T10:00:00.000000Z"
        _start(store, "here-dead", recent, controller=HOST, controller_pid=dead_pid, controller_process=dead_identity)
        _start(store, "here-alive-old", old, **me)
        # this pid, but another process (the pid was reused): the recording process is gone
        _start(store, "here-reused-pid", recent, **me | {"controller_process": "other-boot:1"})
        _start(store, "elsewhere-recent", recent, controller="ctl-02", controller_pid=dead_pid)
        _start(store, "elsewhere-old", old, controller="ctl-02", controller_pid=os.getpid())
        _start(store, "before-v4-old", old, controller=HOST)
        _start(store, "finished", old, controller=HOST, controller_pid=dead_pid)
        store.finish_run("finished", "ok")
        assert stale_runs.close_stale_runs(store, 0, now=NOW) == ["here-dead", "here-reused-pid"]
        assert stale_runs.close_stale_runs(store, 24, now=NOW) == ["elsewhere-old", "before-v4-old"]
        runs = {r["uuid"]: r for r in store.runs()}
    assert {uuid: r["status"] for uuid, r in runs.items()} == {
        "here-dead": "interrupted",
        "here-alive-old": "running",
        "here-reused-pid": "interrupted",
        "elsewhere-recent": "running",
        "elsewhere-old": "interrupted",
        "before-v4-old": "interrupted",
        "finished": "ok",
    }
    assert all(r["ended"] is None for r in runs.values() if r["status"] != "ok")


@pytest.mark.unit
def test_process_identity_and_liveness() -> None:
    me = os.getpid()
    assert stale_runs.process_identity(me) == stale_runs.process_identity(me) != ""
    assert stale_runs.process_alive(me, stale_runs.process_identity(me)) and stale_runs.process_alive(me)
    dead_pid, dead_identity = _dead_pid()
    assert stale_runs.process_identity(dead_pid) == ""
    assert not stale_runs.process_alive(dead_pid, dead_identity) and not stale_runs.process_alive(dead_pid)


@pytest.mark.unit
def test_max_age_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(stale_runs.MAX_AGE_ENV, raising=False)
    assert stale_runs.max_age_hours() == 24.0 and stale_runs.max_age_hours(0) == 0.0
    monkeypatch.setenv(stale_runs.MAX_AGE_ENV, "6.5")
    assert stale_runs.max_age_hours() == 6.5 and stale_runs.max_age_hours("2") == 2.0
    monkeypatch.setenv(stale_runs.MAX_AGE_ENV, "a day")
    with pytest.raises(StoreError, match="HISOPS_STALE_RUN_HOURS='a day' is not a number of hours"):
        stale_runs.max_age_hours()


@pytest.mark.unit
def test_a_report_that_cannot_write_says_so_and_goes_on(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "s.sqlite"
    with open_store(path) as store:
        _start(store, "killed", "2026-01-02T00:00:00.000000Z", controller="ctl-02")

    def refuse(*args: Any, **kwargs: Any) -> int:
        raise StoreError("attempt to write a readonly database")

    monkeypatch.setattr(Store, "close_stale_runs", refuse)
    rows, said = _report_runs(path, tmp_path / "reports")
    assert [r["status"] for r in rows] == ["running"]
    assert (
        said.strip() == "hisops report: warning: could not close abandoned runs: attempt to write a readonly database"
    )


@pytest.mark.unit
def test_a_v3_store_gains_the_owner_columns(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite"
    with open_store(path, migrations=mig.MIGRATIONS[:3]) as store:
        _start(store, "from-v3", "2026-01-02T00:00:00.000000Z", controller=HOST)
        assert "controller_pid" not in store.run("from-v3")
    with open_store(path) as store:
        assert store.schema_version() == len(mig.MIGRATIONS)
        run = store.run("from-v3")
        assert (run["controller_pid"], run["controller_process"], run["status"]) == (None, "", "running")
