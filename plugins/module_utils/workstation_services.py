# Copyright: hisops contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Linux workstation checks of scheduled services: HIM-7.7-updates (unattended security updates
and their age) and HIM-6.5-power (the after-hours shutdown timer)."""

from __future__ import annotations

import datetime
import re
from typing import Any

from .workstation_apt_sources import (
    check_deb822,
    check_one_line,
    codename,
    rewritable_suites,
)
from .workstation_packages import apt_install
from .workstation_engine import (
    MANAGED,
    Action,
    Context,
    Finding,
    file_action,
    remove_file_action,
    unfixable,
)
from .workstation_host import FixError, Host


# ---- HIM-7.7-updates ----------------------------------------------------------------
def periodic_content(ctx: Context) -> str:
    return (MANAGED % ctx.control_id) + (
        '// Security updates every day (rulebook 七.7).\nAPT::Periodic::Update-Package-Lists "1";\n'
        'APT::Periodic::Unattended-Upgrade "1";\n'
    )


def origins_content(ctx: Context) -> str:
    patterns = "".join('    "%s";\n' % o for o in ctx.mech.get("origins") or [])
    return (MANAGED % ctx.control_id) + "Unattended-Upgrade::Origins-Pattern {\n%s};\n" % patterns


def _apt_setting(host: Host, name: str) -> tuple[str, str]:
    """The value apt uses for ``name`` (the last of /etc/apt/apt.conf.d wins) and its file."""
    found = ("", "")
    pattern = re.compile(r'^\s*%s\s+"([^"]*)"\s*;' % re.escape(name), re.M)
    for entry in host.listdir("/etc/apt/apt.conf.d"):
        path = "/etc/apt/apt.conf.d/%s" % entry
        for match in pattern.finditer(host.read(path) or ""):
            found = (match.group(1), path)
    return found


def last_update_age(host: Host, mech: dict[str, Any], today: datetime.date) -> int | None:
    """Days since the last successful unattended upgrade (None: never)."""
    stamp = host.mtime(mech["stamp"])
    # a stamp from the future (the clock was wrong) counts as today
    return max(0, (today - datetime.date.fromtimestamp(stamp)).days) if stamp else None


def _run_upgrade(host: Host, mech: dict[str, Any]) -> None:
    """What the daily job does: refresh the lists, upgrade, stamp the success."""
    host.run(["apt-get", "update", "-q"])
    host.run(["unattended-upgrade"])
    host.write(mech["stamp"], "")


def sources_finding(host: Host, ctx: Context, finding: Finding) -> bool:
    """The apt sources against the approved mirrors: evidence, the rewrites as actions; True when
    a source (or the missing mirror list) can only be reported."""
    mech = ctx.mech
    mirrors = [str(m) for m in ctx.policy.get("apt_mirrors") or []]
    if not mirrors:
        finding.evidence.append(
            "no approved apt mirror set (hisops_workstation_apt_mirrors): the apt sources cannot be checked"
        )
        return True
    suites = rewritable_suites(mech, codename(host.read("/etc/os-release") or ""))
    files = [mech["sources_list"]] + [
        "%s/%s" % (mech["sources_dir"], name)
        for name in host.listdir(mech["sources_dir"])
        if name.endswith((".list", ".sources"))
    ]
    only_reported = False
    for path in files:
        text = host.read(path)
        if text is None:
            continue
        check = check_deb822 if path.endswith(".sources") else check_one_line
        content, rewritten, reported = check(path, text, mirrors, suites)
        finding.evidence += rewritten + reported
        only_reported = only_reported or bool(reported)
        action = file_action(host, path, content, ctx.control_id) if content != text else None
        if action:
            finding.actions.append(action)
    return only_reported


def check_updates(host: Host, ctx: Context) -> Finding:
    mech = ctx.mech
    finding = Finding()
    # first: the packages below come from the sources
    finding.report_only = sources_finding(host, ctx, finding)
    if mech["package"] not in host.packages():
        finding.evidence.append("%s is not installed: no automatic security updates" % mech["package"])
        finding.actions.append(Action("install %s" % mech["package"], lambda: apt_install(host, mech["package"])))
    for path, content, what in (
        (mech["periodic_file"], periodic_content(ctx), "daily updates"),
        (mech["config_file"], origins_content(ctx), "security origins"),
    ):
        action = file_action(host, path, content, ctx.control_id)
        if action:
            finding.evidence.append("%s not configured: %s missing or different" % (what, path))
            finding.actions.append(action)
    value, source = _apt_setting(host, "APT::Periodic::Unattended-Upgrade")
    if source and source != mech["periodic_file"] and value in ("0", ""):
        finding.evidence.append("%s sets APT::Periodic::Unattended-Upgrade %r: it overrides hisops" % (source, value))
    missing = [t for t in mech.get("timers") or [] if not host.exists("/etc/systemd/system/timers.target.wants/" + t)]
    if missing:
        finding.evidence.append("timer(s) not enabled: %s" % ", ".join(missing))
        finding.actions.append(
            Action("enable %s" % ", ".join(missing), lambda: host.run(["systemctl", "enable", "--now", *missing]))
        )
    limit = int(ctx.policy["update_max_age_days"])
    age = last_update_age(host, mech, ctx.today)
    if age is None or age > limit:
        finding.evidence.append(
            "no successful unattended upgrade recorded (%s)" % mech["stamp"]
            if age is None
            else "last successful unattended upgrade %d day(s) ago (limit %d)" % (age, limit)
        )
        finding.actions.append(Action("run unattended-upgrade now", lambda: _run_upgrade(host, mech)))
    else:
        finding.evidence.append("last successful unattended upgrade %d day(s) ago (limit %d)" % (age, limit))
    finding.violation = bool(finding.actions) or unfixable(finding) or finding.report_only
    finding.message = (
        "security updates not from approved mirrors, not automatic or too old"
        if finding.violation
        else "security updates from approved mirrors, current"
    )
    return finding


# ---- HIM-6.5-power ------------------------------------------------------------------
def power_units(ctx: Context) -> dict[str, str]:
    mech = ctx.mech
    head = MANAGED % ctx.control_id
    timer = head + (
        "[Unit]\nDescription=hisops %s: after-hours shutdown at %s (rulebook 六.5)\n\n"
        "[Timer]\nOnCalendar=*-*-* %s:00\nPersistent=false\n\n[Install]\nWantedBy=timers.target\n"
        % (ctx.control_id, ctx.policy["shutdown_time"], ctx.policy["shutdown_time"])
    )
    service = head + (
        "[Unit]\nDescription=hisops %s: after-hours shutdown\n\n[Service]\nType=oneshot\nExecStart=%s\n"
        % (ctx.control_id, mech["command"])
    )
    return {
        mech["unit_dir"] + "/" + mech["unit"] + ".timer": timer,
        mech["unit_dir"] + "/" + mech["unit"] + ".service": service,
    }


def check_power(host: Host, ctx: Context) -> Finding:
    mech = ctx.mech
    wants = "%s/timers.target.wants/%s.timer" % (mech["unit_dir"], mech["unit"])
    finding = Finding()
    units = power_units(ctx)
    if ctx.clinical_24h:
        present = [p for p in [*units, wants] if host.exists(p)]
        finding.evidence.append("24-hour clinical station (hisops_clinical_24h): no after-hours shutdown")
        if present:
            finding.evidence += ["shutdown unit present: %s" % p for p in present]
            finding.actions.append(Action("stop the shutdown timer", lambda: _systemctl(host, "disable", mech["unit"])))
            finding.actions += [remove_file_action(host, p) for p in units if host.exists(p)]
            finding.actions.append(Action("reload systemd", lambda: _systemctl(host, "daemon-reload")))
            finding.violation = True
            finding.message = "a 24-hour clinical station has an after-hours shutdown"
        else:
            finding.exempt = True
            finding.message = "24-hour clinical station: after-hours shutdown does not apply"
        return finding
    written = [a for a in (file_action(host, p, c, ctx.control_id) for p, c in units.items()) if a]
    if written:
        finding.evidence.append("shutdown timer missing or different")
        finding.actions += written
        finding.actions.append(Action("reload systemd", lambda: _systemctl(host, "daemon-reload")))
    if written or not host.exists(wants):
        if not host.exists(wants):
            finding.evidence.append("shutdown timer not enabled")
        finding.actions.append(
            Action("enable and start %s.timer" % mech["unit"], lambda: _systemctl(host, "enable", mech["unit"]))
        )
    finding.violation = bool(finding.actions)
    finding.message = "no after-hours shutdown" if finding.violation else "shutdown at %s" % ctx.policy["shutdown_time"]
    return finding


def _systemctl(host: Host, verb: str, unit: str = "") -> None:
    if verb == "daemon-reload":
        host.run(["systemctl", "daemon-reload"])
    elif verb == "enable":
        host.run(["systemctl", "enable", "--now", unit + ".timer"])
    else:
        rc, _out, _err = host.runner(["systemctl", "disable", "--now", unit + ".timer"])
        if rc not in (0, 1, 5):  # 1/5: the unit is already unknown
            raise FixError("could not disable %s.timer (rc=%d)" % (unit, rc))
