"""compliance_schedule, verified on the control-node container itself."""

from __future__ import annotations

import re

WRAPPER = "/usr/local/libexec/hisops/hisops-scheduled-job"
UNITS = "/etc/systemd/system/hisops-compliance-%s.%s"


def test_units_installed_and_valid(host) -> None:
    for job in ("audit", "report"):
        for kind in ("service", "timer"):
            unit = host.file(UNITS % (job, kind))
            assert unit.exists and unit.user == "root" and unit.mode == 0o644
        verify = host.run("systemd-analyze verify %s %s" % (UNITS % (job, "service"), UNITS % (job, "timer")))
        assert verify.rc == 0, verify.stderr
        assert "hisops" not in verify.stderr, verify.stderr
    service = host.file(UNITS % ("audit", "service")).content_string
    assert "ExecStart=%s audit" % WRAPPER in service and "WorkingDirectory=/opt/hisops" in service
    timer = host.file(UNITS % ("audit", "timer")).content_string
    assert "OnCalendar=Mon..Fri *-*-* 02:30:00" in timer and "Persistent=true" in timer


def test_timers_enabled_and_listed(host) -> None:
    timers = host.run("systemctl list-timers --all --no-legend").stdout
    for job in ("audit", "report"):
        name = "hisops-compliance-%s.timer" % job
        assert host.service(name).is_enabled and host.service(name).is_running
        assert name in timers
    # the next elapse is computed from the calendar: a weekday at 02:30 (plus the random delay)
    nxt = host.run("systemctl show -P NextElapseUSecRealtime hisops-compliance-audit.timer").stdout
    assert re.match(r"^(Mon|Tue|Wed|Thu|Fri) \d{4}-\d{2}-\d{2} 02:(3\d|4\d)", nxt), nxt


def test_runner_environment_is_private(host) -> None:
    env = host.file("/var/lib/hisops/runner/env/envvars")
    assert env.mode == 0o600
    assert 'HISOPS_STORE: "postgresql://hisops:molecule-db-pw@db.example.org/hisops"' in env.content_string
    assert 'ANSIBLE_CONFIG: "/opt/hisops/ansible.cfg"' in env.content_string


def test_wrapper_runs_ansible_runner_and_keeps_artifacts(host) -> None:
    assert host.file(WRAPPER).mode == 0o755
    usage = host.run(WRAPPER + " nope")
    assert usage.rc == 2 and "usage:" in usage.stderr
    # a real ansible-runner run: no ansible-playbook in this container, so the job fails,
    # but runner has accepted the command line and kept the job's artifacts
    host.run("systemctl start hisops-compliance-report.service")
    # the failed job is a failed unit (Type=oneshot, the wrapper exits with runner's status): monitoring sees it
    assert host.run("systemctl is-failed hisops-compliance-report.service").stdout.strip() == "failed"
    jobs = host.run("ls -1 /var/lib/hisops/artifacts/report").stdout.split()
    assert len(jobs) == 1 and re.match(r"^report-\d{8}T\d{6}$", jobs[0]), jobs
    command = host.file("/var/lib/hisops/artifacts/report/%s/command" % jobs[0]).content_string
    assert "playbooks/report.yml" in command and "hisops_report_period=" in command
    assert re.search(r"hisops_report_period=\d{4}-\d{2}", command)
    assert "/opt/hisops/inventory/site" in command
