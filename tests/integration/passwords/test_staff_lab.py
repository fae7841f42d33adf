"""Staff accounts (HIM-8.1.1, rulebook 八.1(1)) on the lab's outpatient workstations, end to end.

On a temporary copy of the lab inventory whose outpatient department lists two people: check mode
changes nothing and shows the accounts in the diff; the run creates both on ws-mz-01 and ws-mz-02
in mz_staff, each with the first password from the staff store (checked by the host's own crypt)
to be changed at first login (chage -l, and an SSH login with it is forced to change it); a second
run changes nothing; the inpatient hosts are untouched. One person leaves the list: the account is
locked, expired, nologin, its home kept, and the next run changes nothing. An account nobody
listed is reported by the compliance run, recorded in the results store with the account register.
No first password appears in any output or in the results store. Everything the test creates on
the lab hosts (accounts, homes, the login group) is removed at the end.
Run under `flock /tmp/hisops-lab.lock`.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import paramiko
import pytest
import yaml
from ansible.parsing.vault import VaultLib
from ansible_collections.hisops.him.plugins.plugin_utils.staff_passwords import StaffPasswordStore

from .pwlab import LAB_VAULT, ROOT, ansible_playbook, logs_in, podman, recap

pytestmark = pytest.mark.lab

HOSTS = ["ws-mz-01", "ws-mz-02"]
OTHERS = ["ws-zy-01", "ws-zy-02"]
PORTS = {"ws-mz-01": 22211, "ws-mz-02": 22212}
STAFF = [
    {"staff_id": "MZT901", "name": "测试甲", "role": "护士"},  # login mzt901 (the staff id in lower case)
    {"staff_id": "MZT902", "name": "测试乙", "role": "医生", "login": "tliqiang"},
]
LOGINS = ["mzt901", "tliqiang"]
INTRUDER = "intruder9"
OUTPUTS: list[str] = []


def sh(host: str, script: str) -> str:
    proc = podman("exec", "hisops-lab-" + host, "sh", "-c", script)
    return proc.stdout + proc.stderr


def clean(group_was_there: dict[str, bool]) -> None:
    for host in HOSTS + OTHERS:
        for login in [*LOGINS, INTRUDER]:
            sh(host, "id %s >/dev/null 2>&1 && userdel -r %s 2>/dev/null; true" % (login, login))
        if host in group_was_there and not group_was_there[host]:
            sh(host, "getent group mz_staff >/dev/null && groupdel mz_staff; true")


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Path]]:
    tmp = tmp_path_factory.mktemp("staff")
    inventory = tmp / "inventory"
    shutil.copytree(ROOT / "inventory" / "lab", inventory)
    connection = inventory / "group_vars" / "linux_hosts" / "connection.yml"
    connection.write_text(connection.read_text().replace("{{ inventory_dir }}/../..", str(ROOT)))
    group_was_there = {h: "mz_staff" in sh(h, "getent group mz_staff") for h in HOSTS}
    clean({})
    paths = {"inventory": inventory, "store": tmp / "store", "results": tmp / "results.sqlite"}
    set_staff(paths, STAFF)
    results_store = os.environ["HISOPS_STORE"]
    os.environ["HISOPS_STORE"] = str(paths["results"])  # the test reads its own run's records
    try:
        yield paths
    finally:
        os.environ["HISOPS_STORE"] = results_store
        clean(group_was_there)


def set_staff(paths: dict[str, Path], staff: list[dict[str, str]]) -> None:
    path = paths["inventory"] / "group_vars" / "dept_outpatient" / "department.yml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["hisops_department"]["staff"] = staff
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


def run(paths: dict[str, Path], playbook: str, *extra: str) -> tuple[int, str]:
    proc = ansible_playbook(
        "playbooks/%s" % playbook,
        "-i", str(paths["inventory"]),
        "-e", "hisops_password_store_dir=%s" % paths["store"],
        *extra,
    )  # fmt: skip
    out = proc.stdout + proc.stderr
    OUTPUTS.append(out)
    return proc.returncode, out


def first_password(paths: dict[str, Path], login: str, staff_id: str) -> str:
    store = StaffPasswordStore(paths["store"], VaultLib([("lab", LAB_VAULT)]), "lab", LAB_VAULT)
    password = store.load("outpatient").password(login, staff_id)
    assert password, login
    return password


def test_check_mode_shows_the_accounts_and_changes_nothing(lab: dict[str, Path]) -> None:
    rc, out = run(lab, "staff_accounts.yml", "--check", "--diff", "-l", "dept_outpatient")
    assert rc == 0, out[-3000:]
    assert "mzt901: absent" in out and "tliqiang: MZT902, active, in mz_staff" in out, out[-3000:]
    assert all(s["changed"] >= 1 for h, s in recap(out).items() if h in HOSTS), recap(out)
    for host in HOSTS:
        assert "no such user" in sh(host, "id mzt901")
    assert not (lab["store"] / "staff" / "outpatient.vault").exists()


def test_listed_staff_get_accounts_with_a_first_password_to_change(lab: dict[str, Path]) -> None:
    rc, out = run(lab, "staff_accounts.yml")
    assert rc == 0, out[-3000:]
    for host in HOSTS:
        for person, login in zip(STAFF, LOGINS, strict=True):
            groups = sh(host, "id -nG %s" % login).split()
            assert "mz_staff" in groups, (host, login, groups)
            assert "password must be changed" in sh(host, "LC_ALL=C chage -l %s" % login), (host, login)
            assert logs_in(host, login, first_password(lab, login, person["staff_id"])), (host, login)
            assert (
                sh(host, "getent passwd %s | cut -d: -f5" % login).strip()
                == "hisops-staff %s outpatient" % (person["staff_id"])
            )
    for host in OTHERS:
        assert "no such user" in sh(host, "id mzt901"), host


def test_ssh_login_with_the_first_password_must_change_it(lab: dict[str, Path]) -> None:
    password = first_password(lab, "mzt901", "MZT901")
    client = paramiko.SSHClient()
    client.set_missing_host_key_policy(paramiko.AutoAddPolicy())  # the lab's host keys change with each container
    client.connect(
        "127.0.0.1", PORTS["ws-mz-01"], "mzt901", password, allow_agent=False, look_for_keys=False, timeout=15
    )
    try:
        _stdin, stdout, stderr = client.exec_command("echo logged-in-as-$(id -un)", timeout=15)
        said = stdout.read().decode() + stderr.read().decode()
    finally:
        client.close()
    # the password is right (authenticated), but the session only asks for a new one
    assert "logged-in-as-mzt901" not in said, said
    assert "change your password" in said.lower() or "password has expired" in said.lower(), said


def test_second_run_changes_nothing(lab: dict[str, Path]) -> None:
    rc, out = run(lab, "staff_accounts.yml")
    assert rc == 0, out[-3000:]
    stats = recap(out)
    assert {h for h in stats if h.startswith("ws-")} == set(HOSTS + OTHERS), stats
    assert all(s["changed"] == 0 for h, s in stats.items() if h.startswith("ws-")), stats


def test_a_person_who_leaves_is_disabled_home_kept(lab: dict[str, Path]) -> None:
    set_staff(lab, STAFF[:1])
    rc, out = run(lab, "staff_accounts.yml")
    assert rc == 0, out[-3000:]
    for host in HOSTS:
        shadow = sh(host, "getent shadow tliqiang").strip().split(":")
        assert shadow[1].startswith("!") and shadow[7] == "1", (host, shadow[0], shadow[7])
        assert sh(host, "getent passwd tliqiang").strip().endswith(":/usr/sbin/nologin"), host
        assert sh(host, "test -d /home/tliqiang && echo kept").strip() == "kept", host
        assert "Jan 02, 1970" in sh(host, "LC_ALL=C chage -l tliqiang"), host
        assert "mz_staff" in sh(host, "id -nG mzt901").split(), host  # the one still listed is untouched
    rc, out = run(lab, "staff_accounts.yml")
    assert rc == 0, out[-3000:]
    assert all(s["changed"] == 0 for h, s in recap(out).items() if h.startswith("ws-")), recap(out)


def test_an_unexplained_account_is_a_recorded_finding(lab: dict[str, Path]) -> None:
    sh("ws-mz-01", "useradd -m -s /bin/bash %s" % INTRUDER)
    rc, out = run(lab, "compliance_audit.yml", "--tags", "him-8.1.1-staff-accounts", "-l", "dept_outpatient")
    assert rc == 0, out[-3000:]
    db = sqlite3.connect(lab["results"])
    try:
        (run_id,) = db.execute("SELECT MAX(id) FROM runs").fetchone()
        rows = dict(
            db.execute(
                "SELECT host, status || ' ' || evidence FROM control_results WHERE run_id = ? AND control_id = ?",
                (run_id, "HIM-8.1.1-staff-accounts"),
            ).fetchall()
        )
        events = db.execute("SELECT host, login, staff_id, event FROM staff_account_events ORDER BY id").fetchall()
        dump = "\n".join(str(r) for t in ("control_results", "changes", "staff_account_events")
                         for r in db.execute("SELECT * FROM %s" % t).fetchall())  # fmt: skip
    finally:
        db.close()
    assert rows["ws-mz-01"].startswith("fail ") and "unexplained account: %s (uid" % INTRUDER in rows["ws-mz-01"]
    assert rows["ws-mz-02"].startswith("pass "), rows["ws-mz-02"]
    assert sorted(events) == sorted(
        [(h, "mzt901", "MZT901", "create") for h in HOSTS]
        + [(h, "tliqiang", "MZT902", "create") for h in HOSTS]
        + [(h, "tliqiang", "MZT902", "disable") for h in HOSTS]
    ), events
    for login, staff_id in (("mzt901", "MZT901"), ("tliqiang", "MZT902")):
        password = first_password(lab, login, staff_id)
        assert password not in dump
        assert not any(password in out for out in OUTPUTS), login
