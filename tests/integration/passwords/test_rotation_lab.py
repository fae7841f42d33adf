"""Department passwords (HIM-7.2) on the lab's Linux workstations, end to end.

In order, on one store (module-scoped): first set-up and a second run that changes nothing; check
mode changes nothing; a scheduled rotation after the maximum age (time through a variable); a host
that fails mid-rotation keeps its old password (still in the store), and the next run completes
with the SAME new password; the HIM-7.2 audit (age, a host whose password was changed by hand, then
repaired); a custodian change rotates that department only, and the new custodian's handover
slip; no password in any output (-vvv), the results store, the register or the reports.
Each check of a host's password is made by the host's own crypt (podman exec), not by hisops.
Run under `flock /tmp/hisops-lab.lock`. The department accounts are removed at the end.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import os
import re
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from .pwlab import (
    DEPARTMENTS,
    HOSTS,
    ROOT,
    ansible_playbook,
    current,
    every_password,
    logs_in,
    podman,
    recap,
    remove_accounts,
    store,
)

pytestmark = pytest.mark.lab

T0 = dt.datetime.now(dt.UTC).replace(microsecond=0)
T1 = T0 + dt.timedelta(days=100)
OUTPUTS: list[str] = []


def iso(when: dt.datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    remove_accounts()
    directory = tmp_path_factory.mktemp("passwords")
    yield directory
    remove_accounts()


def rotate(directory: Path, *extra: str, now: dt.datetime = T0) -> tuple[int, str]:
    proc = ansible_playbook(
        "playbooks/rotate_passwords.yml",
        "-e", "hisops_password_store_dir=%s" % (directory / "store"),
        "-e", "hisops_password_now=%s" % iso(now),
        *extra,
    )  # fmt: skip
    OUTPUTS.append(proc.stdout + proc.stderr)
    return proc.returncode, proc.stdout + proc.stderr


def host_inventory(directory: Path, name: str, hosts: dict[str, dict]) -> str:
    path = directory / name
    path.write_text(yaml.safe_dump({"all": {"hosts": hosts}}, allow_unicode=True), encoding="utf-8")
    return str(path)


def assert_hosts_carry(directory: Path, department: str, version: int) -> None:
    record = store(directory / "store").load(department)
    entry = next(e for e in record.known_passwords() if e["version"] == version)
    others = [e for e in record.known_passwords() if e["version"] != version]
    for host in DEPARTMENTS[department]:
        assert logs_in(host, department + "_admin", entry["password"]), (host, version)
        for other in others:
            assert not logs_in(host, department + "_admin", other["password"]), (host, other["version"])


def test_first_setup_then_nothing_to_do(lab: Path) -> None:
    rc, out = rotate(lab)
    assert rc == 0, out[-3000:]
    for department in DEPARTMENTS:
        assert current(lab / "store", department)["version"] == 1
        assert current(lab / "store", department)["trigger"] == "initial"
        assert_hosts_carry(lab, department, 1)
    rc, out = rotate(lab)
    assert rc == 0, out[-3000:]
    stats = recap(out)
    assert sorted(stats) == HOSTS and all(s["changed"] == 0 for s in stats.values()), stats


def test_check_mode_rotates_nothing(lab: Path) -> None:
    files = {p.name: p.read_bytes() for p in (lab / "store").glob("*.vault")}
    rc, out = rotate(lab, "--check", "-v", now=T1)
    assert rc == 0, out[-3000:]
    assert "department(s) to rotate: inpatient (max_age), outpatient (max_age)" in out, out[-3000:]
    assert {p.name: p.read_bytes() for p in (lab / "store").glob("*.vault")} == files
    for department in DEPARTMENTS:
        assert_hosts_carry(lab, department, 1)


def test_scheduled_rotation_after_the_maximum_age(lab: Path) -> None:
    rc, out = rotate(lab, "-vvv", now=T1)
    assert rc == 0, out[-3000:]
    for department in DEPARTMENTS:
        record = store(lab / "store").load(department)
        assert record.current["version"] == 2 and record.current["trigger"] == "max_age"
        assert [e["version"] for e in record.history] == [1] and record.pending is None
        assert_hosts_carry(lab, department, 2)  # the new one logs in, the old one does not


def test_a_failing_host_keeps_a_stored_password_and_the_next_run_completes(lab: Path) -> None:
    broken = host_inventory(lab, "broken.yml", {"ws-zy-02": {"ansible_port": 1}})
    rc, out = rotate(
        lab, "-i", "inventory/lab", "-i", broken, "-e", '{"hisops_password_rotate": ["inpatient"]}', now=T1
    )
    assert rc != 0 and "inpatient pending on ws-zy-02" in out, out[-3000:]
    record = store(lab / "store").load("inpatient")
    assert record.current["version"] == 2 and record.pending["version"] == 3
    assert record.pending["hosts_done"] == ["ws-zy-01"] and record.pending["trigger"] == "manual"
    fingerprint = record.pending["fingerprint"]
    assert logs_in("ws-zy-01", "inpatient_admin", record.pending["password"])
    assert logs_in("ws-zy-02", "inpatient_admin", record.current["password"])

    rc, out = rotate(lab, now=T1)  # no request any more: the pending rotation is resumed
    assert rc == 0, out[-3000:]
    record = store(lab / "store").load("inpatient")
    assert record.pending is None and record.current["version"] == 3
    assert record.current["fingerprint"] == fingerprint  # the SAME password, no new one generated
    assert record.current["hosts_done"] == ["ws-zy-01", "ws-zy-02"]
    assert_hosts_carry(lab, "inpatient", 3)


def test_an_unreachable_host_with_nothing_due_is_never_green(lab: Path) -> None:
    """Nothing to rotate, one host unreachable: its password was not checked, so the run fails
    and names it (it exited 0 before: 'every department's hosts carry its current password')."""
    broken = host_inventory(lab, "broken.yml", {"ws-mz-02": {"ansible_port": 1}})
    rc, out = rotate(lab, "-i", "inventory/lab", "-i", broken, now=T1)
    assert rc != 0, out[-3000:]
    assert "department password not checked" in out and "outpatient on ws-mz-02" in out, out[-3000:]
    assert "carry its current password" not in out, out[-3000:]
    rc, out = rotate(lab, now=T1)  # reachable again: checked, green
    assert rc == 0, out[-3000:]


def audit(directory: Path, now: dt.datetime) -> dict[str, dict]:
    """The HIM-7.2 record of every Linux workstation (read-only audit, JSON output)."""
    play = [{
        "name": "HIM-7.2 audit",
        "hosts": "workstations_linux",
        "gather_facts": False,
        "check_mode": True,
        "tasks": [{"name": "HIM-7.2 | AUDIT", "ansible.builtin.include_role": {
            "name": "hisops.him.department_password", "tasks_from": "audit"}}],
    }]  # fmt: skip
    playbook = directory / "audit.yml"
    playbook.write_text(yaml.safe_dump(play), encoding="utf-8")
    proc = ansible_playbook(
        str(playbook),
        "-e", "hisops_password_store_dir=%s" % (directory / "store"),
        "-e", "hisops_password_now=%s" % iso(now),
        callback="ansible.posix.json",
    )  # fmt: skip
    OUTPUTS.append(proc.stdout + proc.stderr)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    report = json.loads(proc.stdout)
    task = next(t for p in report["plays"] for t in p["tasks"] if "HIM-7.2 | AUDIT | " in t["task"]["name"])
    return {host: result["hisops_controls"][0] for host, result in task["hosts"].items()}


def test_audit_finds_age_and_a_host_without_the_current_password(lab: Path) -> None:
    records = audit(lab, T1)
    assert sorted(records) == HOSTS
    assert all(r["status"] == "pass" for r in records.values()), records
    records = audit(lab, T1 + dt.timedelta(days=91))
    assert all(r["status"] == "fail" and "older than 90 days" in r["message"] for r in records.values()), records

    tamper = podman("exec", "-i", "hisops-lab-ws-mz-01", "chpasswd", stdin="outpatient_admin:Changed-By-Hand-1\n")
    assert tamper.returncode == 0, tamper.stderr
    records = audit(lab, T1)
    assert records["ws-mz-01"]["status"] == "fail"
    assert "carries no password the store holds" in records["ws-mz-01"]["message"]
    assert records["ws-mz-02"]["status"] == "pass"
    rc, out = rotate(lab, now=T1)  # the next run puts the current password back (drift repaired)
    assert rc == 0 and recap(out)["ws-mz-01"]["changed"] >= 1, out[-3000:]
    assert_hosts_carry(lab, "outpatient", 2)


def test_custodian_change_rotates_that_department_only(lab: Path) -> None:
    new = {"code": "outpatient", "name_zh": "门诊部", "name_en": "Outpatient", "login_group": "mz_staff",
           "custodian": {"name": "王芳", "staff_id": "MZ0202", "certificate": "HIM-2026-0007"}}  # fmt: skip
    inventory = host_inventory(lab, "custodian.yml", {h: {"hisops_department": new} for h in DEPARTMENTS["outpatient"]})
    rc, out = rotate(lab, "-i", "inventory/lab", "-i", inventory, now=T1)
    assert rc == 0, out[-3000:]
    outpatient = current(lab / "store", "outpatient")
    assert outpatient["version"] == 3 and outpatient["trigger"] == "custodian"
    assert outpatient["custodian"] == "MZ0202" and outpatient["previous_custodian"] == "MZ0101"
    assert current(lab / "store", "inpatient")["version"] == 3
    assert_hosts_carry(lab, "outpatient", 3)
    assert_hosts_carry(lab, "inpatient", 3)


def test_handover_slip_for_the_new_custodian(lab: Path) -> None:
    """``./hisops password slip``: the new custodian's slip holds the current password; the command's
    output holds none (searched with the others below)."""
    slip = lab / "outpatient-slip.html"
    proc = subprocess.run(
        [str(ROOT / "hisops"), "password", "slip", "outpatient", "--store-dir", str(lab / "store"),
         "-i", str(ROOT / "inventory" / "lab"), "-i", str(lab / "custodian.yml"), "--out", str(slip)],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    OUTPUTS.append(proc.stdout + proc.stderr)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "for 王芳 (MZ0202)" in proc.stdout
    text = slip.read_text(encoding="utf-8")
    cells = "".join(re.findall(r'<td class="c">(.*?)</td>', text))
    assert html.unescape(cells) == current(lab / "store", "outpatient")["password"]
    assert "王芳" in text and "ws-mz-01、ws-mz-02" in text
    assert store(lab / "store").load("outpatient").reads[-1]["kind"] == "slip"


def test_no_password_in_outputs_store_register_or_reports(lab: Path) -> None:
    passwords = every_password(lab / "store")
    assert len(passwords) == 6  # outpatient v1-v3, inpatient v1-v3
    results = Path(os.environ["HISOPS_STORE"])
    with sqlite3.connect(results) as conn:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        dump = "\n".join(line for line in conn.iterdump())
        register = conn.execute("SELECT department, event, version FROM password_rotations").fetchall()
    assert "password_rotations" in tables
    assert ("outpatient", "completed", 3) in register and ("inpatient", "pending", 3) in register
    reports = lab / "reports"
    proc = subprocess.run(
        [str(ROOT / "bin" / "hisops-report"), "--store", str(results), "--period", "this-year",
         "--format", "html,json,csv", "--out", str(reports)],
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    report_text = "\n".join(p.read_text(encoding="utf-8", errors="replace") for p in reports.rglob("*") if p.is_file())
    assert "科室密码轮换登记" in report_text and "password_rotations" in report_text
    raw_store = b"".join(p.read_bytes() for p in (lab / "store").iterdir())
    haystacks = {"ansible output (incl. -vvv)": "\n".join(OUTPUTS), "results store": dump, "reports": report_text}
    assert len(OUTPUTS) >= 9 and any("<127.0.0.1> ESTABLISH SSH CONNECTION" in o for o in OUTPUTS)
    for password in passwords:
        for where, text in haystacks.items():
            assert password not in text, "a password is in the %s" % where
        assert password.encode() not in raw_store, "a password is in clear in the password store"
