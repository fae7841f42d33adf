"""HIM-7.7-antivirus on the shared lab, real ClamAV, no internet: the hospital's database is made
with sigtool on the mirror nc-01, imported through the offline-import playbook, served by nginx
and fetched by ws-mz-01's freshclam. Each test leaves ws-mz-01 and nc-01 compliant again.

Run under the lab lock: flock /tmp/hisops-lab.lock python -m pytest -m lab tests/integration/antivirus
The same tests run against other hosts (a copy of the chain in throwaway containers) with
HISOPS_AV_INVENTORY, HISOPS_AV_WS, HISOPS_AV_MIRROR and HISOPS_AV_MIRROR_URL.
"""

from __future__ import annotations

import calendar
import json
import os
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
from ansible_collections.hisops.him.plugins.plugin_utils import antivirus_register
from ansible_collections.hisops.him.plugins.plugin_utils.store import open_store

pytestmark = pytest.mark.lab

ROOT = Path(__file__).resolve().parents[3]
WS = os.environ.get("HISOPS_AV_WS", "ws-mz-01")
MIRROR = os.environ.get("HISOPS_AV_MIRROR", "nc-01")
MIRROR_URL = os.environ.get("HISOPS_AV_MIRROR_URL", "http://10.89.210.31")  # nc-01 on the lab network
INVENTORY = ["-i", os.environ["HISOPS_AV_INVENTORY"]] if os.environ.get("HISOPS_AV_INVENTORY") else []
EICAR = "X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
SCAN = "hisops-clamav-scan@quick.service"
AUDIT = "ClamAV running, signatures current"
FRESHCLAM = (
    "systemctl stop clamav-freshclam; freshclam --no-warnings; rc=$?; systemctl start clamav-freshclam; exit $rc"
)


def run(argv: list[str], store: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"))
    if argv[0] == "ansible-playbook":
        env["ANSIBLE_STDOUT_CALLBACK"] = "ansible.posix.json"
    if store is None:
        env["HISOPS_RECORDER_ENABLED"] = "false"
    else:
        env["HISOPS_STORE"] = str(store)
    return subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False)


def playbook(name: str, *extra: str, store: Path | None = None) -> tuple[int, dict[str, Any]]:
    proc = run(["ansible-playbook", *INVENTORY, "playbooks/%s" % name, *extra], store)
    try:
        return proc.returncode, json.loads(proc.stdout)
    except json.JSONDecodeError:
        pytest.fail("%s: no JSON output (rc=%d): %s" % (name, proc.returncode, proc.stderr[-3000:]))


def results(report: dict[str, Any], name_part: str) -> dict[str, Any]:
    return {
        h: r
        for p in report["plays"]
        for t in p["tasks"]
        if name_part in t["task"]["name"]
        for h, r in t["hosts"].items()
    }


def record(report: dict[str, Any]) -> dict[str, Any]:
    (rec,) = results(report, AUDIT)[WS]["hisops_controls"]
    assert rec["id"] == "HIM-7.7-antivirus"
    return rec


def on(host: str, module: str, args: str, ok: tuple[int, ...] = (0,)) -> str:
    proc = run(["ansible", *INVENTORY, host, "-m", module, "-a", args, "-o"])
    assert proc.returncode in ok, proc.stdout[-2000:] + proc.stderr[-2000:]
    return proc.stdout


def shell(host: str, cmd: str, ok: tuple[int, ...] = (0,)) -> str:
    return on(host, "ansible.builtin.shell", cmd, ok)


def audit(*extra: str) -> dict[str, Any]:
    rc, report = playbook("antivirus.yml", "-l", WS, "--check", "-e", "hisops_antivirus_mode=audit", *extra)
    assert rc == 0, report.get("stats")
    return record(report)


@pytest.fixture(scope="module")
def mirror(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The mirror set up, the hospital's EICAR database built with sigtool on it and imported."""
    tmp = tmp_path_factory.mktemp("antivirus")
    rc, report = playbook("antivirus.yml", "-l", MIRROR)
    assert rc == 0, report.get("stats")
    shell(MIRROR, "mkdir -p /root/hisops-eicar")
    on(MIRROR, "ansible.builtin.copy", "dest=/root/hisops-eicar/eicar.com content=%s" % json.dumps(EICAR))
    out = shell(MIRROR, "cd /root/hisops-eicar && sigtool --md5 eicar.com")
    sig = out.split("(stdout)", 1)[1].strip().split("\\n")[0].strip()
    assert sig.endswith(":68:eicar.com"), out
    (tmp / "hospital.hdb").write_text(sig + "\n", encoding="utf-8")
    rc, report = playbook(
        "clamav_mirror_import.yml", "-e", json.dumps({"hisops_clamav_import_files": [str(tmp / "hospital.hdb")]})
    )
    assert rc == 0, report.get("stats")
    assert any(line.startswith(("PUBLISHED hospital.hdb", "UNCHANGED hospital.hdb"))
               for line in results(report, "published atomically")[MIRROR]["stdout_lines"])  # fmt: skip
    return tmp


def test_workstation_updates_only_from_the_mirror_and_a_second_run_changes_nothing(mirror: Path) -> None:
    store = mirror / "results.sqlite"
    rc, report = playbook("antivirus.yml", "-l", WS, store=store)
    assert rc == 0, report.get("stats")
    assert record(report)["status"] in ("fixed", "pass")
    sources = shell(
        WS, "grep -E '^(PrivateMirror|DatabaseMirror|DatabaseCustomURL|ExcludeDatabase) ' /etc/clamav/freshclam.conf"
    )
    assert "PrivateMirror %s" % MIRROR_URL in sources
    assert "DatabaseCustomURL %s/hospital.hdb" % MIRROR_URL in sources
    assert "DatabaseMirror" not in sources
    published = shell(MIRROR, "sha256sum /srv/clamav-mirror/hospital.hdb").split("(stdout)")[1].split()[0]
    assert published in shell(WS, "sha256sum /var/lib/clamav/hospital.hdb")
    rc, again = playbook("antivirus.yml", "-l", WS)
    assert rc == 0 and again["stats"][WS]["changed"] == 0, again["stats"]
    assert record(again)["status"] == "pass"
    with open_store(store) as db:
        (run_row,) = db.runs()
        recorded = {(c["host"], c["control_id"]): c["status"] for c in db.run_control_results(run_row["uuid"])}
    assert recorded[WS, "HIM-7.7-antivirus"] in ("fixed", "pass")


def test_the_workstation_audit_checks_antivirus_in_its_one_round_trip_and_records_the_state(mirror: Path) -> None:
    """The compliance run's path: the workstation policy's one module call per host audits the
    antivirus area (--tags him-7.7-antivirus: that control only), with the evidence of the
    antivirus role's module, and the recorder stores the host's antivirus state."""
    store = mirror / "workstation.sqlite"
    rc, report = playbook("workstation_policy.yml", "-l", WS, "--check", "--tags", "him-7.7-antivirus", store=store)
    assert rc == 0, report.get("stats")
    res = results(report, "all selected controls in one round trip")[WS]
    (rec,) = res["hisops_controls"]
    assert rec["id"] == "HIM-7.7-antivirus" and rec["status"] == "pass", rec
    assert rec["evidence"] == audit()["evidence"]  # the antivirus role's own audit sees the same
    assert res["antivirus"]["engine"].startswith("ClamAV ") and res["antivirus"]["protection_on"] is True
    with open_store(store) as db:
        latest, _rows = antivirus_register.latest_states(db)
    (row,) = [r for r in latest if r["host"] == WS]
    assert row["status"] == "pass" and row["protection_on"] == 1 and row["engine"].startswith("ClamAV "), row


def test_eicar_is_detected_quarantined_and_reported(mirror: Path) -> None:
    shell(WS, "mkdir -p /home/hisops-avtest/Downloads")
    on(WS, "ansible.builtin.copy", "dest=/home/hisops-avtest/Downloads/eicar.com content=%s" % json.dumps(EICAR))
    try:
        assert "eicar.com.UNOFFICIAL FOUND" in shell(
            WS, "clamdscan --fdpass /home/hisops-avtest/Downloads/eicar.com", ok=(2,)
        )
        shell(WS, "systemctl start %s" % SCAN)  # what the daily timer starts
        shell(
            WS,
            "test ! -e /home/hisops-avtest/Downloads/eicar.com && test -f /var/lib/hisops/clamav-quarantine/eicar.com",
        )
        assert shell(WS, "stat -c %a /var/lib/hisops/clamav-quarantine").split("(stdout)")[1].strip().startswith("700")
        rec = audit()
        assert rec["status"] == "pass" and "1 detection(s) quarantined" in rec["message"], rec
        assert "detected: /home/hisops-avtest/Downloads/eicar.com: eicar.com.UNOFFICIAL" in rec["evidence"]
    finally:
        shell(WS, "rm -rf /home/hisops-avtest /var/lib/hisops/clamav-quarantine/eicar.com")
        shell(WS, "systemctl start %s" % SCAN)  # a clean last scan again


def test_stale_signatures_fail_the_control(mirror: Path) -> None:
    rec = audit("-e", '{"hisops_antivirus_max_age_hours": 0.0001}')
    assert rec["status"] == "fail" and "limit 0.0001 h" in rec["message"], rec


def test_stopped_daemon_fails_check_mode_changes_nothing_enforce_restarts(mirror: Path) -> None:
    shell(WS, "systemctl stop clamav-daemon.service")
    try:
        rc, report = playbook("antivirus.yml", "-l", WS, "--check")
        assert rc == 0
        rec = record(report)
        assert rec["status"] == "fail" and "start and enable clamav-daemon.service" in rec["changes"], rec
        assert "inactive" in shell(
            WS, "systemctl is-active clamav-daemon.service", ok=(2,)
        )  # ansible: the command failed
        rc, report = playbook("antivirus.yml", "-l", WS)
        assert rc == 0 and record(report)["status"] == "fixed", report["stats"]
        assert "active" in shell(WS, "systemctl is-active clamav-daemon.service")
        rc, again = playbook("antivirus.yml", "-l", WS)
        assert rc == 0 and again["stats"][WS]["changed"] == 0, again["stats"]
    finally:
        shell(WS, "systemctl start clamav-daemon.service")


def test_a_corrupt_import_is_refused_and_the_mirror_keeps_serving(mirror: Path) -> None:
    before = shell(MIRROR, "sha256sum /srv/clamav-mirror/hospital.hdb").split("(stdout)")[1].split()[0]
    bad = mirror / "corrupt" / "hospital.hdb"
    bad.parent.mkdir(exist_ok=True)
    bad.write_text("this is not a ClamAV database\n", encoding="utf-8")
    rc, report = playbook("clamav_mirror_import.yml", "-e", json.dumps({"hisops_clamav_import_files": [str(bad)]}))
    assert rc != 0
    out = results(report, "published atomically")[MIRROR]["stdout"]
    assert "REFUSED hospital.hdb: sigtool" in out and "nothing was published" in out, out
    assert before in shell(MIRROR, "sha256sum /srv/clamav-mirror/hospital.hdb")
    # the workstation's next freshclam run still succeeds from the mirror
    shell(
        WS,
        "systemctl stop clamav-freshclam; freshclam --no-warnings; rc=$?; systemctl start clamav-freshclam; exit $rc",
    )


def last_freshclam_run(rec: dict[str, Any]) -> tuple[float, str]:
    """(time, outcome) of the last finished freshclam run the evidence names."""
    (line,) = [e for e in rec["evidence"] if e.startswith("freshclam: last run ")]
    stamp, outcome = line[len("freshclam: last run ") :].split(" UTC ", 1)
    return calendar.timegm(time.strptime(stamp, "%Y-%m-%d %H:%M:%S")), outcome


def test_mirror_unreachable_fails_only_past_the_age_limit(mirror: Path) -> None:
    """freshclam by hand with the mirror down, then the daemon started again: the daemon retries
    (5 s between attempts) while the audit reads its log. The last run the evidence names must be
    the failed one made after the mirror went down (not an older successful one), and after the
    mirror is back, a successful one."""
    shell(MIRROR, "systemctl stop nginx.service")
    try:
        down_at = int(shell(WS, "date +%s").split("(stdout)", 1)[1].strip())
        shell(WS, FRESHCLAM, ok=tuple(range(1, 256)))
        rec = audit()
        assert rec["status"] == "pass", rec  # signatures still younger than the limit
        when, outcome = last_freshclam_run(rec)
        assert when >= down_at and outcome.startswith("failed: "), rec["evidence"]
        rec = audit("-e", '{"hisops_antivirus_max_age_hours": 0.0001}')
        assert rec["status"] == "fail" and "limit 0.0001 h" in rec["message"], rec
        assert last_freshclam_run(rec)[1].startswith("failed: "), rec["evidence"]
    finally:
        shell(MIRROR, "systemctl start nginx.service")
        shell(WS, FRESHCLAM)
    rec = audit()
    when, outcome = last_freshclam_run(rec)
    assert rec["status"] == "pass" and when >= down_at and outcome.startswith("ok"), rec["evidence"]


def test_bad_input_stops_before_any_host_is_touched(mirror: Path) -> None:
    bad = {
        "hisops_antivirus_quick_scan": {"time": "25:00", "paths": ["/home"]},
        "hisops_antivirus_max_age_hours": 0,
        "hisops_antivirus_mirror_url": "ftp://nc-01",
        "hisops_antivirus_quarantine_dir": "quarantine",
    }
    rc, report = playbook("antivirus.yml", "-l", WS, "-e", json.dumps(bad))
    assert rc != 0
    msg = results(report, "VALIDATE | antivirus settings")[WS]["msg"]
    for part in (
        "hisops_antivirus_quick_scan.time = '25:00' must be HH:MM",
        "hisops_antivirus_max_age_hours = 0",
        "hisops_antivirus_mirror_url = 'ftp://nc-01'",
        "hisops_antivirus_quarantine_dir = 'quarantine'",
    ):
        assert "host %s: %s" % (WS, part) in msg, msg
    assert results(report, "ClamAV from Debian is installed") == {}
    assert results(report, AUDIT) == {}
