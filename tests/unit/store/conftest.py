"""Fixtures of the results store tests: a PostgreSQL 15 server, a recorder-enabled ansible-playbook."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
HERE = Path(__file__).resolve().parent
PG_BIN = Path("/usr/lib/postgresql/15/bin")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def recorder_env(store: str, **extra: str) -> dict[str, str]:
    """Environment of an ansible-playbook run that records into ``store`` with the test module."""
    env = dict(os.environ)
    env.update(
        ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"),
        ANSIBLE_CALLBACKS_ENABLED="hisops.him.hisops_recorder",
        ANSIBLE_LOCAL_TEMP=tempfile.gettempdir(),
        ANSIBLE_NOCOLOR="1",
        HISOPS_STORE=store,
        PATH=str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", ""),
    )
    env.pop("HISOPS_RECORDER_ENABLED", None)
    env.update(extra)
    return env


def playbook_cmd(*extra: str) -> list[str]:
    return [
        str(Path(sys.executable).parent / "ansible-playbook"),
        "-i",
        str(HERE / "playbooks" / "hosts.yml"),
        str(HERE / "playbooks" / "record.yml"),
        *extra,
    ]


def run_playbook(store: str, *extra: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        playbook_cmd(*extra), env=recorder_env(store, **env), capture_output=True, text=True, timeout=300, check=False
    )


@contextmanager
def slow_recorded_run(store: Path) -> Iterator[subprocess.Popen[str]]:
    """A recorded run of the test playbook in its own session, yielded while its last task sleeps
    (for interrupting it); killed at the end if it still runs."""
    proc = subprocess.Popen(
        playbook_cmd("-e", "recorder_sleep=60"),
        env=recorder_env(str(store)),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 120
        assert proc.stdout is not None
        for line in proc.stdout:  # wait until the slow (last) task runs
            if "Slow task" in line or time.monotonic() > deadline:
                break
        time.sleep(1.0)
        yield proc
    finally:
        if proc.poll() is None:
            proc.kill()


@pytest.fixture(scope="session")
def recorded_sqlite(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, subprocess.CompletedProcess[str]]:
    """One recorded run of the test playbook into a fresh SQLite store (shared by several tests)."""
    path = tmp_path_factory.mktemp("recorded") / "results.sqlite"
    proc = run_playbook(str(path))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return path, proc


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """A real PostgreSQL 15 server on 127.0.0.1 (free port, socket in its own temp dir); yields a DSN."""
    if not (PG_BIN / "initdb").exists():
        pytest.fail("PostgreSQL 15 server binaries are missing: run ./hisops setup (apt package postgresql)")
    base = Path(tempfile.mkdtemp(prefix="hisops-pg-"))
    as_user: list[str] = []
    if os.geteuid() == 0:  # initdb refuses to run as root: use the postgres system user
        shutil.chown(base, "postgres", "postgres")
        as_user = ["runuser", "-u", "postgres", "--"]
    data = base / "data"
    port = free_port()
    subprocess.run(
        [
            *as_user,
            str(PG_BIN / "initdb"),
            "-D",
            str(data),
            "-A",
            "trust",
            "-U",
            "postgres",
            "--no-locale",
            "-E",
            "UTF8",
        ],
        check=True,
        capture_output=True,
    )
    options = "-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off" % (port, base)
    subprocess.run(
        [*as_user, str(PG_BIN / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(base / "log"), "-w", "start"],
        check=True,
        capture_output=True,
    )
    try:
        yield "postgresql://postgres@127.0.0.1:%d/postgres" % port
    finally:
        subprocess.run(
            [*as_user, str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"], capture_output=True
        )
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def postgres_db(postgres_server: str, request: pytest.FixtureRequest) -> str:
    """A fresh, empty database on the test server; yields its DSN."""
    import psycopg2

    name = "t_" + "".join(c if c.isalnum() else "_" for c in request.node.name.lower())[:50]
    conn = psycopg2.connect(postgres_server)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("DROP DATABASE IF EXISTS %s" % name)
        cur.execute("CREATE DATABASE %s" % name)
    conn.close()
    return postgres_server.rsplit("/", 1)[0] + "/" + name
