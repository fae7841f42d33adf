"""The handover slip of a department password (``./hisops password slip``, HIM-7.2): only on
request, only the current password of the custodian the inventory names, recorded before it is
written, self-contained HTML in Chinese, no other secret anywhere."""

from __future__ import annotations

import datetime as dt
import io
import re
import stat
from pathlib import Path

import pytest
import yaml
from ansible.parsing.vault import VaultLib, VaultSecret
from ansible_collections.hisops.him.plugins.plugin_utils import password_register as register
from ansible_collections.hisops.him.plugins.plugin_utils import password_show
from ansible_collections.hisops.him.plugins.plugin_utils import passwords as pw
from ansible_collections.hisops.him.plugins.plugin_utils.password_slip import (
    SlipError,
    inventory_department,
    render,
    slip,
)
from ansible_collections.hisops.him.plugins.plugin_utils.store import open_store

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[3]
LAB_SECRET = VaultSecret((ROOT / "lab" / "vault-password.txt").read_bytes().strip())
NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)
OLD = pw.Custodian("MZ0100", "李明")
NEW = pw.Custodian("MZ0101", "张丽")  # inventory/lab: the outpatient custodian
PASSWORDS = {"old": "Old-Passw0rd-aaaa", "current": "Cur.rent-Pass#7xyz", "next": "Pending-Pass-9qrs"}
OUTPATIENT = {
    "code": "outpatient",
    "name_zh": "门诊部",
    "custodian": {"name": "张丽", "staff_id": "MZ0101", "certificate": "HIM-2019-0311"},
    "account": "outpatient_admin",
}


def make_store(directory: Path) -> pw.VaultFileStore:
    secret = VaultSecret(b"unit-test-vault")
    return pw.VaultFileStore(directory, VaultLib([("unit", secret)]), "unit", secret)


def rotated(store: pw.VaultFileStore, custodian: pw.Custodian = NEW, pending: bool = False) -> pw.DepartmentPasswords:
    record = store.load("outpatient")
    hosts = ["ws-mz-01", "ws-mz-02"]
    pw.begin_rotation(record, PASSWORDS["old"], pw.TRIGGER_INITIAL, OLD, "t", NOW)
    pw.complete_rotation(record, hosts, hosts)
    pw.begin_rotation(record, PASSWORDS["current"], pw.TRIGGER_CUSTODIAN, custodian, "t", NOW)
    pw.complete_rotation(record, hosts, hosts)
    if pending:
        pw.begin_rotation(record, PASSWORDS["next"], pw.TRIGGER_MANUAL, custodian, "t", NOW)
    store.save(record)
    return record


def register_rows(results: Path) -> list[dict]:
    if not results.exists():
        return []
    with open_store(results) as conn:
        return conn.records(register.TABLE) if register.TABLE in conn.tables() else []


def test_the_slip_holds_the_current_password_and_no_other_secret(tmp_path: Path) -> None:
    store = make_store(tmp_path / "store")
    rotated(store)
    out = tmp_path / "slip.html"
    entry = slip(store, OUTPATIENT, out, str(tmp_path / "results.sqlite"))
    text = out.read_text(encoding="utf-8")
    assert entry["version"] == 2 and "password" not in entry
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert "科室管理账户密码交接单" in text and "门诊部（outpatient）" in text and '<html lang="zh-CN">' in text
    assert "张丽　工号 MZ0101　上岗证 HIM-2019-0311" in text and "outpatient_admin" in text
    assert "ws-mz-01、ws-mz-02" in text and "第 2 版" in text and "科室负责人变更" in text
    assert "Cur. rent -Pas s#7x yz" in text  # groups of four; and one cell per character
    assert re.findall(r'<td class="c">(.*?)</td>', text) == list(PASSWORDS["current"])
    assert PASSWORDS["old"] not in text and "Old-" not in text  # not the history
    # self-contained: nothing to load, nothing to run (prints offline)
    assert not re.search(r"https?:|src=|<script|<link|url\(|@import|<img", text, re.I)
    assert store.load("outpatient").key not in text and entry["fingerprint"] not in text


def test_the_slip_is_recorded_before_it_is_written_and_does_not_start_the_read_out_rotation(tmp_path: Path) -> None:
    store = make_store(tmp_path / "store")
    rotated(store)
    results = tmp_path / "results.sqlite"
    slip(store, OUTPATIENT, tmp_path / "slip.html", str(results))
    record = store.load("outpatient")
    assert record.reads[-1]["kind"] == "slip" and record.reads[-1]["version"] == 2
    rows = register_rows(results)
    assert [(r["department"], r["event"], r["version"]) for r in rows] == [("outpatient", "read", 2)]
    with open_store(results) as conn:
        assert [r["playbook"] for r in conn.runs()] == ["hisops-password slip outpatient"]
    assert PASSWORDS["current"] not in repr(rows)
    much_later = NOW + dt.timedelta(days=2)  # the custodian holds it: no read_out rotation
    assert pw.rotation_trigger(record, NEW, much_later, pw.PasswordPolicy()) is None


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        ("none", "department outpatient has no password yet: run the rotation first"),
        ("pending", "the rotation to version 3 is still in progress (hosts done: none)"),
        ("old_custodian", "version 2 was set for custodian MZ0100, the inventory names MZ0101: run the rotation"),
        ("exists", "slip.html exists: the slip is never written over a file"),
    ],
)
def test_refused_with_nothing_written_or_recorded(tmp_path: Path, setup: str, message: str) -> None:
    store = make_store(tmp_path / "store")
    if setup != "none":
        rotated(store, custodian=OLD if setup == "old_custodian" else NEW, pending=setup == "pending")
    out = tmp_path / "slip.html"
    if setup == "exists":
        out.write_text("someone else's file")
    before = {p.name: p.read_bytes() for p in (tmp_path / "store").glob("*.vault")}
    with pytest.raises(SlipError, match=re.escape(message)):
        slip(store, OUTPATIENT, out, str(tmp_path / "results.sqlite"))
    assert {p.name: p.read_bytes() for p in (tmp_path / "store").glob("*.vault")} == before
    assert register_rows(tmp_path / "results.sqlite") == []
    assert not out.exists() or out.read_text() == "someone else's file"


def test_the_custodian_comes_from_the_inventory() -> None:
    lab = [str(ROOT / "inventory" / "lab")]
    department = inventory_department(lab, "outpatient", [("lab", LAB_SECRET)])
    assert department == OUTPATIENT
    with pytest.raises(SlipError, match=r"department radiology: no host in group dept_radiology"):
        inventory_department(lab, "radiology", [("lab", LAB_SECRET)])


def test_the_custodian_is_the_one_of_the_computers_that_carry_the_password(tmp_path: Path) -> None:
    lab = [str(ROOT / "inventory" / "lab")]
    new = {"code": "outpatient", "name_zh": "门诊部", "name_en": "Outpatient", "login_group": "mz_staff",
           "custodian": {"name": "王芳", "staff_id": "MZ0202", "certificate": "HIM-2026-0007"}}  # fmt: skip
    override = tmp_path / "custodian.yml"
    override.write_text(
        yaml.safe_dump({"all": {"hosts": {h: {"hisops_department": new} for h in ("ws-mz-01", "ws-mz-02")}}}),
        encoding="utf-8",
    )
    sources = [*lab, str(override)]
    carriers = ["ws-mz-01", "ws-mz-02"]
    assert inventory_department(sources, "outpatient", [("lab", LAB_SECRET)], carriers)["custodian"]["name"] == "王芳"
    with pytest.raises(SlipError, match=r"the hosts name different custodians \(MZ0101 on sw-hw-01, sw-mz-01; MZ0202"):
        inventory_department(sources, "outpatient", [("lab", LAB_SECRET)])


def test_the_command_prints_no_password_only_where_the_slip_is(tmp_path: Path) -> None:
    (tmp_path / "vault-pass").write_text("unit-test-vault\n")
    rotated(make_store(tmp_path / "store"))
    out, err = io.StringIO(), tmp_path / "slip.html"
    argv = ["slip", "outpatient", "--store-dir", str(tmp_path / "store"), "--vault-id",
            "unit@%s" % (tmp_path / "vault-pass"), "--vault-id", "lab@%s" % (ROOT / "lab" / "vault-password.txt"),
            "--encrypt-vault-id", "unit", "--results", str(tmp_path / "results.sqlite"),
            "-i", str(ROOT / "inventory" / "lab"), "--out", str(err)]  # fmt: skip
    assert password_show.main(argv, out=out) == 0
    assert "written to %s" % err in out.getvalue() and "张丽 (MZ0101)" in out.getvalue()
    assert all(p not in out.getvalue() for p in PASSWORDS.values())
    assert PASSWORDS["current"] in "".join(re.findall(r'<td class="c">(.*?)</td>', err.read_text()))


def test_render_escapes_inventory_text() -> None:
    department = dict(OUTPATIENT, name_zh="<b>门诊</b>")
    entry = {"password": "a<b>&c-1234567890AB", "version": 1, "created": pw.now_iso(NOW), "trigger": "initial"}
    text = render(department, entry, "admin", NOW)
    assert "<b>门诊</b>" not in text and "&lt;b&gt;门诊&lt;/b&gt;" in text and "a&lt;b&gt; &amp;c-1" in text
