"""HIM-7.7-antivirus: settings validation, freshclam.conf, databases, freshclam and scan logs,
the verdict, and the module's audit/enforce round trip on a planted host tree."""

from __future__ import annotations

import calendar
import os
import re
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from ansible.module_utils.testing import patch_module_args
from ansible_collections.hisops.him.plugins.module_utils import antivirus as av
from ansible_collections.hisops.him.plugins.modules import hisops_antivirus

from tests.unit.workstation.test_catalog_data import _doc_options, _ps_bracket_problems

pytestmark = pytest.mark.unit

NOW = calendar.timegm((2026, 11, 27, 12, 0, 0))
SETTINGS: dict[str, Any] = {"mirror_url": "http://nc-01", "custom_databases": ["hospital.hdb"], "max_age_hours": 48}
ACTIVE = {"LoadState": "loaded", "ActiveState": "active", "SubState": "running", "ConditionResult": "yes"}
SKIPPED = {"LoadState": "loaded", "ActiveState": "inactive", "SubState": "dead", "ConditionResult": "no"}


def log_time(epoch: float) -> str:
    return time.strftime(av.LOG_TIME, time.localtime(epoch))  # freshclam logs the host's local time


def freshclam_run(epoch: float, error: str = "") -> str:
    lines = ["%s -> ClamAV update process started at %s" % (log_time(epoch), log_time(epoch))]
    lines.append("%s -> %s" % (log_time(epoch), "ERROR: " + error if error else "hospital.hdb is up-to-date"))
    return "\n".join([*lines, "%s -> --------------------------------------" % log_time(epoch)]) + "\n"


def scan_block(end: float, found: list[str], moved: list[str], rc: int, kind: str = "quick") -> str:
    out = ["HISOPS-SCAN-START kind=%s time=%d files=3" % (kind, end - 5)]
    out += ["%s: Eicar.UNOFFICIAL FOUND" % f for f in found]
    out += ["%s: moved to '/q/%s'" % (f, os.path.basename(f)) for f in moved]
    return "\n".join([*out, "HISOPS-SCAN-END kind=%s time=%d rc=%d" % (kind, end, rc)]) + "\n"


# ---- settings ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"quick_scan": {"time": "7:30", "paths": ["/home"]}},
            "hisops_antivirus_quick_scan.time = '7:30' must be HH:MM",
        ),
        ({"full_scan": {"weekday": "Sunday", "time": "13:00", "paths": ["/"]}}, "hisops_antivirus_full_scan.weekday"),
        ({"max_age_hours": 0}, "hisops_antivirus_max_age_hours = 0 must be a number above 0"),
        ({"max_age_hours": -3}, "hisops_antivirus_max_age_hours = -3 must be a number above 0"),
        ({"mirror_url": "ftp://nc-01/clamav"}, "hisops_antivirus_mirror_url = 'ftp://nc-01/clamav' must be an http"),
        ({"mirror_url": ""}, "hisops_antivirus_mirror_url = '' must be an http"),
        ({"quarantine_dir": "quarantine"}, "hisops_antivirus_quarantine_dir = 'quarantine' must be an absolute path"),
        ({"quick_scan": {"time": "12:00", "paths": ["home"]}}, "hisops_antivirus_quick_scan.paths[0] = 'home'"),
        ({"custom_databases": ["../x.hdb"]}, "hisops_antivirus_custom_databases"),
        ({"official_databases": ["safebrowsing"]}, "hisops_antivirus_official_databases"),
        ({"custom_databases": [], "official_databases": []}, "there would be no signatures"),
        ({"onaccess": "yes"}, "hisops_antivirus_onaccess = 'yes' must be true or false"),
    ],
)
def test_bad_settings_name_the_host_and_the_variable(change: dict[str, Any], message: str) -> None:
    problems = av.settings_problems("ws-1", {**SETTINGS, **change})
    assert len(problems) == 1 and problems[0].startswith("host ws-1: ") and message in problems[0], problems


def test_good_settings_have_no_problem() -> None:
    assert av.settings_problems("ws-1", SETTINGS) == []
    assert (
        av.settings_problems("ws-1", {**SETTINGS, "max_age_hours": 0.001, "mirror_url": "https://10.0.0.5:8443/av"})
        == []
    )


# ---- freshclam.conf --------------------------------------------------------------------------


def test_rendered_conf_is_mirror_only_and_excludes_what_the_mirror_does_not_carry() -> None:
    text = av.render_freshclam_conf({**SETTINGS, "official_databases": ["daily"]}, "/var/lib/clamav", "/var/log/f.log")
    conf = av.parse_freshclam_conf(text)
    assert conf["PrivateMirror"] == ["http://nc-01"]
    assert conf["ExcludeDatabase"] == ["main", "bytecode"]
    assert conf["DatabaseCustomURL"] == ["http://nc-01/hospital.hdb"]
    assert "DatabaseMirror" not in conf and conf["LogTime"] == ["true"]
    assert av.source_differences(conf, conf) == []


def test_debian_default_conf_is_not_mirror_only() -> None:
    debian = "# comment\nDatabaseMirror db.local.clamav.net\nDatabaseMirror database.clamav.net\nChecks 24\n"
    expected = av.parse_freshclam_conf(av.render_freshclam_conf(SETTINGS, "/var/lib/clamav", "/l"))
    diffs = av.source_differences(av.parse_freshclam_conf(debian), expected)
    assert "freshclam.conf: unexpected DatabaseMirror database.clamav.net" in diffs
    assert "freshclam.conf: missing PrivateMirror http://nc-01" in diffs
    assert "freshclam.conf: missing ExcludeDatabase daily" in diffs


def test_an_extra_custom_url_elsewhere_is_found() -> None:
    expected = av.parse_freshclam_conf(av.render_freshclam_conf(SETTINGS, "/var/lib/clamav", "/l"))
    actual = {k: list(v) for k, v in expected.items()}
    actual["DatabaseCustomURL"].append("http://example.invalid/x.ndb")
    assert av.source_differences(actual, expected) == [
        "freshclam.conf: unexpected DatabaseCustomURL http://example.invalid/x.ndb"
    ]


# ---- databases and logs --------------------------------------------------------------------


def test_cvd_header() -> None:
    header = b"ClamAV-VDB:27 Nov 2026 08-00 +0000:27470:2076000:90:md5sum:dsig:builder:1795766400" + b" " * 400
    assert av.parse_cvd_header(header) == ("27470", 1795766400.0, 2076000)
    assert av.parse_cvd_header(b"44d88612fea8a8f36de82e1278abb02f:68:eicar.com\n") is None


def test_freshclam_log_last_run_and_last_success() -> None:
    text = freshclam_run(NOW - 7200) + freshclam_run(NOW - 3600, "Can't connect to port 80 of host nc-01")
    state = av.parse_freshclam_log(text)
    assert state.last_run == NOW - 3600 and state.last_ok == NOW - 7200
    assert state.last_errors == ["Can't connect to port 80 of host nc-01"]
    assert av.parse_freshclam_log("").last_ok is None


def test_a_run_still_in_progress_is_not_a_success() -> None:
    """The daemon retrying an unreachable mirror logs only warnings until the run ends: the last
    finished run (failed) stands (seen on the lab: the run was taken for a success)."""
    t = log_time(NOW - 30)
    retrying = "%s -> ClamAV update process started at %s\n%s -> WARNING: Can't download hospital.hdb\n" % (t, t, t)
    stopped = retrying + "%s -> Update process terminated\n%s -> --------------------------------------\n" % (t, t)
    for tail in (retrying, stopped):
        state = av.parse_freshclam_log(freshclam_run(NOW - 7200) + freshclam_run(NOW - 60, "Update failed.") + tail)
        assert state.last_run == NOW - 60 and state.last_ok == NOW - 7200
        assert state.last_errors == ["Update failed."]


def transcript(lines: list[tuple[float, str]]) -> str:
    """freshclam.log lines as ClamAV 1.4 writes them with LogTime true."""
    return "".join("%s -> %s\n" % (log_time(epoch), text) for epoch, text in lines)


SEPARATOR = "-" * 38  # every freshclam process writes it when it starts; the daemon after each run
DAEMON_OK = [
    (NOW - 7200, SEPARATOR),
    (NOW - 7200, "freshclam daemon 1.4.3 (OS: Linux, ARCH: x86_64, CPU: x86_64)"),
    (NOW - 7200, "ClamAV update process started at %s" % log_time(NOW - 7200)),
    (NOW - 7200, "hospital.hdb is up-to-date (version: custom database)"),
    (NOW - 7200, SEPARATOR),
]
STOPPED = [(NOW - 120, "Update process terminated"), (NOW - 100, SEPARATOR)]  # then freshclam by hand


def one_shot(epoch: float, ok: bool) -> list[tuple[float, str]]:
    """A ``freshclam`` run by hand with the daemon stopped: no separator after it."""
    lines = [(epoch, "ClamAV update process started at %s" % log_time(epoch))]
    if ok:
        return [*lines, (epoch, "hospital.hdb updated (version: custom database, sigs: 1)")]
    return [
        *lines,
        (epoch, "WARNING: Can't download hospital.hdb from http://nc-01/hospital.hdb"),
        (epoch, "Trying again in 5 secs..."),
        (epoch + 10, "ERROR: Download failed (7) %s -> ERROR:  Message: Couldn't connect to server" % log_time(epoch)),
        (epoch + 10, "ERROR: Can't download hospital.hdb from http://nc-01/hospital.hdb"),
        (epoch + 10, "Update failed for custom database URL: http://nc-01/hospital.hdb"),
        (epoch + 10, "ERROR: Database update process failed: Connection failed"),
        (epoch + 10, "ERROR: Update failed."),
    ]


DAEMON_RETRYING = [  # the daemon, started again, retrying the mirror with warnings: its run is not over
    (NOW - 60, SEPARATOR),
    (NOW - 60, "freshclam daemon 1.4.3 (OS: Linux, ARCH: x86_64, CPU: x86_64)"),
    (NOW - 60, "ClamAV update process started at %s" % log_time(NOW - 60)),
    (NOW - 60, "WARNING: Can't download hospital.hdb from http://nc-01/hospital.hdb"),
    (NOW - 60, "Trying again in 5 secs..."),
]


def test_the_mirror_down_sequence_of_the_lab_replayed_line_by_line(monkeypatch: pytest.MonkeyPatch) -> None:
    """freshclam.log of ws-mz-01 in the lab test: the daemon stopped, freshclam by hand with nginx
    stopped on the mirror (fails after 3 attempts), the daemon started again (retrying), then the
    same with nginx started again. Read after each line, as an audit at that moment would."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    try:
        lines = (Path(__file__).parent / "data/freshclam-mirror-down.log").read_text(encoding="utf-8").splitlines()
        at = {
            hms: calendar.timegm((2026, 11, 27, *map(int, hms.split(":"))))
            for hms in ("22:26:39", "22:26:46", "22:27:03")
        }
        seen = []
        for n in range(1, len(lines) + 1):
            state = av.parse_freshclam_log("\n".join(lines[:n]), ["hospital"])
            seen.append((state.last_run, state.last_ok, bool(state.last_errors)))
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()
    failed_at = next(i for i, line in enumerate(lines) if line.endswith("ERROR: Update failed."))
    back_at = next(i for i, line in enumerate(lines) if line.startswith("Fri Nov 27 22:27:03") and "up-to-date" in line)
    before, down, back = seen[:failed_at], seen[failed_at:back_at], seen[back_at:]
    assert set(before[4:]) == {(at["22:26:39"], at["22:26:39"], False)}  # the run by hand is not over yet
    assert set(down) == {(at["22:26:46"], at["22:26:39"], True)}  # failed, however long the daemon retries
    assert set(back) == {(at["22:27:03"], at["22:27:03"], False)}


def test_a_failed_one_shot_run_is_over_at_update_failed() -> None:
    text = transcript(DAEMON_OK + STOPPED + one_shot(NOW - 100, ok=False))
    state = av.parse_freshclam_log(text, ["hospital"])
    assert (state.last_run, state.last_ok) == (NOW - 100, NOW - 7200)
    assert state.last_errors == [
        "Can't download hospital.hdb from http://nc-01/hospital.hdb",
        "Database update process failed: Connection failed",
        "Update failed.",
    ]
    retrying = av.parse_freshclam_log(text + transcript(DAEMON_RETRYING), ["hospital"])
    assert (retrying.last_run, retrying.last_ok, retrying.last_errors) == (NOW - 100, NOW - 7200, state.last_errors)


def test_a_successful_one_shot_run_counts_once_it_is_over() -> None:
    then_daemon = av.parse_freshclam_log(
        transcript(DAEMON_OK + STOPPED + one_shot(NOW - 100, ok=True) + DAEMON_RETRYING)
    )
    assert (then_daemon.last_run, then_daemon.last_ok, then_daemon.last_errors) == (NOW - 100, NOW - 100, [])
    at_the_end = transcript(DAEMON_OK + STOPPED + one_shot(NOW - 100, ok=True))
    assert av.parse_freshclam_log(at_the_end, ["hospital"]).last_ok == NOW - 100
    # at the end of the log and not every database reported yet: it may still be running
    assert av.parse_freshclam_log(at_the_end).last_ok == NOW - 7200
    assert av.parse_freshclam_log(at_the_end, ["hospital", "daily"]).last_ok == NOW - 7200


def test_a_run_cut_short_says_nothing() -> None:
    cut = [*one_shot(NOW - 100, ok=False)[:3], (NOW - 95, "Update process terminated")]
    state = av.parse_freshclam_log(transcript(DAEMON_OK + STOPPED + cut + DAEMON_RETRYING), ["hospital"])
    assert (state.last_run, state.last_ok, state.last_errors) == (NOW - 7200, NOW - 7200, [])


def test_log_times_are_the_hosts_local_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """freshclam writes ctime(): on a workstation in China the log says 20:00 for 12:00 UTC."""
    monkeypatch.setenv("TZ", "Asia/Shanghai")
    time.tzset()
    try:
        line = "Fri Nov 27 20:00:00 2026 -> ClamAV update process started at Fri Nov 27 20:00:00 2026\n"
        sep = "Fri Nov 27 20:00:01 2026 -> --------------------------------------\n"
        assert av.parse_freshclam_log(line + sep).last_ok == NOW
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()


def test_scan_log_detections_moved_and_unhandled() -> None:
    text = scan_block(NOW - 90000, ["/home/a/old"], [], 1)
    text += scan_block(NOW - 60, ["/home/a/x.com", "/home/b/y.exe"], ["/home/a/x.com"], 1)
    text += "HISOPS-SCAN-START kind=full time=%d files=9\n" % NOW  # still running: not the last scan
    scan = av.parse_scan_log(text)
    assert scan is not None and (scan.kind, scan.end, scan.rc) == ("quick", NOW - 60, 1)
    assert scan.found == ["/home/a/x.com: Eicar.UNOFFICIAL", "/home/b/y.exe: Eicar.UNOFFICIAL"]
    assert scan.unhandled == ["/home/b/y.exe: Eicar.UNOFFICIAL"]
    assert av.parse_scan_log("HISOPS-SCAN-START kind=quick time=1\n") is None


# ---- the verdict -------------------------------------------------------------------------------


def state(**change: Any) -> av.State:
    expected = av.parse_freshclam_conf(av.render_freshclam_conf(SETTINGS, "/var/lib/clamav", "/l"))
    base: dict[str, Any] = {
        "packages": dict.fromkeys(av.PACKAGES, "1.4.3"),
        "units": {av.CLAMD_UNIT: ACTIVE, av.FRESHCLAM_UNIT: ACTIVE},
        "conf_differences": av.source_differences(expected, expected),
        "databases": [av.Database("hospital.hdb", "custom", NOW - 100, None)],
        "freshclam": av.parse_freshclam_log(freshclam_run(NOW - 3600)),
        "scan": av.parse_scan_log(scan_block(NOW - 600, [], [], 0)),
        "quarantined": [],
        "engine": "ClamAV 1.4.3",
    }
    return av.State(**{**base, **change})


def test_everything_fine_passes_with_evidence() -> None:
    result = av.verdict(SETTINGS, state(), NOW)
    assert result.problems == [] and result.signature_age_hours == 1.0
    assert "clamav-daemon.service: active (running)" in result.evidence
    assert "signature age: 1.0 h (last successful freshclam update), limit 48 h" in result.evidence


def test_a_skipped_daemon_is_not_running() -> None:
    result = av.verdict(SETTINGS, state(units={av.CLAMD_UNIT: SKIPPED, av.FRESHCLAM_UNIT: ACTIVE}), NOW)
    assert result.needs == {"clamd"}
    assert result.problems == [
        "clamav-daemon.service is not running (inactive: skipped by systemd, a start condition failed (no databases?))"
    ]


def test_signatures_fail_past_the_limit_not_before() -> None:
    failing = state(freshclam=av.parse_freshclam_log(freshclam_run(NOW - 3600) + freshclam_run(NOW - 60, "down")))
    young = av.verdict(SETTINGS, failing, NOW)
    assert young.problems == [] and any("failed: down" in e for e in young.evidence)
    old = av.verdict({**SETTINGS, "max_age_hours": 0.5}, failing, NOW)
    assert old.problems == ["signatures 1.0 h old (limit 0.5 h)"] and "update" in old.needs


def test_the_limit_is_compared_with_the_exact_age_not_the_rounded_one() -> None:
    """The lab's mirror-down test after the corrupt-import test: the last success 15 s before the audit,
    0.004 h, shown as 0.0 h; compared rounded, it passed a limit of 0.0001 h (passed alone: older)."""
    recent = state(freshclam=av.parse_freshclam_log(freshclam_run(NOW - 15) + freshclam_run(NOW - 5, "down")))
    result = av.verdict({**SETTINGS, "max_age_hours": 0.0001}, recent, NOW)
    assert result.problems == ["signatures 0.0 h old (limit 0.0001 h)"] and result.signature_age_hours == 0.0


def test_official_database_age_is_its_build_time() -> None:
    daily = av.Database("daily.cvd", "27470", NOW - 3 * 86400, 2000)
    settings = {**SETTINGS, "official_databases": ["daily"]}
    result = av.verdict(settings, state(databases=[daily, *state().databases]), NOW)
    assert result.signature_age_hours == 72.0 and "signatures 72.0 h old (limit 48 h)" in result.problems
    never = av.verdict(SETTINGS, state(freshclam=av.FreshclamState()), NOW)
    assert "signatures of unknown age (limit 48 h)" in never.problems


def test_missing_packages_databases_scan_and_unhandled_detections_fail() -> None:
    result = av.verdict(
        SETTINGS,
        state(
            packages={"clamav": "1"},
            databases=[],
            scan=av.parse_scan_log(scan_block(NOW - 60, ["/home/a/x"], [], 1)),
        ),
        NOW,
    )
    assert "packages not installed: clamav-daemon, clamav-freshclam, clamdscan" in result.problems
    assert "databases missing: hospital.hdb" in result.problems
    assert "detections not quarantined: /home/a/x: Eicar.UNOFFICIAL" in result.problems
    stale = av.verdict(SETTINGS, state(scan=av.parse_scan_log(scan_block(NOW - 30 * 3600, [], [], 0))), NOW)
    assert stale.problems == ["last scan is 30.0 h old (limit 26 h)"] and stale.needs == {"scan"}
    none = av.verdict(SETTINGS, state(scan=None), NOW)
    assert none.problems == ["no scan has finished"]


# ---- the module on a planted host ------------------------------------------------------------


class Runner:
    """dpkg-query, systemctl show/start/stop/enable, freshclam and clamd --version on a planted tree."""

    def __init__(self, root: Path, clamd: dict[str, str]) -> None:
        self.root, self.calls = root, []
        self.units = {av.CLAMD_UNIT: clamd, av.FRESHCLAM_UNIT: ACTIVE, av.ONACCESS_UNIT: SKIPPED}

    def __call__(self, argv: list[str]) -> tuple[int, str, str]:
        self.calls.append(argv)
        if argv[0] == "dpkg-query":
            return 0, "".join("%s installed 1.4.3\n" % p for p in av.PACKAGES), ""
        if argv[:2] == ["systemctl", "show"]:
            return 0, "\n".join("Id=%s\n%s\n" % (u, "\n".join("%s=%s" % kv for kv in s.items()))
                                for u, s in self.units.items() if u in argv), ""  # fmt: skip
        if argv[:3] == ["systemctl", "enable", "--now"]:
            for unit in argv[3:]:
                self.units[unit] = ACTIVE
        if argv[0] == "clamd":
            return 0, "ClamAV 1.4.3/27470/Fri Nov 27 08:00:00 2026\n", ""
        return 0, "", ""


def plant(root: Path, conf: str) -> None:
    files = {
        "etc/clamav/freshclam.conf": conf,
        "var/log/clamav/freshclam.log": freshclam_run(time.time() - 600),
        "var/lib/clamav/hospital.hdb": "44d88612fea8a8f36de82e1278abb02f:68:eicar.com\n",
        "var/log/hisops/clamav-scan.log": scan_block(time.time() - 60, [], [], 0),
    }
    for path, text in files.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text, encoding="utf-8")
    (root / "var/lib/hisops/clamav-quarantine").mkdir(parents=True)


def run_module(root: Path, runner: Runner, check: bool, enforce: bool = True) -> dict[str, Any]:
    args = {"settings": SETTINGS, "enforce": enforce, "_ansible_check_mode": check, "_ansible_diff": True}
    with patch_module_args(args):
        module = hisops_antivirus.build_module()
    mod = hisops_antivirus.Antivirus(module, str(root))
    mod.reader.runner = mod._run = runner  # type: ignore[method-assign]
    return mod.main()


def test_check_mode_reports_and_changes_nothing(tmp_path: Path) -> None:
    plant(tmp_path, "DatabaseMirror database.clamav.net\n")
    runner = Runner(tmp_path, SKIPPED)
    result = run_module(tmp_path, runner, check=True)
    (record,) = result["hisops_controls"]
    assert record["status"] == "fail" and result["changed"] is True  # would change
    assert record["changes"] == ["write the mirror-only freshclam.conf", "run freshclam (update from the mirror)",
                                 "start and enable clamav-daemon.service"]  # fmt: skip
    assert "PrivateMirror http://nc-01" in result["diff"]["after"]
    assert (tmp_path / "etc/clamav/freshclam.conf").read_text() == "DatabaseMirror database.clamav.net\n"
    assert all(c[:2] == ["systemctl", "show"] or c[0] in ("dpkg-query", "clamd") for c in runner.calls)


def test_enforce_fixes_then_a_second_run_changes_nothing(tmp_path: Path) -> None:
    plant(tmp_path, "DatabaseMirror database.clamav.net\n")
    runner = Runner(tmp_path, SKIPPED)
    first = run_module(tmp_path, runner, check=False)
    assert first["hisops_controls"][0]["status"] == "fixed" and first["changed"], first
    assert ["freshclam", "--stdout", "--no-warnings"] in runner.calls
    facts = first[av.STATE_KEY]  # what the recorder keeps for the report's antivirus section
    assert (facts["protection_on"], facts["max_age_hours"], facts["signature_age_hours"]) == (True, 48, 0.17)
    assert "PrivateMirror http://nc-01" in (tmp_path / "etc/clamav/freshclam.conf").read_text()
    second = run_module(tmp_path, runner, check=False)
    assert second["hisops_controls"][0]["status"] == "pass" and not second["changed"], second
    assert "diff" not in second


def test_audit_only_never_fixes(tmp_path: Path) -> None:
    plant(tmp_path, "DatabaseMirror database.clamav.net\n")
    result = run_module(tmp_path, Runner(tmp_path, SKIPPED), check=False, enforce=False)
    assert result["hisops_controls"][0]["status"] == "fail" and not result["changed"]


def test_the_module_refuses_bad_settings_before_reading(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    with patch_module_args({"settings": {**SETTINGS, "mirror_url": "nc-01"}}):
        module = hisops_antivirus.build_module()
    failures: list[dict[str, Any]] = []
    monkeypatch.setattr(module, "fail_json", lambda **kw: failures.append(kw) or sys.exit(1))
    runner = Runner(tmp_path, ACTIVE)
    mod = hisops_antivirus.Antivirus(module, str(tmp_path))
    mod.reader.runner = mod._run = runner  # type: ignore[method-assign]
    with pytest.raises(SystemExit):
        mod.main()
    assert "hisops_antivirus_mirror_url = 'nc-01'" in failures[0]["msg"] and runner.calls == []


# ---- Windows (Defender): data and syntax only, no PowerShell here ------------------------------


def test_windows_module_spec_matches_its_documentation_and_the_role_mechanism() -> None:
    root = Path(__file__).resolve().parents[3]
    ps1 = (root / "plugins/modules/hisops_antivirus_windows.ps1").read_text(encoding="utf-8")
    options = _doc_options(root / "plugins/modules/hisops_antivirus_windows.py")
    spec = set(re.findall(r"^\s{8}(\w+) = @\{ type", ps1, re.MULTILINE))
    assert spec == options and "mechanism" in spec
    assert ps1.startswith("#!powershell") and _ps_bracket_problems(ps1) == []
    role_vars = yaml.safe_load((root / "roles/antivirus/vars/main.yml").read_text(encoding="utf-8"))
    windows = role_vars["hisops_antivirus_windows_mechanism"]
    assert set(windows["update_sources"]) == {"share", "wsus"}
    assert set(windows["update_sources"].values()) == {"FileShares", "InternalDefinitionUpdateServer"}
    assert windows["preferences"] and all(v is False for v in windows["preferences"].values())


def test_windows_share_must_be_unc_on_windows_hosts_only() -> None:
    windows = {**SETTINGS, "platform": "windows"}
    assert av.settings_problems("pc-1", windows) == [
        "host pc-1: hisops_antivirus_windows_share = '' must be a UNC path (\\\\server\\share)"
    ]
    assert av.settings_problems("pc-1", {**windows, "windows_share": r"\\nc-01\defender"}) == []
    assert av.settings_problems("pc-1", {**windows, "windows_update_source": "wsus"}) == []
    assert av.settings_problems("ws-1", SETTINGS) == []  # Linux hosts need no share


# ---- the same audit as an area of the workstation module's one round trip --------------------


def workstation_audit(root: Path, runner: Runner, enforce: bool) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """HIM-7.7-antivirus through hisops_workstation_linux's engine, as the workstation_policy role sends it."""
    import datetime

    from ansible_collections.hisops.him.plugins.module_utils.workstation_host import Host
    from ansible_collections.hisops.him.plugins.module_utils.workstation_linux import run_controls

    from tests.unit.workstation.data import controls_for

    args = {
        "host": "ws-1",
        "department": {"login_group": "mz_staff"},
        "policy": {"antivirus": {**SETTINGS, "onaccess": None}},
    }
    extra: dict[str, Any] = {}
    records, diffs = run_controls(
        Host(runner, str(root)), controls_for(["HIM-7.7-antivirus"]), args, enforce, datetime.date.today(), extra
    )
    assert diffs == []
    return records, extra


def test_the_workstation_round_trip_gives_the_antivirus_modules_record_and_facts(tmp_path: Path) -> None:
    plant(tmp_path, av.render_freshclam_conf(SETTINGS, "/var/lib/clamav", "/var/log/clamav/freshclam.log"))
    runner = Runner(tmp_path, ACTIVE)
    (record,), extra = workstation_audit(tmp_path, runner, enforce=False)
    alone = run_module(tmp_path, Runner(tmp_path, ACTIVE), check=True)
    assert record["status"] == "pass" and record["message"].startswith("ClamAV running, signatures 0.17 h old"), record
    assert record["evidence"] == alone["hisops_controls"][0]["evidence"]
    assert extra[av.STATE_KEY] == alone[av.STATE_KEY]  # the recorder stores the same antivirus_states row
    assert extra[av.STATE_KEY]["engine"] == "ClamAV 1.4.3" and extra[av.STATE_KEY]["quarantined"] == 0


def test_the_workstation_round_trip_fails_a_skipped_daemon_and_changes_nothing_even_when_enforcing(
    tmp_path: Path,
) -> None:
    plant(tmp_path, av.render_freshclam_conf(SETTINGS, "/var/lib/clamav", "/var/log/clamav/freshclam.log"))
    runner = Runner(tmp_path, SKIPPED)
    (record,), extra = workstation_audit(tmp_path, runner, enforce=True)
    assert record["status"] == "fail" and record["changes"] == [], record
    assert (
        "clamav-daemon.service is not running" in record["message"] and "playbooks/antivirus.yml" in record["message"]
    )
    assert extra[av.STATE_KEY]["protection_on"] is False
    assert all(c[:2] == ["systemctl", "show"] or c[0] in ("dpkg-query", "clamd") for c in runner.calls)


def test_the_workstation_module_refuses_bad_antivirus_settings_naming_host_and_variable() -> None:
    from ansible_collections.hisops.him.plugins.module_utils.workstation_antivirus import antivirus_problems

    from tests.unit.workstation.data import controls_for

    bad = {"antivirus": {"mirror_url": "ftp://nc-01", "max_age_hours": -1, "scan_log": None}}
    problems = antivirus_problems("ws-1", controls_for(["HIM-7.7-antivirus"]), bad)
    assert problems == [
        "host ws-1: hisops_antivirus_mirror_url = 'ftp://nc-01' must be an http:// or https:// URL of the hospital's "
        "signature mirror",
        "host ws-1: hisops_antivirus_max_age_hours = -1 must be a number above 0",
    ]
    assert antivirus_problems("ws-1", controls_for(["HIM-5.4-games"]), bad) == []
