# Copyright: hisops contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Linux workstation checks of the desktop and sessions: polkit rules, HIM-7.4-storage (USB storage,
automount), dconf keys set and locked, HIM-7.1-screenlock (screen, shell and SSH idle), HIM-7.1-settings."""

from __future__ import annotations

import configparser
import fnmatch
import os
import re
from typing import Any

from .workstation_packages import apt_install
from .workstation_engine import (
    MANAGED,
    Action,
    Context,
    Finding,
    file_action,
    unfixable,
)
from .workstation_host import Host


# ---- polkit: rules only count when a polkit daemon that reads them is installed ---------
def polkit_finding(host: Host, mech: dict[str, Any], finding: Finding) -> None:
    """Evidence (and the install action) when nothing on the host reads polkit .rules files."""
    daemons = [d for d in mech.get("daemons") or [] if host.exists(d)]
    packages = host.packages()
    legacy = packages.get("policykit-1", {}).get("Version", "")
    if daemons and not (legacy.startswith("0.105") and "polkitd" not in packages):
        return
    if daemons:
        finding.evidence.append(
            "polkit %s reads only .pkla files: the .rules files of hisops have no effect" % legacy.split("-")[0]
        )
    else:
        finding.evidence.append("polkitd is not installed: nothing reads the polkit rules (they cannot take effect)")
    package = mech["package"]
    finding.actions.append(Action("install %s (the polkit daemon)" % package, lambda: apt_install(host, package)))


# ---- HIM-7.4-storage ----------------------------------------------------------------
def modprobe_content(mech: dict[str, Any], control_id: str) -> str:
    lines = [MANAGED % control_id]
    for module in mech.get("modules") or []:
        lines.append("blacklist %s\ninstall %s /bin/false\n" % (module, module))
    return "".join(lines)


def polkit_deny_content(control_id: str, actions: list[str], admin_group: str, what: str) -> str:
    prefixes = ",\n".join('    "%s"' % a for a in actions)
    return (
        "// Managed by hisops (%s): %s\n"
        "polkit.addRule(function(action, subject) {\n"
        "  var denied = [\n%s\n  ];\n"
        "  for (var i = 0; i < denied.length; i++) {\n"
        '    if (action.id.indexOf(denied[i]) === 0 && !subject.isInGroup("%s")) {\n'
        "      return polkit.Result.NO;\n"
        "    }\n"
        "  }\n"
        "});\n" % (control_id, what, prefixes, admin_group)
    )


def check_storage(host: Host, ctx: Context) -> Finding:
    finding = Finding()
    wanted = [
        (ctx.mech["modprobe_file"], modprobe_content(ctx.mech, ctx.control_id), "USB storage kernel modules"),
        (
            ctx.mech["polkit_file"],
            polkit_deny_content(
                ctx.control_id, ctx.mech.get("polkit_actions") or [], ctx.mech["admin_group"], "no mounting"
            ),
            "mounting by ordinary users (udisks)",
        ),
    ]
    for path, content, what in wanted:
        action = file_action(host, path, content, ctx.control_id)
        if action:
            finding.evidence.append("%s not blocked: %s missing or different" % (what, path))
            finding.actions.append(action)
    polkit_finding(host, ctx.mech["polkit"], finding)
    for name in host.listdir("/sys/module"):
        if name.replace("_", "-") in {m.replace("_", "-") for m in ctx.mech.get("modules") or []}:
            finding.evidence.append("kernel module %s is loaded (unloads at the next reboot)" % name)
    if ctx.mech.get("dconf"):
        dconf_finding(host, ctx.mech["dconf"], {}, ctx.control_id, finding)
    finding.violation = bool(finding.actions) or unfixable(finding)
    finding.message = "USB storage allowed" if finding.violation else "USB storage blocked, no automount"
    return finding


# ---- dconf (GNOME settings set and locked system-wide) --------------------------------
def dconf_keyfile(keys: dict[str, Any], values: dict[str, str], control_id: str) -> tuple[str, str]:
    """The keyfile and locks file contents hisops manages ({name} in values is replaced)."""
    sections: dict[str, list[str]] = {}
    locks = []
    for key, value in keys.items():
        rendered = str(value)
        for name, replacement in values.items():
            rendered = rendered.replace("{%s}" % name, replacement)
        directory, _, name = key.rpartition("/")
        sections.setdefault(directory.strip("/"), []).append("%s=%s" % (name, rendered))
        locks.append(key)
    body = "".join("\n[%s]\n%s\n" % (sec, "\n".join(lines)) for sec, lines in sections.items())
    keyfile = (MANAGED % control_id) + body.lstrip("\n")
    lockfile = (MANAGED % control_id) + "".join("%s\n" % k for k in locks)
    return keyfile, lockfile


def dconf_effective(host: Host, db_dir: str) -> tuple[dict[str, str], set[str]]:
    """Values the system db would hold (later keyfiles win) and the locked keys."""
    values: dict[str, str] = {}
    for name in host.listdir(db_dir):
        path = "%s/%s" % (db_dir, name)
        if name.startswith(".") or not os.path.isfile(host.path(path)):
            continue
        parser = configparser.RawConfigParser(strict=False, interpolation=None)
        parser.optionxform = str  # type: ignore[assignment,method-assign]
        try:
            parser.read_string(host.read(path) or "")
        except configparser.Error:
            continue
        for section in parser.sections():
            for key, value in parser.items(section):
                values["/%s/%s" % (section.strip("/"), key)] = value.strip()
    locks: set[str] = set()
    for name in host.listdir(db_dir + "/locks"):
        for line in (host.read("%s/locks/%s" % (db_dir, name)) or "").splitlines():
            if line.strip() and not line.startswith("#"):
                locks.add(line.strip())
    return values, locks


def dconf_finding(host: Host, mech: dict[str, Any], values: dict[str, str], control_id: str, finding: Finding) -> None:
    """Check the dconf keys of ``mech`` (profile, db, keyfile, keys): set, locked, compiled."""
    db = mech["db"]
    db_dir = "/etc/dconf/db/%s.d" % db
    keyfile, lockfile = dconf_keyfile(mech.get("keys") or {}, values, control_id)
    profile = host.read(mech["profile"]) or ""
    actions: list[Action] = []
    if "system-db:%s" % db not in profile.split():
        finding.evidence.append("dconf profile %s does not read the system db %s" % (mech["profile"], db))
        actions.append(file_action(host, mech["profile"], "user-db:user\nsystem-db:%s\n" % db, control_id))  # type: ignore[arg-type]
    current, locks = dconf_effective(host, db_dir)
    wanted_values = {}
    section = ""
    for line in keyfile.splitlines():
        if line.startswith("["):
            section = line.strip("[]")
        elif "=" in line and not line.startswith("#"):
            key, _, value = line.partition("=")
            wanted_values["/%s/%s" % (section, key)] = value
    wrong = False
    for key, value in wanted_values.items():
        if current.get(key) != value:
            wrong = True
            finding.evidence.append("%s is %s, must be %s" % (key, current.get(key, "unset"), value))
        if key not in locks:
            wrong = True
            finding.evidence.append("%s is not locked: users can change it" % key)
    changed_files = [
        a
        for a in (
            file_action(host, "%s/%s" % (db_dir, mech["keyfile"]), keyfile, control_id),
            file_action(host, "%s/locks/%s" % (db_dir, mech["keyfile"]), lockfile, control_id),
        )
        if a
    ]
    actions += changed_files
    compiled = "/etc/dconf/db/%s" % db
    sources = [db_dir] + ["%s/%s" % (db_dir, n) for n in host.listdir(db_dir)]
    sources += ["%s/locks/%s" % (db_dir, n) for n in host.listdir(db_dir + "/locks")]
    stale = not host.exists(compiled) or any(host.mtime(s) > host.mtime(compiled) for s in sources)
    if stale and not changed_files:
        finding.evidence.append("compiled dconf database %s is older than its keyfiles" % compiled)
    if wrong and not actions and not stale:
        # Values wrong although hisops' files are right: a later keyfile overrides them.
        finding.evidence.append("another keyfile in %s overrides hisops' settings" % db_dir)
    if actions or stale:
        actions.append(Action("run dconf update", lambda: _dconf_update(host)))
    finding.actions += actions


def _dconf_update(host: Host) -> None:
    if not host.exists("/usr/bin/dconf"):
        apt_install(host, "dconf-cli")
    host.run(["dconf", "update"])


# ---- HIM-7.1-screenlock (screen, shell and SSH sessions end or lock when idle) ---------
def tmout_content(ctx: Context) -> str:
    seconds = int(ctx.policy["shell_idle_minutes"]) * 60
    return (MANAGED % ctx.control_id) + (
        "# Shells end after %d idle minutes (rulebook 七.1); users cannot change it.\n"
        "TMOUT=%d\nreadonly TMOUT\nexport TMOUT\n" % (int(ctx.policy["shell_idle_minutes"]), seconds)
    )


def sshd_settings(ctx: Context) -> dict[str, str]:
    return {
        "clientaliveinterval": str(ctx.policy["ssh_client_alive_interval"]),
        "clientalivecountmax": str(ctx.policy["ssh_client_alive_count_max"]),
    }


def sshd_effective(host: Host, path: str, seen: set[str] | None = None) -> dict[str, tuple[str, str]]:
    """keyword (lower case) -> (value, file) as sshd reads it: the first value wins, Include
    expands in place (relative to /etc/ssh), and nothing after the first Match block counts."""
    seen = seen if seen is not None else set()
    found: dict[str, tuple[str, str]] = {}
    if path in seen:
        return found
    seen.add(path)
    for raw in (host.read(path) or "").splitlines():
        parts = raw.split("#", 1)[0].strip().replace("=", " ", 1).split(None, 1)
        if len(parts) < 2:
            continue
        keyword, value = parts[0].lower(), parts[1].strip()
        if keyword == "match":
            found.setdefault("match", ("", path))
            break
        if keyword == "include":
            for pattern in value.split():
                pattern = pattern if pattern.startswith("/") else "/etc/ssh/" + pattern
                directory, _, name = pattern.rpartition("/")
                for entry in host.listdir(directory):
                    if fnmatch.fnmatchcase(entry, name):
                        for key, val in sshd_effective(host, "%s/%s" % (directory, entry), seen).items():
                            found.setdefault(key, val)
                if "match" in found:
                    break
            continue
        found.setdefault(keyword, (value, path))
    return found


def _shell_and_ssh(host: Host, ctx: Context, finding: Finding) -> None:
    mech = ctx.mech
    profile = mech["shell_profile"]
    action = file_action(host, profile, tmout_content(ctx), ctx.control_id)
    if action:
        finding.evidence.append("shell idle timeout (read-only TMOUT) not set: %s missing or different" % profile)
        finding.actions.append(action)
    for path in mech.get("shell_files") or []:
        files = [path] if not path.endswith("/") else ["%s%s" % (path, n) for n in host.listdir(path)]
        for name in files:
            if name == profile:
                continue
            if re.search(r"(^|[\s;])(readonly\s+|export\s+|declare\s+-\S+\s+)?TMOUT=", host.read(name) or "", re.M):
                finding.evidence.append("%s sets TMOUT too: it overrides hisops' shell timeout" % name)
    config = mech["sshd_config"]
    if not host.exists(config):
        return
    dropin = mech["sshd_dropin"]
    wanted = sshd_settings(ctx)
    content = (MANAGED % ctx.control_id) + "".join(
        "%s %s\n" % (k, wanted[k.lower()]) for k in ("ClientAliveInterval", "ClientAliveCountMax")
    )
    action = file_action(host, dropin, content, ctx.control_id)
    if action:
        finding.evidence.append("SSH idle timeout not set: %s missing or different" % dropin)
        finding.actions += [action, Action("check and reload sshd", lambda: _reload_sshd(host, mech))]
    effective = sshd_effective(host, config)
    for key, value in wanted.items():
        have, source = effective.get(key, ("", ""))
        if have != value and not action:
            finding.evidence.append(
                "sshd %s is %s in %s, must be %s: overridden" % (key, have or "unset", source, value)
            )
        elif have != value and source and source != dropin:
            finding.evidence.append(
                "sshd %s is %s in %s, must be %s: it overrides %s" % (key, have, source, value, dropin)
            )


def _reload_sshd(host: Host, mech: dict[str, Any]) -> None:
    host.run(["sshd", "-t"])
    host.run(["systemctl", "try-reload-or-restart", mech.get("sshd_unit", "ssh.service")])


def check_screenlock(host: Host, ctx: Context) -> Finding:
    finding = Finding()
    seconds = str(int(ctx.policy["screenlock_minutes"]) * 60)
    dconf_finding(host, ctx.mech, {"seconds": seconds}, ctx.control_id, finding)
    _shell_and_ssh(host, ctx, finding)
    finding.violation = bool(finding.actions) or unfixable(finding)
    finding.message = (
        "idle sessions not locked or ended"
        if finding.violation
        else "screen lock after %d min, locked; shells end after %d min"
        % (ctx.policy["screenlock_minutes"], ctx.policy["shell_idle_minutes"])
    )
    return finding


# ---- HIM-7.1-settings ---------------------------------------------------------------
def check_settings(host: Host, ctx: Context) -> Finding:
    content = polkit_deny_content(
        ctx.control_id, ctx.mech.get("polkit_actions") or [], ctx.mech["admin_group"], "no system settings changes"
    )
    finding = Finding()
    action = file_action(host, ctx.mech["polkit_file"], content, ctx.control_id)
    if action:
        finding.evidence.append("system settings not protected: %s missing or different" % ctx.mech["polkit_file"])
        finding.actions.append(action)
    polkit_finding(host, ctx.mech["polkit"], finding)
    finding.violation = bool(finding.actions)
    finding.message = (
        "users can change system settings" if finding.violation else "system settings need an administrator"
    )
    return finding
