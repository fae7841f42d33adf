"""Verify the antivirus chain on the hosts themselves: the mirror serves, the workstation's
freshclam uses only it, clamd runs, the scheduled scan quarantines EICAR."""

from __future__ import annotations

EICAR = r"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"


def is_ws(host) -> bool:
    return host.backend.get_hostname() == "antivirus-ws"


def test_mirror_serves_the_published_database_and_nothing_half_copied(host) -> None:
    if is_ws(host):
        return
    assert host.service("nginx").is_running
    fetch = "import urllib.request; print(urllib.request.urlopen('http://127.0.0.1/hospital.hdb').read().decode())"
    served = host.check_output("python3 -c %s", fetch)
    assert served.endswith(":68:eicar.com")
    assert host.file("/srv/clamav-mirror").mode == 0o755
    assert host.run("ls -A /srv/clamav-mirror").stdout.split() == ["hospital.hdb"]
    assert not host.service("clamav-freshclam").is_running  # the mirror is fed by imports only


def test_freshclam_fetches_only_from_the_mirror(host) -> None:
    if not is_ws(host):
        return
    conf = host.file("/etc/clamav/freshclam.conf").content_string
    sources = [
        line
        for line in conf.splitlines()
        if line.split(" ")[0] in ("DatabaseMirror", "PrivateMirror", "DatabaseCustomURL")
    ]
    assert sources == [
        "PrivateMirror http://antivirus-mirror",
        "DatabaseCustomURL http://antivirus-mirror/hospital.hdb",
    ]
    assert host.file("/var/lib/clamav/hospital.hdb").content_string.endswith(":68:eicar.com\n")
    assert host.service("clamav-daemon").is_running and host.service("clamav-freshclam").is_running
    for kind in ("quick", "full"):
        assert host.service("hisops-clamav-scan-%s.timer" % kind).is_enabled


def test_scheduled_scan_quarantines_eicar(host) -> None:
    if not is_ws(host):
        return
    target = "/home/avtest/Downloads/eicar.com"
    host.run_expect([0], "mkdir -p /home/avtest/Downloads && printf %s %s > %s", "%s", EICAR, target)
    try:
        host.run_expect([0], "systemctl start hisops-clamav-scan@quick.service")
        assert not host.file(target).exists
        assert host.file("/var/lib/hisops/clamav-quarantine/eicar.com").exists
        assert host.file("/var/lib/hisops/clamav-quarantine").mode == 0o700
        log = host.file("/var/log/hisops/clamav-scan.log").content_string
        assert "%s: eicar.com.UNOFFICIAL FOUND" % target in log and "rc=1" in log.splitlines()[-1]
    finally:
        host.run("rm -rf /home/avtest /var/lib/hisops/clamav-quarantine/eicar.com")
