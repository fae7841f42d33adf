"""The Linux workstation checks and fixes, as data (cases_linux.yml) against a planted tree."""

from __future__ import annotations

import datetime
import os
from pathlib import Path
from typing import Any

import pytest
import yaml
from ansible_collections.hisops.him.plugins.module_utils.workstation_host import Host
from ansible_collections.hisops.him.plugins.module_utils.workstation_linux import run_controls
from ansible_collections.hisops.him.plugins.module_utils.workstation_packages import pin_content

from .data import MECHANISM, controls_for
from .fakehost import MIRRORS, FakeRunner, plant

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[3]
CASES = yaml.safe_load((Path(__file__).with_name("cases_linux.yml")).read_text(encoding="utf-8"))
TODAY = datetime.date(2026, 11, 25)
DEPARTMENT = {"code": "outpatient", "login_group": "mz_staff"}


def _args(case: dict[str, Any]) -> dict[str, Any]:
    return {
        "host": "ws-test",
        "groups": case.get("groups", ["dept_outpatient", "workstations_linux"]),
        "department": DEPARTMENT,
        "policy": {"apt_mirrors": MIRRORS, **case.get("policy", {"software_allowlist": ["python3*", "sudo"]})},
        "connection_user": case.get("connection_user", "root"),
        "clinical_24h": case.get("clinical_24h", False),
    }


def _statuses(records: list[dict[str, Any]]) -> dict[str, str]:
    return {r["id"]: r["status"] for r in records}


def _evidence(records: list[dict[str, Any]], cid: str) -> str:
    return "\n".join(next(r for r in records if r["id"] == cid)["evidence"])


@pytest.mark.parametrize("name", sorted(CASES))
def test_case(name: str, tmp_path: Path) -> None:
    case = CASES[name]
    files = {
        p: (pin_content(MECHANISM["linux"]["HIM-5.4-games"], "HIM-5.4-games") if c == "@pin@" else c)
        for p, c in (case.get("files") or {}).items()
    }
    plant(tmp_path, case.get("packages") or {}, files, case.get("auto") or [])
    runner = FakeRunner(tmp_path, tuple(case.get("fail_commands") or ()))
    selected = controls_for(case.get("controls"))
    args = _args(case)

    before = _snapshot(tmp_path)
    audit, diffs = run_controls(Host(runner, str(tmp_path)), selected, args, False, TODAY)
    assert _snapshot(tmp_path) == before, "an audit must not change the host"
    # an audit runs no command but the antivirus area's read-only queries
    assert [c for c in runner.calls if not antivirus_query(c)] == [], "an audit runs no command"
    assert _statuses(audit) == case["audit"]
    for cid, needles in (case.get("evidence") or {}).items():
        for needle in needles:
            assert needle in _evidence(audit, cid)
    for cid, needles in (case.get("not_evidence") or {}).items():
        for needle in needles:
            assert needle not in _evidence(audit, cid)
    failing = [r for r in audit if r["status"] == "fail" and r["changes"]]
    assert len(diffs) >= len(failing) > 0 or not failing

    if "enforce" not in case:
        return
    fixed, _ = run_controls(Host(runner, str(tmp_path)), selected, args, True, TODAY)
    assert _statuses(fixed) == case["enforce"]
    for call in case.get("calls") or []:
        assert call in runner.calls
    for command in case.get("no_calls") or []:
        assert not [c for c in runner.calls if c[0] == command]
    for path in case.get("absent_after") or []:
        assert not (tmp_path / path.lstrip("/")).exists()
    for path, needles in (case.get("contains_after") or {}).items():
        text = (tmp_path / path.lstrip("/")).read_text(encoding="utf-8")
        for needle in needles:
            assert needle in text
    if "after" in case:
        runner.calls.clear()
        again, diffs_again = run_controls(Host(runner, str(tmp_path)), selected, args, False, TODAY)
        assert _statuses(again) == case["after"]
        assert [r for r in again if r["changes"]] == [], "a second run has nothing left to change"
        assert diffs_again == []


def antivirus_query(argv: list[str]) -> bool:
    """The read-only commands of the antivirus area (module_utils.antivirus.read_state)."""
    return argv[0] in ("dpkg-query", "clamd") or argv[:2] == ["systemctl", "show"]


def _snapshot(root: Path) -> dict[str, tuple[float, bytes]]:
    return {str(p): (p.lstat().st_mtime, p.read_bytes()) for p in root.rglob("*") if p.is_file()}


def test_fix_that_raises_is_an_error_record_not_a_crash(tmp_path: Path) -> None:
    plant(tmp_path, {"sl": {"Section": "games", "files": ["/usr/games/sl"]}}, {}, [])
    runner = FakeRunner(tmp_path, ("apt-get",))
    records, _ = run_controls(Host(runner, str(tmp_path)), controls_for(["HIM-5.4-games"]), _args({}), True, TODAY)
    assert records[0]["status"] == "error"
    assert "apt-get" in records[0]["message"] and "simulated failure" in records[0]["message"]


def test_purge_refused_when_apt_would_remove_a_protected_package(tmp_path: Path) -> None:
    from ansible_collections.hisops.him.plugins.module_utils.workstation_host import FixError
    from ansible_collections.hisops.him.plugins.module_utils.workstation_packages import purge_action

    plant(tmp_path, {"gdm3": {"Depends": "tree"}, "tree": {"files": ["/usr/bin/tree"]}}, {}, [])
    runner = FakeRunner(tmp_path)
    with pytest.raises(FixError, match="apt would also remove gdm3"):
        purge_action(Host(runner, str(tmp_path)), ["tree"], "test", {"gdm3"}).apply()
    assert [c for c in runner.calls if "-y" in c] == [], "nothing purged"
    assert (tmp_path / "usr/bin/tree").exists()


@pytest.mark.parametrize("cid", ["HIM-7.4-storage", "HIM-7.1-settings"])
def test_polkit_rules_fail_again_once_polkitd_is_gone(tmp_path: Path, cid: str) -> None:
    plant(tmp_path, {}, {}, [])
    runner = FakeRunner(tmp_path)
    fixed, _ = run_controls(Host(runner, str(tmp_path)), controls_for([cid]), _args({}), True, TODAY)
    assert _statuses(fixed) == {cid: "fixed"}
    runner(["apt-get", "purge", "-y", "polkitd"])
    again, _ = run_controls(Host(runner, str(tmp_path)), controls_for([cid]), _args({}), False, TODAY)
    assert _statuses(again) == {cid: "fail"}
    assert "polkitd is not installed" in _evidence(again, cid)


def test_pam_alternatives_link_is_left_a_link(tmp_path: Path) -> None:
    pam = "auth required pam_sss.so\n@include common-account\n"
    plant(tmp_path, {}, {"/etc/pam.d/gdm-smartcard-sssd-exclusive": pam}, [])
    (tmp_path / "etc/pam.d/gdm-smartcard").symlink_to("/etc/alternatives/gdm-smartcard")
    (tmp_path / "etc/alternatives").mkdir()
    (tmp_path / "etc/alternatives/gdm-smartcard").symlink_to(tmp_path / "etc/pam.d/gdm-smartcard-sssd-exclusive")
    runner = FakeRunner(tmp_path)
    fixed, _ = run_controls(Host(runner, str(tmp_path)), controls_for(["HIM-5.1-staff-only"]), _args({}), True, TODAY)
    assert _statuses(fixed) == {"HIM-5.1-staff-only": "fixed"}
    assert (tmp_path / "etc/pam.d/gdm-smartcard").is_symlink()
    assert "pam_access.so" in (tmp_path / "etc/pam.d/gdm-smartcard-sssd-exclusive").read_text()


def test_security_updates_age_limit_and_override(tmp_path: Path) -> None:
    cid = "HIM-7.7-updates"
    plant(tmp_path, {}, {}, [])
    runner = FakeRunner(tmp_path)
    fixed, _ = run_controls(Host(runner, str(tmp_path)), controls_for([cid]), _args({}), True, TODAY)
    assert _statuses(fixed) == {cid: "fixed"}
    assert ["unattended-upgrade"] in runner.calls
    assert ["systemctl", "enable", "--now", "apt-daily.timer", "apt-daily-upgrade.timer"] in runner.calls
    stamp = tmp_path / "var/lib/apt/periodic/unattended-upgrades-stamp"
    ten_days_ago = datetime.datetime.combine(TODAY - datetime.timedelta(days=10), datetime.time(12)).timestamp()
    os.utime(stamp, (ten_days_ago, ten_days_ago))
    old, _ = run_controls(Host(runner, str(tmp_path)), controls_for([cid]), _args({}), False, TODAY)
    assert _statuses(old) == {cid: "fail"}
    assert "last successful unattended upgrade 10 day(s) ago (limit 7)" in _evidence(old, cid)
    allowed, _ = run_controls(
        Host(runner, str(tmp_path)),
        controls_for([cid]),
        _args({"policy": {"update_max_age_days": 14}}),
        False,
        TODAY,
    )
    assert _statuses(allowed) == {cid: "pass"}
    assert "10 day(s) ago (limit 14)" in _evidence(allowed, cid)
    (tmp_path / "etc/apt/apt.conf.d/99local").write_text('APT::Periodic::Unattended-Upgrade "0";\n')
    off, _ = run_controls(
        Host(runner, str(tmp_path)),
        controls_for([cid]),
        _args({"policy": {"update_max_age_days": 14}}),
        False,
        TODAY,
    )
    assert _statuses(off) == {cid: "fail"}
    assert "/etc/apt/apt.conf.d/99local sets APT::Periodic::Unattended-Upgrade '0': it overrides" in _evidence(off, cid)


ROGUE_LIST = (
    "# a Debian source through a mirror the hospital did not approve, and a vendor's repository\n"
    "deb http://ftp.rogue.example/debian bookworm main contrib\n"
    "deb [arch=amd64 signed-by=/usr/share/keyrings/v.gpg] http://vendor.example/apt stable main\n"
    "deb http://mirror.hospital.example/debian/ bookworm-updates main\n"
)
ROGUE_SOURCES = (
    "Types: deb\nURIs: http://security.rogue.example/debian-security\nSuites: bookworm-security\nComponents: main\n"
    "\nEnabled: no\nTypes: deb\nURIs: http://old.rogue.example/debian\nSuites: buster\nComponents: main\n"
)


def test_apt_sources_outside_the_approved_mirrors(tmp_path: Path) -> None:
    """Every source must name an approved mirror: the distribution's sources are rewritten to the
    approved mirror (the -security one to the -security mirror), a vendor's is reported only."""
    cid = "HIM-7.7-updates"
    files = {"/etc/apt/sources.list.d/rogue.list": ROGUE_LIST, "/etc/apt/sources.list.d/sec.sources": ROGUE_SOURCES}
    plant(tmp_path, {}, files, [])
    runner = FakeRunner(tmp_path)
    audit, diffs = run_controls(Host(runner, str(tmp_path)), controls_for([cid]), _args({}), False, TODAY)
    assert _statuses(audit) == {cid: "fail"}
    evidence = _evidence(audit, cid)
    assert (
        "/etc/apt/sources.list.d/rogue.list:2: http://ftp.rogue.example/debian bookworm is not an approved mirror "
        "(rewritten to http://mirror.hospital.example/debian)" in evidence
    )
    assert "rogue.list:3: http://vendor.example/apt stable is not an approved mirror: remove the source" in evidence
    assert (
        "sec.sources: http://security.rogue.example/debian-security bookworm-security is not an approved mirror "
        "(rewritten to http://mirror.hospital.example/debian-security)" in evidence
    )
    assert "old.rogue.example" not in evidence  # a disabled stanza is not a source
    assert "rogue.list:4" not in evidence  # below an approved mirror
    assert any(d["after_header"] == "/etc/apt/sources.list.d/rogue.list" for d in diffs)
    assert (tmp_path / "etc/apt/sources.list.d/rogue.list").read_text() == ROGUE_LIST, "an audit changes nothing"

    fixed, _ = run_controls(Host(runner, str(tmp_path)), controls_for([cid]), _args({}), True, TODAY)
    assert _statuses(fixed) == {cid: "fail"}, "the vendor's source is left: reported, not an error"
    rewritten = (tmp_path / "etc/apt/sources.list.d/rogue.list").read_text()
    assert "deb http://mirror.hospital.example/debian bookworm main contrib\n" in rewritten
    assert "http://vendor.example/apt stable main" in rewritten and "rogue.example" not in rewritten
    sources = (tmp_path / "etc/apt/sources.list.d/sec.sources").read_text()
    assert "URIs: http://mirror.hospital.example/debian-security\nSuites: bookworm-security" in sources
    assert "URIs: http://old.rogue.example/debian" in sources

    (tmp_path / "etc/apt/sources.list.d/rogue.list").write_text(rewritten.replace("deb [arch", "# deb [arch"))
    again, _ = run_controls(Host(runner, str(tmp_path)), controls_for([cid]), _args({}), False, TODAY)
    assert _statuses(again) == {cid: "pass"}


def test_no_approved_mirror_set_is_a_finding_not_a_pass(tmp_path: Path) -> None:
    cid = "HIM-7.7-updates"
    plant(tmp_path, {}, {}, [])
    runner = FakeRunner(tmp_path)
    run_controls(Host(runner, str(tmp_path)), controls_for([cid]), _args({}), True, TODAY)  # everything else set up
    unset, _ = run_controls(
        Host(runner, str(tmp_path)), controls_for([cid]), _args({"policy": {"apt_mirrors": []}}), True, TODAY
    )
    assert _statuses(unset) == {cid: "fail"}
    assert "no approved apt mirror set (hisops_workstation_apt_mirrors)" in _evidence(unset, cid)
